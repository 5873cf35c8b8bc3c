"""Hostile and broken PDF answer files, written by hand (raw PDF syntax) or by pypdf at test time.

Each is named `HW4_T_adv_pdf_*.pdf`; manifest.yaml says what each must end as. `conftest.py`'s
`make_generated` calls `make_pdfs`. Built here, not committed: most are a few KB, the
decompression bomb is 100 KB that inflates to 200 MB, and all are deterministic.
"""

from __future__ import annotations

import io
import zlib
from pathlib import Path

GOOD_FIELD = b"<< /FT /Tx /T (q1.c.unet_conv2_params) /V (73856) >>"


def raw_pdf(objects: list[bytes], *, root: int = 1, trailer_extra: bytes = b"", xref: bool = True) -> bytes:
    """A classic PDF of `objects` (object i+1 is objects[i]), with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    if xref:
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        for offset in offsets:
            out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, trailer_extra, start)
    return bytes(out)


def stream(data: bytes, extra: bytes = b"", *, compress: bool = True) -> bytes:
    body = zlib.compress(data, 9) if compress else data
    flt = b"/Filter /FlateDecode " if compress else b""
    return b"<< /Length %d %s%s>>\nstream\n" % (len(body), flt, extra) + body + b"\nendstream"


def form_pdf(fields: list[bytes], *, catalog_extra: bytes = b"") -> bytes:
    """One page and an AcroForm whose fields are the given dictionaries (objects 4...)."""
    refs = b" ".join(b"%d 0 R" % (4 + i) for i in range(len(fields)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm 3 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (4 + len(fields)),
        b"<< /Fields [" + refs + b"] >>",
        *fields,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    return raw_pdf(objects)


def bomb_pdf() -> bytes:
    """The answer field sits in an object stream that inflates to 60 MB (PDF 1.5 xref stream)."""
    field = GOOD_FIELD
    header = b"4 0 "
    payload = header + field + b" " * 60_000_000  # the inflated stream: 60 MB of spaces
    compressor = zlib.compressobj(6)
    packed = compressor.compress(payload) + compressor.flush()
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm 3 0 R >>",
        b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
        b"<< /Fields [4 0 R] >>",
        b"",  # object 4 lives in the object stream (object 6)
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /Type /ObjStm /N 1 /First %d /Length %d /Filter /FlateDecode >>\nstream\n" % (len(header), len(packed)) + packed + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    for number, body in enumerate(objects, 1):
        if not body:
            continue
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_number = len(objects) + 1
    offsets[xref_number] = len(out)
    rows = bytearray(b"\x00\x00\x00\x00\x00\xff\xff")
    for number in range(1, xref_number + 1):
        if number == 4:
            rows += b"\x02" + (6).to_bytes(4, "big") + (0).to_bytes(2, "big")
        else:
            rows += b"\x01" + offsets[number].to_bytes(4, "big") + (0).to_bytes(2, "big")
    out += b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % (xref_number, xref_number + 1, len(rows))
    out += bytes(rows) + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[xref_number]
    return bytes(out)


def _pypdf_bytes(writer) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf(user_password: str) -> bytes:
    """A small form, encrypted (RC4: no optional crypto library needed to make or read it)."""
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(form_pdf([GOOD_FIELD]))))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="RC4-128")
    return _pypdf_bytes(writer)


def make_pdfs(folder: Path) -> None:
    def put(name: str, data: bytes) -> None:
        (folder / f"HW4_T_adv_pdf_{name}.pdf").write_bytes(data)

    put("good_raw", form_pdf([GOOD_FIELD]))  # a hand-made form: read like any other
    put("bomb", bomb_pdf())
    put("encrypted", encrypted_pdf("secret"))
    put("owner_password_only", encrypted_pdf(""))  # restrictions only: the answers are readable
    put("broken_xref", raw_pdf([b"<< /Type /Catalog /Pages 2 0 R /AcroForm 3 0 R >>", b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>", b"<< /Fields [4 0 R] >>", GOOD_FIELD, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]).replace(b"startxref\n", b"startxref\n9").replace(b"0000000", b"0000999"))
    put("truncated", form_pdf([GOOD_FIELD])[:60])
    deep = b"[" * 100_000 + b"]" * 100_000
    put("deep_nesting", form_pdf([b"<< /FT /Tx /T (q1.c.unet_conv2_params) /V " + deep + b" >>"]))
    put("deep_fields", form_pdf([b"<< /T (a) /Kids [4 0 R] >>"]))  # a field that is its own kid: a cycle
    put("big_value", form_pdf([b"<< /FT /Tx /T (q2.derivation) /V (" + b"x" * 10_000_000 + b") >>"]))
    put("many_fields", form_pdf([b"<< /FT /Tx /T (f%d) /V (1) >>" % i for i in range(5_000)]))
    js = b"/OpenAction << /S /JavaScript /JS (app.alert\\('pwned'\\); this.submitForm\\('http://127.0.0.1:9/'\\)) >> /Names << /JavaScript << /Names [(x) << /S /JavaScript /JS (app.launchURL\\('file:///etc/passwd'\\)) >>] >> >>"
    put("javascript", form_pdf([b"<< /FT /Tx /T (q1.c.unet_conv2_params) /V (73856) /AA << /K << /S /JavaScript /JS (event.value='0') >> >> >>"], catalog_extra=js))
    put("not_a_pdf", b"student_id: adv\nanswers:\n  q1.c.unet_conv2_params: 73856\n")
    put("no_form", raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>", stream(b"BT /F1 12 Tf 72 720 Td (My answers: 73856) Tj ET")]))
    kids = b" ".join([b"3 0 R"] * 5_000)
    put("many_pages", raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [" + kids + b"] /Count 5000 >>", b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]))

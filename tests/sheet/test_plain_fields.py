"""`grader.readers.pdf_sheet._PlainFields`: the field dictionaries it reads from a file's bytes hold the
values pypdf's own parser reads, and whatever it is not sure of it leaves to pypdf.

Compared object by object with pypdf (types, values, and a string's recorded encoding), on
real sheets and on randomly built dictionaries full of PDF syntax corner cases.
"""

from __future__ import annotations

import io
import random
from typing import Any

import pypdf
import pytest
from pypdf.generic import DictionaryObject, IndirectObject

from grader.readers.pdf_sheet import _FIELD_KEYS, _PlainFields, form_fields, quiet_pypdf, read_sheet
from grader.student.sheet.fill import fill_sheet
from tests.adversarial.hostile_pdfs import raw_pdf
from tests.conftest import SUBMISSIONS
from tests.sheet.test_read import STUDENT, VALUES

_STRING_ATTRS = ("_original_bytes", "autodetect_pdfdocencoding", "autodetect_utf16", "utf16_bom")


def _difference(ours: Any, theirs: Any, path: str = "") -> str | None:
    """Where two pypdf objects differ (type, value, a string's encoding facts), or None."""
    if type(ours) is not type(theirs):
        return f"{path}: {type(ours).__name__} vs {type(theirs).__name__}"
    if isinstance(ours, dict):
        if set(ours) != set(theirs):
            return f"{path}: keys {sorted(ours)} vs {sorted(theirs)}"
        for key in ours:  # dict.__getitem__: pypdf's __getitem__ would resolve references
            found = _difference(dict.__getitem__(ours, key), dict.__getitem__(theirs, key), f"{path}{key}")
            if found:
                return found
        return None
    if isinstance(ours, list):
        if len(ours) != len(theirs):
            return f"{path}: {len(ours)} vs {len(theirs)} items"
        for i, (a, b) in enumerate(zip(list.__iter__(ours), list.__iter__(theirs), strict=True)):
            found = _difference(a, b, f"{path}[{i}]")
            if found:
                return found
        return None
    if isinstance(ours, IndirectObject):
        return None if (ours.idnum, ours.generation) == (theirs.idnum, theirs.generation) else f"{path}: {ours!r} vs {theirs!r}"
    if ours != theirs:
        return f"{path}: {ours!r} vs {theirs!r}"
    for attr in _STRING_ATTRS:
        if getattr(ours, attr, None) != getattr(theirs, attr, None):
            return f"{path}: {attr} {getattr(ours, attr, None)!r} vs {getattr(theirs, attr, None)!r}"
    return None


def _compare(data: bytes, idnum: int, generation: int = 0) -> tuple[bool, str | None]:
    """(read by `_PlainFields`, difference from pypdf's field entries of the same object)."""
    with quiet_pypdf():
        ours_reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        ours = _PlainFields(ours_reader, data)._plain(idnum, generation)
        try:
            theirs_reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            theirs = theirs_reader.get_object(IndirectObject(idnum, generation, theirs_reader))
        except Exception as exc:  # noqa: BLE001 - pypdf refuses it: so must we (leave it to pypdf)
            return ours is not None, None if ours is None else f"pypdf raised {type(exc).__name__}, ours read {ours!r}"
    if ours is None:
        return False, None
    if not isinstance(theirs, dict):
        return True, f"pypdf read a {type(theirs).__name__}"
    expected = DictionaryObject({key: dict.__getitem__(theirs, key) for key in theirs if key in _FIELD_KEYS})
    return True, _difference(ours, expected)


def _sheets(blank_sheet: Any) -> dict[str, bytes]:
    filled = fill_sheet(blank_sheet(STUDENT), VALUES)
    return {"sample": (SUBMISSIONS / "HW4_T_401234570.pdf").read_bytes(), "filled": filled, "blank": blank_sheet(STUDENT)}


def test_field_dictionaries_of_real_sheets_read_as_pypdf_reads_them(blank_sheet: Any) -> None:
    for label, data in _sheets(blank_sheet).items():
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        fields = [ref.idnum for ref in reader.trailer["/Root"]["/AcroForm"]["/Fields"]]
        read_here = 0
        for generation, numbers in reader.xref.items():
            for idnum in numbers:
                plain, difference = _compare(data, idnum, generation)
                assert difference is None, (label, idnum, difference)
                read_here += plain and idnum in fields
        assert read_here == len(fields) >= 50, label  # every field of a sheet takes the fast path


def test_the_walk_reads_the_same_answers_with_and_without_it(blank_sheet: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.readers import pdf_sheet as read

    for data in _sheets(blank_sheet).values():
        fast = read_sheet(data, f"HW4_T_{STUDENT}.pdf", prefix="HW4_T_")
        monkeypatch.setattr(read._PlainFields, "resolver", classmethod(lambda cls, reader: read._resolve))
        slow = read_sheet(data, f"HW4_T_{STUDENT}.pdf", prefix="HW4_T_")
        monkeypatch.undo()
        assert fast == slow
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        assert len(form_fields(reader, "x")) >= 50


# Pieces of PDF syntax, the usual and the odd: escapes pypdf reads its own way, names with
# #-escapes, numbers pypdf reads oddly, references longer than its 20-byte look-ahead, hex
# strings with white space, comments, streams, unbalanced parentheses, duplicate keys.
_STRING_PIECES = [
    b"a", b"Zq", b" ", b"(", b")", b"\\(", b"\\)", b"\\n", b"\\r", b"\\t", b"\\b", b"\\f", b"\\\\", b"\\0", b"\\12",
    b"\\377", b"\\400", b"\\777", b"\\8", b"\\q", b"\\a", b"\\v", b"\\x41", b"\\u0041", b"\\'", b'\\"', b"\\/",
    b"\\\n", b"\\\r\n", b"\\\r", b"\r\n", b"\n", b"\xfe\xff", b"\xff\xfe", b"\xef\xbb\xbf", b"\x00", b"\xe9", b"\\376\\377",
    b"\\000A", b"\\0001", b"\\3771", b"\\47", b"\\470", b"%", b"\\%", b"\\",
]
_NAMES = [b"/T", b"/V", b"/FT", b"/Opt", b"/Ff", b"/Kids", b"/DA", b"/Rect", b"/T#20x", b"/\xe9", b"/", b"/a.b_c", b"/Ty{p", b"/" + b"n" * 130]
_NUMBERS = [b"12", b"-3", b"+4", b"4.", b".5", b"-.5", b"1.2.3", b"--1", b"1,5", b"0012", b"12345678901234567890", b"7e3", b"3.14159"]
_REFS = [b"5 0 R", b"5  0 R", b"5\n0\rR", b"+5 0 R", b"5 0 R5", b"5 0 Rx", b"12345 0 R", b"5          0          R", b"5\x000 R", b"5 0 obj"]
_OTHER = [b"true", b"false", b"null", b"truex", b"endobj", b"<48656c6c6f>", b"<4>", b"<>", b"<48 65>", b"<zz>", b"<FEFF0041>", b"<<>>", b"[]"]
_GAPS = [b" ", b" ", b"\n", b"\r\n", b"", b"\t", b"\x00", b"\x0c", b"%c\n", b"  "]


def _string(rnd: random.Random) -> bytes:
    return b"(" + b"".join(rnd.choice(_STRING_PIECES) for _ in range(rnd.randint(0, 12))) + b")"


def _value(rnd: random.Random, depth: int = 0) -> bytes:
    pick = rnd.random()
    if pick < 0.35:
        return _string(rnd)
    if pick < 0.5:
        return rnd.choice(_NAMES)
    if pick < 0.6:
        return rnd.choice(_NUMBERS)
    if pick < 0.7:
        return rnd.choice(_REFS)
    if pick < 0.8 or depth > 2:
        return rnd.choice(_OTHER)
    if pick < 0.9:
        return b"[" + rnd.choice(_GAPS).join(_value(rnd, depth + 1) for _ in range(rnd.randint(0, 4))) + b"]"
    return _dictionary(rnd, depth + 1)


def _dictionary(rnd: random.Random, depth: int = 0) -> bytes:
    entries = [rnd.choice(_NAMES) + rnd.choice(_GAPS) + _value(rnd, depth) for _ in range(rnd.randint(0, 5))]
    return b"<<" + rnd.choice(_GAPS) + rnd.choice(_GAPS).join(entries) + rnd.choice(_GAPS) + b">>"


@pytest.mark.parametrize("seed", range(4))
def test_random_dictionaries_are_read_as_pypdf_reads_them_or_left_to_pypdf(seed: int) -> None:
    rnd = random.Random(seed)
    read_here = 0
    for _ in range(600):
        body = _dictionary(rnd)
        if rnd.random() < 0.05:
            body += rnd.choice([b" stream\nxyz\nendstream", b"x", b" 5"])
        data = raw_pdf([b"<< /Type /Catalog >>", b"<< >>", b"<< >>", body])
        plain, difference = _compare(data, 4)
        assert difference is None, (body, difference)
        read_here += plain
    assert read_here > 30  # the plain dictionaries among them were read here


@pytest.mark.parametrize(
    "body",
    [
        b"<< /T (a) /T (b) >>",  # a duplicate key: pypdf keeps the first
        b"<< /V (a\\(b) >>",  # \( : pypdf's own escape
        b"<< /V (\\400) >>",  # an octal code above 255
        b"<< /V (line\\\ncontinued) >>",
        b"<< /V (a) % a comment\n>>",
        b"<< /V (a) >> stream\nxyz\nendstream",
        b"<< /V 5 0 R5 >>",
        b"<< /T#41 (a) >>",
        b"<< /V 5 0 obj >>",
        b"<< /V (unclosed >>",
    ],
)
def test_what_is_not_plain_is_left_to_pypdf(body: bytes) -> None:
    data = raw_pdf([b"<< /Type /Catalog >>", b"<< >>", b"<< >>", body])
    assert _compare(data, 4) == (False, None)


def test_plain_strings_read_as_pypdf_reads_them() -> None:
    """Long strings of the plain escapes (pypdf's writer escapes most bytes in octal)."""
    rnd = random.Random(7)
    plain_pieces = [b"a", b" ", b"\\n", b"\\r", b"\\t", b"\\b", b"\\f", b"\\\\", b"\\0", b"\\12", b"\\377", b"\\47", b"\\3771", b"\xe9", b"(x)", b"\\000"]
    for size in (0, 1, 50, 2_000, 20_000):
        for prefix in (b"", b"\\376\\377", b"\\377\\376", b"\\357\\273\\277", b"\\000"):
            body = b"<< /V (" + prefix + b"".join(rnd.choice(plain_pieces) for _ in range(size)) + b") >>"
            data = raw_pdf([b"<< /Type /Catalog >>", b"<< >>", b"<< >>", body])
            assert _compare(data, 4) == (True, None), body[:200]

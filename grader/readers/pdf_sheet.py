"""Read a filled answer sheet (PDF form) into the document a YAML answer file would give.

The PDF is untrusted input, like YAML: it is parsed by pypdf from bytes already read under the
size limit, with pypdf's decompression and structure limits tightened (`_LIMITS`), inside a
wall-clock bound, with pypdf's log silenced (its messages can quote the file). Only form field
values and the document information are read: no action, JavaScript or embedded file is ever
looked at, let alone run. Every failure is one `SubmissionError` "<file>: unreadable PDF: ...".

The field walk reads plain field dictionaries from the file's bytes (`_PlainFields`, the values
pypdf's parser gives, ~4x faster) and leaves every other object to pypdf.

Values are read from each field's stored `/V` (`get_fields()`), not from `get_form_text_fields()`,
which drops choices and buttons: text fields give their text; a choice (combo box, list) its
export value; a radio group, which WeasyPrint stores as an index into `/Opt`, the option at that
index (or, if `/V` is unset, the state of the widget that is on); a checkbox its state name.

Python 3.9-compatible on purpose: the student kit reads sheets on old interpreters.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from grader.errors import LimitExceeded, SubmissionError
from grader.student.sheet import HOMEWORK_FIELD, INFO_HOMEWORK, INFO_PREFIX, INFO_SHEET_PAGES, INFO_STUDENT, MAX_PDF_BYTES, SHEET_FIELD_PREFIX, STUDENT_FIELD

MAX_FIELDS = 1_000  # the HW4 sheet has 52
MAX_FIELD_CHARS = 100_000  # per value; a 5x5x4 tensor is ~600 characters, a long essay ~20,000
MAX_TOTAL_CHARS = 1_000_000
MAX_PAGES = 1_000
MAX_FIELD_DEPTH = 10
PDF_SECONDS = 5.0
MAX_STREAM_BYTES = 16_000_000  # decompressed, per stream (object streams hold the form's objects)

# pypdf `Configuration` fields (pypdf >= 6.5); older pypdf has module constants (`_LEGACY`).
_LIMITS = {
    "maximum_declared_stream_length": MAX_STREAM_BYTES,
    "array_based_stream_maximum_output_length": MAX_STREAM_BYTES,
    "zlib_maximum_output_length": MAX_STREAM_BYTES,
    "lzw_maximum_output_length": MAX_STREAM_BYTES,
    "run_length_maximum_output_length": MAX_STREAM_BYTES,
    "brotli_maximum_output_length": MAX_STREAM_BYTES,
    "jbig2_maximum_output_length": MAX_STREAM_BYTES,
    "image_maximum_buffer_size": MAX_STREAM_BYTES,
    "stream_decoding_work_maximum_length": 4 * MAX_STREAM_BYTES,
    "form_fields_maximum_entries": MAX_FIELDS * 4,  # a field's widgets count too
    "form_fields_maximum_depth": MAX_FIELD_DEPTH,
    "page_tree_maximum_entries": MAX_PAGES * 2,
    "page_tree_maximum_depth": 32,
    "array_maximum_element_count": 100_000,
    "dictionary_maximum_element_count": 10_000,
    "jbig2dec_binary": None,  # never start an external decoder on a student's file
}
_LEGACY = {
    "ZLIB_MAX_OUTPUT_LENGTH": MAX_STREAM_BYTES,
    "LZW_MAX_OUTPUT_LENGTH": MAX_STREAM_BYTES,
    "RUN_LENGTH_MAX_OUTPUT_LENGTH": MAX_STREAM_BYTES,
    "MAX_DECLARED_STREAM_LENGTH": MAX_STREAM_BYTES,
    "MAX_ARRAY_BASED_STREAM_OUTPUT_LENGTH": MAX_STREAM_BYTES,
    "JBIG2_MAX_OUTPUT_LENGTH": MAX_STREAM_BYTES,
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_PDF_MAGIC = b"%PDF-"

NO_FORM_REASON = "no answer fields"
WHAT_TO_DO = (
    "open your answer sheet (grade sheet --student YOUR_ID makes it) in a PDF viewer (Firefox, Acrobat Reader, "
    "Okular, Evince), type each answer into its field and save it with Save, not Print; "
    "derivation pages may be appended after the sheet"
)


@dataclass(frozen=True)
class SheetRead:
    """What a PDF answer file held: a document like a YAML file's, and facts for the TA."""

    document: dict[str, Any]
    pages: int
    sheet_pages: int | None  # pages of the generated sheet, when the file says so
    has_fields: bool  # False: no answer fields at all (flattened, a scan, a write-up)
    warnings: list[str] = field(default_factory=list)

    def extra(self) -> dict[str, Any]:
        """Plain facts kept on the result (`pdf_*`), and the reason every item is missing."""
        data: dict[str, Any] = {"pdf_pages": self.pages}
        if self.sheet_pages is not None:
            data["pdf_sheet_pages"] = self.sheet_pages
        if not self.has_fields:
            data["missing_reason"] = f"{NO_FORM_REASON}: the PDF has no form fields; a TA grades the file by hand"
        return data


def looks_like_pdf(data: bytes) -> bool:
    # PDF readers accept the header anywhere in the first KB; so do we
    return _PDF_MAGIC in data[:1024]


def clean(text: str, limit: int = 200) -> str:
    """Text from the file (or pypdf's message about it) safe for a terminal: one line, short."""
    text = _CONTROL.sub(" ", text.replace("\r", " ").replace("\n", " ")).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unreadable(name: str, why: str) -> SubmissionError:
    return SubmissionError(f"{name}: unreadable PDF: {why}")


@contextmanager
def _pypdf_limits() -> Iterator[None]:
    """pypdf's resource limits tightened for the duration, and its log silenced."""
    import pypdf

    with quiet_pypdf():
        apply = getattr(pypdf, "apply_configuration", None)
        if apply is not None:
            known = set(getattr(pypdf.Configuration, "__dataclass_fields__", {}))
            with apply(**{k: v for k, v in _LIMITS.items() if k in known}):
                yield
            return
        from pypdf import filters  # pypdf < 6.5: module-level constants

        saved = {k: getattr(filters, k) for k in _LEGACY if hasattr(filters, k)}
        for key in saved:
            setattr(filters, key, _LEGACY[key])
        try:
            yield
        finally:
            for key, value in saved.items():
                setattr(filters, key, value)


@contextmanager
def quiet_pypdf() -> Iterator[None]:
    """pypdf logs what it repaired, quoting the file: not for the terminal (its loggers are
    children of "pypdf", which take their level from it)."""
    log = logging.getLogger("pypdf")
    level = log.level
    log.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        log.setLevel(level)


def read_sheet(data: bytes, name: str, *, prefix: str | None) -> SheetRead:
    """The answers in a PDF's form fields; raise `SubmissionError` when the file cannot be read.

    A sheet made for another homework (its recorded file prefix is not `prefix`) is refused: its
    fields are another homework's items (`prefix=None`: any homework). A sheet made for another student is read (the file name
    decides the id, as for YAML); `load_submission` warns.
    """
    if len(data) > MAX_PDF_BYTES:
        raise _unreadable(name, f"file too large ({len(data):,} bytes; the limit is {MAX_PDF_BYTES:,})")
    if not looks_like_pdf(data):
        raise _unreadable(name, "not a PDF file (no %PDF- header); save your answer sheet as PDF")
    from grader.timeout import time_limit

    try:
        with _pypdf_limits(), time_limit(PDF_SECONDS, "the PDF"):
            sheet = _read(data, name)
    except LimitExceeded:  # before SubmissionError, its base class
        raise _unreadable(name, f"reading it took longer than {PDF_SECONDS:g} s") from None
    except SubmissionError:
        raise
    except RecursionError:
        raise _unreadable(name, "objects nested too deeply") from None
    except MemoryError:
        raise _unreadable(name, "it needs too much memory to read") from None
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on broken files; each is the student's file
        raise _unreadable(name, _pypdf_message(exc)) from None
    recorded = info_prefix(sheet)
    if prefix is not None and recorded and recorded.lower() != prefix.lower():
        raise SubmissionError(
            f"{name}: this is the answer sheet of another homework (its files are named {recorded}<id>.pdf), "
            f"not of {prefix}<id>.pdf; make the right one with grade sheet --student YOUR_ID"
        )
    return sheet


def info_prefix(sheet: SheetRead) -> str:
    return str(sheet.document.get("file_prefix") or "")


def recorded_file_name(data: bytes, name: str) -> str | None:
    """The file name a sheet records for itself (`<prefix><student id>.pdf`: `grade sheet` writes
    both into it), or None when the file is not a readable sheet that says so. For a renamed sheet."""
    try:
        sheet = read_sheet(data, name, prefix=None)
    except SubmissionError:
        return None
    prefix, student = info_prefix(sheet), str(sheet.document.get("student_id") or "")
    return f"{prefix}{student}.pdf" if prefix and student else None


def _pypdf_message(exc: BaseException) -> str:
    from pypdf.errors import FileNotDecryptedError, LimitReachedError, PdfReadError

    text = clean(str(exc) or type(exc).__name__, 160)
    if isinstance(exc, FileNotDecryptedError):
        return "the file is encrypted with a password; save it again without a password"
    if isinstance(exc, LimitReachedError):
        return f"beyond a size limit ({text})"
    if isinstance(exc, PdfReadError):
        return f"the file is damaged ({text})"
    return f"the file is damaged or not a PDF ({type(exc).__name__}: {text})"


def _read(data: bytes, name: str) -> SheetRead:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        # An owner password alone (print/edit restrictions) leaves the content readable.
        try:
            decrypted = bool(reader.decrypt(""))
        except Exception:  # noqa: BLE001 - e.g. AES without the optional crypto library
            decrypted = False
        if not decrypted:
            raise _unreadable(name, "the file is encrypted with a password; save it again without a password")
    pages = _page_count(reader)
    if pages > MAX_PAGES:
        raise _unreadable(name, f"{pages:,} pages (the limit is {MAX_PAGES:,})")
    info = _info(reader)
    fields = form_fields(reader, name)
    answers: dict[str, Any] = {}
    own: dict[str, str] = {}
    total = 0
    for key, fld in fields.items():
        value = field_value(fld)
        if isinstance(value, str):
            size = len(value)
        elif isinstance(value, list):
            size = sum(len(v) for v in value)
        else:
            size = 0
        if size > MAX_FIELD_CHARS:
            raise _unreadable(name, f"field {clean(key, 80)!r} holds {size:,} characters (the limit is {MAX_FIELD_CHARS:,})")
        total += size
        if total > MAX_TOTAL_CHARS:
            raise _unreadable(name, f"the fields hold more than {MAX_TOTAL_CHARS:,} characters")
        if key.startswith(SHEET_FIELD_PREFIX):
            if isinstance(value, str):
                own[key] = value.strip()
            continue
        if len(answers) >= MAX_FIELDS:
            raise _unreadable(name, f"more than {MAX_FIELDS:,} form fields")
        answers[key] = value
    declared = own.get(STUDENT_FIELD) or info.get(INFO_STUDENT)
    homework = own.get(HOMEWORK_FIELD) or info.get(INFO_HOMEWORK)
    document: dict[str, Any] = {"answers": answers}
    if declared:
        document["student_id"] = declared
    if homework:
        document["homework"] = homework
    if info.get(INFO_PREFIX):
        document["file_prefix"] = info[INFO_PREFIX]
    warnings: list[str] = []
    has_fields = bool(answers) or bool(own)
    if not has_fields:
        what = "a PDF with a form, but none of its fields is an answer field" if fields else "a PDF with no form fields"
        warnings.append(
            f"{NO_FORM_REASON}: this is {what} (a flattened or printed sheet, a scan or a write-up), so no answer "
            f"could be read and every automatically graded item is missing; the file is kept for the TA. To be "
            f"graded automatically, {WHAT_TO_DO}"
        )
    sheet_pages = _int(info.get(INFO_SHEET_PAGES))
    if sheet_pages is not None and not 0 < sheet_pages <= pages:
        sheet_pages = None
    return SheetRead(document=document, pages=pages, sheet_pages=sheet_pages, has_fields=has_fields, warnings=warnings)


def _page_count(reader: Any) -> int:
    """The page tree's /Count: what the file says, without walking the tree (the count is only
    shown to the TA; the form is found from /AcroForm, not from the pages)."""
    try:
        count = reader.trailer["/Root"]["/Pages"]["/Count"]
        return max(0, int(count))
    except Exception:  # noqa: BLE001 - a broken or missing /Count: walk the tree (bounded by pypdf)
        return len(reader.pages)


_INHERITED = ("/FT", "/V", "/Opt", "/Ff")


def form_fields(reader: Any, name: str) -> dict[str, dict[str, Any]]:
    """Terminal fields of the /AcroForm by qualified name (parent names joined with "."), each as
    {/FT, /V, /Opt, /Ff, /Kids} with the inheritable entries taken from its ancestors.

    A walk of /Fields and /Kids that reads only the field dictionaries (pypdf's `get_fields`
    also reads every widget's page: ~3x the time for the same values), bounded in count and
    depth, with cycles cut. A kid without its own name, or with its parent's (WeasyPrint's radio
    buttons), is a widget of its parent, not a field. References are resolved by `_PlainFields`
    (the values pypdf reads, ~4x faster on a filled sheet).
    """
    root = reader.trailer["/Root"]
    form = _resolve(root.get("/AcroForm")) if hasattr(root, "get") else None
    top = _resolve(form.get("/Fields")) if isinstance(form, dict) else None
    found: dict[str, dict[str, Any]] = {}
    if not isinstance(top, list):
        return found
    seen: set[int] = set()
    visited = 0
    resolve = _PlainFields.resolver(reader)
    stack: list[tuple[Any, str, dict[str, Any], int]] = [(ref, "", {}, 0) for ref in reversed(top[: MAX_FIELDS * 4])]
    while stack:
        ref, parent_name, inherited, depth = stack.pop()
        node = resolve(ref)
        if not isinstance(node, dict) or id(node) in seen:
            continue
        seen.add(id(node))
        visited += 1
        if visited > MAX_FIELDS * 4 or depth > MAX_FIELD_DEPTH:
            raise _unreadable(name, f"more than {MAX_FIELDS:,} form fields" if visited > MAX_FIELDS * 4 else f"form fields nested deeper than {MAX_FIELD_DEPTH}")
        own_name = node.get("/T")
        label = _text(_resolve(own_name)) if own_name is not None else ""
        qualified = f"{parent_name}.{label}" if parent_name and label else (label or parent_name)
        values = {**inherited, **{k: node[k] for k in _INHERITED if k in node}}
        kids = _resolve(node.get("/Kids"))
        children = []
        for kid in kids[: MAX_FIELDS * 4] if isinstance(kids, list) else ():
            kid_node = resolve(kid)
            kid_name = kid_node.get("/T") if isinstance(kid_node, dict) else None
            if kid_name is not None and _text(_resolve(kid_name)) != label:
                children.append(kid)
        if children:
            stack.extend((kid, qualified, values, depth + 1) for kid in reversed(children))
        elif qualified:
            found[qualified] = {**values, "/Kids": kids}
            if len(found) > MAX_FIELDS:
                raise _unreadable(name, f"more than {MAX_FIELDS:,} form fields")
    return found


# A plain object: one dictionary of names, numbers, references, booleans, null, literal and hex
# strings, arrays and dictionaries, separated by ordinary white space, followed by endobj.
_WS = rb"[ \t\r\n]*"
_SPACE = re.compile(_WS)
_AFTER = rb"(?=[ \t\r\n/\[\]<>()])"  # what ends a name, number, reference or keyword for pypdf too
_OBJ_HEADER = re.compile(rb"(\d{1,10})[ \t\r\n]+(\d{1,5})[ \t\r\n]+obj" + _WS)
_ENDOBJ = re.compile(_WS + rb"endobj")
_NUMBER = rb"[+-]?(?:\d{1,15}(?:\.\d{0,15})?|\.\d{1,15})"
_TOKEN = re.compile(
    rb"(/[^\x00-\x20\x7f-\xff()<>\[\]{}/%#]{0,126})" + _AFTER  # 1: a name without #-escapes
    + rb"|(\d{1,10})[ \t\r\n]+(\d{1,5})[ \t\r\n]+R" + _AFTER  # 2, 3: a reference
    + rb"|(" + _NUMBER + rb")" + _AFTER  # 4: a number
    + rb"|(<<|\[)"  # 5: a dictionary or an array begins
    + rb"|<([0-9A-Fa-f]{0,4096})>"  # 6: a hex string without white space
    + rb"|(\()"  # 7: a literal string
    + rb"|(true|false|null)" + _AFTER  # 8
)
# an entry's value not kept, checked in one step: `_TOKEN`'s name, reference (one space apart,
# well within pypdf's 20 bytes), number, true/false/null, or an array of numbers (a /Rect)
_SIMPLE_VALUE = re.compile(
    rb"/[^\x00-\x20\x7f-\xff()<>\[\]{}/%#]{0,126}" + _AFTER
    + rb"|\d{1,10} \d{1,5} R" + _AFTER
    + rb"|" + _NUMBER + _AFTER
    + rb"|(?:true|false|null)" + _AFTER
    + rb"|\[(?:" + _WS + _NUMBER + _AFTER + rb"){0,64}" + _WS + rb"\]"
)
# Escapes that pypdf and Python's unicode_escape codec read alike: \n \r \t \b \f \\ and octal
# codes up to \377; any other (\(, \), a line continuation, \400...) leaves the object to pypdf.
_OTHER_ESCAPE = re.compile(rb"\\(?:[^nrtbf\\0-7]|[4-7][0-7][0-7])")
_PLAIN_DEPTH = 8
_PLAIN_ENTRIES = 1_000
# pypdf major versions whose parser `_PlainFields` was compared with (tests/sheet/test_plain_fields.py:
# 7.1.1; the same comparisons on Python 3.9, the kit's oldest, with 6.0.0 and 6.21.4); others: pypdf
_PLAIN_PYPDF = (6, 7)
# what the field walk and `field_value` read of a field dictionary (a button's widgets are read by pypdf)
_FIELD_KEYS = frozenset(("/T", "/FT", "/V", "/Opt", "/Ff", "/Kids"))


class _NotPlain(Exception):
    """The object is not plain: pypdf reads it."""


class _PlainFields:
    """Resolve the field walk's references, reading plain field dictionaries from the file's bytes.

    pypdf's parser reads an object byte by byte in Python: a filled sheet's 52 field dictionaries
    took ~75% of reading it (its literal-string reader alone ~60%). A dictionary that is plain
    (only `_TOKEN`'s tokens, separated by ordinary white space, then endobj: no comment, stream,
    #-escaped name, unusual string escape or duplicate key) is read here with regular
    expressions: of its entries, those in `_FIELD_KEYS` are built with pypdf's own classes and
    `create_string_object` (the values pypdf would give, which tests/sheet/test_plain_fields.py
    checks against pypdf), the others only checked. It is kept here, not in pypdf's cache (it
    lacks the other entries), so the walk sees one object per reference. Anything else (object
    streams, encrypted files, offsets pypdf repaired, any object that is not plain) is read by
    pypdf's `get_object`, as before. Every limit of the walk and of pypdf applies as before: a
    plain object is bounded far below pypdf's limits (`_PLAIN_ENTRIES`, `_PLAIN_DEPTH`).
    """

    def __init__(self, reader: Any, data: bytes) -> None:
        from pypdf import generic

        self.reader, self.data, self.g = reader, data, generic
        self.read: dict[tuple[int, int], Any] = {}

    @classmethod
    def resolver(cls, reader: Any) -> Any:
        """`resolve(value)` for the walk: `_PlainFields(...).resolve` where it applies, else `_resolve`."""
        import pypdf

        stream = getattr(reader, "stream", None)
        if not isinstance(stream, io.BytesIO):
            return _resolve
        usable = (
            _major(getattr(pypdf, "__version__", "")) in _PLAIN_PYPDF
            and not reader.is_encrypted
            and all(hasattr(reader, a) for a in ("xref", "xref_objStm", "xref_free_entry", "resolved_objects"))
        )
        return cls(reader, stream.getvalue()).resolve if usable else _resolve

    def resolve(self, value: Any) -> Any:
        if isinstance(value, self.g.IndirectObject) and value.pdf is self.reader:
            key = (value.generation, value.idnum)
            if key in self.read:
                return self.read[key]
            if key not in self.reader.resolved_objects:
                obj = self._plain(value.idnum, value.generation)
                if obj is not None:
                    self.read[key] = obj
                    return obj
        return _resolve(value)

    def _plain(self, idnum: int, generation: int) -> Any:
        """The field entries of object `idnum generation` as pypdf would read them, or None."""
        reader, data = self.reader, self.data
        if generation == 0 and idnum in reader.xref_objStm:  # pypdf's get_object looks there first
            return None
        start = reader.xref.get(generation, {}).get(idnum)
        if start is None or reader.xref_free_entry.get(generation, {}).get(idnum, False):
            return None
        header = _OBJ_HEADER.match(data, start)
        if header is None or (int(header[1]), int(header[2])) != (idnum, generation) or not data.startswith(b"<<", header.end()):
            return None
        try:
            obj, end = self._object(header.end(), 0, fields=True)
        except _NotPlain:
            return None
        return obj if _ENDOBJ.match(data, end) else None

    def _object(self, pos: int, depth: int, *, keep: bool = True, fields: bool = False) -> tuple[Any, int]:
        """The object at `pos` (None if not `keep`: only checked) and where it ends; a dictionary
        with `fields` keeps only `_FIELD_KEYS`."""
        g, data = self.g, self.data
        m = _TOKEN.match(data, pos)
        if m is None or depth > _PLAIN_DEPTH:
            raise _NotPlain
        kind, end = m.lastindex, m.end()
        if kind == 7:
            return self._literal(pos, keep)
        if kind == 3 and end + 1 - pos > 20:  # pypdf looks for "R" and the byte after it in 20 bytes
            raise _NotPlain
        if kind == 5:
            return self._array(end, depth, keep) if m[5] == b"[" else self._dictionary(end, depth, keep, fields)
        if not keep:
            return None, end
        if kind == 1:
            return g.NameObject(m[1].decode("ascii")), end
        if kind == 3:
            return g.IndirectObject(int(m[2]), int(m[3]), self.reader), end
        if kind == 4:
            return (g.FloatObject(m[4]) if b"." in m[4] else g.NumberObject(m[4])), end
        if kind == 6:
            digits = m[6] + (b"0" if len(m[6]) % 2 else b"")
            return g.create_string_object(bytes.fromhex(digits.decode("ascii")), None), end
        word = m[8]
        return (g.NullObject() if word == b"null" else g.BooleanObject(word == b"true")), end

    def _array(self, pos: int, depth: int, keep: bool) -> tuple[Any, int]:
        data, array, count = self.data, self.g.ArrayObject() if keep else None, 0
        pos = _skip_space(data, pos)
        while not data.startswith(b"]", pos):
            count += 1
            if count > _PLAIN_ENTRIES:
                raise _NotPlain
            value, pos = self._object(pos, depth + 1, keep=keep)
            if array is not None:
                array.append(value)
            pos = _skip_space(data, pos)
        return array, pos + 1

    def _dictionary(self, pos: int, depth: int, keep: bool, fields: bool) -> tuple[Any, int]:
        data, entries = self.data, {}
        seen: set[bytes] = set()
        pos = _skip_space(data, pos)
        while not data.startswith(b">>", pos):
            key = _TOKEN.match(data, pos)
            if key is None or key.lastindex != 1 or key[1] in seen or len(seen) >= _PLAIN_ENTRIES:
                raise _NotPlain  # a duplicate key: pypdf keeps the first and warns
            seen.add(key[1])
            name = key[1].decode("ascii")
            wanted = keep and (not fields or name in _FIELD_KEYS)
            pos = _skip_space(data, key.end())
            simple = None if wanted else _SIMPLE_VALUE.match(data, pos)
            if simple is not None:
                pos = _skip_space(data, simple.end())
                continue
            value, pos = self._object(pos, depth + 1, keep=wanted)
            if wanted:
                entries[self.g.NameObject(name)] = value
            pos = _skip_space(data, pos)
        if not keep:
            return None, pos + 2
        result = self.g.DictionaryObject()
        result.update(entries)
        return result, pos + 2

    def _literal(self, pos: int, keep: bool) -> tuple[Any, int]:
        """A literal string at `pos` ("("): balanced parentheses, plain escapes only."""
        data, nested, end = self.data, 0, pos + 1
        while True:
            close = data.find(b")", end)
            if close < 0:
                raise _NotPlain
            opening = data.find(b"(", end, close)
            at = close if opening < 0 else opening
            before = at
            while data[before - 1] == 0x5C:  # "\\": an odd run of backslashes escapes it
                before -= 1
            end = at + 1
            if (at - before) % 2:
                continue
            if at == opening:
                nested += 1
            elif nested:
                nested -= 1
            else:
                break
        body = data[pos + 1 : at]
        if b"\\" in body:
            if _OTHER_ESCAPE.search(body.replace(b"\\\\", b"")):  # without the escaped backslashes,
                raise _NotPlain  # every backslash begins an escape
            if keep:
                body = body.decode("unicode_escape").encode("latin-1")
        return (self.g.create_string_object(body, None) if keep else None), end


def _skip_space(data: bytes, pos: int) -> int:
    space = _SPACE.match(data, pos)
    return space.end() if space else pos


def _major(version: str) -> int | None:
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _info(reader: Any) -> dict[str, str]:
    """Our entries of the document information dictionary, as short clean text."""
    try:
        metadata = reader.metadata
    except Exception:  # noqa: BLE001 - a broken /Info is not a reason to refuse the answers
        return {}
    if not metadata:
        return {}
    found: dict[str, str] = {}
    for key in (INFO_STUDENT, INFO_HOMEWORK, INFO_PREFIX, INFO_SHEET_PAGES):
        value = metadata.get(key)
        if value is not None and not isinstance(value, (dict, list)):
            found[key] = clean(str(value), 100)
    return found


def field_value(fld: dict[str, Any]) -> Any:
    """A field's stored value as an answer: text, a list of texts, or None when empty/off."""
    from pypdf.generic import ArrayObject, NameObject

    value = _resolve(fld.get("/V"))
    kind = _resolve(fld.get("/FT"))
    if value is None:
        value = _on_widget_state(fld) if kind == "/Btn" else None
        if value is None:
            return None
    if isinstance(value, NameObject) or (kind == "/Btn" and isinstance(value, str) and value.startswith("/")):
        state = str(value)[1:]
        if state in ("", "Off"):
            return None
        options = _options(fld)
        if options and state.isdigit() and int(state) < len(options):
            return options[int(state)]  # WeasyPrint's radio group: the state is an index into /Opt
        return state
    if isinstance(value, ArrayObject) or isinstance(value, list):
        items = [_text(_resolve(v)) for v in value[:MAX_FIELDS]]
        return [_export(fld, v) for v in items if v]
    text = _text(value)
    if kind == "/Ch":
        text = _export(fld, text)
    return text if text.strip() else None


def _resolve(value: Any) -> Any:
    return value.get_object() if hasattr(value, "get_object") else value


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value) if value is not None else ""


def _options(fld: dict[str, Any]) -> list[str]:
    """A choice's or radio group's /Opt: export values (an entry may be [export, shown])."""
    opt = _resolve(fld.get("/Opt"))
    if not isinstance(opt, list):
        return []
    values = []
    for entry in opt[:MAX_FIELDS]:
        entry = _resolve(entry)
        if isinstance(entry, list) and entry:
            entry = _resolve(entry[0])
        values.append(_text(entry))
    return values


def _export(fld: dict[str, Any], text: str) -> str:
    """A choice's value as its export value, also when a writer stored the shown text."""
    opt = _resolve(fld.get("/Opt"))
    if not isinstance(opt, list) or not text:
        return text
    for entry in opt[:MAX_FIELDS]:
        entry = _resolve(entry)
        if isinstance(entry, list) and len(entry) >= 2 and _text(_resolve(entry[1])) == text:
            return _text(_resolve(entry[0]))
    return text


def _on_widget_state(fld: dict[str, Any]) -> str | None:
    """A button group without /V: the appearance state of its widget that is on, if any."""
    kids = _resolve(fld.get("/Kids"))
    if not isinstance(kids, list):
        return None
    for kid in kids[:MAX_FIELDS]:
        kid = _resolve(kid)
        if isinstance(kid, dict):
            state = _resolve(kid.get("/AS"))
            if state is not None and str(state) not in ("/Off", ""):
                return str(state)
    return None

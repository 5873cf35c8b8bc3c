"""Reading the TA's text files (sheets, manifests, rosters): UTF-8, with or without a BOM."""

from __future__ import annotations

from pathlib import Path

from grader.errors import GraderError

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_INVISIBLE = dict.fromkeys([0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF])


def normalize_id(text: str) -> str:
    """A student id as a TA's file gives it: Persian/Arabic digits read as ASCII, invisible
    direction marks (which Persian spreadsheets add) dropped, spaces stripped."""
    return text.translate(_DIGITS).translate(_INVISIBLE).strip()


def csv_text(text: str) -> str:
    """Text for the csv module: any line ending (CRLF, LF, or the old Mac CR alone that some
    spreadsheets still write) becomes LF, and the BOM goes."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def read_utf8(path: Path, *, what: str, error: type[GraderError] = GraderError) -> str:
    """The file's text; `error` naming the file and `what` it is when it cannot be read."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")  # spreadsheets save CSV with a BOM
    except UnicodeDecodeError as exc:
        raise error(f"{path}: the {what} is not UTF-8 (bad byte at offset {exc.start}); save it as CSV UTF-8") from None

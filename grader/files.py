"""Reading the TA's text files (sheets, manifests, rosters): UTF-8, with or without a BOM."""

from __future__ import annotations

from pathlib import Path

from grader.errors import GraderError


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

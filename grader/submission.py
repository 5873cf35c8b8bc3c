"""Answer files: find them, read them as untrusted data, and say precisely what is wrong.

A file is read under limits (size, YAML events, nesting depth, no aliases) before any value is
built, so a YAML bomb or a 10 MB file costs milliseconds, not memory. The student id in the file
name is the one used (the LMS names the files); a different id inside the file is a warning.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from grader.errors import SubmissionError

MAX_FILE_BYTES = 1_000_000
MAX_YAML_EVENTS = 200_000
MAX_DEPTH = 40
ANSWER_SUFFIXES = (".yaml", ".yml", ".json")
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Submission:
    student_id: str
    path: Path
    answers: dict[str, Any]
    sha256: str
    modified_at: str
    warnings: tuple[str, ...] = ()
    declared_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def valid_student_id(student_id: str) -> bool:
    return bool(STUDENT_ID.match(student_id))


def student_id_from_name(path: Path, prefix: str) -> str | None:
    """The id in `<prefix><id>.yaml`, or None when the name does not follow the pattern."""
    name = path.name
    suffix = next((s for s in ANSWER_SUFFIXES if name.lower().endswith(s)), None)
    if suffix is None or not name.lower().startswith(prefix.lower()):
        return None
    return name[len(prefix) : len(name) - len(suffix)]


def find_answer_files(folder: Path, prefix: str) -> tuple[list[Path], list[tuple[str, str]]]:
    """Answer files in `folder` (not recursive), and (name, reason) for files that are skipped."""
    if not folder.is_dir():
        raise SubmissionError(f"{folder}: no such folder")
    files: list[Path] = []
    skipped: list[tuple[str, str]] = []
    for path in sorted(folder.iterdir()):
        if path.is_dir() or path.name.startswith("."):
            continue
        if not path.name.lower().endswith(ANSWER_SUFFIXES):
            continue
        if student_id_from_name(path, prefix) is None:
            skipped.append((path.name, f"not an answer file name: expected {prefix}<student_id>.yaml"))
            continue
        files.append(path)
    return files, skipped


def decode(data: bytes, name: str) -> str:
    """Bytes to text: UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else is refused."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise SubmissionError(f"{name}: broken UTF-16 text at byte {exc.start}") from None
    if b"\x00" in data:
        raise SubmissionError(f"{name}: binary data (NUL bytes); expected a YAML or JSON text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SubmissionError(f"{name}: not UTF-8 text (bad byte at offset {exc.start}); save the file as UTF-8") from None


def _check_yaml_events(text: str, name: str) -> None:
    depth = 0
    try:
        for count, event in enumerate(yaml.parse(text, Loader=_Loader)):
            if count > MAX_YAML_EVENTS:
                raise SubmissionError(f"{name}: too many YAML values (limit {MAX_YAML_EVENTS})")
            if isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise SubmissionError(f"{name}: line {line}: YAML aliases (*{event.anchor}) are not allowed in answer files")
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise SubmissionError(f"{name}: nested deeper than {MAX_DEPTH} levels")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError as exc:
        raise SubmissionError(f"{name}: not valid YAML: {_yaml_message(exc)}") from None


def _yaml_message(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{where}{problem}"


def parse_document(text: str, name: str) -> Any:
    if name.lower().endswith(".json"):
        try:
            return json.loads(text, parse_constant=lambda c: _bad_constant(c, name))
        except json.JSONDecodeError as exc:
            raise SubmissionError(f"{name}: not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        except RecursionError:
            raise SubmissionError(f"{name}: nested too deeply") from None
    _check_yaml_events(text, name)
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        raise SubmissionError(f"{name}: not valid YAML: {_yaml_message(exc)}") from None


def _bad_constant(constant: str, name: str) -> Any:
    raise SubmissionError(f"{name}: {constant} is not a valid JSON value")


def load_submission(path: Path, *, prefix: str, item_ids: list[str] | None = None) -> Submission:
    """Read one answer file; raise `SubmissionError` (naming the file) when it cannot be used."""
    name = path.name
    file_id = student_id_from_name(path, prefix)
    if file_id is None:
        raise SubmissionError(f"{name}: not an answer file name: expected {prefix}<student_id>.yaml")
    if not valid_student_id(file_id):
        raise SubmissionError(f"{name}: the student id in the file name must be 1-64 letters, digits, '-' or '_'")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SubmissionError(f"{name}: file too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})")
        data = path.read_bytes()
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise SubmissionError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if not data.strip():
        raise SubmissionError(f"{name}: the file is empty")
    document = parse_document(decode(data, name), name)
    if not isinstance(document, dict):
        raise SubmissionError(f"{name}: expected a mapping with student_id and answers, got {_type_name(document)}")
    warnings: list[str] = []
    declared = document.get("student_id")
    declared_id = None if declared is None else str(declared).strip()
    if declared_id is None:
        warnings.append("the file has no student_id; the id from the file name is used")
    elif declared_id != file_id:
        shown = declared_id if len(declared_id) <= 64 else declared_id[:61] + "..."
        warnings.append(f"student_id in the file is {shown!r} but the file name says {file_id!r}; the file name's id is used")
    answers = document.get("answers")
    if answers is None:
        answers = {}
        warnings.append("the file has no answers mapping; every item is missing")
    elif not isinstance(answers, dict):
        raise SubmissionError(f"{name}: answers: expected a mapping of item id to answer, got {_type_name(answers)}")
    answers = {str(k): v for k, v in answers.items()}
    unknown_top = sorted(set(map(str, document)) - {"student_id", "answers", "instances", "name", "homework"})
    if unknown_top:
        warnings.append(f"unknown top-level keys ignored: {', '.join(unknown_top)}")
    if item_ids is not None:
        unknown = sorted(set(answers) - set(item_ids))
        if unknown:
            warnings.append(f"unknown item ids ignored: {', '.join(unknown[:10])}" + (" …" if len(unknown) > 10 else ""))
    return Submission(
        student_id=file_id,
        path=path,
        answers=answers,
        sha256=hashlib.sha256(data).hexdigest(),
        modified_at=datetime.fromtimestamp(mtime, tz=timezone.utc).isoformat(timespec="seconds"),
        warnings=tuple(warnings),
        declared_id=declared_id,
        extra={"name": str(document["name"])[:100]} if isinstance(document.get("name"), str) else {},
    )


def _type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", type(None): "nothing"}.get(type(value), type(value).__name__)

"""Answer files: find them, read them as untrusted data, and say precisely what is wrong.

A file is read under limits (size, YAML events, nesting depth, no aliases) before any value is
built, so a YAML bomb or a 10 MB file costs milliseconds, not memory. The student id in the file
name is the one used (the LMS names the files); a different id inside the file is a warning.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from grader.errors import SubmissionError
from grader.student.sheet import MAX_PDF_BYTES

MAX_FILE_BYTES = 1_000_000
MAX_YAML_EVENTS = 200_000
MAX_DEPTH = 40
ANSWER_SUFFIXES = (".yaml", ".yml", ".json", ".pdf")  # .pdf: the fillable answer sheet (grader.student.sheet)
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
MAX_INT_CHARS = 1_000  # a longer integer literal stays text: the item's parser applies its own limit
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Loader(_BaseLoader):  # type: ignore[misc]
    """The safe loader, with every scalar constructor that can raise a non-YAML error made total.

    PyYAML's own constructors raise ValueError/KeyError on `!!int abc`, `2001-02-30`, `!!bool
    maybe` or an integer past Python's 4,300-digit conversion limit; here an overlong integer is
    kept as its text (the item's parser reports the size limit) and any other bad value is a
    YAML error naming the line.
    """


def _total(constructor, *, keep_text: bool = False):  # type: ignore[no-untyped-def]
    def construct(loader, node):  # type: ignore[no-untyped-def]
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":int") and len(node.value) > MAX_INT_CHARS:
            return node.value
        try:
            return constructor(loader, node)
        except (ValueError, KeyError, TypeError, OverflowError, ArithmeticError) as exc:
            if keep_text and isinstance(node, yaml.ScalarNode):
                return node.value  # an implicit date that is not one (2001-02-30) is just text
            raise yaml.constructor.ConstructorError(None, None, f"cannot read the value {str(node.value)[:40]!r} ({exc})", node.start_mark) from None

    return construct


for _tag, _keep in (("int", False), ("float", False), ("bool", False), ("timestamp", True), ("binary", False)):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _total(_BaseLoader.yaml_constructors[f"tag:yaml.org,2002:{_tag}"], keep_text=_keep))

# Implicit types as in YAML 1.2's core schema, not 1.1's: under 1.1 a student's `no` for a choice
# was the boolean False (invalid: "got a bool"), `1:2` the integer 62, `0123` the octal 83 and
# `12:30:00` 45000, all silently. Now only true/false are booleans, only plain decimal (and 0x)
# integers are integers, and dates stay text; every other scalar reaches the parser as written.
_CORE_TAGS = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp"}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _CORE_TAGS]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


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


def display_name(name: str) -> str:
    """A file name safe to print and to store in JSON: undecodable bytes become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def valid_student_id(student_id: str) -> bool:
    return bool(STUDENT_ID.match(student_id))


def student_id_from_name(path: Path, prefix: str) -> str | None:
    """The id in `<prefix><id>.yaml`, or None when the name does not follow the pattern."""
    name = path.name
    suffix = next((s for s in ANSWER_SUFFIXES if name.lower().endswith(s)), None)
    if suffix is None or not name.lower().startswith(prefix.lower()):
        return None
    return name[len(prefix) : len(name) - len(suffix)]


READ_BY_THE_RUN = ("manifest.csv",)  # in a submissions folder, but not an answer file
_ANSWER_INSIDE = re.compile(r"\.(?:ya?ml|json)(?=.)", re.I)


def _not_an_answer(path: Path, prefix: str) -> str | None:
    """Why `path` is not an answer file (every entry of the folder is accounted for), or None."""
    name = path.name
    if name.startswith("."):
        return "a hidden file (the name starts with '.'); not graded"
    if path.is_dir():
        if name.lower().startswith(prefix.lower()):
            return "a folder named like an answer file; an answer must be one file, directly in the folder"
        return "a folder; answer files are read only directly in the submissions folder, not in subfolders"
    stripped = name.rstrip()
    if stripped != name and stripped.lower().endswith(ANSWER_SUFFIXES):
        return f"the name ends with a space; rename it to {display_name(stripped)!r} to grade it"
    inside = _ANSWER_INSIDE.search(name)
    if inside is not None and name.lower().startswith(prefix.lower()):  # HW4_T_1.yaml.txt, .yaml~, .yaml.pdf
        fixed = name[: inside.end()]
        return f"ends in {display_name(name[inside.end():])!r} after {inside.group()!r} (renamed by a browser or editor?); rename it to {display_name(fixed)!r} to grade it"
    if name.lower().endswith(ANSWER_SUFFIXES):
        return None
    return f"not an answer file: expected {prefix}<student_id>.yaml"


def find_answer_files(folder: Path, prefix: str, *, others: Mapping[str, str] | None = None) -> tuple[list[Path], list[tuple[str, str]]]:
    """Answer files in `folder` (not recursive), and (name, reason) for files that are skipped.

    `others`: file prefix -> homework of the other homeworks whose files share the folder (a
    mixed folder); their files are skipped as theirs, not as unknown names."""
    if not folder.is_dir():
        raise SubmissionError(f"{folder}: no such folder")
    files: list[Path] = []
    skipped: list[tuple[str, str]] = []
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise SubmissionError(f"{folder}: cannot list the folder: {exc.strerror or exc}") from None
    for path in entries:
        if path.name in READ_BY_THE_RUN:
            continue
        reason = _not_an_answer(path, prefix)
        if reason is not None:
            skipped.append((display_name(path.name), reason))
            continue
        if student_id_from_name(path, prefix) is None:
            theirs = next((hw for p, hw in (others or {}).items() if student_id_from_name(path, p) is not None), None)
            reason = f"an answer file of {theirs}: graded with its own rubric" if theirs else f"not an answer file name: expected {prefix}<student_id>.yaml"
            skipped.append((display_name(path.name), reason))
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
                raise SubmissionError(f"{name}: line {line}: YAML aliases (*{event.anchor}) are not allowed in answer files; an answer that starts with * goes in quotes")
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise SubmissionError(f"{name}: nested deeper than {MAX_DEPTH} levels")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError as exc:
        raise SubmissionError(f"{name}: not valid YAML: {_yaml_message(exc, text)}") from None


_UNUSUAL = object()  # the document needs the full loader
_STR_TAG = "tag:yaml.org,2002:str"
_PLAIN_TAGS = frozenset({_STR_TAG, "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})
_PLAIN_CACHE: dict[str, Any] = {}  # short plain scalar -> its value (immutable), or _UNUSUAL
_PLAIN_CACHE_LIMIT = 20_000
_PLAIN_CACHE_CHARS = 80
_MISSING_PLAIN = object()


def _plain_scalar(loader: Any, event: yaml.ScalarEvent) -> Any:
    """A plain (unquoted, untagged) scalar's value, as `yaml.load` with `_Loader` makes it."""
    value = event.value
    cached = _PLAIN_CACHE.get(value, _MISSING_PLAIN)
    if cached is not _MISSING_PLAIN:
        return cached
    tag = loader.resolve(yaml.ScalarNode, value, event.implicit)
    if tag == _STR_TAG:
        result: Any = value
    elif tag in _PLAIN_TAGS:
        node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark, event.style)  # type: ignore[arg-type]  # libyaml's Mark
        try:
            result = loader.yaml_constructors[tag](loader, node)
        except yaml.YAMLError:
            result = _UNUSUAL  # the full loader reports it, after the whole event check
    else:
        result = _UNUSUAL  # `<<`, `=`, ...: merge and value keys need the full loader
    if len(value) <= _PLAIN_CACHE_CHARS:
        if len(_PLAIN_CACHE) >= _PLAIN_CACHE_LIMIT:
            _PLAIN_CACHE.clear()
        _PLAIN_CACHE[value] = result
    return result


def _load_plain_yaml(text: str, name: str, duplicates: list[str] | None = None) -> Any:
    """One pass over the parser's events: the checks of `_check_yaml_events`, and the data.

    Handles documents made of untagged, unanchored mappings, lists and scalars (every answer
    file we have seen), with exactly `yaml.load`'s values; returns `_UNUSUAL` at the first
    anything else (a tag, an anchor, a merge key, a complex key, a second document), and the
    caller starts over with the full loader. An error this pass raises is the one the event
    check would raise at the same event. A key given twice in one mapping is noted in `duplicates`.
    """
    loader = _Loader(text)
    try:
        depth = 0
        count = -1
        document: Any = None
        # open containers: [container, pending mapping key or _MISSING_PLAIN, the key's line]
        stack: list[list[Any]] = []
        while True:
            try:
                event = loader.get_event()
            except yaml.YAMLError as exc:
                raise SubmissionError(f"{name}: not valid YAML: {_yaml_message(exc, text)}") from None
            count += 1
            if count > MAX_YAML_EVENTS:
                raise SubmissionError(f"{name}: too many YAML values (limit {MAX_YAML_EVENTS})")
            kind = type(event)
            if kind is yaml.ScalarEvent:
                if event.anchor is not None or event.tag is not None:
                    return _UNUSUAL
                value = _plain_scalar(loader, event) if event.implicit[0] else event.value
                if value is _UNUSUAL:
                    return _UNUSUAL
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                depth += 1
                if depth > MAX_DEPTH:
                    raise SubmissionError(f"{name}: nested deeper than {MAX_DEPTH} levels")
                if event.anchor is not None or event.tag is not None:
                    return _UNUSUAL
                if stack and type(stack[-1][0]) is dict and stack[-1][1] is _MISSING_PLAIN:
                    return _UNUSUAL  # a list or mapping as a mapping key
                stack.append([{} if kind is yaml.MappingStartEvent else [], _MISSING_PLAIN, 0])
                continue
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                depth -= 1
                value = stack.pop()[0]
            elif kind is yaml.AliasEvent:
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise SubmissionError(f"{name}: line {line}: YAML aliases (*{event.anchor}) are not allowed in answer files; an answer that starts with * goes in quotes")
            elif kind is yaml.DocumentStartEvent:
                if count > 1:
                    return _UNUSUAL  # a second document: the full loader says so
                continue
            elif kind is yaml.StreamEndEvent:
                return document
            else:  # stream start, document end
                continue
            # a complete value: into the open container, or the document itself
            if not stack:
                document = value
                continue
            frame = stack[-1]
            container = frame[0]
            if type(container) is list:
                container.append(value)
            elif frame[1] is _MISSING_PLAIN:
                frame[1] = value
                frame[2] = event.start_mark.line + 1 if event.start_mark else 0
            else:
                if duplicates is not None and frame[1] in container:
                    duplicates.append(f"{str(frame[1])[:80]} is given more than once (again at line {frame[2]}); the last one is used: delete the others")
                container[frame[1]] = value
                frame[1] = _MISSING_PLAIN
    finally:
        loader.dispose()


def _yaml_message(exc: yaml.YAMLError, text: str) -> str:
    """The item the error is in and what to do (grader/readers/yaml_slips.py)."""
    from grader.readers.yaml_slips import explain

    return explain(exc, text)


def _json_int(text: str) -> int | str:
    return int(text) if len(text) <= MAX_INT_CHARS else text


def parse_document(text: str, name: str, duplicates: list[str] | None = None) -> Any:
    """The document as plain data, checked for depth and size, with no lone surrogates left;
    keys given twice in a mapping are noted in `duplicates` (the last one is used)."""
    if name.lower().endswith(".json"):
        try:
            document = json.loads(
                text, parse_constant=lambda c: _bad_constant(c, name), parse_int=_json_int, object_pairs_hook=lambda pairs: _json_object(pairs, duplicates)
            )
        except json.JSONDecodeError as exc:
            raise SubmissionError(f"{name}: not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        except RecursionError:
            raise SubmissionError(f"{name}: nested deeper than {MAX_DEPTH} levels") from None
        except (ValueError, OverflowError) as exc:
            raise SubmissionError(f"{name}: not valid JSON: {str(exc)[:200]}") from None
        _check_shape(document, name)
        return _clean(document)
    document = _load_plain_yaml(text, name, duplicates)
    if document is not _UNUSUAL:
        # Same events, checks and values as below; no alias or merge key, so the value count and
        # depth are bounded by the event checks already. YAML text yields no lone surrogates
        # except by an escape (libyaml refuses those too).
        return _clean(document) if "\\" in text else document
    _check_yaml_events(text, name)
    try:
        document = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        raise SubmissionError(f"{name}: not valid YAML: {_yaml_message(exc, text)}") from None
    except RecursionError:  # pragma: no cover - the event check bounds depth first
        raise SubmissionError(f"{name}: nested deeper than {MAX_DEPTH} levels") from None
    _check_shape(document, name)
    return _clean(document)


def _check_shape(document: Any, name: str) -> None:
    """Depth and value count of built data (JSON has no event pass; merge keys can add values)."""
    stack: list[tuple[Any, int]] = [(document, 0)]
    count = 0
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > MAX_YAML_EVENTS:
            raise SubmissionError(f"{name}: too many values (limit {MAX_YAML_EVENTS})")
        if isinstance(value, (list, dict, set, tuple)):
            if depth >= MAX_DEPTH:
                raise SubmissionError(f"{name}: nested deeper than {MAX_DEPTH} levels")
            children = [*value.keys(), *value.values()] if isinstance(value, dict) else list(value)
            stack.extend((child, depth + 1) for child in children)


def _clean(value: Any) -> Any:
    """Replace lone surrogates (JSON's "\\ud800") with U+FFFD: they cannot be written as UTF-8."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    return value


def _json_object(pairs: list[tuple[str, Any]], duplicates: list[str] | None) -> dict[str, Any]:
    result = dict(pairs)
    if duplicates is not None and len(result) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                duplicates.append(f"{key[:80]} is given more than once; the last one is used: delete the others")
            seen.add(key)
    return result


def _bad_constant(constant: str, name: str) -> Any:
    raise SubmissionError(f"{name}: {constant} is not a valid JSON value")


def load_submission(path: Path, *, prefix: str, item_ids: list[str] | None = None, recover: bool = False) -> Submission:
    """Read one answer file; raise `SubmissionError` (naming the file) when it cannot be used.

    `recover` (the self-check): a YAML file with a syntax error in some items is read without
    them; `extra["damaged"]` maps each such item to what is wrong, and `extra["instances"]`
    keeps the file's instance block."""
    name = display_name(path.name)
    file_id = student_id_from_name(path, prefix)
    if file_id is None:
        raise SubmissionError(f"{name}: not an answer file name: expected {prefix}<student_id>.yaml")
    if not valid_student_id(file_id):
        # a browser's second download (`HW4_T_401234567 (1).pdf`) or a copy: say the name to use
        guess = re.sub(r"(?:[ _-]*(?:\(\d+\)|copy|Copy))+$", "", file_id).strip()
        hint = f"; rename it to {prefix}{guess}{path.suffix}" if guess != file_id and valid_student_id(guess) else ""
        raise SubmissionError(f"{name}: the student id in the file name must be 1-64 letters, digits, '-' or '_'{hint}")
    is_pdf = name.lower().endswith(".pdf")
    data, mtime = _read_limited(path, name, limit=MAX_PDF_BYTES if is_pdf else MAX_FILE_BYTES)
    if not data.strip():
        raise SubmissionError(f"{name}: the file is empty")
    extra: dict[str, Any] = {}
    warnings: list[str] = []
    duplicates: list[str] = []
    damaged: dict[str, str] = {}
    if is_pdf:  # the one place a PDF answer sheet joins the YAML path: same document, same checks
        from grader.readers.pdf_sheet import read_sheet

        sheet = read_sheet(data, name, prefix=prefix)
        document, extra = sheet.document, sheet.extra()
        warnings += sheet.warnings
    else:
        text = decode(data, name)
        try:
            document = parse_document(text, name, duplicates)
        except SubmissionError:
            if not recover or name.lower().endswith(".json"):
                raise
            from grader.readers.yaml_slips import recover as read_around  # the self-check reads around a YAML slip

            duplicates.clear()
            document, damaged = read_around(text, lambda fixed: parse_document(fixed, name, duplicates), SubmissionError)
        warnings += dict.fromkeys(duplicates)
    if not isinstance(document, dict):
        raise SubmissionError(f"{name}: expected a mapping with student_id and answers, got {_type_name(document)}")
    declared = document.get("student_id")
    declared_id = None if declared is None else str(declared).strip()
    if declared_id is None:
        warnings.append("the file has no student_id; the id from the file name is used")
    elif declared_id != file_id:
        shown = declared_id if len(declared_id) <= 64 else declared_id[:61] + "..."
        warnings.append(
            f"student_id in the file is {shown!r} but the file name says {file_id!r}; the file name's id is used"
            + (f" (this sheet was made for {shown}: its Q2/Q3 numbers are not those of {file_id})" if is_pdf else "")
        )
    answers = document.get("answers")
    if answers is None:
        answers = {}
        warnings.append("the file has no answers mapping; every item is missing")
    elif not isinstance(answers, dict):
        raise SubmissionError(f"{name}: answers: expected a mapping of item id to answer, got {_type_name(answers)}")
    answers = {str(k): v for k, v in answers.items()}
    unknown_top = sorted(set(map(str, document)) - {"student_id", "answers", "instances", "name", "homework", "file_prefix"})
    misplaced = [k for k in unknown_top if item_ids is not None and k in item_ids]
    if misplaced:  # the commonest slip of a hand-written file: answers without the `answers:` block
        shown_ids = ", ".join(misplaced[:5]) + (" …" if len(misplaced) > 5 else "")
        warnings.append(f"{shown_ids}: item ids at the top level were not read; put them under `answers:`, indented")
    unknown_top = [k for k in unknown_top if k not in misplaced]
    if unknown_top:
        warnings.append(f"unknown top-level keys ignored: {', '.join(unknown_top)}")
    if item_ids is not None:
        unknown = sorted(set(answers) - set(item_ids))
        if unknown:
            warnings.append(f"unknown item ids ignored: {', '.join(unknown[:10])}" + (" …" if len(unknown) > 10 else ""))
    from grader.readers.yaml_slips import persian_slash_warnings

    warnings.extend(persian_slash_warnings(answers))
    if isinstance(document.get("name"), str):
        extra = {**extra, "name": str(document["name"])[:100]}
    if recover:
        extra.update(damaged=damaged, instances=document.get("instances"))
    return Submission(
        student_id=file_id,
        path=path,
        answers=answers,
        sha256=hashlib.sha256(data).hexdigest(),
        modified_at=_iso(mtime),
        warnings=tuple(warnings),
        declared_id=declared_id,
        extra=extra,
    )


def recorded_sheet_name(path: Path) -> str | None:
    """The file name a PDF answer sheet records for itself (for a renamed sheet), or None when the
    file cannot be read under the sheet's limits or is not a sheet that says so."""
    from grader.readers.pdf_sheet import recorded_file_name
    from grader.student.sheet import MAX_PDF_BYTES

    try:
        data, _ = _read_limited(path, display_name(path.name), limit=MAX_PDF_BYTES)
    except SubmissionError:
        return None
    return recorded_file_name(data, display_name(path.name))


def _read_limited(path: Path, name: str, *, limit: int = MAX_FILE_BYTES) -> tuple[bytes, float]:
    """The bytes of a regular file of at most `limit` bytes, and its mtime.

    Opened without following a symbolic link and without blocking (a FIFO named like an answer
    file would otherwise hang the run, and a link could read any file on the machine); checked on
    the open descriptor (no race with a rename); read to at most the limit + 1 byte, so a file
    that grows after the check, or a device, cannot exhaust memory.
    """
    from grader.fsio import open_untrusted, read_at_most

    try:
        fd = open_untrusted(path)
    except OSError as exc:
        if path.is_symlink():
            raise SubmissionError(f"{name}: a symbolic link, not a file; answer files must be regular files") from None
        raise SubmissionError(f"{name}: cannot read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SubmissionError(f"{name}: not a regular file; answer files must be regular files")
        if info.st_size > limit:
            raise SubmissionError(f"{name}: file too large ({info.st_size:,} bytes; the limit is {limit:,})")
        data = read_at_most(fd, limit)
        if len(data) > limit:
            raise SubmissionError(f"{name}: file too large (more than {limit:,} bytes, the limit)")
        return data, info.st_mtime
    except OSError as exc:
        raise SubmissionError(f"{name}: cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _iso(mtime: float) -> str:
    try:
        return datetime.fromtimestamp(mtime, tz=timezone.utc).isoformat(timespec="seconds")
    except (ValueError, OverflowError, OSError):
        return ""


def _type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", type(None): "nothing"}.get(type(value), type(value).__name__)

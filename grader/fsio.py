"""File primitives: the one home for writing a file so a reader (or a crash) sees the old file or
the new, never half.

A write is staged (the whole content, synced, in a temp file beside the target) and committed
(renamed over the target, the folder synced). Temp files are `.<name>.pid<PID>.<random>.tmp`,
so one left by a killed process is recognised and removed by `remove_stale_temps`. Everything in
grader/ that writes a file goes through here (tests/test_crash_safety.py audits it).

`SkipIndex` is the one "skip if unchanged" index file (grading cache, results index, report
index): versioned, written atomically, and a damaged one only means redoing the work.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what open() would give; mkstemp's 0600 hid results from the TA group
_TEMP = re.compile(r"^\..+\.pid(\d+)\.[^.]+\.tmp$")


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write `data` to `path` so that a reader (or a crash) sees the old file or the new, never half.

    The temp file is `.<name>.pid<PID>.<random>.tmp` in the same folder; one left by a killed
    run is removed by `remove_stale_temps`. Text is UTF-8 with lone surrogates (undecodable
    file names) replaced, so writing can never fail on encoding.
    """
    tmp = stage_write(path, data)
    try:
        os.replace(tmp, path)
        sync_dir(path.parent)
    except BaseException:
        discard_staged(tmp)
        raise


# Opening an untrusted file: never through a symbolic link (it could name any file on the machine),
# never blocking (a FIFO named like an answer file would hang the run).
UNTRUSTED_OPEN = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def open_untrusted(path: Path) -> int:
    """A descriptor for reading `path` (`UNTRUSTED_OPEN`); raises OSError."""
    return os.open(path, UNTRUSTED_OPEN)


def read_at_most(fd: int, limit: int) -> bytes:
    """Up to `limit` + 1 bytes from `fd`: one more than allowed tells a file that is too large
    (or grew after it was checked, or is a device) without reading it all."""
    chunks: list[bytes] = []
    remaining = limit + 1
    while remaining > 0:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def check_writable(folder: Path) -> None:
    """OutputError (exit 8) now, before any grading, if `folder` cannot be created or written
    (read-only, no permission, no space for even a small file)."""
    from grader.errors import OutputError

    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".write-check.", suffix=".tmp")
        try:
            os.write(fd, b"x" * 4096)
        finally:
            os.close(fd)
            os.unlink(tmp)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write the output folder: {exc.strerror or exc}; nothing was graded") from None


def staged_path(path: Path) -> Path:
    """A new empty temp file beside `path`, named as `atomic_write` names its temps, for a writer
    that fills it itself (SQLite's backup API); `commit_staged` moves it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.pid{os.getpid()}.", suffix=".tmp")
    try:
        os.fchmod(fd, _FILE_MODE)
    finally:
        os.close(fd)
    return Path(tmp)


def stage_write(path: Path, data: str | bytes) -> Path:
    """The first half of `atomic_write`: the whole content, synced, in a temp file beside `path`
    (named as `atomic_write` names it). `commit_staged` moves it into place; a process that
    renders in parallel stages its files and lets the caller decide when they appear."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data if isinstance(data, bytes) else data.encode("utf-8", "replace")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.pid{os.getpid()}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fchmod(handle.fileno(), _FILE_MODE)
            os.fsync(handle.fileno())
    except BaseException:
        discard_staged(Path(tmp))
        raise
    return Path(tmp)


def commit_staged(tmp: Path, path: Path, *, sync_dir: bool = True) -> None:
    """The second half: rename the staged file over `path` (`sync_dir=False` when the caller
    syncs the folder once after many renames)."""
    os.replace(tmp, path)
    if sync_dir:
        _sync_folder(path.parent)


def discard_staged(tmp: Path | str) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


def write_if_changed(path: Path, data: str | bytes) -> bool:
    """`atomic_write` unless the file already holds exactly `data` (a re-grade rewrites little).

    Returns whether it wrote. Comparing bytes costs a read; an unchanged file skips the temp
    file, the fsync and the rename, which dominate writing a thousand small results.
    """
    payload = data if isinstance(data, bytes) else data.encode("utf-8", "replace")
    try:
        if path.is_file() and not path.is_symlink() and path.stat().st_size == len(payload) and path.read_bytes() == payload:
            return False
    except OSError:
        pass
    atomic_write(path, payload)
    return True


def sync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (a power cut after it must not bring the old file back)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_sync_folder = sync_dir  # commit_staged's `sync_dir` flag shadows the function's name there


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def remove_stale_temps(folder: Path) -> list[Path]:
    """Remove temp files of `atomic_write` left in `folder` by processes that no longer run.

    A process killed mid-write leaves its temp file; the target itself is intact (old or new).
    Temps of live processes (a concurrent writer) are left alone.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP.match(entry.name)
        if match and entry.is_file(follow_symlinks=False) and not _alive(int(match.group(1))):
            try:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
            except OSError:
                pass
    return removed


# -- the "skip if unchanged" index -------------------------------------------------------------

T = TypeVar("T")
_BAD_ENTRY = (TypeError, ValueError, KeyError, AttributeError, IndexError)


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class SkipIndex:
    """A small JSON file that lets a re-run skip work whose inputs are unchanged: the grading
    cache, the results index, the report index. One format and one rule for all three:

        {"version": N, "key": K (optional), <entries_field>: {name: entry}}

    `load` never raises: a missing, unreadable, damaged or foreign file (other version, other
    `key`) reads as empty, which only means "do everything again"; an entry `parse` rejects is
    dropped alone. `legacy` reads older versions: version -> a function turning an old entry
    into the current raw form. `save` writes atomically, and not at all when nothing changed.
    """

    path: Path
    version: int
    entries_field: str = "entries"
    key: str | None = None
    legacy: Mapping[int, Callable[[Any], Any]] = field(default_factory=dict)

    def load(self, parse: Callable[[Any], T] = _same) -> dict[str, T]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or not isinstance(entries := data.get(self.entries_field), dict):
            return {}
        version = data.get("version")
        upgrade: Callable[[Any], Any] | None = _same if version == self.version else self.legacy.get(version) if isinstance(version, int) else None
        if upgrade is None or data.get("key") != self.key:
            return {}
        loaded: dict[str, T] = {}
        for name, raw in entries.items():
            try:
                loaded[str(name)] = parse(upgrade(raw))
            except _BAD_ENTRY:
                continue
        return loaded

    def save(self, entries: Mapping[str, T], *, previous: Mapping[str, T] | None = None, encode: Callable[[T], Any] = _same) -> bool:
        """Write `entries` (names sorted; each through `encode` to JSON values) unless they equal
        `previous` (what `load` gave) and the file is there. Returns whether it wrote; OSError
        is the caller's to report."""
        if previous is not None and dict(entries) == dict(previous) and self.path.is_file():
            return False
        payload: dict[str, Any] = {"version": self.version}
        if self.key is not None:
            payload["key"] = self.key
        payload[self.entries_field] = {name: encode(entries[name]) for name in sorted(entries)}
        atomic_write(self.path, json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n")
        return True

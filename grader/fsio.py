"""File primitives: the one home for writing a file so a reader (or a crash) sees the old file or
the new, never half.

A write is staged (the whole content, synced, in a temp file beside the target) and committed
(renamed over the target, the folder synced). Temp files are `.<name>.pid<PID>.<random>.tmp`,
so one left by a killed process is recognised and removed by `remove_stale_temps`. Everything in
grader/ that writes a file goes through here (tests/test_crash_safety.py audits it).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path


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

"""Results of unchanged answer files, kept between runs so a re-grade does not grade them again.

A TA re-grades after importing manual scores, after a late file arrives, after fixing a name:
most files have not changed, and grading is a pure function of a file's bytes, name and
modification time, the rubric, the reference code and the grader itself. The cache holds the
grading's results (before manual scores and the course policy, which are applied afresh every run)
in `<out>/.grading-cache.json`:

    {"version": 1, "key": "<fingerprint>", "files": {"<name>": {"size", "mtime_ns", "sha256", "result"}}}

- `key` fingerprints everything else a result depends on: the rubric file and reference package
  (`reference_fingerprint`), every source file of the `grader` package, and the versions of
  Python and of the libraries that compute keys or read answers. Any change empties the cache.
- A file is a hit only if it is still a regular file with the same size and modification time
  (nanoseconds, recorded *before* it was graded) and the same SHA-256 as the bytes that were
  graded; anything else is graded again, by the normal path, with all its checks.
- Results whose verdicts depended on the machine's speed (a time bound ran out) or on a grader
  bug (internal error) are never stored. A file that could not be read is stored with its error
  (the reason depends only on its bytes and name; files that are not regular files or are over
  the size limit are never hits, so their checks always run).
- The file is JSON (no pickle): a damaged or foreign cache is ignored, never trusted.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grader.fsio import SkipIndex
from grader.model import FileError, SubmissionResult

CACHE_NAME = ".grading-cache.json"
CACHE_VERSION = 3  # 3: entries are results JSON (grader.result_schema)
MAX_CACHED_BYTES = 1_000_000  # the answer-file size limit: bigger files are never hits
_LIBRARIES = ("numpy", "torch", "sympy", "PyYAML", "pydantic")


def grader_fingerprint() -> str:
    """SHA-256 over the grader package's source files and the library versions results depend on."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256(f"cache {CACHE_VERSION}\0python {sys.version}\0".encode())
    for name in _LIBRARIES:
        try:
            digest.update(f"{name} {version(name)}\0".encode())
        except PackageNotFoundError:
            digest.update(f"{name} -\0".encode())
    package = Path(__file__).resolve().parents[1]  # grader/
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(source.read_bytes()).digest())
    return digest.hexdigest()


def cache_key(rubric: Any) -> str:
    from grader.keys.keybook import reference_fingerprint

    return hashlib.sha256(f"{reference_fingerprint(rubric)}\0{grader_fingerprint()}".encode()).hexdigest()


# -- (de)serialising grading's results --------------------------------------------------------


def cacheable(result: SubmissionResult) -> bool:
    """A grading result (no TA scores, no policy) whose verdicts do not depend on luck."""
    if result.adjustments:
        return False
    for item in result.items:
        if item.manual_score is not None:
            return False
        if not item.verdict.cacheable:  # a time bound ran out, none could be set, or a grader bug
            return False
    return True


def encode(result: SubmissionResult) -> dict[str, Any]:
    """A result as the cache stores it: its results JSON (`grader.result_schema`)."""
    from grader.result_schema import result_json

    return result_json(result)


def decode(data: dict[str, Any]) -> SubmissionResult:
    from grader.result_schema import result_from_json

    return result_from_json(data)


# -- the cache ----------------------------------------------------------------------------------


def _stat(path: Path) -> tuple[int, int] | None:
    """(size, mtime_ns) of a regular file (not following a symbolic link), else None."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CACHED_BYTES:
        return None
    return info.st_size, info.st_mtime_ns


def _sha256(path: Path) -> str | None:
    from grader.fsio import open_untrusted, read_at_most

    try:
        fd = open_untrusted(path)
    except OSError:
        return None
    try:
        return hashlib.sha256(read_at_most(fd, MAX_CACHED_BYTES)).hexdigest()
    except OSError:
        return None
    finally:
        os.close(fd)


def _entry(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise TypeError("a cache entry is an object")
    return raw


class GradeCache:
    """Lookups before grading, `store` after; `save` writes the file (the caller decides when)."""

    def __init__(self, path: Path, key: str, entries: dict[str, dict[str, Any]] | None = None) -> None:
        self.path = Path(path)
        self.key = key
        self._old = entries or {}
        self._new: dict[str, dict[str, Any]] = {}
        self._stats: dict[str, tuple[int, int, str]] = {}
        self.hits = 0

    def _index(self) -> SkipIndex:
        return SkipIndex(self.path, CACHE_VERSION, "files", self.key)

    @classmethod
    def load(cls, out_dir: Path, rubric: Any) -> GradeCache:
        cache = cls(Path(out_dir) / CACHE_NAME, cache_key(rubric))
        cache._old = cache._index().load(_entry)
        return cache

    def split(self, files: Sequence[Path]) -> tuple[list[SubmissionResult | FileError], list[Path]]:
        """(outcomes of unchanged files, files to grade). Records the files' stats and hashes
        before grading."""
        hits: list[SubmissionResult | FileError] = []
        fresh: list[Path] = []
        for path in files:
            info = _stat(path)
            entry = self._old.get(path.name)
            digest = _sha256(path) if info is not None else None
            outcome: SubmissionResult | FileError | None = None
            if entry is not None and info is not None and digest is not None and [entry.get("size"), entry.get("mtime_ns"), entry.get("sha256")] == [*info, digest]:
                try:
                    if "error" in entry:
                        outcome = FileError(str(entry["error"][0]), str(entry["error"][1]))
                    else:
                        result = decode(entry["result"])
                        outcome = result if result.source == path.name and result.file_sha256 == digest else None
                except (KeyError, TypeError, ValueError, IndexError):
                    outcome = None
            if outcome is not None and entry is not None:
                hits.append(outcome)
                self._new[path.name] = entry
            else:
                fresh.append(path)
                if info is not None and digest is not None:
                    self._stats[path.name] = (*info, digest)
        self.hits = len(hits)
        return hits, fresh

    def store(self, paths: Sequence[Path], outcomes: Sequence[SubmissionResult | FileError]) -> None:
        """Remember the outcomes of freshly graded `paths` (in the same order)."""
        for path, outcome in zip(paths, outcomes, strict=True):
            info = self._stats.get(path.name)
            if info is None or path.name in self._new:
                continue
            size, mtime_ns, digest = info
            entry: dict[str, Any] = {"size": size, "mtime_ns": mtime_ns, "sha256": digest}
            if isinstance(outcome, SubmissionResult):
                if outcome.source != path.name or outcome.file_sha256 != digest or not cacheable(outcome):
                    continue
                entry["result"] = encode(outcome)
            else:
                entry["error"] = [outcome.file, outcome.message]
            self._new[path.name] = entry

    def save(self) -> None:
        try:
            self._index().save(self._new, previous=self._old)
        except OSError:
            pass  # a cache that cannot be written only costs time next run

"""grader.fsio: staging a write, then committing it; the "skip if unchanged" index."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from grader.fsio import SkipIndex, commit_staged, stage_write


@pytest.mark.parametrize(("sync_dir", "folder_synced"), [(True, True), (False, False)])
def test_commit_staged_moves_the_file_and_syncs_the_folder_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sync_dir: bool, folder_synced: bool) -> None:
    path = tmp_path / "reports" / "HW4_T_401234567.pdf"
    staged = stage_write(path, b"%PDF-1.7 new")
    assert staged.parent == path.parent and not path.exists()
    synced: list[int] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        synced.append(os.fstat(fd).st_ino)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    commit_staged(staged, path, sync_dir=sync_dir)
    assert path.read_bytes() == b"%PDF-1.7 new"
    assert not staged.exists()
    assert (path.parent.stat().st_ino in synced) is folder_synced


def test_commit_staged_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "grades.csv"
    path.write_text("old\n", encoding="utf-8")
    commit_staged(stage_write(path, "new\n"), path)
    assert path.read_text(encoding="utf-8") == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]


# -- SkipIndex: one table for the grading cache, the results index and the report index -------

GOOD = {"version": 2, "key": "k", "entries": {"a": [1], "b": [2]}}


def _entry(raw: object) -> int:
    if not isinstance(raw, list):
        raise TypeError(raw)
    (value,) = raw
    return int(value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, {}),  # no index yet
        (json.dumps(GOOD), {"a": 1, "b": 2}),
        ("{not json", {}),  # damaged: rebuild, never a crash
        ("\udcff", {}),  # not even UTF-8 once written with surrogateescape
        ("[1, 2]", {}),  # JSON, but not an index
        (json.dumps({**GOOD, "version": 3}), {}),  # a newer or foreign version
        (json.dumps({**GOOD, "version": "2"}), {}),
        (json.dumps({**GOOD, "key": "other"}), {}),  # made for other inputs
        (json.dumps({k: v for k, v in GOOD.items() if k != "key"}), {}),
        (json.dumps({**GOOD, "entries": [1]}), {}),
        (json.dumps({**GOOD, "entries": {"a": [1], "b": "x", "c": [1, 2], "d": ["3"]}}), {"a": 1, "d": 3}),  # bad entries dropped alone
        (json.dumps({"version": 1, "key": "k", "entries": {"a": 7}}), {"a": 7}),  # legacy version upgraded
        (json.dumps({"version": 0, "key": "k", "entries": {"a": [7]}}), {}),  # a version nobody reads
    ],
)
def test_skip_index_loads_what_it_can_trust(tmp_path: Path, text: str | None, expected: dict[str, int]) -> None:
    path = tmp_path / ".index.json"
    if text is not None:
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
    index = SkipIndex(path, 2, key="k", legacy={1: lambda old: [old]})
    assert index.load(_entry) == expected


@pytest.mark.parametrize(
    ("exists", "previous", "entries", "writes"),
    [
        (False, None, {"a": 1}, True),
        (True, None, {"a": 1}, True),  # no previous: always written
        (True, {"a": 1}, {"a": 1}, False),  # unchanged and on disk: not rewritten
        (False, {"a": 1}, {"a": 1}, True),  # unchanged but gone: written again
        (True, {"a": 1}, {"a": 2}, True),
        (True, {"a": 1, "b": 2}, {"a": 1}, True),  # an entry gone
    ],
)
def test_skip_index_saves_only_changes(tmp_path: Path, exists: bool, previous: dict[str, int] | None, entries: dict[str, int], writes: bool) -> None:
    path = tmp_path / ".index.json"
    index = SkipIndex(path, 2, key="k")
    if exists:
        path.write_text("old", encoding="utf-8")
    assert index.save(entries, previous=previous, encode=lambda v: [v]) is writes
    if writes:
        assert json.loads(path.read_text(encoding="utf-8")) == {"version": 2, "key": "k", "entries": {k: [v] for k, v in sorted(entries.items())}}
        assert index.load(_entry) == entries  # what is saved loads back
    else:
        assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == [".index.json"]  # written atomically: no temp left


def test_skip_index_without_a_key_writes_none(tmp_path: Path) -> None:
    index = SkipIndex(tmp_path / "i.json", 1, "reports")
    index.save({"x": {"view": "v"}})
    assert json.loads((tmp_path / "i.json").read_text(encoding="utf-8")) == {"version": 1, "reports": {"x": {"view": "v"}}}
    assert index.load() == {"x": {"view": "v"}}


@pytest.mark.parametrize(("size", "limit", "read"), [(0, 10, 0), (10, 10, 10), (11, 10, 11), (5_000_000, 10, 11), (3 << 20, 4 << 20, 3 << 20)])
def test_read_at_most_reads_one_byte_past_the_limit_at_most(tmp_path, size, limit, read):
    from grader.fsio import open_untrusted, read_at_most

    path = tmp_path / "f"
    path.write_bytes(b"x" * size)
    fd = open_untrusted(path)
    try:
        assert len(read_at_most(fd, limit)) == read
    finally:
        os.close(fd)


def test_an_untrusted_file_is_never_opened_through_a_link_or_waited_for(tmp_path):
    from grader.fsio import open_untrusted

    (tmp_path / "real").write_text("secret", encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(OSError):
        open_untrusted(tmp_path / "link")
    os.mkfifo(tmp_path / "fifo")
    fd = open_untrusted(tmp_path / "fifo")  # returns at once: no writer is waited for
    os.close(fd)

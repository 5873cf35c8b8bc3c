"""grader.fsio's file primitives: staging a write, then committing it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.fsio import commit_staged, stage_write


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

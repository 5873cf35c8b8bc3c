"""The adversarial corpus as a folder ready to grade: committed files plus those made at test time.

Large files, and files git cannot hold (a FIFO, symbolic links, a non-UTF-8 name), are made here
into tmp_path; the expected outcome of each is in manifest.yaml under `generated`. Modification
times are fixed (the newer of two files for one student wins, and the course policy reads them),
so every run grades the same folder.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from tests.adversarial.hostile_pdfs import make_pdfs

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
MANIFEST = HERE / "manifest.yaml"
BASE_TIME = 1_733_000_000  # 2024-11-30, before the HW4 deadline
NOT_IN_ROSTER = "adv_notinroster"


def load_manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def expectations() -> dict[str, dict]:
    table = load_manifest()
    return {**table["files"], **table["generated"]}


def tensor_text(entries: int, row: int = 1000) -> str:
    """A nested list of `entries` zeros as text, rows of `row` entries: '[[0, 0, …], …]'."""
    line = "[" + ", ".join(["0"] * row) + "]"
    return "[" + ", ".join([line] * (entries // row)) + "]"


def make_generated(folder: Path) -> None:
    """Write the generated cases of manifest.yaml into `folder`."""
    head, tail = b"student_id: adv_10mb\nanswers:\n  q2.derivation: '", b"'\n"
    ten_mb = head + b"x" * (10_000_000 - len(head) - len(tail)) + tail
    assert len(ten_mb) == 10_000_000
    (folder / "HW4_T_adv_10mb.yaml").write_bytes(ten_mb)
    (folder / "HW4_T_adv_tensor_1e7.yaml").write_text(f"answers:\n  q3.a.dL_dP1: '{tensor_text(10_000_000)}'\n", encoding="utf-8")
    (folder / "HW4_T_adv_many_values.yaml").write_text("answers:\n  q2.dL_dW: [" + ", ".join(["0"] * 250_000) + "]\n", encoding="utf-8")
    big = (
        "student_id: adv_big_limits\nanswers:\n"
        f"  q3.a.dL_dP1: '[{','.join(['0'] * 100_001)}]'\n"
        f"  q3.b.dL_dW1: {tensor_text(101_000)}\n"
    )
    assert len(big.encode()) < 1_000_000
    (folder / "HW4_T_adv_big_limits.yaml").write_text(big, encoding="utf-8")
    os.mkfifo(folder / "HW4_T_adv_fifo.yaml")
    os.symlink("/etc/passwd", folder / "HW4_T_adv_symlink.yaml")
    os.symlink("/etc", folder / "HW4_T_adv_symlink_dir.yaml")
    with open(os.path.join(os.fsencode(folder), b"HW4_T_adv_\xff.yaml"), "wb") as handle:  # not UTF-8
        handle.write(b"answers: {}\n")
    make_pdfs(folder)  # hostile PDF answer sheets (tests/adversarial/hostile_pdfs.py)
    (folder / f"HW4_T_{NOT_IN_ROSTER}.yaml").write_text(f"student_id: {NOT_IN_ROSTER}\nanswers: {{q1.c.unet_conv2_params: 73856}}\n", encoding="utf-8")


def build_corpus(folder: Path) -> Path:
    """Copy the committed files and make the generated ones; fix every modification time."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(FILES.iterdir()):
        shutil.copyfile(path, folder / path.name)
    make_generated(folder)
    for entry in os.scandir(os.fsencode(folder)):
        if entry.is_file(follow_symlinks=False):
            os.utime(entry.path, (BASE_TIME, BASE_TIME))
    newer = BASE_TIME + 3600
    os.utime(folder / "HW4_T_adv_dup.json", (newer, newer))
    return folder


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    """The whole corpus in one folder (shared: tests must not change it)."""
    return build_corpus(tmp_path_factory.mktemp("adversarial") / "in")


@pytest.fixture(scope="session")
def manifest() -> dict[str, dict]:
    return expectations()


def tree(root: Path) -> set[str]:
    """Every path under `root` (files, folders, links), relative, as text."""
    out = set()
    for dirpath, dirnames, filenames in os.walk(os.fsencode(root)):
        for name in dirnames + filenames:
            out.add(os.fsdecode(os.path.relpath(os.path.join(dirpath, name), os.fsencode(root))))
    return out

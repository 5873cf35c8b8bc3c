"""Near-duplicate free text: paraphrased copies are found, independent or short answers are not."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from grader.integrity import FindingKind, analyse
from grader.integrity.textsim import jaccard, shingles
from tests.integrity.helpers import grade_folder, write_batch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import plant  # noqa: E402  (bench/plant.py: the planted paraphrases)

OTHER = (
    "Deformable convolution adds a learned two dimensional offset to every sampling position of the kernel; "
    "the offsets come from a parallel convolution over the same input and bilinear interpolation reads the "
    "input at the fractional positions, so the receptive field follows the shape of the object."
)


@pytest.mark.parametrize(("i", "j"), [(0, 1), (0, 2), (1, 2)])
def test_paraphrases_share_most_word_pairs(i, j):
    versions = plant.paraphrases(plant.RING_TEXT)
    assert jaccard(shingles(versions[i]), shingles(versions[j])) >= 0.6


@pytest.mark.parametrize(
    "text",
    ["short answer, see the attached derivation", "x = y + 2 z + 3 w + 4 v + 5 u + 6 t + 7 s + 8 r + 9 q"],
)
def test_short_answers_and_bare_formulas_have_no_shingles(text):
    assert shingles(text) == set()


def test_ring_text_found_side_by_side(tmp_path, hw4, hw4_keys):
    versions = plant.paraphrases(plant.RING_TEXT)
    students = [f"40230{i:04d}" for i in range(8)]
    answers = {s: {"q4.c.deformable": OTHER if k == 3 else f"answer {k}: " + " ".join(f"word{k}x{n}" for n in range(30))} for k, s in enumerate(students)}
    for s, text in zip(students[:3], versions, strict=True):
        answers[s]["q4.c.deformable"] = text
    write_batch(tmp_path, answers)
    report = analyse(grade_folder(tmp_path, hw4, hw4_keys), rubric=hw4, folder=tmp_path)
    found = {(f.student, f.other): f for f in report.of_kind(FindingKind.NEAR_DUPLICATE_TEXT)}
    assert set(found) == {(students[0], students[1]), (students[0], students[2]), (students[1], students[2])}
    pair = found[(students[0], students[1])]
    assert pair.evidence[0].answer.startswith("در کانولوشن") and pair.evidence[0].other_answer.startswith("در كانولوشن")

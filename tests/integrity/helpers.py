"""Results of hand-written answer sets, graded for real (the HW4 rubric and its keys)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from grader.grading.batch import grade_file


def write_batch(folder: Path, answers: dict[str, dict[str, Any]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for student, items in answers.items():
        text = yaml.safe_dump({"student_id": student, "answers": items}, allow_unicode=True, sort_keys=False)
        (folder / f"HW4_T_{student}.yaml").write_text(text, encoding="utf-8")


def grade_folder(folder: Path, rubric: Any, keys: Any) -> list[Any]:
    return [grade_file(path, rubric=rubric, keys=keys) for path in sorted(folder.glob("HW4_T_*.yaml"))]


def key_list(keys: Any, rubric: Any, item_id: str, student: str) -> Any:
    import numpy as np

    return np.asarray(keys.expected(rubric.item(item_id), 0, student), dtype=np.float64).tolist()

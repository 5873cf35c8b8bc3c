"""The term workspace: where a homework's outputs and the term's one gradebook live.

A course runs a term of homeworks with one late-day budget, so the late-day ledger must be the
whole term's. The default layout, under the workspace root `out/` of the course folder (the
folder `grade` is run from, the one holding `rubrics/course.yaml`):

    out/gradebook.sqlite      the term gradebook: every homework's runs, manual scores, ledger
    out/hw4/                  hw4's results/, grades.csv, errors.json, run.json, reports/
    out/hw5/                  hw5's ...

`--out DIR` names one homework's output folder (the layout before terms: its gradebook is
`DIR/gradebook.sqlite` unless `--db` is given); a folder that holds another homework's results
is refused, never overwritten. An `out/` written by an older version (one homework's outputs at
the top of `out/`) is moved into `out/<homework>/` on that homework's next run
(`adopt_flat_layout`); the gradebook is already at its term place.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.errors import SubmissionError
from grader.store.gradebook import DB_NAME

if TYPE_CHECKING:
    from grader.model import LedgerEntry
    from grader.policy.course import Course
    from grader.store.gradebook import Gradebook

TERM_ROOT = Path("out")
# what a run writes into a homework's output folder (moved by `adopt_flat_layout`)
RUN_OUTPUTS = ("results", "reports", "grades.csv", "errors.json", "run.json", ".grading-cache.json")


class OutputFolderError(SubmissionError):
    """An output folder holds another homework's results (exit code 2, like a bad folder)."""


@dataclass(frozen=True)
class Placement:
    out_dir: Path  # this homework's outputs
    db: Path  # the gradebook
    term: bool  # the term layout (out/<homework>/, one gradebook for the term)


def place(*, homework: str, out: Path | None, db: Path | None, root: Path = TERM_ROOT) -> Placement:
    """Where a run of `homework` writes: `root/<homework>/` and `root/gradebook.sqlite` unless
    `--out` (then `out/` and its own gradebook, as before terms) or `--db` say otherwise."""
    if out is None:
        return Placement(Path(root) / homework, Path(db) if db is not None else Path(root) / DB_NAME, True)
    return Placement(Path(out), Path(db) if db is not None else Path(out) / DB_NAME, False)


def homework_of(folder: Path) -> str | None:
    """The homework whose results an output folder holds (from run.json, else a results file)."""
    run_json = Path(folder) / "run.json"
    candidates = [run_json] if run_json.is_file() else []
    results = Path(folder) / "results"
    if not candidates and results.is_dir():
        candidates = sorted(results.glob("*.json"))[:1]
    for path in candidates:
        try:
            value = json.loads(path.read_text(encoding="utf-8")).get("homework")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(value, str) and value:
            return value
    return None


def check_out_dir(out_dir: Path, homework: str) -> None:
    """Refuse an output folder that holds another homework's results (they would be overwritten)."""
    theirs = homework_of(out_dir)
    if theirs is not None and theirs != homework:
        raise OutputFolderError(
            f"{out_dir} holds {theirs} results; {homework} is not written over them: "
            f"choose another --out (or leave it out to write {TERM_ROOT / homework})"
        )


def adopt_flat_layout(root: Path, homework: str) -> list[str]:
    """Move one homework's outputs from the top of `root` (the layout before terms) into
    `root/<homework>/`, when they are this homework's and that folder has none yet."""
    root = Path(root)
    target = root / homework
    if not (root / "run.json").is_file() or homework_of(root) != homework or (target / "run.json").exists():
        return []
    target.mkdir(parents=True, exist_ok=True)
    moved = []
    for name in RUN_OUTPUTS:
        source = root / name
        if source.exists() and not (target / name).exists():
            os.replace(source, target / name)
            moved.append(name)
    return [f"moved {homework}'s outputs of the single-homework layout ({', '.join(moved)}) from {root} into {target} (the term layout)"]


# ---------------------------------------------------------------------------------------------
# the term ledger: homeworks it lacks, homeworks a run changed


def _deadline(course: Course, homework: str, part: str) -> datetime | None:
    return course.final_deadline(homework, part)


def missing_earlier(course: Course, *, homework: str, part: str, ledger: Mapping[str, Sequence[LedgerEntry]], graded: Iterable[tuple[str, str]], db: Path) -> list[str]:
    """Notes for homework parts course.yaml lists before this one of which the gradebook knows
    nothing (no run, no ledger row): their late days are not counted in this run."""
    mine = _deadline(course, homework, part)
    if mine is None:
        return []
    known = set(graded) | {(e.homework, e.part) for entries in ledger.values() for e in entries}
    missing = [
        f"{hw} {p}"
        for hw, parts in course.homeworks.items()
        for p in parts
        if (hw, p) not in known and (when := _deadline(course, hw, p)) is not None and when < mine
    ]
    if not missing:
        return []
    return [
        f"course.yaml lists {', '.join(missing)} before {homework} {part}, but the gradebook {db} has no run or late days of "
        f"{'it' if len(missing) == 1 else 'them'}: late days used there are not counted; grade "
        f"{'it' if len(missing) == 1 else 'them'} into the same term workspace, or `grade ledger import` the days"
    ]


def later_changed(
    book: Gradebook, course: Course, *, homework: str, part: str, before: Mapping[str, Sequence[LedgerEntry]], after: Mapping[str, Sequence[LedgerEntry]]
) -> list[str]:
    """Notes naming the homework parts graded after this one (by course.yaml's deadlines) whose
    students' late-day allowance this run changed: their results must be re-graded."""
    from grader.policy.rules import usage_before

    mine = _deadline(course, homework, part)
    notes = []
    latest: dict[tuple[str, str], Any] = {}
    for run in book.runs():
        latest[(run.homework, run.part)] = run
    for (hw, p), run in sorted(latest.items()):
        theirs = _deadline(course, hw, p)
        if (hw, p) == (homework, part) or theirs is None or mine is None or theirs <= mine:
            continue
        changed = []
        for student, data in book.run_results(run.id).items():
            stamp = data.get("submitted_at")
            if not isinstance(stamp, str):
                continue
            when = datetime.fromisoformat(stamp)
            old = usage_before(before.get(student, ()), course=course, homework=hw, part=p, submitted_at=when)
            new = usage_before(after.get(student, ()), course=course, homework=hw, part=p, submitted_at=when)
            if old != new:
                changed.append(student)
        if changed:
            shown = ", ".join(changed[:10]) + (f" and {len(changed) - 10} more" if len(changed) > 10 else "")
            notes.append(
                f"{hw} {p} (graded in run {run.id}) now has different late days left for {len(changed)} student(s) ({shown}): "
                f"re-grade it (grade {run.folder}) to apply the policy again"
            )
    return notes

"""A TA team's week, scripted: three TAs, concurrent and stale sheets, re-grades, a
re-submission, a corrupted and an emptied gradebook. At the end every score is the one its last
TA intended, and everything else was reported as a conflict, never silently changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.cli import main
from grader.store.gradebook import Gradebook
from tests.store.test_manual import make_homework, sheet_rows, write_sheet
from tests.store.test_manual_concurrency import COL
from tests.store.test_recovery import corrupt

S1, S2, S3 = "401000001", "401000002", "401000003"


def test_three_tas_a_resubmission_and_two_lost_gradebooks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hw = make_homework(tmp_path)
    out = str(hw.out)

    def run() -> tuple[int, str, str]:
        code = main(["run", str(hw.subs), "--rubric", str(hw.rubric), "--out", out, "--no-pdf", "-j", "1"])
        cap = capsys.readouterr()
        return code, cap.out, cap.err

    def export(name: str) -> list[list[str]]:
        path = tmp_path / name
        assert main(["manual", "export", "--out", out, "-o", str(path)]) == 0
        capsys.readouterr()
        return sheet_rows(path.read_text(encoding="utf-8"))

    def fill(rows: list[list[str]], scores: dict[tuple[str, str], str]) -> list[list[str]]:
        rows = [list(r) for r in rows]
        for r in rows[1:]:
            key = (r[COL["student_id"]], r[COL["item_id"]])
            if key in scores:
                r[COL["score"]] = scores[key]
        return rows

    def imp(ta: str, name: str, rows: list[list[str]], *extra: str) -> tuple[int, str]:
        sheet = write_sheet(tmp_path / name, rows)
        code = main(["manual", "import", str(sheet), "--out", out, "--grader", ta, *extra])
        cap = capsys.readouterr()
        return code, cap.out + cap.err

    def stored() -> dict[tuple[str, str], tuple[float, str]]:
        with Gradebook.open(hw.db) as book:
            return {k: (v.points, v.grader) for k, v in book.manual_scores("hwt", "theory").items()}

    assert run()[0] == 0
    # Monday: the three TAs each take the same sheet
    sheet_a, sheet_b, sheet_c = export("a.csv"), export("b.csv"), export("c.csv")
    assert sheet_a == sheet_b == sheet_c

    # A grades two answers
    assert imp("ta_a", "a-filled.csv", fill(sheet_a, {(S1, "q1.explain"): "3", (S2, "q2.essay"): "2"}))[0] == 0
    # B, on the stale copy, grades S3 and (wrongly) also S1, which A had graded: a conflict
    b_rows = fill(sheet_b, {(S3, "q1.explain"): "1", (S1, "q1.explain"): "2"})
    code, said = imp("ta_b", "b-filled.csv", b_rows)
    assert code == 7 and f"{S1} q1.explain: changed since you saw version 0: stored 3 by ta_a (version 1), yours 2" in said
    assert (S3, "q1.explain") not in stored()  # all or nothing
    # B keeps A's score (blanks the row) and imports the rest
    assert imp("ta_b", "b-fixed.csv", fill(b_rows, {(S1, "q1.explain"): ""}))[0] == 0
    # C edits only a comment-free row of S2's extra item on the stale copy: no conflict, A's rows untouched
    assert imp("ta_c", "c-filled.csv", fill(sheet_c, {(S2, "q2.extra"): "1"}))[0] == 0
    assert stored() == {(S1, "q1.explain"): (3.0, "ta_a"), (S2, "q2.essay"): (2.0, "ta_a"), (S3, "q1.explain"): (1.0, "ta_b"), (S2, "q2.extra"): (1.0, "ta_c")}

    # Tuesday: re-grade; C re-grades S1 on a fresh sheet (a deliberate change)
    assert run()[0] == 0
    assert imp("ta_c", "c2.csv", fill(export("c2.csv"), {(S1, "q1.explain"): "4"}))[0] == 0
    # A re-imports Monday's file by mistake: S1 changed since (by C): refused, not reverted
    code, said = imp("ta_a", "a-filled.csv", fill(sheet_a, {(S1, "q1.explain"): "3", (S2, "q2.essay"): "2"}))
    assert code == 7 and "stored 4 by ta_c (version 2), yours 3" in said
    assert stored()[(S1, "q1.explain")] == (4.0, "ta_c")

    # Wednesday: S2 re-submits a different essay: the score stays, flagged
    path = hw.subs / f"HWT_{S2}.yaml"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["answers"]["q2.essay"] = "a rewritten essay"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, said, _ = run()
    assert code == 0 and f"{S2} q2.essay: answer changed since graded (the TA score 2 is kept" in said

    # Thursday: the gradebook is corrupted; the run refuses, restore brings everything back
    corrupt(hw.db)
    code, _, err = run()
    assert code == 6 and "is damaged" in err
    assert main(["gradebook", "restore", "--out", out]) == 0
    capsys.readouterr()
    intended = {
        (S1, "q1.explain"): (4.0, "ta_c"),
        (S2, "q2.essay"): (2.0, "ta_a"),
        (S3, "q1.explain"): (1.0, "ta_b"),
        (S2, "q2.extra"): (1.0, "ta_c"),
    }
    assert stored() == intended
    assert run()[0] == 0

    # Friday: someone empties the gradebook (`: > out/gradebook.sqlite`) and deletes the backups
    hw.db.write_bytes(b"")
    for backup in (hw.out / ".gradebook-backups").iterdir():
        backup.unlink()
    code, _, err = run()
    assert code == 6 and "is empty" in err
    assert main(["gradebook", "rebuild", "--out", out]) == 0
    capsys.readouterr()
    assert stored() == intended
    code, said, _ = run()
    assert code == 0
    for (student, item), (points, _) in intended.items():
        result = json.loads((hw.out / "results" / f"{student}.json").read_text(encoding="utf-8"))
        assert result["items"][item]["manual_score"]["points"] == points
    flagged = json.loads((hw.out / "results" / f"{S2}.json").read_text(encoding="utf-8"))["items"]["q2.essay"]["manual_score"]
    assert flagged.get("answer_changed") is True

"""`grade integrity`: integrity findings and key health of a graded folder, as evidence for a TA."""

from __future__ import annotations

import os
from pathlib import Path

import click

from grader.cli.common import console, find_rubric

SHOW = 15  # findings listed per kind on the terminal (integrity.csv has them all)


@click.command("integrity")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--rubric", type=click.Path(path_type=Path, dir_okay=False), help="Rubric YAML (default: found from the file names' prefix).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=None, help="The homework's output folder, as for `grade FOLDER` (default: the term workspace, out/<homework>/): its grading cache and gradebook are read; integrity.csv and key-health.csv are written into it.")
@click.option("--key", "show_key", is_flag=True, help="Also list key health: frequent wrong answers no rule matches (with a YAML snippet), check-the-key flags, difficulty and discrimination.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="Worker processes for files not yet graded (default: all cores).")
def integrity_cmd(folder: Path, rubric: Path | None, out_dir: Path | None, show_key: bool, jobs: int | None) -> None:
    """Look for copied instance answers, shared rare wrong answers and near-duplicate free text
    in FOLDER, and for what the rubric misses. Never changes a grade.
    """
    from grader.errors import SubmissionError
    from grader.integrity import run_integrity
    from grader.rubric import load_rubric

    if not folder.is_dir():
        raise SubmissionError(f"{folder}: no such folder")
    rubric_obj = load_rubric(find_rubric(rubric, file_names=[p.name for p in folder.iterdir()]))
    from grader.workspace import place

    where = place(homework=rubric_obj.homework, out=out_dir, db=None)  # where `grade FOLDER` wrote
    outcome = run_integrity(folder, rubric=rubric_obj, out_dir=where.out_dir, db=where.db, jobs=jobs or os.cpu_count() or 1)
    print_report(outcome.report, show_key=show_key)
    click.echo(f"wrote {', '.join(str(p) for p in outcome.written)} ({outcome.graded} submissions analysed in {outcome.report.seconds:.2f} s)")


def print_report(report, *, show_key: bool) -> None:  # type: ignore[no-untyped-def]
    from rich.markup import escape

    from grader.integrity import FindingKind
    from grader.integrity.findings import KIND_LABELS
    from grader.typeset.text import one_line

    out = console()
    flagged = len(report.flagged_students)
    out.print(
        f"[bold]{escape(report.homework)} integrity[/bold]: {len(report.findings)} finding(s) about {flagged} of "
        f"{report.students} students; evidence for a TA to look at, not a verdict",
        highlight=False,
    )
    for kind in FindingKind:
        found = report.of_kind(kind)
        out.print(f"\n[bold]{KIND_LABELS[kind]}[/bold]: {len(found)}", highlight=False)
        shown = None
        for f in found[:SHOW]:
            chance = f"; expected by chance {f.chance:.2g}" if f.chance is not None else ""
            head = f"  group {f.group}: {f.student} and {f.other}"
            if head != shown:  # one heading per pair: a pair's findings on several items follow it
                out.print(head, markup=False, highlight=False)
                shown = head
            score = f"score {f.score:g}{chance}"
            if not f.evidence:
                out.print(f"    {score}", markup=False, highlight=False)
            for index, e in enumerate(f.evidence[:6]):
                why = one_line(e.note, 80) + (f"; {score}" if index == 0 else "")
                out.print(f"    {e.item_id}: {one_line(e.answer, 70)} | {one_line(e.other_answer, 70)}  ({why})", markup=False, highlight=False)
        if len(found) > SHOW:
            out.print(f"  … {len(found) - SHOW} more in integrity.csv", markup=False)
    for note in report.notes:
        out.print(f"[yellow]note[/yellow] {escape(one_line(note, 300))}", highlight=False)
    if not show_key:
        return
    out.print("\n[bold]key health[/bold] (difficulty = mean credit, discrimination = correlation with the total)", highlight=False)
    for h in report.items:
        flag = "  [red]check the key[/red]" if h.check_key else ""
        disc = "n/a" if h.discrimination is None else f"{h.discrimination:.2f}"
        diff = "n/a" if h.difficulty is None else f"{h.difficulty:.2f}"
        out.print(f"{escape(h.item_id)}: difficulty {diff}, discrimination {disc}, {h.correct} of {h.answered} correct{flag}", highlight=False)
        if h.check_key:
            out.print(f"    most frequent answer {one_line(h.top_wrong_answer, 80)} ×{h.top_wrong} is more frequent than the key", markup=False)
        for u in h.uncovered:
            out.print(f"    uncovered: {one_line(u.answer, 80)} ×{u.count} ({u.share:.0%})", markup=False, highlight=False)
            for line in u.yaml.splitlines():
                out.print(f"      {one_line(line, 200)}", markup=False, highlight=False)


COMMANDS = [integrity_cmd]

"""The main job as a library call: grade a folder and write every output into one folder.

Order of work (nothing is written before step 5, and nothing at all in a dry run):

1. grade every answer file (`grade_batch`); files unchanged since a previous run into the same
   folder under the same rubric, reference code and grader reuse their results
   (`<out>/.grading-cache.json`, see `grader.gradecache`);
2. merge the TAs' manual scores from the gradebook into the manual items;
3. apply the course policy (submission times from the manifest or the files' modification times,
   late days already used from the gradebook's ledger);
4. compute the diff against the previous run of this homework part and hand it to `on_diff`;
5. back the gradebook up (`grader.recovery`), record the run in it (one transaction), then write
   the files derived from it: results/*.json (and the grading cache), grades.csv, errors.json,
   integrity.csv and key-health.csv (`grader.integrity`, analysed after step 3: evidence, never
   a grade), run.json, then the PDF reports. The gradebook is the system of record: a failure
   leaves files behind it, never ahead, and the next run says so and rewrites them.

Before grading, a run checks that the output folder can be written and refuses (exit 6) a lost
gradebook beside results of earlier runs (`grader.recovery.guard`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.engine import BatchResult, grade_batch
from grader.errors import ReportError
from grader.fsio import atomic_write
from grader.gradecache import GradeCache
from grader.output import dumps, result_doc, retire_stale, write_grades_csv, write_results
from grader.rubric import Rubric

if TYPE_CHECKING:
    from grader.course import Course
    from grader.gradebook import RunDiff, RunInfo, StudentSnapshot
    from grader.integrity import IntegrityReport
    from grader.policy import LedgerEntry
    from grader.report import ReportPool
    from grader.report.batch import PlannedReports

MANIFEST_NAME = "manifest.csv"


@dataclass
class RunOutcome:
    batch: BatchResult  # results with manual scores and the policy applied
    out_dir: Path
    written: list[Path] = field(default_factory=list)
    report_note: str = ""
    diff: RunDiff | None = None  # what changed since the previous run of this homework part
    notes: list[str] = field(default_factory=list)  # run-level remarks (no manifest, unapplied scores...)
    run_id: int | None = None  # the gradebook's run id (None in a dry run)
    db_path: Path | None = None
    dry_run: bool = False


def write_errors(batch: BatchResult, out_dir: Path) -> Path:
    """`errors.json`: files that could not be graded and files skipped, each with the reason."""
    data: dict[str, list[Any]] = {
        "unreadable": [{"file": e.file, "error": e.message} for e in batch.errors],
        "skipped": [{"file": e.file, "reason": e.message} for e in batch.skipped],
    }
    if batch.no_file:  # roster students without an answer file (only with --roster)
        data["no_file"] = list(batch.no_file)
    path = out_dir / "errors.json"
    atomic_write(path, dumps(data))
    return path


def _sha256(path: Path | None) -> str | None:
    return None if path is None else hashlib.sha256(path.read_bytes()).hexdigest()


def _grader_version() -> str:
    try:
        from importlib.metadata import version

        return version("hwgrader")
    except Exception:  # noqa: BLE001 - not installed as a distribution
        return "unknown"


def run_grading(
    folder: Path,
    *,
    rubric: Rubric,
    out_dir: Path,
    jobs: int = 1,
    pdf: bool = True,
    progress: Callable[[int, int], None] | None = None,
    manifest: Path | None = None,
    db: Path | None = None,
    dry_run: bool = False,
    course: Course | None = None,
    on_diff: Callable[[RunDiff], None] | None = None,
    roster: Collection[str] | None = None,
    others: Mapping[str, str] | None = None,
) -> RunOutcome:
    """Grade `folder` and write everything into `out_dir` (nothing at all when `dry_run`).

    `manifest`: the submission-time CSV (default `<folder>/manifest.csv` if it exists; without
    one the files' modification times are used, with a warning on each result). `db`: the
    gradebook (default `<out_dir>/gradebook.sqlite`). `course`: a loaded `grader.course.Course`
    (default: the rubric's `course:` file; a rubric without one gets no policy). `on_diff` is
    called with the `RunDiff` against the previous run before anything is written. `roster`: the
    enrolled student ids; a file of any other id is listed as unreadable and not graded.
    `others`: file prefix -> homework of other homeworks' files in `folder` (a mixed folder):
    they are listed as skipped, theirs. A manifest with a `homework` column gives the times of
    this homework's rows only.
    """
    from grader.gradebook import utc_now

    started = utc_now()
    folder = Path(folder)
    out_dir = Path(out_dir)
    try:
        with _report_pool(jobs if pdf and not dry_run else None) as pool:
            return _run(
                folder, rubric=rubric, out_dir=out_dir, jobs=jobs, pdf=pdf, progress=progress, manifest=manifest, db=db,
                dry_run=dry_run, course=course, on_diff=on_diff, roster=roster, started=started, pool=pool, others=others,
            )
    except KeyboardInterrupt:  # the workers are gone: no temp file of theirs (or ours) may stay
        from grader.fsio import remove_stale_temps

        for where in (out_dir, out_dir / "results", out_dir / "reports"):
            remove_stale_temps(where)
        raise


@contextmanager
def _report_pool(jobs: int | None) -> Iterator[ReportPool | None]:
    """The report workers, started before grading so their start-up (WeasyPrint, fonts) overlaps
    it; None when no PDFs are made (jobs None) or the report package is missing."""
    if jobs is None:
        yield None
        return
    try:
        from grader.report import ReportPool
    except ImportError:  # pragma: no cover - the report package is optional until installed
        yield None
        return
    with ReportPool(jobs) as pool:
        pool.start()
        yield pool


def _run(
    folder: Path,
    *,
    rubric: Rubric,
    out_dir: Path,
    jobs: int,
    pdf: bool,
    progress: Callable[[int, int], None] | None,
    manifest: Path | None,
    db: Path | None,
    dry_run: bool,
    course: Course | None,
    on_diff: Callable[[RunDiff], None] | None,
    roster: Collection[str] | None,
    started: str,
    pool: ReportPool | None,
    others: Mapping[str, str] | None = None,
) -> RunOutcome:
    from grader.course import load_course_for
    from grader.fsio import check_writable
    from grader.gradebook import Gradebook, default_db, diff_runs, merge_manual, snapshot_from_json, utc_now
    from grader.keys import reference_fingerprint
    from grader.policy import apply_batch, read_manifest
    from grader.recovery import backup, guard
    from grader.workspace import check_out_dir, later_changed, missing_earlier

    db_path = Path(db) if db is not None else default_db(out_dir)
    if not dry_run:  # refuse before the (slow) grading, and before writing anything
        guard(db_path, out_dir)
        check_writable(out_dir)
        if db_path.parent.resolve() != out_dir.resolve():
            check_writable(db_path.parent)
    check_out_dir(out_dir, rubric.homework)  # another homework's results are never written over
    course_obj = course if course is not None else load_course_for(rubric)
    if manifest is None and (folder / MANIFEST_NAME).is_file():
        manifest = folder / MANIFEST_NAME
    # fail on a broken manifest before the (slow) grading
    times = read_manifest(manifest, course=course_obj, part=rubric.part, homework=rubric.homework) if manifest is not None and course_obj is not None else None

    # results of files unchanged since a previous run under the same rubric, references and grader
    cache = GradeCache.load(out_dir, rubric)
    batch = grade_batch(folder, rubric=rubric, jobs=jobs, progress=progress, roster=roster, cache=cache, others=others)
    book = Gradebook.snapshot(db_path) if dry_run else Gradebook.open(db_path)
    reports: _StartedReports | None = None
    try:
        notes: list[str] = []
        results, manual_notes = merge_manual(batch.results, book.manual_scores(rubric.homework, rubric.part))
        notes += manual_notes
        ledger_entries: list[LedgerEntry] = []
        if course_obj is None:
            notes.append(
                "the rubric names no course file: no submission policy applied (no bonus, late days or penalties)"
                + (f"; the manifest {manifest} is not used" if manifest is not None else "")
            )
        else:
            if times is None:
                notes.append(
                    f"no manifest ({folder / MANIFEST_NAME} not found, --manifest not given): submission times are the files' "
                    "modification times, which may be the download time; every result carries a warning"
                )
            ledger_before = book.ledger()
            notes += missing_earlier(
                course_obj, homework=rubric.homework, part=rubric.part, ledger=ledger_before,
                graded={(r.homework, r.part) for r in book.runs()}, db=db_path,
            )
            results, ledger_entries = apply_batch(
                results, course=course_obj, part=rubric.part, manifest=times, ledger=ledger_before, manifest_name=str(manifest or "")
            )
        if times is not None:
            unmatched = sorted(set(times) - {r.student_id for r in results})
            if unmatched:
                shown = ", ".join(unmatched[:10]) + (f" and {len(unmatched) - 10} more" if len(unmatched) > 10 else "")
                notes.append(f"the manifest {manifest} has submission times for {len(unmatched)} student(s) with no graded answer file: {shown}")
        batch = replace(batch, results=tuple(results), notes=batch.notes + tuple(notes))
        integrity = None if dry_run else _integrity(batch, folder, notes)  # evidence for a TA, never a grade
        # the results are final: the report workers start on the changed reports and the summary
        # now, while this process diffs and writes; nothing of theirs appears before step 5
        if pool is not None:  # the summary first: it is the longest single render
            reports = _StartedReports(batch, out_dir / "reports", pool, course=course_obj.course if course_obj is not None else "", integrity=integrity)
        docs = [result_doc(r) for r in batch.results]  # each result's JSON, once
        texts = {d.student_id: d.text for d in docs}
        if reports is not None:
            reports.plan({d.student_id: d.digest for d in docs})

        new = {d.student_id: snapshot_from_json(d.data) for d in docs}
        previous = book.latest_run(rubric.homework, rubric.part)
        old = None
        label = None
        if previous is not None:
            # a student whose stored JSON is this run's, byte for byte, has this run's snapshot
            old = {
                sid: new[sid] if texts.get(sid) == text else snapshot_from_json(json.loads(text))
                for sid, text in book.run_result_texts(previous.id).items()
            }
            label = f"run {previous.id} ({previous.finished_at})"
        elif (out_dir / "results").is_dir():
            old = _results_folder(out_dir / "results", rubric.homework)
            label = f"{out_dir / 'results'} (a run not in the gradebook)" if old else None
            old = old or None
        diff = diff_runs(old, new, previous=label)
        diff.notes += [
            f"{r.student_id} {i.item_id}: answer changed since graded (the TA score {i.manual_score.points:g} is kept; "
            "re-check it: the next sheet flags the row)"
            for r in batch.results for i in r.items if i.manual_score is not None and i.manual_score.answer_changed
        ]
        behind = _files_behind(out_dir, previous)
        if behind:
            notes.append(behind)
        rubric_sha = _sha256(Path(rubric.path)) if rubric.path else ""
        reference_sha = reference_fingerprint(rubric)
        course_sha = _sha256(Path(course_obj.path)) if course_obj is not None and course_obj.path else None
        manifest_sha = _sha256(manifest) if times is not None else None
        if previous is not None:
            for what, old_sha, new_sha in (
                ("the rubric", previous.rubric_sha256, rubric_sha),
                ("the reference code", previous.reference_sha256, reference_sha),
                ("the course file", previous.course_sha256, course_sha),
                ("the manifest", previous.manifest_sha256, manifest_sha),
            ):
                if old_sha != new_sha:
                    diff.notes.append(f"{what} changed since run {previous.id}")
        outcome = RunOutcome(batch=batch, out_dir=out_dir, diff=diff, notes=notes, db_path=db_path, dry_run=dry_run)
        if on_diff is not None:
            on_diff(diff)
        if dry_run:
            return outcome

        info = {
            "homework": rubric.homework,
            "part": rubric.part,
            "started_at": started,
            "rubric_path": str(rubric.path),
            "rubric_sha256": rubric_sha,
            "reference_sha256": reference_sha,
            "course_sha256": course_sha,
            "manifest_sha256": manifest_sha,
            "folder": str(folder),
            "grader_version": _grader_version(),
            "n_graded": len(batch.results),
            "n_unreadable": len(batch.errors),
        }
        backup(db_path)
        outcome.run_id = book.record_run(
            info, rubric=rubric, results=batch.results, ledger=ledger_entries, result_texts=texts
        )
        if course_obj is not None:  # later homeworks whose late days left this run changed
            notes += later_changed(book, course_obj, homework=rubric.homework, part=rubric.part, before=ledger_before, after=book.ledger())
        # the gradebook holds the run: now the files derived from it
        outcome.written += write_results(docs, out_dir)
        retired = retire_stale(out_dir, homework=rubric.homework, keep={d.student_id for d in docs}, run_id=outcome.run_id)
        if retired:
            notes.append(
                f"moved the results and reports of {len(retired)} student(s) no longer graded ({', '.join(retired[:10])}"
                f"{' …' if len(retired) > 10 else ''}) to {out_dir / 'stale' / f'run-{outcome.run_id}'}"
            )
        cache.save()
        outcome.written.append(write_grades_csv(batch.results, rubric, out_dir))
        outcome.written.append(write_errors(batch, out_dir))
        if integrity is not None:
            from grader.integrity import write_integrity

            outcome.written += write_integrity(integrity, out_dir)
        run_json = out_dir / "run.json"
        atomic_write(
            run_json,
            dumps(
                {
                    "run_id": outcome.run_id,
                    **info,
                    "finished_at": utc_now(),
                    "gradebook": str(db_path),
                    "manifest": str(manifest) if times is not None else None,
                    "notes": notes,
                    "changes": diff.lines(),
                }
            ),
        )
        outcome.written.append(run_json)
    except BaseException:
        if reports is not None:
            reports.cancel()
        raise
    finally:
        book.close()
    if pdf:
        outcome.report_note = reports.finish() if reports is not None else "PDF reports are not available in this installation"
    return outcome


def _integrity(batch: BatchResult, folder: Path, notes: list[str]) -> IntegrityReport | None:
    """The batch's integrity analysis (`grader.integrity`); a failure is a note, not a stop."""
    from grader.integrity.run import integrity_after_run

    report, note = integrity_after_run(batch.results, rubric=batch.rubric, folder=folder)
    if note is not None:
        notes.append(note)
    return report


def _files_behind(out_dir: Path, previous: RunInfo | None) -> str:
    """A note when run.json is not the gradebook's latest run of this homework part (a run that
    stopped after recording its grades and before writing its files); this run rewrites them."""
    if previous is None or not (out_dir / "results").is_dir():
        return ""
    try:
        data = json.loads((out_dir / "run.json").read_text(encoding="utf-8"))
        written = data.get("run_id") if isinstance(data, dict) else None
        if isinstance(data, dict) and (data.get("homework"), data.get("part")) != (previous.homework, previous.part):
            return ""
    except (OSError, ValueError):
        written = None
    if written == previous.id:
        return ""
    was = f"run {written}" if written is not None else "no run.json"
    return (
        f"the files in {out_dir} were behind the gradebook ({was}; its latest run is {previous.id}, "
        "so the run that recorded it stopped before writing them): this run rewrites them"
    )


def _results_folder(folder: Path, homework: str) -> dict[str, StudentSnapshot]:
    """Snapshots from results/*.json written by a run the gradebook does not know (older versions)."""
    from grader.gradebook import snapshot_from_json

    out: dict[str, StudentSnapshot] = {}
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("homework") == homework:
                out[str(data["student_id"])] = snapshot_from_json(data)
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out


class _StartedReports:
    """The class summary (started at once) and the changed student reports (`plan`), rendered
    in the pool's workers while the run writes, and published by `finish()`."""

    def __init__(self, batch: BatchResult, folder: Path, pool: ReportPool, *, course: str, integrity: IntegrityReport | None = None) -> None:
        from grader.report.batch import now_text
        from grader.report.view import build_summary_view

        self.batch, self.folder, self.pool, self.course = batch, folder, pool, course
        self.graded_at = now_text()
        summary = build_summary_view(
            batch.results, batch.rubric, unreadable=[(e.file, e.message) for e in batch.errors], course=course, graded_at=self.graded_at,
            integrity=integrity,
        )
        self.summary = pool.submit_summary(summary, folder)
        self.planned: PlannedReports | None = None
        self.error: ReportError | None = None

    def plan(self, digests: dict[str, str]) -> None:
        try:
            self.planned = self.pool.plan_reports(
                self.batch.results, self.batch.rubric, self.folder, course=self.course, graded_at=self.graded_at,
                result_digests=digests, also=[self.summary],
            )
        except ReportError as exc:  # raised by finish(), after the results are written, as before
            self.error = exc

    def finish(self) -> str:
        if self.error is not None:
            self.cancel()
            raise self.error
        assert self.planned is not None
        return str(self.planned.finish())

    def cancel(self) -> None:
        if self.planned is not None:
            self.planned.cancel()  # the summary is one of its jobs
        else:
            self.summary.discard(self.pool)


def load_json(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


def read_roster(path: Path) -> list[str]:
    """Student ids, one per line, or a CSV with a `student_id` column; `#` lines are comments."""
    import csv

    from grader.errors import SubmissionError
    from grader.files import read_utf8

    text = read_utf8(path, what="roster", error=SubmissionError)
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if lines and "student_id" in [c.strip() for c in lines[0].split(",")]:
        ids = [row.get("student_id", "").strip() for row in csv.DictReader(lines)]
    else:
        ids = [line.split(",")[0].strip() for line in lines]
    ids = [i for i in ids if i]
    if not ids:
        raise SubmissionError(f"{path}: the roster lists no student ids")
    return ids

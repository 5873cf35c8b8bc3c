"""The main job as a library call: grade a folder and write every output into one folder.

`run_grading` is the keyword-only entry point (`grader/__init__.py` exports it; the CLI's `grade
run` is a thin shell over it). A run is one context object (`_Run`) that named steps read and
fill in this order (nothing is written before step 5, and nothing at all in a dry run):

0. `_check_before_grading`: refuse a lost gradebook, an unwritable folder, a broken manifest;
1. `_grade`: every answer file (`grade_batch`); files unchanged since a previous run into the same
   folder under the same rubric, reference code and grader reuse their results
   (`<out>/.grading-cache.json`, see `grader.grading.cache`);
2. `_merge_manual`: the TAs' manual scores from the gradebook into the manual items;
3. `_apply_policy`: the course policy (submission times from the manifest or the files' modification times,
   late days already used from the gradebook's ledger);
   then `_start_reports`: integrity analysis and the report workers start on the final results;
4. `_diff`: the diff against the previous run of this homework part and hand it to `on_diff`;
5. `_record`, `_write_files`: back the gradebook up (`grader.store.recovery`), record the run in it (one transaction), then write
   the files derived from it: results/*.json (and the grading cache), grades.csv, errors.json,
   integrity.csv and key-health.csv (`grader.integrity`, analysed after step 3: evidence, never
   a grade), run.json, then the PDF reports. The gradebook is the system of record: a failure
   leaves files behind it, never ahead, and the next run says so and rewrites them.

Before grading, a run checks that the output folder can be written and refuses (exit 6) a lost
gradebook beside results of earlier runs (`grader.store.recovery.guard`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.errors import ReportError
from grader.fsio import atomic_write
from grader.grading.batch import BatchResult, grade_batch
from grader.grading.cache import GradeCache
from grader.outputs.results import retire_stale, write_grades_csv, write_results
from grader.result_schema import ResultDoc, dumps, result_doc
from grader.rubric import Rubric

if TYPE_CHECKING:
    from grader.integrity import IntegrityReport
    from grader.model import LedgerEntry
    from grader.outputs.report import ReportPool
    from grader.outputs.report.batch import PlannedReports
    from grader.policy.course import Course
    from grader.store.diff import RunDiff, StudentSnapshot
    from grader.store.gradebook import Gradebook, RunInfo

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
    gradebook (default `<out_dir>/gradebook.sqlite`). `course`: a loaded `grader.policy.course.Course`
    (default: the rubric's `course:` file; a rubric without one gets no policy). `on_diff` is
    called with the `RunDiff` against the previous run before anything is written. `roster`: the
    enrolled student ids; a file of any other id is listed as unreadable and not graded.
    `others`: file prefix -> homework of other homeworks' files in `folder` (a mixed folder):
    they are listed as skipped, theirs. A manifest with a `homework` column gives the times of
    this homework's rows only.
    """
    from grader.store.gradebook import utc_now

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
        from grader.outputs.report import ReportPool
    except ImportError:  # pragma: no cover - the report package is optional until installed
        yield None
        return
    with ReportPool(jobs) as pool:
        pool.start()
        yield pool


@dataclass
class _Run:
    """One grading run's context: what the caller asked for, then what each step adds. The steps
    below read and fill it in order; only `_record` and `_write_files` write anything."""

    folder: Path
    rubric: Rubric
    out_dir: Path
    db_path: Path
    jobs: int
    pdf: bool
    dry_run: bool
    progress: Callable[[int, int], None] | None
    roster: Collection[str] | None
    others: Mapping[str, str] | None
    on_diff: Callable[[RunDiff], None] | None
    started: str
    pool: ReportPool | None
    course: Course | None = None
    manifest: Path | None = None
    times: dict[str, Any] | None = None  # submission times from the manifest, by student id
    cache: GradeCache | None = None
    book: Gradebook | None = None
    batch: BatchResult | None = None
    notes: list[str] = field(default_factory=list)
    ledger_before: dict[str, list[LedgerEntry]] = field(default_factory=dict)  # late days used before this run, by student
    ledger_entries: list[LedgerEntry] = field(default_factory=list)
    integrity: IntegrityReport | None = None
    reports: _StartedReports | None = None
    docs: list[ResultDoc] = field(default_factory=list)  # each final result's JSON, once
    previous: RunInfo | None = None
    info: dict[str, Any] = field(default_factory=dict)  # the run's record in the gradebook and run.json


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
    from grader.store.gradebook import Gradebook, default_db

    run = _Run(
        folder=folder, rubric=rubric, out_dir=out_dir, db_path=Path(db) if db is not None else default_db(out_dir), jobs=jobs, pdf=pdf,
        dry_run=dry_run, progress=progress, roster=roster, others=others, on_diff=on_diff, started=started, pool=pool, manifest=manifest,
    )
    _check_before_grading(run, course)
    _grade(run)
    run.book = Gradebook.snapshot(run.db_path) if dry_run else Gradebook.open(run.db_path)
    try:
        _merge_manual(run)
        _apply_policy(run)
        _start_reports(run)
        outcome = _diff(run)
        if dry_run:
            return outcome
        _record(run, outcome)
        _write_files(run, outcome)
    except BaseException:
        if run.reports is not None:
            run.reports.cancel()
        raise
    finally:
        run.book.close()
    if pdf:
        outcome.report_note = run.reports.finish() if run.reports is not None else "PDF reports are not available in this installation"
    return outcome


def _check_before_grading(run: _Run, course: Course | None) -> None:
    """Refuse what would fail later before the (slow) grading: a lost gradebook, a folder that
    cannot be written, another homework's outputs, a broken manifest."""
    from grader.fsio import check_writable
    from grader.policy.course import load_course_for
    from grader.policy.csv_inputs import read_manifest
    from grader.store.recovery import guard
    from grader.workspace import check_out_dir

    if not run.dry_run:
        guard(run.db_path, run.out_dir)
        check_writable(run.out_dir)
        if run.db_path.parent.resolve() != run.out_dir.resolve():
            check_writable(run.db_path.parent)
    check_out_dir(run.out_dir, run.rubric.homework)  # another homework's results are never written over
    run.course = course if course is not None else load_course_for(run.rubric)
    if run.manifest is None and (run.folder / MANIFEST_NAME).is_file():
        run.manifest = run.folder / MANIFEST_NAME
    if run.manifest is not None and run.course is not None:
        run.times = read_manifest(run.manifest, course=run.course, part=run.rubric.part, homework=run.rubric.homework)


def _grade(run: _Run) -> None:
    """Step 1: every answer file; unchanged ones reuse their results (the grading cache)."""
    run.cache = GradeCache.load(run.out_dir, run.rubric)
    run.batch = grade_batch(run.folder, rubric=run.rubric, jobs=run.jobs, progress=run.progress, roster=run.roster, cache=run.cache, others=run.others)


def _merge_manual(run: _Run) -> None:
    """Step 2: the TAs' scores for the manual items, from the gradebook."""
    from grader.store.manual import merge_manual

    assert run.batch is not None and run.book is not None
    results, notes = merge_manual(run.batch.results, run.book.manual_scores(run.rubric.homework, run.rubric.part))
    run.notes += notes
    run.batch = replace(run.batch, results=tuple(results))


def _apply_policy(run: _Run) -> None:
    """Step 3: the course policy over the term's ledger; the batch's results are final after it."""
    from grader.policy.rules import apply_batch
    from grader.workspace import missing_earlier

    assert run.batch is not None and run.book is not None
    results = list(run.batch.results)
    if run.course is None:
        run.notes.append(
            "the rubric names no course file: no submission policy applied (no bonus, late days or penalties)"
            + (f"; the manifest {run.manifest} is not used" if run.manifest is not None else "")
        )
    else:
        if run.times is None:
            run.notes.append(
                f"no manifest ({run.folder / MANIFEST_NAME} not found, --manifest not given): submission times are the files' "
                "modification times, which may be the download time; every result carries a warning"
            )
        run.ledger_before = run.book.ledger()
        run.notes += missing_earlier(
            run.course, homework=run.rubric.homework, part=run.rubric.part, ledger=run.ledger_before,
            graded={(r.homework, r.part) for r in run.book.runs()}, db=run.db_path,
        )
        results, run.ledger_entries = apply_batch(
            results, course=run.course, part=run.rubric.part, manifest=run.times, ledger=run.ledger_before, manifest_name=str(run.manifest or "")
        )
    if run.times is not None:
        unmatched = sorted(set(run.times) - {r.student_id for r in results})
        if unmatched:
            shown = ", ".join(unmatched[:10]) + (f" and {len(unmatched) - 10} more" if len(unmatched) > 10 else "")
            run.notes.append(f"the manifest {run.manifest} has submission times for {len(unmatched)} student(s) with no graded answer file: {shown}")
    run.batch = replace(run.batch, results=tuple(results), notes=run.batch.notes + tuple(run.notes))
    run.docs = [result_doc(r) for r in run.batch.results]


def _start_reports(run: _Run) -> None:
    """The results are final: integrity is analysed (evidence, never a grade) and the report
    workers start on the summary and the changed reports while this process diffs and writes."""
    assert run.batch is not None
    run.integrity = None if run.dry_run else _integrity(run.batch, run.folder, run.notes)
    if run.pool is not None:  # the summary first: it is the longest single render
        course_name = run.course.course if run.course is not None else ""
        run.reports = _StartedReports(run.batch, run.out_dir / "reports", run.pool, course=course_name, integrity=run.integrity)
        run.reports.plan({d.student_id: d.digest for d in run.docs})


def _diff(run: _Run) -> RunOutcome:
    """Step 4: what changed since the previous run of this homework part (or since results an
    unrecorded run left in the folder), including changed inputs; handed to `on_diff`."""
    from grader.keys.keybook import reference_fingerprint
    from grader.store.diff import diff_runs, snapshot_from_json

    assert run.batch is not None and run.book is not None
    texts = {d.student_id: d.text for d in run.docs}
    new = {d.student_id: snapshot_from_json(d.data) for d in run.docs}
    run.previous = previous = run.book.latest_run(run.rubric.homework, run.rubric.part)
    old = None
    label = None
    if previous is not None:
        # a student whose stored JSON is this run's, byte for byte, has this run's snapshot
        old = {
            sid: new[sid] if texts.get(sid) == text else snapshot_from_json(json.loads(text))
            for sid, text in run.book.run_result_texts(previous.id).items()
        }
        label = f"run {previous.id} ({previous.finished_at})"
    elif (run.out_dir / "results").is_dir():
        old = _results_folder(run.out_dir, run.rubric.homework)
        label = f"{run.out_dir / 'results'} (a run not in the gradebook)" if old else None
        old = old or None
    diff = diff_runs(old, new, previous=label)
    diff.notes += [
        f"{r.student_id} {i.item_id}: answer changed since graded (the TA score {i.manual_score.points:g} is kept; "
        "re-check it: the next sheet flags the row)"
        for r in run.batch.results for i in r.items if i.manual_score is not None and i.manual_score.answer_changed
    ]
    behind = _files_behind(run.out_dir, previous)
    if behind:
        run.notes.append(behind)
    run.info = {
        "homework": run.rubric.homework,
        "part": run.rubric.part,
        "started_at": run.started,
        "rubric_path": str(run.rubric.path),
        "rubric_sha256": _sha256(Path(run.rubric.path)) if run.rubric.path else "",
        "reference_sha256": reference_fingerprint(run.rubric),
        "course_sha256": _sha256(Path(run.course.path)) if run.course is not None and run.course.path else None,
        "manifest_sha256": _sha256(run.manifest) if run.times is not None else None,
        "folder": str(run.folder),
        "grader_version": _grader_version(),
        "n_graded": len(run.batch.results),
        "n_unreadable": len(run.batch.errors),
    }
    if previous is not None:
        for what, old_sha, key in (
            ("the rubric", previous.rubric_sha256, "rubric_sha256"),
            ("the reference code", previous.reference_sha256, "reference_sha256"),
            ("the course file", previous.course_sha256, "course_sha256"),
            ("the manifest", previous.manifest_sha256, "manifest_sha256"),
        ):
            if old_sha != run.info[key]:
                diff.notes.append(f"{what} changed since run {previous.id}")
    outcome = RunOutcome(batch=run.batch, out_dir=run.out_dir, diff=diff, notes=run.notes, db_path=run.db_path, dry_run=run.dry_run)
    if run.on_diff is not None:
        run.on_diff(diff)
    return outcome


def _record(run: _Run, outcome: RunOutcome) -> None:
    """Step 5a: back the gradebook up, then record the run in it (one transaction): the system
    of record, written before any file derived from it."""
    from grader.store.recovery import backup
    from grader.workspace import later_changed

    assert run.batch is not None and run.book is not None
    backup(run.db_path)
    outcome.run_id = run.book.record_run(
        run.info, rubric=run.rubric, results=run.batch.results, ledger=run.ledger_entries, result_texts={d.student_id: d.text for d in run.docs}
    )
    if run.course is not None:  # later homeworks whose late days left this run changed
        run.notes += later_changed(
            run.book, run.course, homework=run.rubric.homework, part=run.rubric.part, before=run.ledger_before, after=run.book.ledger()
        )


def _write_files(run: _Run, outcome: RunOutcome) -> None:
    """Step 5b: the files derived from the recorded run: results, cache, grades.csv, errors.json,
    integrity CSVs, run.json (the reports are published after, by `_StartedReports.finish`)."""
    from grader.store.gradebook import utc_now

    assert run.batch is not None and run.cache is not None and outcome.diff is not None
    outcome.written += write_results(run.docs, run.out_dir)
    retired = retire_stale(run.out_dir, homework=run.rubric.homework, keep={d.student_id for d in run.docs}, run_id=outcome.run_id)
    if retired:
        run.notes.append(
            f"moved the results and reports of {len(retired)} student(s) no longer graded ({', '.join(retired[:10])}"
            f"{' …' if len(retired) > 10 else ''}) to {run.out_dir / 'stale' / f'run-{outcome.run_id}'}"
        )
    run.cache.save()
    outcome.written.append(write_grades_csv(run.batch.results, run.rubric, run.out_dir))
    outcome.written.append(write_errors(run.batch, run.out_dir))
    if run.integrity is not None:
        from grader.integrity import write_integrity

        outcome.written += write_integrity(run.integrity, run.out_dir)
    run_json = run.out_dir / "run.json"
    record = {
        "run_id": outcome.run_id,
        **run.info,
        "finished_at": utc_now(),
        "gradebook": str(run.db_path),
        "manifest": str(run.manifest) if run.times is not None else None,
        "notes": run.notes,
        "changes": outcome.diff.lines(),
    }
    atomic_write(run_json, dumps(record))
    outcome.written.append(run_json)


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


def _results_folder(out_dir: Path, homework: str) -> dict[str, StudentSnapshot]:
    """Snapshots from results/*.json written by a run the gradebook does not know (older versions)."""
    from grader.outputs.results import read_results
    from grader.store.diff import snapshot_from_json

    out: dict[str, StudentSnapshot] = {}
    for data in read_results(out_dir, homework=homework).values():
        try:
            out[str(data["student_id"])] = snapshot_from_json(data)
        except (KeyError, TypeError, ValueError):
            continue
    return out


class _StartedReports:
    """The class summary (started at once) and the changed student reports (`plan`), rendered
    in the pool's workers while the run writes, and published by `finish()`."""

    def __init__(self, batch: BatchResult, folder: Path, pool: ReportPool, *, course: str, integrity: IntegrityReport | None = None) -> None:
        from grader.outputs.report.batch import now_text
        from grader.outputs.report.view import build_summary_view

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

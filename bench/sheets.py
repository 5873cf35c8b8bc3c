"""Bench part `sheets`: writing answer sheets, and checking filled sheets vs the same answers as YAML.

1. `grade sheet --roster` for the N generated students, 2 workers (the CLI, wall and CPU time),
   compared with the time of N student reports measured in the same run (the `render` part's
   2-worker time per report, or the end-to-end run's report time when it ran).
2. Each generated YAML answer file's answers typed into that student's sheet (`fill_sheet`), then
   read + graded in one process: N PDF sheets vs the same N YAML files, per file and the ratio.
   Goal: a sheet costs at most 2x a YAML file's read + check.
"""

from __future__ import annotations

import gc
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any


def _fill_some(job: tuple[list[tuple[str, str]], str, str]) -> int:
    """Fill the sheets of (yaml path, sheet path) pairs into `out`: a worker's share."""
    import yaml

    from grader.student.sheet.fill import fill_sheet

    pairs, out, prefix = job
    done = 0
    for yaml_path, sheet_path in pairs:
        try:
            document = yaml.safe_load(Path(yaml_path).read_text(encoding="utf-8"))
            answers = document.get("answers") or {}
            if not isinstance(answers, dict):
                continue
        except Exception:  # noqa: BLE001 - the generated set has broken files on purpose
            continue
        sid = Path(sheet_path).name[len(prefix) : -len(".pdf")]
        filled = fill_sheet(Path(sheet_path).read_bytes(), {str(k): v for k, v in answers.items() if v is not None})
        (Path(out) / f"{prefix}{sid}.pdf").write_bytes(filled)
        done += 1
    return done


def _read_and_grade(paths: list[Path], rubric: Any, keys: Any) -> tuple[float, float, int]:
    from grader.errors import SubmissionError
    from grader.grading.item import grade_submission
    from grader.readers.answer_file import load_submission

    gc.collect()
    count = 0
    start, cpu = time.perf_counter(), time.process_time()
    for path in paths:
        try:
            submission = load_submission(path, prefix=rubric.file_prefix, item_ids=rubric.item_ids)
        except SubmissionError:
            continue
        grade_submission(submission, rubric=rubric, keys=keys)
        count += 1
    return time.perf_counter() - start, time.process_time() - cpu, count


def bench_sheets(folder: Path, tmp: Path, *, n: int, run_cli: Any, log: Any, reports_s_per_pdf: float | None) -> dict[str, Any]:
    import multiprocessing

    from grader.keys.keybook import KeyBook
    from grader.readers.answer_file import find_answer_files, student_id_from_name
    from grader.rubric import load_rubric

    rubric = load_rubric(Path(__file__).resolve().parents[1] / "rubrics" / "hw4.yaml")
    files, _ = find_answer_files(folder, rubric.file_prefix)
    yamls = [p for p in files if p.suffix in (".yaml", ".yml")][:n]
    ids = [student_id_from_name(p, rubric.file_prefix) for p in yamls]
    roster = tmp / "sheets-roster.txt"
    roster.write_text("\n".join(i for i in ids if i) + "\n", encoding="utf-8")
    blanks = tmp / "sheets-blank"
    log(f"sheets: grade sheet --roster ({len(ids)} students) --jobs 2")
    run = run_cli(["sheet", "--roster", str(roster), "--out", str(blanks), "--jobs", "2", "--rubric", str(rubric.path)])
    written = len(list(blanks.glob("*.pdf")))
    out: dict[str, Any] = {
        "n": len(ids),
        "write": {"sheets": written, "wall_s": run["wall_s"], "cpu_s": run["cpu_s"], "ms_per_sheet_2_workers": 1e3 * run["wall_s"] / max(1, written)},
    }
    if reports_s_per_pdf:
        reports_s = reports_s_per_pdf * len(ids)
        out["write"]["reports_same_n_s"] = reports_s
        out["write"]["ratio_sheets_vs_reports"] = run["wall_s"] / reports_s

    filled = tmp / "sheets-filled"
    filled.mkdir()
    log(f"sheets: typing the answers of {len(yamls)} YAML files into their sheets (pypdf, 2 workers)")
    pairs = [(str(y), str(blanks / f"{rubric.file_prefix}{i}.pdf")) for y, i in zip(yamls, ids, strict=True) if i and (blanks / f"{rubric.file_prefix}{i}.pdf").exists()]
    t = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("forkserver")) as pool:
        made = sum(pool.map(_fill_some, [(pairs[k::2], str(filled), rubric.file_prefix) for k in range(2)]))
    out["fill_s"] = time.perf_counter() - t
    pdfs = sorted(filled.glob("*.pdf"))
    filled_ids = {p.name[: -len(".pdf")] for p in pdfs}
    same_yamls = [y for y in yamls if y.name.rsplit(".", 1)[0] in filled_ids]

    keys = KeyBook(rubric)
    keys.warm()
    _read_and_grade(same_yamls[:20], rubric, keys)  # warm the caches once, outside the timing
    _read_and_grade(pdfs[:20], rubric, keys)
    log(f"sheets: read + check {len(pdfs)} filled sheets vs the same {len(same_yamls)} YAML files")
    yaml_wall, yaml_cpu, yaml_count = min((_read_and_grade(same_yamls, rubric, keys) for _ in range(2)), key=lambda r: r[0])
    pdf_wall, pdf_cpu, pdf_count = min((_read_and_grade(pdfs, rubric, keys) for _ in range(2)), key=lambda r: r[0])
    out["check"] = {
        "filled": made,
        "yaml": {"files": yaml_count, "wall_s": yaml_wall, "cpu_s": yaml_cpu, "ms_per_file": 1e3 * yaml_wall / max(1, yaml_count)},
        "pdf": {"files": pdf_count, "wall_s": pdf_wall, "cpu_s": pdf_cpu, "ms_per_file": 1e3 * pdf_wall / max(1, pdf_count)},
        "ratio_pdf_vs_yaml": (pdf_wall / max(1, pdf_count)) / (yaml_wall / max(1, yaml_count)),
    }
    return out


def report_seconds(data: dict[str, Any]) -> float | None:
    """Seconds per student report with 2 workers, measured earlier in the same run (or None)."""
    run = data.get("end_to_end", {}).get("runs", {}).get("jobs_2", {})
    if run.get("student_reports_s") and run.get("reports_rendered"):
        return float(run["student_reports_s"]) / int(run["reports_rendered"])
    render = data.get("render", {}).get("jobs_2", {})
    return float(render["ms_per_pdf"]) / 1e3 if render.get("ms_per_pdf") else None


def table_rows(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The part's rows for bench/run.py's table: (measure, result, vs target)."""
    s = data.get("sheets")
    if not s:
        return []
    w, c = s["write"], s["check"]
    rows = [(f"grade sheet --roster N={w['sheets']} --jobs 2", f"{w['wall_s']:.1f} s wall ({w['ms_per_sheet_2_workers']:.0f} ms/sheet), {w['cpu_s']:.0f} CPU-s", "")]
    if "ratio_sheets_vs_reports" in w:
        rows.append(("  vs as many student reports (2 workers)", f"{w['reports_same_n_s']:.1f} s", f"ratio {w['ratio_sheets_vs_reports']:.2f} (goal < 1)"))
    rows.append(
        ("read+check a filled PDF sheet vs YAML", f"{c['pdf']['ms_per_file']:.1f} ms vs {c['yaml']['ms_per_file']:.1f} ms per file ({c['pdf']['files']} vs {c['yaml']['files']} files, 1 process)",
         f"ratio {c['ratio_pdf_vs_yaml']:.2f} (goal <= 2)")
    )
    return rows

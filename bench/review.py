"""bench: `grade review`, the web workspace, on a graded folder of N students (run by bench/run.py).

The real server (`grade review --port 0`) runs in its own process; requests go over loopback from
this one. Server time is what the server's own access log says per request (middleware to
response, the page rendered); the client's wall time is reported beside it. Measured:

- the start page (items with progress per TA, out-of-date reports): its first load, right after
  the server started, and warm;
- an item page (one answer with its entries, context and navigation), cold (its first request:
  the item's answers are read) and warm;
- applying one entry to one answer (the score written through the gradebook's version check);
- applying an entry to 500 answers in one request, then editing that entry's points: the preview
  ("changes 500 scores") and the re-score of all 500 in one transaction;
- the server's peak memory (RSS, sampled from /proc);
- as the baseline of the same run, the CSV path for one score: `grade manual export`, one cell
  changed, `grade manual import`.
"""

from __future__ import annotations

import re
import sqlite3
import statistics
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

ITEM = "q2.derivation"  # 5 points, answered by most students
TARGETS = {
    "start_page_cold_ms": 300.0,
    "item_page_ms": 300.0,
    "apply_ms": 50.0,
    "rescore_500_ms": 1000.0,
    "server_rss_mb": 200.0,
}


class Server:
    """`grade review` in a subprocess: its URL, its access log (server ms per request), its RSS."""

    def __init__(self, grade: list[str], out_dir: Path) -> None:
        self.process = subprocess.Popen(
            [*grade, "review", "--out", str(out_dir), "--port", "0", "--grader", "bench"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.url = ""
        assert self.process.stdout is not None
        for _ in range(20):
            match = re.search(r"(http://127\.0\.0\.1:\d+)/\?token=(\S+)", self.process.stdout.readline())
            if match:
                self.url, self.token = match.group(1), match.group(2)
                break
        if not self.url:
            self.process.kill()
            raise RuntimeError(f"grade review printed no URL: {self.process.communicate()[1][-2000:]}")
        self.log: list[tuple[str, str, float]] = []
        threading.Thread(target=self._read_log, daemon=True).start()
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.get(f"/?token={self.token}")
        page = self.get("/")
        self.csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)  # type: ignore[union-attr]

    def _read_log(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            match = re.match(r"(GET|POST) (\S+) (\d+) (\d+)ms", line)
            if match:
                self.log.append((match.group(1), match.group(2), float(match.group(4))))

    def server_ms(self, method: str, path: str, count: int) -> list[float]:
        """The server's times of the last `count` requests of this method and path."""
        deadline = time.time() + 5
        while time.time() < deadline:
            found = [ms for m, p, ms in self.log if m == method and p == path]
            if len(found) >= count:
                return found[-count:]
            time.sleep(0.01)
        raise RuntimeError(f"the access log has no {count} × {method} {path}")

    def get(self, path: str) -> str:
        with self.opener.open(self.url + path, timeout=60) as response:
            return response.read().decode("utf-8")

    def post(self, path: str, data: dict[str, Any]) -> tuple[int, str]:
        body = urllib.parse.urlencode({"csrf": self.csrf, **data}, doseq=True).encode()
        request = urllib.request.Request(self.url + path, data=body, headers={"Origin": self.url})
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8")

    def rss_mb(self) -> float:
        with open(f"/proc/{self.process.pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):  # the process's peak resident set
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def bench_review(folder: Path, out_dir: Path, *, grade: list[str], run_cli: Any, log: Any, repeats: int = 15) -> dict[str, Any]:
    db = out_dir / "gradebook.sqlite"
    if not db.exists():
        log("review: first grading run (no PDFs)")
        run_cli([str(folder), "--out", str(out_dir), "--no-pdf"])
    with sqlite3.connect(db.resolve().as_uri() + "?mode=ro", uri=True) as conn:
        run_id = conn.execute("SELECT MAX(id) FROM runs").fetchone()[0]
        answered = [
            r[0] for r in conn.execute(
                "SELECT student_id FROM item_results WHERE run_id = ? AND item_id = ? AND status != 'missing' AND read_as IS NOT NULL ORDER BY student_id",
                (run_id, ITEM),
            )
        ]
        scored = {r[0] for r in conn.execute("SELECT student_id FROM manual_scores WHERE item_id = ?", (ITEM,))}
        students = conn.execute("SELECT COUNT(*) FROM submissions WHERE run_id = ?", (run_id,)).fetchone()[0]
    free = [s for s in answered if s not in scored]
    log(f"review: {students} students, {len(answered)} answers to {ITEM}; starting grade review")
    server = Server(grade, out_dir)
    try:
        # the server's first start page was the token's redirect target (Server.__init__), then one more
        start_cold = server.server_ms("GET", "/", 3)[1]
        for _ in range(repeats):
            server.get("/")
        start_warm = server.server_ms("GET", "/", repeats)
        path = f"/item/{ITEM}"
        # item pages: the first one reads the run's answers, then positions 1..repeats
        t0 = time.perf_counter()
        server.get(f"{path}?at=1")
        cold_client = (time.perf_counter() - t0) * 1000
        cold = server.server_ms("GET", path, 1)[0]
        client = []
        for k in range(1, repeats + 1):
            t0 = time.perf_counter()
            server.get(f"{path}?at={k}")
            client.append((time.perf_counter() - t0) * 1000)
        warm = server.server_ms("GET", path, repeats)
        # two entries; the first is applied to single answers, then to 500 at once
        for points, comment in (("2", "bench: states the chain rule"), ("-1", "bench: index range wrong")):
            server.post(f"{path}/entries", {"points": points, "comment": comment, "back": path})
        page = server.get(f"{path}?at=1")
        entry = int(re.findall(r'name="entry" value="(\d+)"', page)[0])
        singles, rest = free[:repeats], free[repeats:]
        apply_client = []
        for student in singles:
            t0 = time.perf_counter()
            status, _ = server.post(f"{path}/apply", {"entry": str(entry), "t": f"{student}:0", "seen": "", "back": "/"})
            apply_client.append((time.perf_counter() - t0) * 1000)
            if status != 200:  # the redirect to / is followed: 200
                raise RuntimeError(f"apply returned {status}")
        apply_ms = server.server_ms("POST", f"{path}/apply", len(singles))
        many = rest[: 500 - len(singles)]
        holders = len(singles) + len(many)
        t0 = time.perf_counter()
        server.post(f"{path}/apply", {"entry": str(entry), "t": [f"{s}:0" for s in many], "back": "/"})
        group_client = (time.perf_counter() - t0) * 1000
        group_ms = server.server_ms("POST", f"{path}/apply", 1)[0]
        status, preview = server.post(f"/entries/{entry}", {"points": "3", "comment": "bench: states the chain rule", "back": path})
        changes = re.search(r"changes (\d+) score", preview)
        preview_ms = server.server_ms("POST", f"/entries/{entry}", 1)[0]
        t0 = time.perf_counter()
        server.post(f"/entries/{entry}", {"points": "3", "comment": "bench: states the chain rule", "confirm": "1", "back": "/"})
        rescore_client = (time.perf_counter() - t0) * 1000
        rescore_ms = server.server_ms("POST", f"/entries/{entry}", 2)[-1]
        rss = server.rss_mb()
    finally:
        server.stop()
    with sqlite3.connect(db.resolve().as_uri() + "?mode=ro", uri=True) as conn:
        at_three = conn.execute("SELECT COUNT(*) FROM manual_scores WHERE item_id = ? AND points = 3 AND grader = 'bench'", (ITEM,)).fetchone()[0]
    # the baseline: one score through the CSV sheet, as a TA does it today
    sheet = out_dir / "manual-review-bench.csv"
    if sheet.exists():
        sheet.unlink()
    export = run_cli(["manual", "export", "--out", str(out_dir), "-o", str(sheet)])
    text = sheet.read_text(encoding="utf-8-sig").splitlines()
    head = text[0].split(",")
    import csv
    import io

    rows = list(csv.reader(io.StringIO("\n".join(text))))
    for row in rows[1:]:
        if row[head.index("item_id")] == ITEM and row[head.index("student_id")] in set(rest[500:]):
            row[head.index("score")] = "1"
            break
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    sheet.write_text(buffer.getvalue(), encoding="utf-8-sig")
    imported = run_cli(["manual", "import", str(sheet), "--out", str(out_dir), "--grader", "bench-sheet"])
    sheet_s = export["wall_s"] + imported["wall_s"]
    return {
        "students": students,
        "answers": len(answered),
        "item": ITEM,
        "repeats": repeats,
        "start_page_cold_ms": start_cold,
        "start_page_ms": _median(start_warm),
        "item_page_cold_ms": cold,
        "item_page_cold_client_ms": cold_client,
        "item_page_ms": _median(warm),
        "item_page_worst_ms": max(warm),
        "item_page_client_ms": _median(client),
        "apply_ms": _median(apply_ms),
        "apply_worst_ms": max(apply_ms),
        "apply_client_ms": _median(apply_client),
        "apply_group_ms": group_ms,
        "apply_group_size": len(many),
        "apply_group_client_ms": group_client,
        "entry_holders": holders,
        "rescore_preview_ms": preview_ms,
        "rescore_changes_shown": int(changes.group(1)) if changes else None,
        "rescore_500_ms": rescore_ms,
        "rescore_client_ms": rescore_client,
        "rescored_in_gradebook": at_three,
        "server_rss_mb": rss,
        "sheet_one_score_s": sheet_s,
        "ratio_sheet_vs_apply": sheet_s * 1000 / _median(apply_client),
    }


def table_rows(r: dict[str, Any], verdict: Any) -> list[tuple[str, str, str]]:
    """The bench table's rows for this part (bench/run.py prints them)."""

    def mark(key: str) -> str:
        return verdict(r[key], (TARGETS[key], "", "<="))

    return [
        (f"review: start page ({r['students']} students)", f"first {r['start_page_cold_ms']:.0f} ms server, then {r['start_page_ms']:.0f} ms (median of {r['repeats']})",
         f"target <= 300 ms: {mark('start_page_cold_ms')}"),
        (f"review: item page ({r['students']} students)", f"{r['item_page_ms']:.0f} ms server, {r['item_page_client_ms']:.0f} ms client (median of {r['repeats']}); first {r['item_page_cold_ms']:.0f} ms",
         f"target <= 300 ms: {mark('item_page_ms')}"),
        ("review: apply an entry", f"{r['apply_ms']:.0f} ms server (worst {r['apply_worst_ms']:.0f}), {r['apply_client_ms']:.0f} ms client incl. the redirected page",
         f"target <= 50 ms: {mark('apply_ms')}"),
        (f"review: apply to {r['apply_group_size']} at once", f"{r['apply_group_ms']:.0f} ms server", ""),
        (f"review: re-score an entry of {r['entry_holders']}", f"{r['rescore_500_ms']:.0f} ms server (preview said {r['rescore_changes_shown']}, {r['rescored_in_gradebook']} stored)",
         f"target <= 1 s: {mark('rescore_500_ms')}"),
        ("review: server memory", f"{r['server_rss_mb']:.0f} MB peak RSS", f"target <= 200 MB: {mark('server_rss_mb')}"),
        ("  baseline: one score by CSV sheet", f"{r['sheet_one_score_s']:.2f} s (manual export + import)", f"{r['ratio_sheet_vs_apply']:.0f}x an entry click"),
    ]

"""Bench part `backup`: what the gradebook backup before every run costs.

`recovery.backup` copies the gradebook with SQLite's backup API; the baseline, measured in the
same run, is a plain file copy of the same file (`shutil.copyfile`) and the run's own wall time.
"""

from __future__ import annotations

import os
import shutil
import statistics
import time
from pathlib import Path
from typing import Any


def bench_backup(db: Path, *, repeats: int = 3, run_wall_s: float | None = None) -> dict[str, Any]:
    from grader.store import recovery

    size = db.stat().st_size
    copies, backups, skipped = [], [], []
    for _ in range(repeats):
        target = db.with_name("copy.sqlite")
        t = time.perf_counter()
        shutil.copyfile(db, target)
        copies.append(time.perf_counter() - t)
        target.unlink()
        os.utime(db)  # "written since the newest backup": a real copy every time
        t = time.perf_counter()
        recovery.backup(db)
        backups.append(time.perf_counter() - t)
        t = time.perf_counter()
        recovery.backup(db)  # unchanged since: skipped
        skipped.append(time.perf_counter() - t)
    backup_s = statistics.median(backups)
    out = {
        "gradebook_mb": round(size / 1e6, 2),
        "backup_s": backup_s,
        "file_copy_s": statistics.median(copies),
        "backup_vs_copy": backup_s / max(statistics.median(copies), 1e-9),
        "unchanged_backup_s": statistics.median(skipped),
        "backups_kept_mb": round(sum(p.stat().st_size for p in recovery.backups(db)) / 1e6, 2),
    }
    if run_wall_s:
        out["backup_share_of_regrade"] = backup_s / run_wall_s
    return out

"""What every worker process of a pool does first (grading workers and report workers).

* Ctrl-C reaches the whole process group. Workers ignore SIGINT: the parent alone turns it into
  one line and exit 130, and shuts its pools down (a worker's own KeyboardInterrupt would print
  a traceback per worker, ~160 lines).
* Report workers put their temporary files (WeasyPrint's font copies, `weasyprint-*`, ~2 MB
  each) in a folder the parent made for the pool and removes when the pool closes, so none is
  left behind even when a worker is killed.
"""

from __future__ import annotations

import signal
import tempfile


def quiet_worker(temp_dir: str | None = None) -> None:
    """Ignore SIGINT; with `temp_dir`, make it this process's temporary folder."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if temp_dir is not None:
        tempfile.tempdir = temp_dir

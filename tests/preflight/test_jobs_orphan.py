"""check --jobs N killed from outside (a cron timeout, kill -9 of the parent): its workers stop
too instead of checking the rest of the file for nobody (x12tool/preflight/parallel.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from devtools import synth

ROOT = Path(__file__).resolve().parents[2]


def _children(pid: int) -> set[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return set()
    return {int(p) for p in text.split()}


def _running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    state = next(ln for ln in status.splitlines() if ln.startswith("State:"))
    return "Z" not in state and "X" not in state


def test_workers_stop_when_the_parent_is_killed(tmp_path):
    """Killed after the workers started: they end without finishing their share (a worker that
    finishes leaves its summary in the run folder, which nobody removes after a kill -9)."""
    src = tmp_path / "big.837"
    with open(src, "wb") as fh:
        synth.generate(fh, claims=6_000, seed=5, defect_rate=0.1)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp))
    argv = [sys.executable, "-m", "x12tool", "check", str(src), "--no-ig", "--jobs", "2"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
            # the two workers are the only children alive at once (the session's input scan,
            # an earlier child, is reaped before they are forked)
            workers = _children(proc.pid)
            time.sleep(0.01)
        assert len(workers) == 2, "the workers did not start"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 60
        while any(_running(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_running(w) for w in workers), "a worker ran on after its parent died"
        assert not list(tmp.rglob("*.summary")), "a worker checked its whole share for nobody"
    finally:
        for w in workers:
            if _running(w):
                os.kill(w, signal.SIGKILL)

"""Coverage-guided fuzzing of the reader (benchmarks/fuzz_reader.py, atheris) for a bounded
number of runs in the default suite and a bounded time in the slow one. Skipped where atheris
is not installed (``pip install atheris``)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

from hostile.conftest import RESULTS

FUZZER = ROOT / "benchmarks" / "fuzz_reader.py"
QUICK_RUNS = 3_000  # a few seconds; the slow test fuzzes for SLOW_SECONDS
SLOW_SECONDS = 120
RESULTS["fuzz"] = {"quick_runs": QUICK_RUNS, "slow_seconds": SLOW_SECONDS}


def fuzz(tmp_path, *args: str) -> subprocess.CompletedProcess:
    pytest.importorskip("atheris")
    return subprocess.run(
        # the seed corpus goes under tmp_path too (libFuzzer adds to it; nothing left in /tmp)
        [
            sys.executable,
            str(FUZZER),
            *args,
            f"-artifact_prefix={tmp_path}/",
            str(tmp_path / "corpus"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=SLOW_SECONDS * 3,
    )


def test_fuzz_reader_bounded_runs(tmp_path):
    r = fuzz(tmp_path, f"-runs={QUICK_RUNS}", "-seed=1")
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"Done {QUICK_RUNS} runs" in r.stderr
    assert not list(tmp_path.glob("crash-*"))


@pytest.mark.slow
def test_fuzz_reader_bounded_time(tmp_path):
    r = fuzz(tmp_path, f"-max_total_time={SLOW_SECONDS}", "-seed=2", str(tmp_path / "corpus"))
    assert r.returncode == 0, r.stderr[-3000:]
    assert not list(tmp_path.glob("crash-*"))

"""Smoke test of the benchmark floor: it counts what x12tool counts (no timing assertions)."""

from __future__ import annotations

import csv
import importlib.util
import io
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.synth import generate

ROOT = Path(__file__).resolve().parents[2]
FLOOR = ROOT / "benchmarks" / "floor.py"


def _floor_module():
    spec = importlib.util.spec_from_file_location("bench_floor", FLOOR)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _x12tool_counts(path: Path) -> tuple[int, int, int]:
    out = subprocess.run(
        [sys.executable, "-m", "x12tool", "lines", str(path), "--format", "csv"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    claims = len({(r["file"], r["st"], r["claim_id"]) for r in rows})
    return claims, len(rows), sum(int(r["units"]) for r in rows)


@pytest.mark.parametrize("line_breaks", [True, False])
def test_floor_matches_x12tool_lines(tmp_path, line_breaks):
    path = tmp_path / "c50.837"
    with open(path, "wb") as out:
        counts = generate(out, claims=50, seed=3, claims_per_st=20, line_breaks=line_breaks)
    floor = subprocess.run(
        [sys.executable, str(FLOOR), str(path)], capture_output=True, text=True, check=True
    ).stdout.split()
    got = dict(kv.split("=") for kv in floor)
    claims, lines, units = _x12tool_counts(path)
    assert int(got["claims"]) == claims == counts["claims"] == 50
    assert int(got["lines"]) == lines == counts["lines"]
    assert int(got["units"]) == units


def test_floor_carries_segments_across_chunks(tmp_path, monkeypatch):
    path = tmp_path / "c50.837"
    with open(path, "wb") as out:
        generate(out, claims=50, seed=4, claims_per_st=20, line_breaks=False)
    floor = _floor_module()
    whole = floor.count(str(path))
    monkeypatch.setattr(floor, "CHUNK", 997)  # segments straddle every chunk boundary
    assert floor.count(str(path)) == whole
    # another terminator: the byte after ISA16 is what counts, not a fixed '~'
    nl = tmp_path / "nl.837"
    nl.write_bytes(path.read_bytes().replace(b"~", b"\n"))
    assert floor.count(str(nl)) == whole

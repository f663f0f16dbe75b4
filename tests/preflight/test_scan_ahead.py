"""The session's input scan in a forked child (open_session(scan_ahead=True), check --jobs N):
the same plans, pooled beneficiaries and visit-log stats as the scan in the session's own
process, and the same as without it when the child fails (x12tool/preflight/session.py)."""

from __future__ import annotations

import io
import os

import pytest

from devtools.synth import generate
from x12tool.edi.envelope_scan import _KNOWN
from x12tool.preflight import session as session_mod
from x12tool.preflight.session import open_session
from x12tool.rules.daypool import _state
from x12tool.visits import VisitLogError

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "sample")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Two generated inputs (member ids repeat within and across them) and their visit log,
    with a claim id in another case and one the log lacks."""
    tmp = tmp_path_factory.mktemp("ahead")
    paths, rows = [], []
    for seed in (3, 4):
        raw, log = io.BytesIO(), io.StringIO()
        generate(raw, claims=300, seed=seed, visits=log, defect_rate=0.2)
        path = tmp / f"in{seed}.837"
        path.write_bytes(raw.getvalue())
        paths.append(str(path))
        lines = log.getvalue().splitlines()
        rows.append(lines if seed == 3 else lines[1:])
    lines = rows[0] + rows[1]
    first, last = lines[1].split(",")[0], lines[-1].split(",")[0]
    # the first claim's rows under its id in another case; the last claim's rows left out
    lines = [
        line.replace(first, first.lower(), 1) if line.startswith(first + ",") else line
        for line in lines
        if not line.startswith(last + ",")
    ]
    visits = tmp / "visits.csv"
    visits.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths, str(visits)


def _answer(session):
    ctx = session.ctx
    plans = {
        path: (p.crcs, p.groups, p.ends, p.loops, p.breaks, p.first)
        for path, p in ctx.plans.items()
    }
    return session.visit_line, _state(ctx)["multi"], plans


@pytest.mark.parametrize("visits", [True, False])
def test_scan_ahead_gives_the_sessions_own_answer(files, monkeypatch, visits):
    paths, log = files
    log = log if visits else None
    want = _answer(open_session(visits=log, inputs=paths))
    monkeypatch.setattr(session_mod, "AHEAD_BYTES", 0)
    forked = []
    start = session_mod._ScanAhead.start.__func__

    def spy(cls, inputs, **kw):
        found = start(cls, inputs, **kw)
        forked.append(found is not None)
        return found

    monkeypatch.setattr(session_mod._ScanAhead, "start", classmethod(spy))
    _KNOWN.clear()
    got = _answer(open_session(visits=log, inputs=paths, scan_ahead=True))
    assert forked == [True]  # the child really scanned
    assert got == want
    assert got[2] and all(len(p[0]) == 300 for p in got[2].values())
    if visits:
        assert "(1 only by claim id in another case), unmatched: 1" in want[0]
    # the parent read the trailers while the child scanned
    assert {key[0] for key in _KNOWN} >= {os.path.abspath(p) for p in paths}


def test_a_failed_child_leaves_the_scan_to_the_session(files, monkeypatch):
    paths, log = files
    want = _answer(open_session(visits=log, inputs=paths))
    monkeypatch.setattr(session_mod, "AHEAD_BYTES", 0)

    def broken(fh, inputs, want_ids):
        raise RuntimeError("the child fails")

    monkeypatch.setattr(session_mod, "_scan_child", broken)
    assert _answer(open_session(visits=log, inputs=paths, scan_ahead=True)) == want


def test_a_log_that_cannot_serve_the_run_still_fails_with_the_child(files, monkeypatch, tmp_path):
    paths, _ = files
    other = tmp_path / "other.csv"
    sample = os.path.join(FIXTURES, "therapy_visits.csv")
    other.write_text(open(sample, encoding="utf-8").read(), encoding="utf-8")
    with pytest.raises(VisitLogError) as plain:
        open_session(visits=str(other), inputs=paths)
    monkeypatch.setattr(session_mod, "AHEAD_BYTES", 0)
    with pytest.raises(VisitLogError) as ahead:
        open_session(visits=str(other), inputs=paths, scan_ahead=True)
    assert str(ahead.value) == str(plain.value)


def test_small_inputs_are_scanned_in_process(files):
    paths, _ = files
    assert sum(os.path.getsize(p) for p in paths) < session_mod.AHEAD_BYTES
    assert session_mod._ScanAhead.start(paths, ids=True) is None

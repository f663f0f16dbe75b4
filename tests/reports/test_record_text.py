"""The claim record as text (claim_record_text) is json.dumps of claim_record, for claims with
and without findings, masked or not: the template of a claim without findings writes what the
dicts would."""

from __future__ import annotations

import io
import json
from pathlib import Path

from devtools.synth import generate
from x12tool.preflight.money import claim_money
from x12tool.preflight.run import process_file
from x12tool.preflight.session import open_session
from x12tool.reports.model import claim_record, claim_record_text
from x12tool.reports.spool import record_flags

ROOT = Path(__file__).resolve().parents[2]


def _outcomes(path: str, visits: str | None = None):
    session = open_session(visits=visits, inputs=[path])
    outs = []
    process_file(path, session.rules, session.ctx, on_outcome=outs.append)
    return session, outs


def test_record_text_is_the_record_dumped(tmp_path):
    raw = io.BytesIO()
    generate(raw, claims=200, seed=11, claims_per_st=100, defect_rate=0.2)
    gen = tmp_path / "gen.837"
    gen.write_bytes(raw.getvalue())
    cases = [
        _outcomes(
            str(ROOT / "fixtures/sample/therapy_batch.837"),
            str(ROOT / "fixtures/sample/therapy_visits.csv"),
        ),
        _outcomes(str(gen)),
    ]
    clean = noted = 0
    for session, outs in cases:
        by_code = {r.code: r for r in session.rules}
        for o in outs:
            money = claim_money(o, session.ctx.pricer(), by_code)
            for show_phi in (False, True):
                for m in (money, None):
                    record = claim_record(o, show_phi, m)
                    assert claim_record_text(o, show_phi, m) == (
                        json.dumps(record),
                        record_flags(record),
                    ), o.original.id
            if o.findings or o.fixed:
                noted += 1
            else:
                clean += 1
    assert clean and noted

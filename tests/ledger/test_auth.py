"""Prior authorizations in the ledger (docs/payers.md): import, counting across runs, and two
preflights at once consuming the last authorized visit, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT
from rules.harness import Case, interchange

from ledger.common import weekdays
from x12tool.cli.app import cli
from x12tool.ledger import LedgerError
from x12tool.ledger.auths import read_authorizations
from x12tool.ledger.store import open_store

MEMBER = "MEMBER001"
DAYS = weekdays(date(2026, 3, 2), 6)
HEADER = "member_id,payer_id,auth_number,discipline,start_date,end_date,visits,units\n"
PROFILES = """<?xml version="1.0" encoding="UTF-8"?>
<profiles schema_version="1">
  <profile name="acme" extends="commercial">
    <match payer_id="ACME1"/>
    <prior_auth value="true" counts="visits" warn_remaining="0"/>
  </profile>
</profiles>
"""


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], standalone_mode=False)


def auth_csv(path: Path, visits: int, *, extra: str = "") -> Path:
    path.write_text(
        HEADER.replace("\n", ",code\n")
        + f"{MEMBER},ACME1,A123456,PT,2026-03-01,2026-03-31,{visits},,\n"
        + extra
    )
    return path


def write_837(path: Path, claims: list[tuple[str, date]], frequency: str = "1") -> Path:
    body = "".join(
        f"CLM*{cid}*40***11:B:{frequency}*Y*A*Y*Y~\nREF*G1*A123456~\nHI*ABK:M25561~\nLX*1~\n"
        f"SV1*HC:97110:GP*40*UN*1***1~\nDTP*472*D8*{day:%Y%m%d}~\n"
        for cid, day in claims
    )
    case = Case(rule="AUTH003", name=path.stem, claim=body, payer="CI", payer_id="ACME1")
    path.write_text(interchange(case), encoding="latin-1")
    return path


def auth003_claims(out: Path, name: str) -> dict[str, str]:
    doc = json.loads((out / "reports" / f"{name}.json").read_text())
    return {
        c["id"]: f["severity"]
        for c in doc["claims"]
        for f in c["findings"]
        if f["code"] == "AUTH003"
    }


def held(out: Path, name: str) -> list[str]:
    doc = json.loads((out / "reports" / f"{name}.json").read_text())
    return [c["id"] for c in doc["claims"] if c["status"] == "held"]


def test_import_updates_and_never_duplicates(ledger_spec, tmp_path):
    path = auth_csv(
        tmp_path / "auths.csv",
        12,
        extra=f"{MEMBER},ACME1,A123456,PT,2026-03-01,2026-03-31,,8,97530\n",
    )
    r = invoke("auth", "import", path, "--ledger", ledger_spec)
    assert r.exception is None, r.output
    assert "2 new, 0 updated" in r.output
    auth_csv(path, 20, extra=f"{MEMBER},ACME1,A123456,PT,2026-03-01,2026-03-31,,8,97530\n")
    r = invoke("auth", "import", path, "--ledger", ledger_spec)
    assert "0 new, 2 updated" in r.output
    with open_store(ledger_spec) as store:
        rows = store.member_auths(MEMBER, "ACME1")
        assert store.auth_count() == 2
    assert sorted((r[2], r[5], r[6]) for r in rows) == [("", 20, None), ("97530", None, 8)]


def test_bad_rows_are_named_and_nothing_is_imported(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER
        + f"{MEMBER},ACME1,A1,PT,2026-03-01,2026-03-31,12,\n"
        + f"{MEMBER},ACME1,A2,PX,2026-03-01,2026-02-01,,\n"
        + "\n"
        + f"{MEMBER},ACME1,A3,OT,03/01/2026,3/31/2026,x,\n"
        + f"{MEMBER},ACME1,A1,PT,2026-03-01,2026-03-31,12,\n"
    )
    with pytest.raises(LedgerError) as err:
        read_authorizations(path)
    text = str(err.value)
    assert "3 bad row(s), nothing imported" in text
    assert "row 2: discipline 'PX' is not PT, OT or SLP; end_date is before start_date" in text
    assert "row 4: visits 'x' is not a whole number" in text
    assert "row 5: the same member" in text
    assert MEMBER not in text  # row numbers, never member ids
    ledger = tmp_path / "l.sqlite"
    r = invoke("auth", "import", path, "--ledger", ledger)
    assert r.exception is not None and "row 2" in str(r.exception)
    with open_store(str(ledger)) as store:
        assert store.auth_count() == 0


def test_missing_columns(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("member_id,payer_id\nM,P\n")
    with pytest.raises(LedgerError, match="lacks column"):
        read_authorizations(path)


def test_counted_across_runs_reruns_and_voids(ledger_spec, tmp_path):
    profiles = tmp_path / "profiles.xml"
    profiles.write_text(PROFILES)
    r = invoke("auth", "import", auth_csv(tmp_path / "a.csv", 2), "--ledger", ledger_spec)
    assert r.exception is None, r.output
    out = tmp_path / "out"
    args = ("--out-dir", out, "--ledger", ledger_spec, "--no-ig", "--profiles", profiles)
    first = write_837(tmp_path / "first.837", [("C1", DAYS[0]), ("C2", DAYS[1])])
    for _ in range(2):  # the rerun counts nothing twice
        r = invoke("preflight", first, *args)
        assert r.exception is None and r.return_value == 0, r.output
        assert auth003_claims(out, "first.837") == {"C2": "warning"}  # 0 left
    second = write_837(tmp_path / "second.837", [("C3", DAYS[2])])
    r = invoke("preflight", second, *args)
    assert r.return_value == 1
    assert auth003_claims(out, "second.837") == {"C3": "error"}
    assert held(out, "second.837") == ["C3"]
    # voiding C2 frees its visit: C3 now uses the last one
    void = write_837(tmp_path / "void.837", [("C2", DAYS[1])], frequency="8")
    r = invoke("preflight", void, *args)
    assert r.exception is None, r.output
    r = invoke("preflight", second, *args)
    assert r.return_value == 0, r.output
    assert auth003_claims(out, "second.837") == {"C3": "warning"}
    r = invoke("auth", "show", MEMBER, "--ledger", ledger_spec)
    assert "2 visits on authorization A123456 (PT, 2026-03-01 to 2026-03-31): 2 used, 0 left" in (
        r.output
    )


def test_two_preflights_at_once_consume_the_last_visit_exactly_once(ledger_spec, tmp_path):
    """One visit left; two processes each send one claim for it at the same moment. The test
    hook makes each hold its lock after reading the ledger, so without the lock both would
    see one visit left and send."""
    profiles = tmp_path / "profiles.xml"
    profiles.write_text(PROFILES)
    r = invoke("auth", "import", auth_csv(tmp_path / "a.csv", 2), "--ledger", ledger_spec)
    assert r.exception is None, r.output
    base = ("--ledger", ledger_spec, "--no-ig", "--profiles", profiles)
    r = invoke(
        "preflight",
        write_837(tmp_path / "s.837", [("S0", DAYS[0])]),
        "--out-dir",
        tmp_path / "out-s",
        *base,
    )
    assert r.return_value == 0, r.output
    files = [
        write_837(tmp_path / f"{n}.837", [(n.upper(), d)])
        for n, d in (("a", DAYS[1]), ("b", DAYS[2]))
    ]
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["X12TOOL_LEDGER_TEST_HOLD"] = "1.0"
    procs = []
    for path in files:
        argv = [
            sys.executable,
            "-m",
            "x12tool",
            "preflight",
            str(path),
            "--out-dir",
            str(tmp_path / f"out-{path.stem}"),
            *map(str, base),
        ]
        procs.append(subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True))
        time.sleep(0.3)
    codes = []
    for p in procs:
        _, err = p.communicate(timeout=120)
        codes.append(p.returncode)
        assert p.returncode in (0, 1), err
    held_ids = held(tmp_path / "out-a", "a.837") + held(tmp_path / "out-b", "b.837")
    assert len(held_ids) == 1 and sorted(codes) == [0, 1], (held_ids, codes)
    with open_store(ledger_spec) as store:
        days = {r[1] for r in store.auth_usage(MEMBER, "ACME1")}
    assert len(days) == 2  # S0 and the one claim that went


def test_the_sample_payer_walk(tmp_path):
    """fixtures/sample/README.md "Payer logic": COMM-AUTH corrected, MCD-CAP held."""
    sample = ROOT / "fixtures" / "sample"
    ledger = tmp_path / "ledger.sqlite"
    r = invoke("auth", "import", sample / "payer_auths.csv", "--ledger", ledger)
    assert r.exception is None, r.output
    out = tmp_path / "out"
    r = invoke(
        "preflight",
        sample / "therapy_batch.837",
        "--visits",
        sample / "therapy_visits.csv",
        "--profiles",
        sample / "payer_profiles.xml",
        "--ledger",
        ledger,
        "--out-dir",
        out,
        "--no-ig",
    )
    assert "22 claims: 7 ready, 9 corrected, 6 held" in r.output
    doc = json.loads((out / "reports" / "therapy_batch.837.json").read_text())
    claims = {c["id"]: c for c in doc["claims"]}
    assert claims["COMM-AUTH"]["status"] == "corrected"
    assert [ch["after"] for ch in claims["COMM-AUTH"]["changes"]] == ["REF*G1*PA2026-00417"]
    assert claims["MCD-CAP"]["status"] == "held"
    assert [f["code"] for f in claims["MCD-CAP"]["findings"]] == ["PAY001"]
    assert claims["MCD-1"]["status"] == "ready"
    ready = (out / "ready" / "therapy_batch.837").read_text(encoding="latin-1")
    assert "REF*G1*PA2026-00417~" in ready
    from x12tool.edi.ig import validate

    assert validate(str(out / "ready" / "therapy_batch.837")) == []  # the IG accepts its place

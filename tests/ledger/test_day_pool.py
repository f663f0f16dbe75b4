"""The beneficiary's day across files: lines sent earlier (the ledger) count toward the day."""

from __future__ import annotations

import json
from datetime import date

from conftest import run_cli

from ledger.common import write_837

DAY = date(2026, 3, 2)


def test_a_day_sent_earlier_counts_and_the_later_claim_is_cut(tmp_path):
    spec = str(tmp_path / "ledger.sqlite")
    a = write_837(tmp_path / "a.837", [("A0", DAY)])
    b = write_837(tmp_path / "b.837", [("B0", DAY), ("B1", date(2026, 3, 3))])
    visits = tmp_path / "visits.csv"
    visits.write_text(
        "claim_id,service_date,cpt,minutes\n"
        "A0,2026-03-02,97110,10\n"
        "B0,2026-03-02,97110,5\n"
        "B1,2026-03-03,97110,15\n"
    )
    out = tmp_path / "out"
    r = run_cli("preflight", a, "--visits", visits, "--ledger", spec, "--no-ig", "--out-dir", out)
    assert r.returncode == 0, r.stderr  # 10 minutes: 1 unit, sent and recorded
    report = tmp_path / "b.json"
    r = run_cli(
        "check",
        b,
        "--visits",
        visits,
        "--ledger",
        spec,
        "--no-ig",
        "--format",
        "json",
        "-o",
        report,
    )
    # 10 + 5 minutes of the day support 1 unit, already sent on A0: B0's unit is not supported.
    claims = {c["id"]: c for c in json.loads(report.read_text())["claims"]}
    tu001 = [f for f in claims["B0"]["findings"] if f["code"] == "TU001"]
    assert len(tu001) == 1, claims["B0"]["findings"]
    assert "claim A0 (sent in a.837)" in tu001[0]["message"]
    assert "15 timed minutes of the day" in tu001[0]["message"]
    assert not [f for f in claims["B1"]["findings"] if f["code"] == "TU001"]
    # Without the ledger B0 alone (5 minutes) is a separate matter: 0 units, TU001 too, but
    # the message does not name A0.
    r = run_cli(
        "check", b, "--visits", visits, "--no-ledger", "--no-ig", "--format", "json", "-o", report
    )
    claims = {c["id"]: c for c in json.loads(report.read_text())["claims"]}
    assert all("A0" not in f["message"] for f in claims["B0"]["findings"])


def test_earlier_lines_without_minutes_leave_the_day_unknown(tmp_path):
    spec = str(tmp_path / "ledger.sqlite")
    a = write_837(tmp_path / "a.837", [("A0", DAY)])
    b = write_837(tmp_path / "b.837", [("B0", DAY)])
    first = tmp_path / "first.csv"
    first.write_text("claim_id,service_date,cpt,minutes\nA0,2026-03-02,97110,10\n")
    out = tmp_path / "out"
    r = run_cli("preflight", a, "--visits", first, "--ledger", spec, "--no-ig", "--out-dir", out)
    assert r.returncode == 0, r.stderr
    later = tmp_path / "later.csv"  # the EMR's export of the later session only
    later.write_text("claim_id,service_date,cpt,minutes\nB0,2026-03-02,97110,12\n")
    report = tmp_path / "b.json"
    r = run_cli(
        "check", b, "--visits", later, "--ledger", spec, "--no-ig", "--format", "json", "-o", report
    )
    findings = json.loads(report.read_text())["claims"][0]["findings"]
    tu = [f for f in findings if f["code"].startswith("TU")]
    assert [f["code"] for f in tu] == ["TU006"]
    assert "A0 (sent in a.837)" in tu[0]["message"]

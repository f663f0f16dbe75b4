"""`x12tool denials`: the worked example's figures, checked by hand (tests/remit/scenario.py).

Eight remitted lines after both remittances (C5's first payment reversed, its re-payment kept):
  C1 97110 40/30, C1 97530 45/35, C2 97140 40/30, C2 97530-59 45/0 (CO-97), C3 97110 240/120
  (CO-151 80), C4 97750 50/0 (PR-204), C5 97110 40/25 (PR-2 5), ZZ999 97110 40/20.
Charged 540.00, paid 260.00, denied 2 of 8 lines = 25.0 %, dollars denied 45 + 50 = 95.00.
Allowed: 30 + 35 (AMT*B6) + 30 + 0 + 120 + 0 + 30 (25 paid + PR-2 5) + 20 = 265.00.
Days to payment: sent 2026-03-10; C1-C4 paid 2026-04-01 (22 days), C5's re-payment 2026-05-01
(52 days; the reversed payment has no lines left); ZZ999 was never sent, so it has none. Per
claim payment of the payer: (22 * 4 + 52) / 5 = 28.0.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from remit.common import record_sent
from remit.scenario import write_all
from remit.test_import import run
from x12tool.ledger.store import open_store


@pytest.fixture
def spec(tmp_path):
    spec = str(tmp_path / "l.sqlite")
    sent, first, second = write_all(tmp_path)
    record_sent(spec, sent)
    with open_store(spec) as store:
        store.execute("UPDATE ledger_claims SET sent_on = '2026-03-10'")
    for f in (first, second):
        assert run("remit", "import", f, "--ledger", spec, "--no-ig")[0] == 0
    return spec


def groups(spec, *args) -> dict:
    code, out, err = run("denials", "--ledger", spec, "--format", "json", *args)
    assert code == 0, err
    doc = json.loads(out)
    return {dim: {r["key"]: r for r in rows} for dim, rows in doc["groups"].items()}


def test_figures_by_hand(spec):
    g = groups(
        spec,
        "--by",
        "payer",
        "--by",
        "code",
        "--by",
        "pair",
        "--by",
        "carc",
        "--by",
        "rarc",
        "--by",
        "month",
        "--by",
        "modifiers",
    )
    payer = g["payer"]["00952 MEDICARE PART B TEST MAC"]
    assert (payer["lines"], payer["denied"], payer["denial_rate"]) == (8, 2, "25.0%")
    assert (payer["charged"], payer["paid"], payer["allowed"]) == ("540.00", "260.00", "265.00")
    assert (payer["denied_dollars"], payer["days_to_payment"]) == ("95.00", "28.0")
    assert g["code"]["97530"]["denial_rate"] == "50.0%"
    assert g["code"]["97140"]["denial_rate"] == "0.0%"
    assert g["code"]["97110"]["lines"] == 4 and g["code"]["97110"]["paid"] == "195.00"
    assert g["pair"]["97530 with 97140"]["denied"] == 1
    assert g["pair"]["97140 with 97530"]["denied"] == 0
    assert set(g["pair"]) == {
        "97140 with 97530",
        "97530 with 97140",
        "97110 with 97530",
        "97530 with 97110",
    }
    assert g["carc"]["CO-45"]["carc_amount"] == "100.00"  # 10 + 10 + 10 + 40 + 10 + 20
    assert g["carc"]["CO-151"]["carc_amount"] == "80.00"
    assert g["carc"]["PR-204"]["denied_dollars"] == "50.00"
    assert list(g["carc"])[0] == "CO-45"  # ordered by dollars
    # labels (maps/carc.xml, x12tool's paraphrase): group, then CARC; RARCs alone
    assert g["carc"]["CO-97"]["label"] == "contractual obligation: bundled into another service"
    assert g["carc"]["PR-2"]["label"] == "patient responsibility: coinsurance"
    assert g["rarc"]["M15"]["label"] == "bundled: part of the same procedure"
    assert g["code"]["97530"]["label"] == ""
    assert g["rarc"] == {"M15": g["rarc"]["M15"]} and g["rarc"]["M15"]["denied"] == 1
    assert g["month"]["2026-03"]["lines"] == 8
    assert g["modifiers"]["59-GP"]["denied"] == 1


def test_filters_and_formats(spec):
    g = groups(spec, "--code", "97110", "--by", "payer")
    assert g["payer"]["00952 MEDICARE PART B TEST MAC"]["lines"] == 4
    assert groups(spec, "--payer", "99999", "--by", "payer")["payer"] == {}
    assert groups(spec, "--since", "2026-03-04", "--by", "code")["code"].keys() == {"97110"}
    code, out, _ = run("denials", "--ledger", spec, "--format", "csv", "--by", "code")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["key"] for r in rows] == ["97750", "97530", "97110", "97140"]  # by dollars denied
    assert rows[0]["label"] == ""
    code, out, _ = run("denials", "--ledger", spec, "--format", "csv", "--by", "carc")
    rows = {r["key"]: r for r in csv.DictReader(io.StringIO(out))}
    assert rows["CO-151"]["label"] == (
        "contractual obligation: too many units or visits for the information given"
    )
    code, out, _ = run("denials", "--ledger", spec, "--by", "carc", "--by", "code")
    assert code == 0 and "CO-97" in out and "carc_amount" in out
    by_carc, by_code = out.split("by code:")
    assert "label" in by_carc and "label" not in by_code.split("\n\n")[0]
    assert "PR-204  patient responsibility: not covered by the patient's current plan" in out
    assert "paraphrase" in out and "as of 2026-12-02" in out


def test_codes_not_in_the_shipped_list_show_as_code_only(spec):
    with open_store(spec) as store:
        store.execute("UPDATE remit_adjustments SET carc = 'B99' WHERE carc = '151'")
        store.execute("UPDATE remit_lines SET remarks = 'N9999' WHERE remarks = 'M15'")
    g = groups(spec, "--by", "carc", "--by", "rarc")
    assert (
        g["carc"]["CO-B99"]["label"]
        == "contractual obligation: code only (not in the shipped list)"
    )
    assert g["rarc"]["N9999"]["label"] == "code only (not in the shipped list)"
    assert g["carc"]["CO-B99"]["carc_amount"] == "80.00"  # figures unchanged
    code, out, _ = run("denials", "--ledger", spec, "--format", "json")
    assert json.loads(out)["code_labels"]["unknown"] == "code only (not in the shipped list)"


def test_html_page_with_inline_svg(spec, tmp_path):
    import lxml.html

    out = tmp_path / "denials.html"
    code, _, err = run("denials", "--ledger", spec, "--format", "html", "-o", out, "--by", "code")
    assert code == 0, err
    doc = lxml.html.fromstring(out.read_bytes())
    svgs = doc.findall(".//svg")
    assert len(svgs) == 2  # denial rate by payer over time; top CARCs by dollars
    rate, carcs = svgs
    dots = [c.findtext("title") for c in rate.iter("circle")]
    assert dots == ["00952 2026-03: 2 of 8 lines denied (25%)"]
    labels = [t.text for t in carcs.iter("text")]
    assert labels[:2] == ["CO-45", "$100.00"] and "CO-97" in labels
    assert not doc.findall(".//script")
    rows = [[td.text for td in tr.findall("td")] for tr in doc.findall(".//tbody/tr")]
    assert rows[0][:4] == ["97750", "1", "1", "100.0%"]  # no label column by code
    assert "paraphrase" in doc.findtext(".//p")
    code, _, err = run("denials", "--ledger", spec, "--format", "html", "-o", out, "--by", "carc")
    doc = lxml.html.fromstring(out.read_bytes())
    assert [th.text for th in doc.findall(".//thead/tr/th")][:3] == ["key", "label", "lines"]
    rows = {tr[0].text: tr[1].text for tr in doc.findall(".//tbody/tr")}
    assert rows["CO-97"] == "contractual obligation: bundled into another service"


def test_unmatched_listing(spec):
    code, out, err = run("denials", "--ledger", spec, "unmatched")
    assert code == 0, err
    assert "1 unmatched claim payment(s)" in out and "ZZ999" in out
    assert "0 unmatched line(s) of matched claims" in out


def test_a_ledger_from_before_remittances_reads_as_empty(tmp_path):
    import sqlite3

    old = tmp_path / "old.sqlite"
    conn = sqlite3.connect(old)
    conn.execute("CREATE TABLE ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute("INSERT INTO ledger_meta VALUES ('schema_version', '1')")
    conn.commit()
    conn.close()
    code, out, err = run("denials", "--ledger", old)
    assert code == 0 and out.startswith("0 remitted service line(s)"), err
    code, _, err = run("denials", "--ledger", tmp_path / "missing.sqlite")
    assert code == 2 and "no ledger here" in err and not (tmp_path / "missing.sqlite").exists()

"""Money in the JSON, text and HTML reports of the bundled sample."""

from __future__ import annotations

import json
import shutil
import subprocess
from decimal import Decimal

import jsonschema
import lxml.html
import pytest
from conftest import ROOT, SAMPLE

BATCH = SAMPLE / "therapy_batch.837"
VISITS = SAMPLE / "therapy_visits.csv"
SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text())


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from conftest import run_cli

    out = tmp_path_factory.mktemp("money") / "report.json"
    r = run_cli("check", BATCH, "--visits", VISITS, "--format", "json", "-o", out)
    assert r.returncode == 1, r.stderr
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def preflight_out(tmp_path_factory):
    from conftest import run_cli

    out = tmp_path_factory.mktemp("pre")
    r = run_cli("preflight", BATCH, "--visits", VISITS, "--out-dir", out)
    assert r.returncode == 1, r.stderr
    return out


def claims(report):
    return {c["id"]: c for c in report["claims"]}


def test_report_validates_and_says_national(report):
    jsonschema.validate(report, SCHEMA)
    assert report["money_basis"] == "national"
    assert "all GPCIs 1.0" in report["money_detail"]


def test_every_claim_has_money_and_held_claims_send_nothing(report):
    for c in report["claims"]:
        m = c["money"]
        if c["status"] == "held":
            assert m["allowed_as_sent"] == "0.00"
            assert m["at_risk"] == m["allowed_as_billed"]
        else:
            assert m["at_risk"] == "0.00"


def test_doc_1on1_is_the_worked_check(report):
    # 2 x 97530 on one date: 35.07 + 25.05, all of it held (DOC001)
    c = claims(report)["DOC-1ON1"]
    assert c["money"]["allowed_as_billed"] == "60.12"
    assert c["money"]["at_risk"] == "60.12"
    f = c["findings"][0]
    assert (f["code"], f["money"], f["money_effect"]) == ("DOC001", "60.12", "at_risk")


def test_tu001_overbilling_avoided(report):
    c = claims(report)["SEED-97530"]
    m = c["money"]
    # 97530 full (35.07) + 97110 half PE (22.21) as sent; the deleted 97140 unit:
    # (0.43 + 0.39/2 + 0.01) x 33.4009 = 21.21
    assert m["allowed_as_sent"] == "57.28"
    assert m["overbilling_avoided"] == "21.21"
    f = c["findings"][0]
    assert (f["code"], f["money"], f["money_effect"]) == ("TU001", "21.21", "overbilling_avoided")
    total = Decimal(m["allowed_as_billed"]) - Decimal(m["overbilling_avoided"])
    assert total == Decimal(m["allowed_as_sent"])


def test_missing_cq_shows_the_reduction(report):
    c = claims(report)["PTA-CQ"]
    f = next(f for f in c["findings"] if f["code"] == "MOD003")
    assert f["money_effect"] == "reduction"
    # 97110 x 2 with 97112 (PE 0.47) taking the full PE unit: (0.45+0.205+0.01) x 2 x CF
    # = 44.42; 15% of it is 6.66
    assert f["money"] == "6.66" and c["money"]["reduction"] == "6.66"


def test_reference_only_for_medicaid_and_commercial(report):
    got = {c["payer_class"]: c["money"]["reference_only"] for c in report["claims"]}
    assert got == {"medicare_b": False, "medicaid": True, "commercial": True}
    by_class = report["summary"]["money"]["by_payer_class"]
    assert by_class["medicaid"]["reference_only"] is True
    assert by_class["medicare_b"]["sequestration"] != "0.00"
    assert by_class["medicaid"]["sequestration"] == "0.00"


def test_summary_adds_up(report):
    m = report["summary"]["money"]
    for key in ("allowed_as_billed", "allowed_as_sent", "at_risk", "overbilling_avoided"):
        assert Decimal(m[key]) == sum(Decimal(c["money"][key]) for c in report["claims"])
    held = [c for c in report["claims"] if c["status"] == "held"]
    assert Decimal(m["at_risk"]) == sum(Decimal(c["money"]["allowed_as_billed"]) for c in held)


def test_text_report_shows_the_money(preflight_out):
    text = (preflight_out / "reports" / (BATCH.name + ".txt")).read_text()
    assert "allowed as billed (Medicare est.)" in text
    assert "money basis: national" in text
    assert "DOC-1ON1" in text and "$60.12" in text
    assert "reference only" in text


def _page(path):
    doc = lxml.html.parse(str(path)).getroot()
    assert doc.tag == "html"
    return doc


def test_preflight_writes_a_self_contained_html_page(preflight_out):
    path = preflight_out / "reports" / (BATCH.name + ".html")
    raw = path.read_text()
    assert raw.startswith("<!DOCTYPE html>")
    doc = _page(path)
    assert not doc.xpath("//script") and not doc.xpath("//link") and not doc.xpath("//img")
    assert "http://" not in raw.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in raw
    heads = [h.text_content() for h in doc.xpath("//h3")]
    assert "Dollars by rule" in heads and "Dollars by payer class" in heads
    assert any(h.startswith("Held claims") for h in heads)
    assert any(h.startswith("Corrected claims") for h in heads)
    svgs = doc.xpath("//svg")
    assert len(svgs) == 2 and svgs[0].xpath(".//rect")
    held = doc.xpath("//div[contains(@class,'claim held')]")
    assert len(held) == 5
    assert any("$60.12" in d.text_content() for d in held)
    corrected = doc.xpath("//div[contains(@class,'claim corrected')]")
    assert len(corrected) == 8
    seed = next(d for d in corrected if "SEED-97530" in d.text_content())
    assert seed.xpath(".//span[contains(@class,'seg before')]")
    assert "$78.49" in seed.text_content() and "$57.28" in seed.text_content()
    # member ids masked
    ids = [s.split("*")[9] for s in BATCH.read_text().split("~") if s.strip().startswith("NM1*IL*")]
    assert not any(i in raw for i in ids)


def test_check_format_html_and_show_phi(cli, tmp_path):
    out = tmp_path / "r.html"
    r = cli("check", BATCH, "--visits", VISITS, "--format", "html", "-o", out, "--show-phi")
    assert r.returncode == 1, r.stderr
    raw = out.read_text()
    doc = _page(out)
    assert doc.xpath("//title")[0].text.startswith("x12tool report")
    ids = [s.split("*")[9] for s in BATCH.read_text().split("~") if s.strip().startswith("NM1*IL*")]
    assert any(i in raw for i in ids)


def test_preflight_format_html_prints_one_page(cli, tmp_path):
    r = cli("preflight", BATCH, "--visits", VISITS, "--out-dir", tmp_path, "--format", "html")
    assert r.returncode == 1, r.stderr
    doc = lxml.html.document_fromstring(r.stdout)
    assert doc.xpath("//section[@class='file']")


@pytest.mark.chromium
def test_html_renders_in_headless_chromium(preflight_out, tmp_path):
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("chromium is not on PATH (apt-get install chromium; see docs/money.md)")
    page = preflight_out / "reports" / (BATCH.name + ".html")
    shot = tmp_path / "page.png"
    r = subprocess.run(
        [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-extensions",
            f"--screenshot={shot}",
            "--window-size=1200,2000",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert shot.is_file() and shot.stat().st_size > 10_000
    dom = subprocess.run(
        [exe, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dom.returncode == 0 and "Held claims" in dom.stdout and "<svg" in dom.stdout

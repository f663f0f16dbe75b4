"""``preflight --ack 999,277ca``: the acknowledgments a clearinghouse would send, before upload.

One preflight run (a child process) covers every case: the bundled sample, the sample with one
bad element (pyx12: place of service 00), the sample with a broken SE01 in its first set
(refused, exit 3) and an interchange whose group is gone (refused; only a TA1 can answer).
Every acknowledgment it writes must pass pyx12's own 999 (X231A1) and 277 (X214) maps.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import stat

import pytest
from conftest import SAMPLE, run_cli

from x12tool.refdata import load_claim_status
from x12tool.rules.registry import select_rules

BATCH = SAMPLE / "therapy_batch.837"
VISITS = SAMPLE / "therapy_visits.csv"
ST_POSITION = 3  # the sample's first ST is the interchange's third segment (ISA, GS, ST)


def _segments(path) -> list[list[str]]:
    return [s.strip().split("*") for s in path.read_text().split("~") if s.strip()]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("acks")
    text = BATCH.read_text()
    inputs = {"sample": BATCH}
    # CMS-EX3's place of service 00 (CLM05-1): an IG error pyx12 reports on the CLM.
    bad = base / "badel.837"
    bad.write_text(text.replace("CLM*CMS-EX3*132***11:", "CLM*CMS-EX3*132***00:", 1))
    inputs["badel"] = bad
    # The first set's SE01 off by one: that set is held (ENV002), the second goes on.
    first_se = re.search(r"SE\*(\d+)\*0001~", text)
    se = base / "badse.837"
    se.write_text(text.replace(first_se.group(0), f"SE*{int(first_se.group(1)) + 1}*0001~"))
    inputs["badse"] = se
    # The group is gone: IEA01 says 1 group, there are none; only the ISA can be answered.
    nogs = base / "nogs.837"
    nogs.write_text(text[: text.index("GS*")] + text[text.index("IEA*") :])
    inputs["nogs"] = nogs
    # A 4010 interchange (refused): only a TA1 can answer it; another guide's GS08 (refused).
    v4010 = base / "v4010.837"
    v4010.write_text(text.replace("*00501*", "*00401*", 1))
    inputs["v4010"] = v4010
    gs08 = base / "gs08.837"
    gs08.write_text(text.replace("*X*005010X222A1~\nST", "*X*005010X223A2~\nST", 1))
    inputs["gs08"] = gs08
    # Two interchanges in one file (the second with its own control numbers).
    second = text.replace("000000310", "000000311").replace("*310*", "*311*")
    second = second.replace("GE*2*310~", "GE*2*311~")
    two = base / "two.837"
    two.write_text(text + second)
    inputs["two"] = two
    out = base / "out"
    r = run_cli(
        "preflight",
        *inputs.values(),
        "--visits",
        VISITS,
        "--out-dir",
        out,
        "--ack",
        "999,277ca",
        # A hash seed under which a set of {"999", "277ca"} iterates 277ca first: the numbering
        # must follow the fixed order, not the set's (test_999_numbered_before_277ca).
        env={"PYTHONHASHSEED": "1"},
    )
    reports = out / "reports"
    return {
        "r": r,
        "out": out,
        "inputs": inputs,
        "ack": {k: reports / (p.name + ".999") for k, p in inputs.items()},
        "ca": {k: reports / (p.name + ".277ca") for k, p in inputs.items()},
        "json": {k: reports / (p.name + ".json") for k, p in inputs.items()},
    }


def pyx12_errors(path) -> list:
    """pyx12's own validation (x12n_document) of one file: every error it reports."""
    import pyx12.params
    import pyx12.x12n_document

    logging.getLogger("pyx12").propagate = False
    logging.getLogger("pyx12").addHandler(logging.NullHandler())
    fj = io.StringIO()
    with open(path, encoding="ascii") as src:
        ok = pyx12.x12n_document.x12n_document(
            pyx12.params.params(), src, io.StringIO(), None, None, fj
        )
    errors = []

    def walk(node):
        if isinstance(node, dict):
            errors.extend(node.get("errors") or [])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads(fj.getvalue() or "{}"))
    if not ok and not errors:
        errors.append("x12n_document returned False")
    return errors


def test_run_exit_code_and_stdout_without_phi(run):
    r = run["r"]
    assert r.returncode == 3, r.stderr  # two inputs refused
    assert "Traceback" not in r.stderr
    names = [s[9] for s in _segments(BATCH) if s[:2] == ["NM1", "IL"]]
    last_names = [s[3] for s in _segments(BATCH) if s[:2] == ["NM1", "IL"]]
    assert names and last_names
    for value in names + last_names:
        assert value not in r.stdout and value not in r.stderr
    assert "only its acknowledgment written" in r.stderr


@pytest.mark.parametrize("kind", ["sample", "badel", "badse", "nogs", "two", "v4010", "gs08"])
def test_every_999_passes_pyx12(run, kind):
    path = run["ack"][kind]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert pyx12_errors(path) == []


@pytest.mark.parametrize("kind", ["sample", "badel", "badse", "two"])
def test_every_277ca_passes_pyx12(run, kind):
    path = run["ca"][kind]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert pyx12_errors(path) == []


def test_refused_inputs_get_no_277ca(run):
    assert not run["ca"]["nogs"].exists()
    assert not (run["out"] / "ready" / "nogs.837").exists()


def _claims_277(path) -> dict[str, list[str]]:
    """CLM01 (2200D TRN02) -> its claim STC, from a 277CA."""
    claims, in_patient = {}, False
    current = None
    for seg in _segments(path):
        if seg[0] == "HL":
            in_patient = seg[3] == "PT"
            current = None
        elif seg[0] == "TRN" and in_patient and seg[1] == "2":
            current = seg[2]
        elif seg[0] == "STC" and current is not None and current not in claims:
            claims[current] = seg
    return claims


def test_sample_277ca_accepts_ready_and_rejects_held_claim_by_claim(run):
    report = json.loads(run["json"]["sample"].read_text())
    stcs = _claims_277(run["ca"]["sample"])
    assert set(stcs) == {c["id"] for c in report["claims"]}
    smap = load_claim_status()
    for claim in report["claims"]:
        stc = stcs[claim["id"]]
        if claim["status"] == "held":
            assert stc[3] == "U", claim["id"]
            assert stc[1].split(":")[0] in {"A3", "A6", "A7", "A8"}
            codes = [f["code"] for f in claim["findings"] if f["severity"] == "error"]
            assert stc[1] == ":".join(smap.for_rule(codes[0]).composite)
            assert stc[12].startswith(codes[0])  # our rule code in STC12 for the biller
        else:
            assert stc[3] == "WQ" and stc[1] == "A1:19:40", claim["id"]
        assert stc[4] == str(claim["charge"]) or claim["status"] == "corrected"


def test_sample_277ca_totals(run):
    report = json.loads(run["json"]["sample"].read_text())
    segs = _segments(run["ca"]["sample"])
    qty = {}
    for s in segs:
        if s[0] == "QTY" and s[1] in ("90", "AA"):
            qty[s[1]] = qty.get(s[1], 0) + int(s[2])
    summary = report["summary"]
    assert qty["90"] == summary["ready"] + summary["corrected"]
    assert qty["AA"] == summary["held"]
    held = sum(float(c["charge"]) for c in report["claims"] if c["status"] == "held")
    yy = sum(float(s[2]) for s in segs if s[:2] == ["AMT", "YY"] and s)
    # AMT*YY appears at 2200B and 2200C: the set and its providers each total the same claims
    assert yy == pytest.approx(2 * held)


def test_held_line_findings_get_2220d_with_line_control(run):
    segs = _segments(run["ca"]["sample"])
    svc = [s for s in segs if s[0] == "SVC"]
    assert svc, "held claims with line findings have 2220D loops"
    # NCCI-HOLD's finding names line 2 (97530): its SVC echoes SV101/SV102/SV104 as sent
    assert ["SVC", "HC:97530:GP", "130", "", "", "", "", "2"] in svc


def test_999_bad_element_points_where_the_report_does(run):
    report = json.loads(run["json"]["badel"].read_text())
    claim = next(c for c in report["claims"] if c["id"] == "CMS-EX3")
    ig = [f for f in claim["findings"] if f["code"] == "IG001"]
    assert ig and claim["status"] == "held"
    segs = _segments(run["ack"]["badel"])
    ik3 = [s for s in segs if s[0] == "IK3"]
    assert ik3 == [["IK3", "CLM", str(ig[0]["position"] - ST_POSITION + 1), "", "8"]]
    assert ["CTX", "CLM01:CMS-EX3"] in segs
    assert ["IK4", "5:1", "1331", "7", "00"] in segs
    # accepted with errors: the claim is rejected on the 277CA instead (status 684)
    assert ["IK5", "E", "5"] in segs and segs[segs.index(["IK5", "E", "5"]) - 4][2] == "0001"
    assert [s for s in segs if s[0] == "AK9"] == [["AK9", "E", "2", "2", "2"]]
    assert _claims_277(run["ca"]["badel"])["CMS-EX3"][1] == "A3:684"


def _set_claims(path) -> dict[str, list[str]]:
    """ST02 -> the CLM01s of that transaction set."""
    sets, current = {}, None
    for seg in _segments(path):
        if seg[0] == "ST":
            current = sets.setdefault(seg[2], [])
        elif seg[0] == "CLM":
            current.append(seg[1])
    return sets


def test_999_broken_se01_rejects_that_set_and_the_other_goes(run):
    assert "badse.837" not in run["r"].stderr  # not refused
    segs = _segments(run["ack"]["badse"])
    sets = {}
    for s in segs:
        if s[0] == "AK2":
            key = s[2]
        elif s[0] == "IK5":
            sets[key] = s[1:]
    assert sets == {"0001": ["R", "4"], "0002": ["A"]}
    # partly accepted: set 0002 goes on
    assert [s for s in segs if s[0] == "AK9"] == [["AK9", "P", "2", "2", "1"]]
    by_set = _set_claims(run["inputs"]["badse"])
    # held/ has set 0001 whole, its wrong SE as it came; ready/ has only set 0002's claims
    held = run["out"] / "held" / "badse.837"
    ready = run["out"] / "ready" / "badse.837"
    assert _set_claims(held) == {"0001": by_set["0001"]}
    assert set(_set_claims(ready)) == {"0002"}
    wrong = [s for s in _segments(run["inputs"]["badse"]) if s[0] == "SE"][0]
    assert [s for s in _segments(held) if s[0] == "SE"] == [wrong]
    # the 277CA answers the accepted set only: a set the 999 rejects gets no 277CA
    assert set(_claims_277(run["ca"]["badse"])) == set(by_set["0002"]) - set(by_set["0001"])
    report = json.loads(run["json"]["badse"].read_text())
    (rec,) = report["transaction_sets"]
    assert rec["st"] == "0001" and rec["held"] and rec["findings"][0]["code"] == "ENV002"
    assert "SE01 says" in rec["findings"][0]["message"]
    held_ids = {c["id"] for c in report["claims"] if c["status"] == "held"}
    assert set(by_set["0001"]) <= held_ids
    assert report["summary"]["held"] == len(held_ids)


def test_unsupported_version_and_guide(run):
    segs = _segments(run["ack"]["v4010"])
    assert [s[0] for s in segs] == ["ISA", "TA1", "IEA"] and segs[1][4:] == ["R", "003"]
    segs = _segments(run["ack"]["gs08"])
    assert ["AK1", "HC", "310", "005010X223A2"] in segs
    assert [s for s in segs if s[0] in ("AK2", "AK9")] == [["AK9", "R", "2", "2", "0", "2"]]
    assert not run["ca"]["gs08"].exists()


def test_two_interchanges_two_acknowledgment_interchanges(run):
    for path in (run["ack"]["two"], run["ca"]["two"]):
        segs = _segments(path)
        assert [s[0] for s in segs].count("ISA") == 2
        assert [s[0] for s in segs].count("IEA") == 2
    once = _claims_277(run["ca"]["sample"])
    assert [s[0] for s in _segments(run["ca"]["two"])].count("TRN") == 2 * sum(
        1 for s in _segments(run["ca"]["sample"]) if s[0] == "TRN"
    )
    assert set(_claims_277(run["ca"]["two"])) == set(once)


def test_group_less_interchange_gets_a_ta1(run):
    segs = _segments(run["ack"]["nogs"])
    assert [s[0] for s in segs] == ["ISA", "TA1", "IEA"]
    isa = _segments(BATCH)[0]
    assert segs[1] == ["TA1", isa[13], isa[9], isa[10], "R", "021"]


def test_control_numbers_unique_in_the_run_and_parties_swapped(run):
    isa_in = _segments(BATCH)[0]
    controls = []
    for path in [*run["ack"].values(), *[p for p in run["ca"].values() if p.exists()]]:
        segs = _segments(path)
        isa = segs[0]
        assert (isa[5], isa[6].strip(), isa[7], isa[8].strip()) == (
            isa_in[7],
            isa_in[8].strip(),
            isa_in[5],
            isa_in[6].strip(),
        )
        controls.append(isa[13])
        gs = next((s for s in segs if s[0] == "GS"), None)
        if gs is not None:
            assert int(gs[6]) == int(isa[13])
    assert len(controls) == len(set(controls)) == 11  # badse now gets a 277CA too


def test_999_numbered_before_277ca(run):
    both = [k for k, p in run["ca"].items() if p.exists()]
    assert both
    for k in both:
        first, second = _segments(run["ack"][k])[0][13], _segments(run["ca"][k])[0][13]
        assert int(first) < int(second), k


def test_claim_status_map_names_real_rules_and_pyx12_codes():
    """Every mapping names a rule that exists and codes pyx12's 277 map accepts (its code
    lists stop around 2014, acknowledgments.md §0 item 6)."""
    import pyx12

    smap = load_claim_status()
    rules = {r.code for r in select_rules(None, None)}
    assert set(smap.rules) <= rules
    codes_xml = (os.path.dirname(pyx12.__file__) + "/map/codes.xml").replace("\\", "/")
    text = open(codes_xml, encoding="utf-8").read()

    def codes(list_id):
        start = text.index(f"<id>{list_id}</id>")
        body = text[start : text.index("</codeset>", start)]
        return set(re.findall(r"<code>([^<]+)</code>", body))

    statuses, categories = codes("claim_status"), codes("claim_status_cat")
    for st in [*smap.rules.values(), *smap.outcomes.values()]:
        assert st.category in categories and st.status in statuses, st


def _ik_loops(text: str) -> list[tuple]:
    """AK2, IK3 and IK4 of a 999 as (segment, id/position, position/ref, code)."""
    segs = [s.strip().split("*") for s in text.split("~") if s.strip()]
    return [
        (s[0], s[1], s[2], s[4] if s[0] == "IK3" else s[3])
        for s in segs
        if s[0] in ("IK3", "IK4", "AK2")
    ]


def _pyx12_999(path) -> str:
    """pyx12's own 999 (error_999) of a whole file."""
    import pyx12.params
    import pyx12.x12n_document

    own = io.StringIO()
    logging.getLogger("pyx12").propagate = False
    with open(path, encoding="latin-1") as src:
        pyx12.x12n_document.x12n_document(pyx12.params.params(), src, own, None, None, None)
    return own.getvalue()


def test_999_ik3_ik4_equal_pyx12s_own_999(run):
    ours = _ik_loops(run["ack"]["badel"].read_text())
    assert ("IK3", "CLM", "37", "8") in ours
    assert ours == _ik_loops(_pyx12_999(run["inputs"]["badel"]))


@pytest.mark.slow
def test_999_from_chunks_equals_one_run_and_pyx12s_own_999(tmp_path, monkeypatch):
    """IK3/IK4 come from the chunked pyx12 run mapped back to the file: the same 999 whatever
    the number of chunks, with the same IK3/IK4 as pyx12's own 999 of the whole file."""
    from datetime import datetime

    from edi.test_ig import defective

    from x12tool.edi import ig
    from x12tool.edi.envelope_scan import scan_envelopes
    from x12tool.reports.ack999 import render_999
    from x12tool.reports.ack_x12 import AckNumbers

    path = str(defective(tmp_path, claims=40, per_st=20))
    when = datetime(2026, 3, 10, 9, 15)
    serial = render_999(scan_envelopes(path), ig.validate(path, workers=1), AckNumbers(now=when))
    monkeypatch.setattr(ig, "PARALLEL_MIN_CLAIMS", 0)
    monkeypatch.setattr(ig, "_chunk_size", lambda p, w: 10)
    chunked = render_999(scan_envelopes(path), ig.validate(path, workers=2), AckNumbers(now=when))
    assert chunked == serial
    theirs = _ik_loops(_pyx12_999(path))
    assert sum(1 for t in theirs if t[0] == "IK3") >= 5
    assert _ik_loops(serial) == theirs


def test_277ca_with_several_statuses_and_an_unmapped_rule_passes_pyx12(tmp_path):
    """A held claim whose findings map to three statuses (STC01, STC10, STC11) at claim and line
    level, one of a rule the map does not know (fallback A3:0), still validates."""
    from decimal import Decimal

    from x12tool.edi.envelope_scan import scan_envelopes
    from x12tool.reports.ack277 import render_277
    from x12tool.reports.ack_book import AckBook, Totals
    from x12tool.reports.ack_x12 import AckNumbers

    book = AckBook()
    codes = ["TU001", "MOD001", "NEW999"]
    record = {
        "set": 1,
        "provider": "1",
        "billing": ["2", "CLINIC", "", "", "XX", "1582037465"],
        "patient": ["DOE", "JANE", "1EG4TE5MK73"],
        "id": "C1",
        "charge": "150",
        "status": "held",
        "d9": "CH0001",
        "dates": ["20260302", "20260303"],
        "findings": [[c, f"{c} message: with * and ~ inside"] for c in codes],
        "fixed": [],
        "lines": [
            {
                "number": 1,
                "svc": ["HC", "97530", "GP"],
                "charge": "150",
                "units": "2",
                "control": "C1-1",
                "dtp": ["D8", "20260302"],
                "codes": codes,
            }
        ],
    }
    book.fh.write(json.dumps(record) + "\n")
    book.count = 1
    book.sets[1] = Totals(rejected=1, rejected_amount=Decimal(150))
    book.providers[(1, "1")] = Totals(rejected=1, rejected_amount=Decimal(150))
    path = tmp_path / "one.277ca"
    path.write_text("".join(render_277(scan_envelopes(str(BATCH)), book, AckNumbers())))
    book.close()
    segs = _segments(path)
    stc = [s for s in segs if s[0] == "STC" and s[3] == "U"]
    assert stc[0][1] == "A7:476" and stc[0][10:12] == ["A6:453", "A3:0"]
    assert stc[0][12].startswith("TU001 TU001 message with and inside")
    assert stc[1][1] == "A7:476" and stc[1][10:12] == ["A6:453", "A3:0"]
    assert ["REF", "D9", "CH0001"] in segs and ["REF", "FJ", "C1-1"] in segs
    assert ["DTP", "472", "RD8", "20260302-20260303"] in segs
    assert pyx12_errors(path) == []


def test_unknown_ack_kind_is_a_usage_error(tmp_path):
    r = run_cli("preflight", BATCH, "--out-dir", tmp_path / "o", "--ack", "999,835")
    assert r.returncode == 2
    assert "unknown acknowledgment 835" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists()


def test_999_copies_no_person_data(tmp_path):
    """IK404 carries the bad value, except in segments with names, ids, addresses or dates of
    birth (a bad DMG02 must not put a birth date in the 999)."""
    from x12tool.edi.envelope_scan import scan_envelopes
    from x12tool.edi.ig import IgIssue
    from x12tool.reports.ack999 import render_999
    from x12tool.reports.ack_x12 import AckNumbers

    segs = [s.strip() for s in BATCH.read_text().split("~")]
    dmg = next(i for i, s in enumerate(segs, 1) if s.startswith("DMG*"))
    sv1 = next(i for i, s in enumerate(segs, 1) if s.startswith("SV1*"))
    issues = [
        IgIssue(dmg, "DMG", "DMG02", "8", "bad date", "19481399", "1251"),
        IgIssue(sv1, "SV1", "SV103", "7", "bad code", "XX", "355"),
    ]
    text = render_999(scan_envelopes(str(BATCH)), issues, AckNumbers())
    assert "19481399" not in text
    assert f"IK3*DMG*{dmg - 2}**8~\nIK4*2*1251*8~" in text
    assert f"IK3*SV1*{sv1 - 2}**8~\nIK4*3*355*7*XX~" in text
    path = tmp_path / "x.999"
    path.write_text(text)
    assert pyx12_errors(path) == []


def test_ack_reread_refuses_a_wrong_count(tmp_path):
    from x12tool.reports.ack_x12 import AckCheckError, check_ack

    good = BATCH.read_text()
    path = tmp_path / "x.999"
    path.write_text(good)
    check_ack(str(path))  # the sample's envelopes are right
    path.write_text(good.replace("\nSE*", "\nSE*9", 1))
    with pytest.raises(AckCheckError, match="does not close ST"):
        check_ack(str(path))

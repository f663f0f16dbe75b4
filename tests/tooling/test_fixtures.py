"""Fixtures and the synthetic generator: pyx12 4.0.0 validity, determinism, counts, joins."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import json
import logging
import re
from collections import defaultdict
from pathlib import Path

import pytest

from devtools import synth

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = ROOT / "fixtures" / "public"
SAMPLE = ROOT / "fixtures" / "sample"
SAMPLE_837 = SAMPLE / "therapy_batch.837"
SAMPLE_CSV = SAMPLE / "therapy_visits.csv"

SAMPLE_CLAIMS = {
    "SPLIT-AM",
    "SPLIT-PM",
    "EVAL-2U",
    "RANGE",
    "CMS-EX1",
    "CMS-EX3",
    "CMS-EX4",
    "SEED-97530",
    "NCCI-HOLD",
    "NCCI-59",
    "LONE-59",
    "NO-GP",
    "PTA-CQ",
    "BAL",
    "MJ",
    "MCD-1",
    "COMM-1",
    "COMM-AUTH",
    "MCD-CAP",
    "OT-EVAL",
    "EVAL-WRONG",
    "DOC-1ON1",
}


# --------------------------------------------------------------------------- helpers


def _quiet_pyx12() -> None:
    log = logging.getLogger("pyx12")
    if not any(isinstance(h, logging.NullHandler) for h in log.handlers):
        log.addHandler(logging.NullHandler())
    log.propagate = False


def pyx12_validate(text: str) -> tuple[bool, list, str]:
    """Run pyx12 x12n_document on a file object; return (ok, element/segment errors, 999)."""
    import pyx12.params
    import pyx12.x12n_document

    _quiet_pyx12()
    f999, fjson = io.StringIO(), io.StringIO()
    ok = pyx12.x12n_document.x12n_document(
        param=pyx12.params.params(),
        src_file=io.StringIO(text),
        fd_997=f999,
        fd_html=None,
        fd_json=fjson,
    )
    errors = []
    for ic in json.loads(fjson.getvalue())["interchanges"]:
        for grp in ic["groups"]:
            for ts in grp["transactions"]:
                for seg in ts["segments"]:
                    errors += [(seg["seg_id"], seg["cur_line"], e) for e in seg.get("errors", [])]
                    for el in seg["elements"]:
                        errors += [(seg["seg_id"], el["ele_pos"], e) for e in el["errors"]]
    return bool(ok), errors, f999.getvalue()


def assert_pyx12_ok(text: str) -> None:
    ok, errors, ack = pyx12_validate(text)
    assert ok and not errors, errors[:10]
    assert "AK9*A" in ack
    assert "IK5*R" not in ack and "IK5*E" not in ack


def segments(text: str) -> list[list[str]]:
    return [s.strip("\r\n").split("*") for s in text.split("~") if s.strip()]


def claims_of(text: str) -> dict[str, dict]:
    """CLM01 -> {'clm': CLM elements, 'lines': [(SV1 elements, DTP03, REF6R)], 'hl': ...}."""
    out: dict[str, dict] = {}
    cur = None
    for seg in segments(text):
        tag = seg[0]
        if tag == "CLM":
            cur = {"clm": seg, "lines": [], "npis": [], "pat": False}
            out[seg[1]] = cur
        elif tag in ("HL", "SE"):
            cur = None
        if cur is None:
            continue
        if tag == "SV1":
            cur["lines"].append({"sv1": seg, "dos": None, "ref": ""})
        elif tag == "DTP" and seg[1] == "472":
            cur["lines"][-1]["dos"] = seg[3]
        elif tag == "REF" and seg[1] == "6R":
            cur["lines"][-1]["ref"] = seg[2]
        elif tag == "NM1" and seg[-2:-1] == ["XX"]:
            cur["npis"].append(seg[-1])
    return out


def cents(amount: str) -> int:
    whole, _, frac = amount.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def luhn_ok(npi: str) -> bool:
    return len(npi) == 10 and synth.npi_check_digit(npi[:9]) == npi[9]


def read_visits(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def gen(**kw) -> tuple[bytes, str, dict]:
    out, vis = io.BytesIO(), io.StringIO()
    counts = synth.generate(out, visits=vis, **kw)
    return out.getvalue(), vis.getvalue(), counts


# --------------------------------------------------------------------------- sample


def test_sample_passes_pyx12():
    assert_pyx12_ok(SAMPLE_837.read_text(encoding="ascii"))


def test_sample_envelope_and_structure():
    raw = SAMPLE_837.read_bytes()
    text = raw.decode("ascii")
    assert raw.startswith(b"ISA*") and len(text.split("~")[0]) == 105
    assert text[104] == ":"  # ISA16 component separator
    assert text.split("~")[0].split("*")[11] == "^"  # ISA11 repetition separator
    assert raw.endswith(b"~\n")
    assert "\n" not in text.replace("~\n", "")  # every terminator is followed by a newline
    segs = segments(text)
    tags = [s[0] for s in segs]
    assert tags.count("ISA") == 1 and tags.count("GS") == 1 and tags.count("ST") == 2
    first_st = tags[: tags.index("SE") + 1]
    hl20 = [s for s in segs[: len(first_st)] if s[0] == "HL" and s[3] == "20"]
    assert len(hl20) == 2  # two billing providers in the first transaction set
    assert any(s[0] == "HL" and s[3] == "23" for s in segs)  # a 2000C patient loop
    claims = claims_of(text)
    assert set(claims) == SAMPLE_CLAIMS
    for cid, c in claims.items():
        total = sum(cents(ln["sv1"][2]) for ln in c["lines"])
        if cid == "BAL":
            assert cents(c["clm"][2]) != total
        else:
            assert cents(c["clm"][2]) == total, cid
        assert all(ln["dos"].startswith("2026") for ln in c["lines"])
        assert all(luhn_ok(n) for n in c["npis"]), cid
    assert any(ln["ref"] for c in claims.values() for ln in c["lines"])
    sbr09 = [s[9] for s in segs if s[0] == "SBR"]
    assert {"MB", "MC", "CI"} <= set(sbr09)
    for s in segs:
        if s[0] == "NM1" and s[-2] == "XX":
            assert luhn_ok(s[-1])


def test_sample_visits_join_and_documentation():
    text = SAMPLE_CSV.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(synth.VISIT_HEADER)
    rows = read_visits(text)
    claims = claims_of(SAMPLE_837.read_text(encoding="ascii"))
    assert {r["claim_id"] for r in rows} == set(claims)
    refs = {ln["ref"] for c in claims.values() for ln in c["lines"] if ln["ref"]}
    assert {r["line_control"] for r in rows if r["line_control"]} == refs
    t97530 = [r for r in rows if r["cpt"] == "97530"]
    assert sum(r["one_on_one"] == "N" for r in t97530) == 1
    by_note = defaultdict(set)
    for r in t97530:
        by_note[(r["claim_id"], r["note_text"])].add(r["service_date"])
    cloned = [k for k, dates in by_note.items() if len(dates) > 1]
    assert [k[0] for k in cloned] == ["MCD-1"]


def test_sample_is_reproducible():
    spec = importlib.util.spec_from_file_location("make_sample", SAMPLE / "make_sample.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    x12, visits = mod.build()
    assert x12 == SAMPLE_837.read_bytes()
    assert visits.encode() == SAMPLE_CSV.read_bytes()


# --------------------------------------------------------------------------- public fixtures


def _public_table() -> list[dict]:
    rows = []
    for line in (PUBLIC / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 8 and re.fullmatch(r"[0-9a-f]{64}", cells[-1].strip("`")):
            rows.append(
                {"file": cells[0].strip("`"), "pyx12": cells[-2], "sha": cells[-1].strip("`")}
            )
    return rows


def test_public_fixtures_are_unmodified():
    rows = _public_table()
    data_files = sorted(p.name for p in PUBLIC.iterdir() if p.suffix in (".edi", ".837", ".txt"))
    assert sorted(r["file"] for r in rows) == data_files
    for r in rows:
        assert hashlib.sha256((PUBLIC / r["file"]).read_bytes()).hexdigest() == r["sha"], r["file"]


def _marked_pass() -> list[str]:
    passing = [r["file"] for r in _public_table() if r["pyx12"].startswith("PASS")]
    assert len(passing) >= 13
    return passing


def test_public_fixtures_marked_pass_validate():
    """Every fourth of them (one pyx12 run each); all of them in the slow set."""
    for name in _marked_pass()[::4]:
        assert_pyx12_ok((PUBLIC / name).read_text(encoding="ascii"))


@pytest.mark.slow
def test_every_public_fixture_marked_pass_validates():
    for name in _marked_pass():
        assert_pyx12_ok((PUBLIC / name).read_text(encoding="ascii"))


# --------------------------------------------------------------------------- generator


@pytest.mark.parametrize("line_breaks", [True, False])
def test_generated_clean_file_passes_pyx12(line_breaks):
    x12, _, counts = gen(claims=50, seed=11, defect_rate=0, line_breaks=line_breaks)
    assert counts["claims"] == 50
    text = x12.decode("ascii")
    assert ("~\n" in text) is line_breaks
    assert_pyx12_ok(text)


def test_generated_defects_multi_st_multi_isa_pass_pyx12():
    x12, _, counts = gen(claims=60, seed=5, defect_rate=1.0, claims_per_st=25, interchanges=2)
    assert counts["transactions"] == 4 and counts["interchanges"] == 2
    assert sum(counts["defects"].values()) == 60
    assert_pyx12_ok(x12.decode("ascii"))


def test_generator_is_deterministic():
    a = gen(claims=120, seed=3, claims_per_st=40)
    b = gen(claims=120, seed=3, claims_per_st=40)
    c = gen(claims=120, seed=4, claims_per_st=40)
    assert a[0] == b[0] and a[1] == b[1] and a[2] == b[2]
    assert a[0] != c[0] and a[1] != c[1]


def test_counts_match_file():
    x12, vis, counts = gen(claims=150, seed=8, claims_per_st=40, interchanges=2)
    text = x12.decode("ascii")
    segs = segments(text)
    tags = [s[0] for s in segs]
    assert counts["claims"] == tags.count("CLM") == 150
    assert counts["lines"] == tags.count("SV1") == tags.count("LX")
    assert counts["segments"] == len(segs)
    assert counts["units"] == sum(int(s[4]) for s in segs if s[0] == "SV1" and s[3] == "UN")
    assert counts["transactions"] == tags.count("ST") == 4
    assert counts["interchanges"] == tags.count("ISA") == 2
    assert counts["bytes"] == len(x12)
    assert counts["visit_rows"] == len(read_visits(vis))
    # envelope counts and control numbers
    st_start = None
    for i, s in enumerate(segs):
        if s[0] == "ST":
            st_start, st_ctrl = i, s[2]
        elif s[0] == "SE":
            assert int(s[1]) == i - st_start + 1 and s[2] == st_ctrl


def test_visits_join_claims():
    x12, vis, _ = gen(claims=200, seed=2, defect_rate=0.3)
    claims = claims_of(x12.decode("ascii"))
    rows = read_visits(vis)
    assert list(rows[0]) == list(synth.VISIT_HEADER)
    assert {r["claim_id"] for r in rows} == set(claims)
    refs = {ln["ref"] for c in claims.values() for ln in c["lines"]}
    assert {r["line_control"] for r in rows if r["line_control"]} == refs


def _expected_units(rows: list[dict], method: str) -> dict[str, int]:
    timed = {r["cpt"]: int(r["minutes"]) for r in rows if r["cpt"] in synth.TIMED}
    units = synth.cms_units(timed) if method == "CMS" else synth.ama_units(timed)
    for r in rows:
        if r["cpt"] not in synth.TIMED:
            units[r["cpt"]] = 1
    return units


def test_clean_generated_claims_follow_the_rules():
    x12, vis, _ = gen(claims=400, seed=21, defect_rate=0, claims_per_st=100)
    claims = claims_of(x12.decode("ascii"))
    by_day = defaultdict(list)
    for r in read_visits(vis):
        by_day[(r["claim_id"], r["service_date"].replace("-", ""))].append(r)
    for cid, c in claims.items():
        assert cents(c["clm"][2]) == sum(cents(ln["sv1"][2]) for ln in c["lines"])
        assert 1 <= len(c["lines"]) <= 6
        assert all(luhn_ok(n) for n in c["npis"])
        seen = set()
        for ln in c["lines"]:
            comp = ln["sv1"][1].split(":")
            cpt, mods = comp[1], comp[2:]
            assert (ln["dos"], cpt) not in seen  # one line per code per date
            seen.add((ln["dos"], cpt))
            assert mods and mods[0] in ("GP", "GO", "GN")
            assert ln["sv1"][3] == "UN"
            day = [r["cpt"] for r in by_day[(cid, ln["dos"])]]
            if "59" in mods:
                assert cpt == "97530" and "97140" in day
            elif cpt == "97530":
                assert "97140" not in [
                    x["sv1"][1].split(":")[1] for x in c["lines"] if x["dos"] == ln["dos"]
                ]
    # units follow the payer's method (CMS for MB/MC, AMA for CI)
    text = x12.decode("ascii")
    method = {}
    cur_sbr = None
    for seg in segments(text):
        if seg[0] == "SBR":
            cur_sbr = seg[9]
        elif seg[0] == "CLM":
            method[seg[1]] = "AMA" if cur_sbr == "CI" else "CMS"
    for cid, c in claims.items():
        for ln in c["lines"]:
            comp = ln["sv1"][1].split(":")
            expected = _expected_units(by_day[(cid, ln["dos"])], method[cid])
            assert int(ln["sv1"][4]) == expected[comp[1]], (cid, ln)
        billed = {(ln["dos"], ln["sv1"][1].split(":")[1]) for ln in c["lines"]}
        for (vcid, dos), rows in by_day.items():
            if vcid != cid:
                continue
            expected = _expected_units(rows, method[cid])
            for code, u in expected.items():
                assert ((dos, code) in billed) == (u > 0), (cid, dos, code)


def test_claims_without_defect_do_not_depend_on_rate():
    clean = claims_of(gen(claims=120, seed=9, defect_rate=0)[0].decode("ascii"))
    log = io.StringIO()
    out = io.BytesIO()
    synth.generate(out, claims=120, seed=9, defect_rate=0.4, defect_log=log)
    defective = {r["claim_id"] for r in csv.DictReader(io.StringIO(log.getvalue()))}
    assert 20 < len(defective) < 80
    mixed = claims_of(out.getvalue().decode("ascii"))
    for cid, c in clean.items():
        if cid not in defective:
            assert mixed[cid] == c


def test_cli(tmp_path, capsys):
    out, vis = tmp_path / "g.837", tmp_path / "g.csv"
    rc = synth.main(
        ["--claims", "7", "--seed", "1", "-o", str(out), "--visits", str(vis), "--no-line-breaks"]
    )
    assert rc == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["claims"] == 7
    assert b"\n" not in out.read_bytes()
    assert vis.read_text().startswith("claim_id,service_date,cpt,minutes,line_control,")


def test_unit_rules_match_cms_examples():
    assert synth.cms_units({"97112": 24, "97110": 23}) == {"97112": 2, "97110": 1}
    assert synth.cms_units({"97110": 33, "97140": 7}) == {"97110": 2, "97140": 1}
    ex4 = synth.cms_units({"97110": 18, "97140": 13, "97116": 10, "97035": 8})
    assert ex4 == {"97110": 1, "97140": 1, "97116": 1, "97035": 0}
    assert synth.ama_units({"97110": 10, "97140": 10}) == {"97110": 1, "97140": 1}
    assert synth.cms_units({"97110": 10, "97140": 10}) == {"97110": 1, "97140": 0}
    assert luhn_ok("1234567893")

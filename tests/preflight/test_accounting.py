"""What we send is what we report: every byte that differs between an input and ready/ or held/
is an applied fix (a claim's ``changes``) or a structural change (``structural_changes``).

Each fixture (public files, the bundled sample, and generated shapes) goes through
``run_preflight`` in process; the outputs are aligned with the input segment by segment and every
segment that is not the input's bytes must be accounted for in the JSON report. Held claims must
be the input's bytes exactly (only SE01/GE01/IEA01 may differ, and those are listed).
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import pytest

from x12tool.edi import X12InputError, X12Source
from x12tool.preflight.outputs import run_preflight
from x12tool.preflight.session import open_session

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = sorted(p for p in (ROOT / "fixtures" / "public").iterdir() if p.suffix != ".md")
SAMPLE = ROOT / "fixtures" / "sample" / "therapy_batch.837"
VISITS = ROOT / "fixtures" / "sample" / "therapy_visits.csv"
COMMERCIAL = ROOT / "fixtures" / "public" / "badx12__X222-commercial-health-insurance.edi"

_SESSIONS: dict = {}


def _session(visits: bool, ig: bool):
    # IG001 runs only in a session opened with ig=True
    if (visits, ig) not in _SESSIONS:
        _SESSIONS[visits, ig] = open_session(visits=str(VISITS) if visits else None, ig=ig)
    return _SESSIONS[visits, ig]


def segments(path: Path) -> list:
    with X12Source(path) as src:
        return list(src.segments(check=False))


def hl_from(text: str, first: int) -> str:
    """Renumber every HL01/HL02 of ``text`` by adding ``first - 1`` (the HL-from-63 shape)."""

    def shift(m: re.Match) -> str:
        parent = m.group(2)
        parent = str(int(parent) + first - 1) if parent else ""
        return f"HL*{int(m.group(1)) + first - 1}*{parent}*"

    return re.sub(r"HL\*(\d+)\*(\d*)\*", shift, text)


def account(path: Path, out: Path, visits: bool = False, ig: bool = False) -> dict | None:
    """Run preflight on ``path`` and check every output byte is accounted for; the report."""
    try:
        run_preflight(
            str(path), _session(visits, ig), str(out), unsafe=False, ig=ig, show_phi=False
        )
    except X12InputError:
        assert not any(p.is_file() for p in out.rglob("*")), "refused input left files"
        return None
    report = json.loads((out / "reports" / (path.name + ".json")).read_text())
    source = segments(path)
    notes = " ".join(report["notes"])
    fixes = {
        "ready": {(c["before"], c["after"]) for r in report["claims"] for c in r["changes"]}
        | {(c["before"], c["after"]) for t in report["transaction_sets"] for c in t["changes"]},
        "held": set(),
    }
    structural = report["structural_changes"]
    for kind in ("ready", "held"):
        target = out / kind / path.name
        if not target.exists():
            continue
        written = segments(target)
        a = [s.raw for s in source]
        b = [s.raw for s in written]
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op in ("equal", "delete"):
                continue  # deletions: claims that went to the other output, or a listed fix
            olds = source[i1:i2]
            for new in written[j1:j2]:
                _accounted(new, olds, kind, fixes[kind], structural, notes, source)
    return report


def _accounted(new, olds, kind, fixes, structural, notes, source) -> None:
    same_text = [o for o in olds if o.text == new.text]
    if same_text or any(s.text == new.text for s in source[-1:]):
        old = same_text[0] if same_text else source[-1]
        # Same segment, other bytes after it: only the documented last-terminator case.
        assert not old.terminated and "no segment terminator" in notes, (kind, new.raw)
        return
    if any(after == new.text for _, after in fixes):
        return
    for rec in structural:
        if rec["output"] != kind:
            continue
        if rec["after"] == new.text and any(o.text == rec["before"] for o in olds):
            return
        if rec["kind"] == "hl-renumbered" and new.tag == "HL":
            for o in olds:
                if (
                    o.tag == "HL"
                    and rec["offset"] <= o.offset <= rec["last_offset"]
                    and o.fields[3:] == new.fields[3:]
                ):
                    return
    raise AssertionError(f"{kind}: {new.text!r} differs from the input and is not reported")


@pytest.mark.parametrize("path", PUBLIC + [SAMPLE], ids=lambda p: p.name)
def test_every_output_byte_is_accounted_for(path, tmp_path):
    account(path, tmp_path / "out", visits=path == SAMPLE)


def test_held_claims_keep_their_hl_numbers_and_child_codes(tmp_path):
    # A subscriber HL04 of 0 with a patient loop under it (wrong, but the claim is held:
    # it must go out exactly as it came).
    text = COMMERCIAL.read_text(encoding="latin-1").replace("HL*2*1*22*1", "HL*2*1*22*0")
    text = text.replace("*11:B:1*", "*00:B:1*")  # invalid place of service: IG001 holds it
    src = tmp_path / "in.837"
    src.write_text(text, encoding="latin-1")
    report = account(src, tmp_path / "out", ig=True)
    assert report["summary"]["held"] == 1
    held = (tmp_path / "out" / "held" / "in.837").read_text(encoding="latin-1")
    assert held == text


def test_hl_numbers_from_63_are_reported_or_held(tmp_path):
    text = hl_from(COMMERCIAL.read_text(encoding="latin-1"), 63)
    assert "HL*63**20*1" in text
    src = tmp_path / "in.837"
    src.write_text(text, encoding="latin-1")
    # Without pyx12: a set written whole keeps its numbers (nothing to renumber, nothing hidden).
    report = account(src, tmp_path / "noig")
    assert report["summary"]["ready"] == 1
    assert report["structural_changes"] == []
    assert (tmp_path / "noig" / "ready" / "in.837").read_text(encoding="latin-1") == text
    # With pyx12: the numbering errors are reported (IG001) and the claim is held as it came.
    report = account(src, tmp_path / "ig", ig=True)
    assert report["summary"]["held"] == 1
    raw = [f["pyx12"]["message"] for c in report["claims"] for f in c["findings"] if "pyx12" in f]
    assert any("HL count" in m for m in raw) and any("HL parent" in m for m in raw)
    assert (tmp_path / "ig" / "held" / "in.837").read_text(encoding="latin-1") == text


def test_split_set_renumbers_both_outputs_without_gaps(tmp_path):
    report = account(SAMPLE, tmp_path / "out", visits=True)
    for kind in ("ready", "held"):
        numbers: list[int] = []
        for seg in segments(tmp_path / "out" / kind / SAMPLE.name):
            if seg.tag == "ST":
                numbers = []
            elif seg.tag == "HL":
                numbers.append(int(seg.element(1)))
                assert numbers == list(range(1, len(numbers) + 1)), kind
    kinds = {(r["output"], r["kind"]) for r in report["structural_changes"]}
    assert ("held", "hl-renumbered") in kinds or ("ready", "hl-renumbered") in kinds


def test_split_set_lists_renumbering_and_counts(tmp_path):
    report = account(SAMPLE, tmp_path / "out", visits=True)
    s = report["summary"]
    assert s["held"] and (s["ready"] + s["corrected"])
    kinds = {(r["output"], r["kind"]) for r in report["structural_changes"]}
    assert ("ready", "count") in kinds and ("held", "count") in kinds


def test_set_header_errors_are_listed_once_on_the_set(tmp_path):
    # BHT02 99 is not a code of the guide: one set-level error, listed once on the set; each
    # claim of the set is held with one short IG001 finding pointing there.
    text = SAMPLE.read_text(encoding="latin-1")
    bht = re.search(r"BHT\*0019\*00\*", text)
    assert bht
    text = text.replace("BHT*0019*00*", "BHT*0019*99*", 1)
    src = tmp_path / "in.837"
    src.write_text(text, encoding="latin-1")
    report = account(src, tmp_path / "out", ig=True)
    sets = [s for s in report["transaction_sets"] if s["findings"]]
    ig = [f for s in sets for f in s["findings"] if f["code"] == "IG001"]
    assert len(ig) == 1
    assert ig[0]["pyx12"]["message"] != ig[0]["message"]  # raw kept, biller sentence shown
    assert "BHT02" in ig[0]["message"] and ig[0]["message"].endswith(".")
    claims = [c for c in report["claims"] if c["st"] == sets[0]["st"]]
    assert claims and all(c["status"] == "held" for c in claims)
    assert any(c["status"] != "held" for c in report["claims"])  # the other set goes on
    for c in claims:
        pointers = [
            f for f in c["findings"] if f["code"] == "IG001" and "once on the set" in f["message"]
        ]
        assert len(pointers) == 1
        assert not any("BHT" in f["message"] for f in c["findings"] if f["code"] == "IG001")

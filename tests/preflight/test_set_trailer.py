"""A transaction set with a wrong SE01 or SE02 is held whole, the other sets go on (ENV002);
a broken group or interchange envelope, or a set without its SE, still refuses the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli
from hostile.make_corpus import segments, synth_base, three_sets

from preflight.test_accounting import _session, account
from x12tool.edi import X12InputError
from x12tool.preflight.outputs import run_fix, run_preflight
from x12tool.preflight.validate import OutputValidationError, validate_output

BASE = synth_base(3)


def _sets(data: bytes) -> dict[bytes, list[bytes]]:
    """ST02 -> the set's segments, ST through SE, as bytes."""
    out, cur = {}, None
    for s in segments(data):
        if s.startswith(b"ST*"):
            cur = out.setdefault(s.split(b"*")[2], [])
        if cur is not None:
            cur.append(s)
        if s.startswith(b"SE*"):
            cur = None
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("trailers")
    made = {
        "se01": three_sets(BASE, se01=1),
        "se02": three_sets(BASE, se02=b"0009"),
    }
    bad_ge = made["se01"].replace(b"GE*3*1~", b"GE*3*2~")
    bad_iea = made["se02"].replace(b"IEA*1*000000001~", b"IEA*1*000000007~")
    sets = segments(made["se01"])
    no_se = [s for s in sets if not s.startswith(b"SE*90*0002")]
    made.update(bad_ge=bad_ge, bad_iea=bad_iea, no_se=b"".join(s + b"~\n" for s in no_se))
    paths = {}
    for name, data in made.items():
        paths[name] = d / f"{name}.837"
        paths[name].write_bytes(data)
    return paths


@pytest.mark.parametrize(
    "name,reason", [("se01", "SE01 says '90' segments"), ("se02", "SE02 '0009' does not match")]
)
def test_middle_set_held_as_it_came_others_ready(files, tmp_path, name, reason):
    path = files[name]
    report = account(path, tmp_path)  # every output byte is the input's or listed
    assert report is not None
    s = report["summary"]
    assert (s["claims"], s["held"], s["ready"]) == (9, 3, 6)
    source = _sets(path.read_bytes())
    held = _sets((tmp_path / "held" / path.name).read_bytes())
    ready = _sets((tmp_path / "ready" / path.name).read_bytes())
    assert held == {b"0002": source[b"0002"]}  # byte-identical, its wrong SE included
    assert ready == {b"0001": source[b"0001"], b"0003": source[b"0003"]}
    (rec,) = report["transaction_sets"]
    assert (rec["st"], rec["held"]) == ("0002", True)
    assert rec["findings"][0]["code"] == "ENV002" and reason in rec["findings"][0]["message"]
    by_status = {c["id"]: (c["status"], c["st"]) for c in report["claims"]}
    assert {k for k, v in by_status.items() if v[0] == "held"} == {
        k for k, v in by_status.items() if v[1] == "0002"
    }
    for c in report["claims"]:
        assert ("ENV002" in [f["code"] for f in c["findings"]]) == (c["st"] == "0002")
    # the held file re-reads with exactly that trailer allowed, and not without it
    held_path = str(tmp_path / "held" / path.name)
    validate_output(
        held_path, claims=3, pyx12=False, label="held", trailers={(rec["st"], rec["trailer"])}
    )
    with pytest.raises(OutputValidationError):
        validate_output(held_path, claims=3, pyx12=False, label="held")


@pytest.mark.parametrize("name", ["bad_ge", "bad_iea", "no_se"])
def test_broken_group_interchange_or_missing_se_still_refused(files, tmp_path, name):
    with pytest.raises(X12InputError):
        run_preflight(
            str(files[name]),
            _session(False, False),
            str(tmp_path),
            unsafe=False,
            ig=False,
            show_phi=False,
        )
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_with_pyx12_and_fix_command(files, tmp_path):
    # pyx12 on the same file: the set is still held, nothing crashes, the outputs re-validate
    report = account(files["se01"], tmp_path / "ig", ig=True)
    assert report["summary"]["held"] >= 3
    held = _sets((tmp_path / "ig" / "held" / "se01.837").read_bytes())
    assert held[b"0002"] == _sets(files["se01"].read_bytes())[b"0002"]
    # x12tool fix writes every claim: the broken set as it came, the file re-validated
    out = tmp_path / "fixed.837"
    summary = run_fix(str(files["se01"]), _session(False, False), str(out), unsafe=False, ig=False)
    assert summary.held == 3
    assert _sets(out.read_bytes()) == _sets(files["se01"].read_bytes())


def test_cli_exit_1_and_acknowledgments(files, tmp_path):
    r = run_cli(
        "preflight", files["se01"], files["se02"], "--out-dir", tmp_path, "--ack", "999,277ca"
    )
    assert r.returncode == 1, r.stderr
    assert r.stderr == ""
    for name in ("se01", "se02"):
        ack = (tmp_path / "reports" / f"{name}.837.999").read_text()
        assert "AK2*837*0002*005010X222A1~IK5*R*" in ack.replace("\n", "")
        assert "AK9*P*3*3*2~" in ack.replace("\n", "")
        ca = (tmp_path / "reports" / f"{name}.837.277ca").read_text()
        report = json.loads((tmp_path / "reports" / f"{name}.837.json").read_text())
        for c in report["claims"]:
            # the 277CA answers the accepted sets only; the rejected set's claims are not on it
            assert (f"TRN*2*{c['id']}~" in ca) == (c["st"] != "0002")


def test_pre_passes_read_past_the_held_set(files):
    # the ledger and day-pool pre-passes read the file as the main pass does: the claims after
    # the broken set are seen (not cut off at its SE)
    from x12tool.reports.lines import iter_claims

    ids = [c.id for c in iter_claims(str(files["se01"]))]
    assert len(ids) == 9 and ids[-1].startswith("TC39")


def test_only_set_held_no_ready_no_277ca(tmp_path):
    segs = segments(BASE)
    se = next(i for i, s in enumerate(segs) if s.startswith(b"SE*"))
    segs[se] = b"SE*999*0001"
    path = tmp_path / "one.837"
    path.write_bytes(b"".join(s + b"~\n" for s in segs))
    out = tmp_path / "out"
    result = run_preflight(
        str(path),
        _session(False, False),
        str(out),
        unsafe=False,
        ig=False,
        show_phi=False,
        acks=frozenset({"999", "277ca"}),
    )
    assert (result.summary.claims, result.summary.held) == (3, 3)
    assert not (out / "ready" / "one.837").exists()
    assert (out / "held" / "one.837").read_bytes() == path.read_bytes()
    ack = (out / "reports" / "one.837.999").read_text().replace("\n", "")
    assert "IK5*R*4~" in ack and "AK9*R*1*1*0~" in ack
    # no set accepted: no 277CA (not an empty file)
    assert not (out / "reports" / "one.837.277ca").exists()

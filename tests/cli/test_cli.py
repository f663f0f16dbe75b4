"""The commands as a user runs them: exit codes, one-line errors, outputs, reports."""

from __future__ import annotations

import json

import jsonschema
import pytest
from conftest import ROOT, SAMPLE, SYNTHETIC

from x12tool.edi.ig import validate as ig_validate

BATCH = SAMPLE / "therapy_batch.837"
VISITS = SAMPLE / "therapy_visits.csv"
SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text())
MEMBER_IDS = ["1EG4TE5MK73"]  # the synthetic claim's member id


@pytest.fixture
def clean(tmp_path):
    """The synthetic Medicare claim with its bypass modifier on the column-2 code (97530), where
    NCCI wants it; the original puts 59 on 97140 and is held (NCCI001, MOD005)."""
    data = SYNTHETIC.read_bytes()
    data = data.replace(b"HC:97140:GP:59", b"HC:97140:GP").replace(
        b"HC:97530:GP", b"HC:97530:GP:59"
    )
    path = tmp_path / "clean.x12"
    path.write_bytes(data)
    return path


def sample_member_ids() -> list[str]:
    ids = []
    for seg in BATCH.read_text().split("~"):
        seg = seg.strip()
        if seg.startswith("NM1*IL*"):
            ids.append(seg.split("*")[9])
    return ids


def test_lines_json_has_exactly_the_documented_keys(cli):
    r = cli("lines", BATCH, "--format", "json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert rows
    keys = [
        "file",
        "st",
        "claim_id",
        "payer_class",
        "member_id",
        "line",
        "date",
        "code",
        "modifiers",
        "units",
        "unit_basis",
        "charge",
        "pos",
        "line_control",
        "rendering_npi",
    ]
    for row in rows:
        assert list(row) == keys
        assert isinstance(row["modifiers"], list)
        assert isinstance(row["units"], str) and isinstance(row["charge"], str)
    by_claim = {(r["claim_id"], r["code"]) for r in rows}
    assert ("SEED-97530", "97530") in by_claim
    classes = {r["payer_class"] for r in rows}
    assert {"medicare_b", "medicaid", "commercial"} <= classes


def test_lines_masks_member_ids_unless_asked(cli):
    ids = sample_member_ids()
    for fmt in ("table", "csv", "json"):
        out = cli("lines", BATCH, "--format", fmt).stdout
        assert not any(i in out for i in ids), fmt
    shown = cli("lines", BATCH, "--format", "csv", "--show-phi").stdout
    assert any(i in shown for i in ids)


def test_lines_table_and_csv(cli):
    table = cli("lines", SYNTHETIC)
    assert table.returncode == 0
    assert "97530" in table.stdout and "PTCLAIM001" in table.stdout
    csv_out = cli("lines", SYNTHETIC, "--format", "csv").stdout.splitlines()
    assert csv_out[0].startswith("file,st,claim_id,payer_class,member_id,line,date")
    assert len(csv_out) == 4
    assert "2024-01-10" in csv_out[1]


@pytest.mark.parametrize("command", ["lines", "check"])
def test_not_x12_exits_3_with_one_line(cli, tmp_path, command):
    bad = tmp_path / "notes.txt"
    bad.write_text("Dear billing team, please find attached...\n")
    r = cli(command, bad)
    assert r.returncode == 3
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "notes.txt" in lines[0] and "byte 0" in lines[0] and "ISA" in lines[0]
    assert "Traceback" not in r.stderr


def test_usage_errors_exit_2(cli, tmp_path):
    assert cli("lines").returncode == 2
    assert cli("lines", tmp_path / "missing.837").returncode == 2
    assert cli("check", BATCH, "--format", "yaml").returncode == 2
    r = cli("check", BATCH, "--visits", tmp_path / "nope.csv")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert cli("explain", "ZZZ999").returncode == 2


def test_rules_and_explain(cli):
    r = cli("rules")
    assert r.returncode == 0
    for code in ("TU001", "MOD001", "BAL001", "IG001"):
        assert code in r.stdout
    doc = cli("explain", "TU001").stdout
    for section in ("Why is this bad?", "Example", "Use instead", "Fix safety", "Source"):
        assert section in doc


EXPECTED = {
    "CMS-EX1": "corrected",
    "CMS-EX3": "ready",
    "CMS-EX4": "corrected",
    "SEED-97530": "corrected",
    "NCCI-HOLD": "held",
    "NCCI-59": "ready",
    "LONE-59": "ready",
    "NO-GP": "corrected",
    "PTA-CQ": "held",
    "BAL": "corrected",
    "MJ": "corrected",
    "EVAL-WRONG": "held",
    "DOC-1ON1": "held",
    "SPLIT-AM": "ready",
    "SPLIT-PM": "corrected",  # the beneficiary's day with SPLIT-AM (issue 13)
    "EVAL-2U": "corrected",
    "RANGE": "held",
    "OT-EVAL": "ready",
    "MCD-1": "ready",
    "COMM-1": "ready",
    # payer logic (docs/payers.md) is off under the shipped profiles: these go as they are
    "COMM-AUTH": "ready",
    "MCD-CAP": "ready",
}


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory):
    from conftest import run_cli

    out = tmp_path_factory.mktemp("check") / "report.json"
    r = run_cli("check", BATCH, "--visits", VISITS, "--format", "json", "-o", out)
    assert r.returncode == 1, r.stderr
    return json.loads(out.read_text())


def test_check_json_validates_against_schema(sample_report):
    jsonschema.validate(sample_report, SCHEMA)


def test_check_statuses_match_the_sample_readme(sample_report):
    got = {c["id"]: c["status"] for c in sample_report["claims"]}
    assert got == EXPECTED
    s = sample_report["summary"]
    assert s["claims"] == 22 == s["ready"] + s["corrected"] + s["held"]


def test_check_reports_the_seed_case(sample_report):
    seed = next(c for c in sample_report["claims"] if c["id"] == "SEED-97530")
    tu = [f for f in seed["findings"] if f["code"] == "TU001"]
    assert (
        len(tu) == 1 and tu[0]["resolution"] == "fixed" and tu[0]["fix"]["applicability"] == "safe"
    )
    assert "27 timed minutes" in tu[0]["message"]


def test_check_ncci_hold(sample_report):
    hold = next(c for c in sample_report["claims"] if c["id"] == "NCCI-HOLD")
    assert any(f["code"] == "NCCI001" and f["severity"] == "error" for f in hold["findings"])
    lone = next(c for c in sample_report["claims"] if c["id"] == "LONE-59")
    assert [f["code"] for f in lone["findings"]] == ["MOD004"]


def test_check_text_report_is_readable_and_masked(cli):
    r = cli("check", BATCH, "--visits", VISITS)
    assert r.returncode == 1
    assert "held" in r.stdout and "SEED-97530" in r.stdout
    assert not any(i in r.stdout for i in sample_member_ids())


def test_check_exit_0_when_nothing_is_held(cli, clean):
    r = cli("check", clean)
    assert r.returncode == 0, r.stdout + r.stderr
    held = cli("check", SYNTHETIC)
    assert held.returncode == 1 and "NCCI001" in held.stdout


def test_check_csv(cli):
    r = cli("check", BATCH, "--visits", VISITS, "--format", "csv", "--no-ig")
    assert r.returncode == 1
    head = r.stdout.splitlines()[0]
    assert head == "file,claim_id,status,code,severity,segment,position,line,message,fix,resolution"
    assert "TU001" in r.stdout


def test_select_and_ignore(cli):
    r = cli("check", BATCH, "--visits", VISITS, "--format", "csv", "--select", "TU", "--no-ig")
    codes = {line.split(",")[3] for line in r.stdout.splitlines()[1:]}
    assert codes and all(c.startswith("TU") for c in codes)
    r = cli("check", BATCH, "--visits", VISITS, "--format", "csv", "--ignore", "TU,DOC", "--no-ig")
    codes = {line.split(",")[3] for line in r.stdout.splitlines()[1:]}
    assert codes and not any(c.startswith(("TU", "DOC")) for c in codes)


def test_pyx12_findings_reach_the_claim(cli, tmp_path, clean):
    bad = tmp_path / "pos00.x12"
    bad.write_bytes(clean.read_bytes().replace(b"11:B:1", b"00:B:1"))
    out = tmp_path / "r.json"
    r = cli("check", bad, "--format", "json", "-o", out)
    assert r.returncode == 1
    claim = json.loads(out.read_text())["claims"][0]
    assert claim["status"] == "held"
    ig = [f for f in claim["findings"] if f["code"] == "IG001"]
    assert ig and ig[0]["segment"] == "CLM" and "CLM05" in ig[0]["message"]
    # and --no-ig leaves it to our own rules
    assert cli("check", bad, "--no-ig").returncode == 0


def test_pyx12_sees_both_outputs_valid_and_claims_are_conserved(cli, tmp_path):
    out = tmp_path / "out"
    r = cli("preflight", BATCH, "--visits", VISITS, "--out-dir", out)
    assert r.returncode == 1, r.stderr
    ready, held = out / "ready" / BATCH.name, out / "held" / BATCH.name
    assert ig_validate(str(ready)) == []
    assert ig_validate(str(held)) == []
    n_ready = ready.read_text().count("\nCLM*")
    n_held = held.read_text().count("\nCLM*")
    assert n_ready + n_held == BATCH.read_text().count("\nCLM*") == 22
    assert n_held == 5
    report = json.loads((out / "reports" / (BATCH.name + ".json")).read_text())
    jsonschema.validate(report, SCHEMA)
    assert report["outputs"] == {"ready": f"ready/{BATCH.name}", "held": f"held/{BATCH.name}"}
    text = (out / "reports" / (BATCH.name + ".txt")).read_text()
    assert "SEED-97530" in text and "+ SV1*" in text
    # held claims leave exactly as they came
    original = BATCH.read_text()
    for claim in ("NCCI-HOLD", "PTA-CQ", "EVAL-WRONG", "DOC-1ON1"):
        block = held.read_text().split(f"CLM*{claim}*")[1].split("HL*")[0].split("SE*")[0]
        assert block in original
    # outputs are not world-readable
    assert ready.stat().st_mode & 0o077 == 0


def test_preflight_is_idempotent_and_its_ready_output_is_a_fixed_point(cli, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert cli("preflight", BATCH, "--visits", VISITS, "--out-dir", a).returncode == 1
    assert cli("preflight", BATCH, "--visits", VISITS, "--out-dir", b).returncode == 1
    for sub in ("ready", "held"):
        assert (a / sub / BATCH.name).read_bytes() == (b / sub / BATCH.name).read_bytes()
    assert (a / "reports" / (BATCH.name + ".json")).read_bytes() == (
        b / "reports" / (BATCH.name + ".json")
    ).read_bytes()
    again = tmp_path / "again"
    ready = a / "ready" / BATCH.name
    r = cli("preflight", ready, "--visits", VISITS, "--out-dir", again)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (again / "ready" / BATCH.name).read_bytes() == ready.read_bytes()
    assert not (again / "held" / BATCH.name).exists()


def test_fix_is_idempotent_and_keeps_held_claims(cli, tmp_path):
    once, twice = tmp_path / "once.837", tmp_path / "twice.837"
    r = cli("fix", BATCH, "-o", once, "--visits", VISITS, "--diff")
    assert r.returncode == 1  # held claims remain (unchanged)
    assert "- SV1*HC:97110:GP*90*UN*2" in r.stdout
    cli("fix", once, "-o", twice, "--visits", VISITS)
    assert once.read_bytes() == twice.read_bytes()
    assert ig_validate(str(once)) == []
    assert once.read_text().count("CLM*") == 22


def test_clean_file_passes_through_byte_for_byte(cli, tmp_path, clean):
    out = tmp_path / "out"
    assert cli("preflight", clean, "--out-dir", out).returncode == 0
    assert (out / "ready" / clean.name).read_bytes() == clean.read_bytes()
    fixed = tmp_path / "fixed.x12"
    assert cli("fix", clean, "-o", fixed).returncode == 0
    assert fixed.read_bytes() == clean.read_bytes()


def test_output_equal_to_input_is_refused(cli, tmp_path):
    copy = tmp_path / "in.837"
    copy.write_bytes(SYNTHETIC.read_bytes())
    before = copy.read_bytes()
    r = cli("fix", copy, "-o", copy)
    assert r.returncode == 2 and "overwrite the input" in r.stderr
    assert copy.read_bytes() == before
    (tmp_path / "ready").mkdir()
    inside = tmp_path / "ready" / "in.837"
    inside.write_bytes(before)
    r = cli("preflight", inside, "--out-dir", tmp_path)
    assert r.returncode == 2 and inside.read_bytes() == before


def test_refused_input_writes_nothing(cli, tmp_path, clean):
    bad = tmp_path / "bad.837"
    # a set without its SE is refused (a wrong SE01 only holds its set: test_set_trailer.py)
    data = clean.read_bytes()
    assert b"SE*30*0001~" in data
    bad.write_bytes(data.replace(b"SE*30*0001~", b""))
    out = tmp_path / "out"
    r = cli("preflight", bad, clean, "--out-dir", out)
    assert r.returncode == 3
    assert "SE (transaction set trailer) is missing" in r.stderr
    assert "nothing written" in r.stderr
    assert not (out / "ready" / "bad.837").exists()
    assert not (out / "reports" / "bad.837.json").exists()
    assert (out / "ready" / clean.name).exists()  # the good input still went
    assert not list(out.rglob("*.partial"))


def test_several_interchanges_and_sets_split_correctly(cli, tmp_path):
    text = BATCH.read_text()
    second = text.replace("000000310", "000000311").replace("*310*X*", "*311*X*")
    second = second.replace("GE*2*310", "GE*2*311")
    assert second != text
    both = tmp_path / "two.837"
    both.write_text(text + second)
    out = tmp_path / "out"
    assert cli("preflight", both, "--visits", VISITS, "--out-dir", out).returncode == 1
    ready = (out / "ready" / "two.837").read_text()
    held = (out / "held" / "two.837").read_text()
    assert ready.count("ISA*") == 2 and held.count("ISA*") == 2
    assert ready.count("\nCLM*") == 34 and held.count("\nCLM*") == 10
    assert ig_validate(str(out / "ready" / "two.837")) == []
    assert ig_validate(str(out / "held" / "two.837")) == []


def test_a_folder_means_its_regular_files(cli, tmp_path):
    """A folder is its regular files, sorted, not recursive, dot files left out; a file in it
    that is not X12 gets its one line (exit 3), the others are still checked."""
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.x12").write_bytes(SYNTHETIC.read_bytes())
    (folder / "sub" / "b.x12").write_bytes(SYNTHETIC.read_bytes())
    (folder / ".partial").write_text("ISA*half a file")
    r = cli("check", folder, "--no-ig", "--format", "json")
    assert r.returncode == 1 and r.stderr == "", r.stderr  # the synthetic claim is held
    report = json.loads(r.stdout)
    assert report["file"].endswith("a.x12") and report["summary"]["claims"] == 1
    (folder / "notes.txt").write_text("Dear billing team,\n")
    r = cli("check", folder, "--no-ig")
    assert r.returncode == 3
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and "notes.txt" in lines[0] and "byte 0" in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    assert "PTCLAIM001" in r.stdout  # a.x12 was still checked


def main_in_process(capsys, *args) -> tuple[int, list[str]]:
    from x12tool.cli import main

    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    return exc.value.code, capsys.readouterr().err.splitlines()


@pytest.mark.parametrize(
    "command", [("check",), ("fix", "-o", "{out}/fixed.837"), ("preflight", "--out-dir", "{out}")]
)
def test_an_empty_folder_is_a_usage_error(tmp_path, capsys, command):
    """A folder with no regular file in it (only a subfolder and a dot file) is exit 2 with one
    line, not a silent exit 0: an upload script pointed at the wrong folder must notice."""
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    (folder / ".partial").write_text("ISA*half a file")
    out = tmp_path / "out"
    name, *options = command
    code, err = main_in_process(capsys, name, folder, *(o.format(out=out) for o in options))
    assert code == 2
    assert err == [f"x12tool: no input files in {folder} (see 'x12tool {name} --help')"]
    assert not out.exists()


def test_fix_takes_one_file(tmp_path, capsys):
    """fix's IN is one file: a missing one or a folder is a usage error, not a crash report."""
    out = tmp_path / "fixed.837"
    code, err = main_in_process(capsys, "fix", tmp_path / "missing.837", "-o", out)
    assert code == 2 and err == [
        f"x12tool: no such file: {tmp_path / 'missing.837'} (see 'x12tool fix --help')"
    ]
    (tmp_path / "a.837").write_bytes(SYNTHETIC.read_bytes())
    code, err = main_in_process(capsys, "fix", tmp_path, "-o", out)
    assert code == 2 and len(err) == 1 and "is a folder" in err[0]
    code, err = main_in_process(capsys, "check", tmp_path / "*.txt")
    assert code == 2 and len(err) == 1 and "no such file" in err[0]
    assert not out.exists()


def test_a_crash_mid_run_leaves_no_partial_file(tmp_path, monkeypatch):
    """Simulate a failure after some claims were written: nothing appears in ready/ or held/."""
    from x12tool.fixes import loop
    from x12tool.preflight.outputs import run_preflight
    from x12tool.preflight.session import open_session

    real = loop.settle_claim
    calls = {"n": 0}

    def flaky(claim, *a, **k):
        calls["n"] += 1
        if calls["n"] == 9:
            raise OSError(28, "No space left on device")
        return real(claim, *a, **k)

    import x12tool.preflight.run as run_mod

    monkeypatch.setattr(run_mod, "settle_claim", flaky)
    session = open_session(visits=str(VISITS))
    out = tmp_path / "out"
    with pytest.raises(OSError):
        run_preflight(str(BATCH), session, str(out), unsafe=False, ig=False, show_phi=False)
    assert calls["n"] == 9
    leftovers = [p for p in out.rglob("*") if p.is_file()]
    assert leftovers == []


def test_a_visit_log_that_cannot_be_used_stops_the_run(cli, tmp_path):
    text = VISITS.read_text()
    # US dates, minutes with a unit and claim ids in another case are what EMRs export: usable.
    head, *rows = text.splitlines()
    us = [head]
    for row in rows:
        claim, day, cpt, minutes, rest = row.split(",", 4)
        y, m, d = day.split("-")
        us.append(f"{claim.lower()},{int(m)}/{int(d)}/{y},{cpt},{minutes} min,{rest}")
    good = tmp_path / "us.csv"
    good.write_text("\n".join(us) + "\n")
    r = cli("check", BATCH, "--visits", good, "--no-ig", "--select", "TU001", "--format", "csv")
    assert r.returncode == 0, r.stderr  # TU001's fixes are safe: corrected, not held
    assert "TU001" in r.stdout
    stats = [ln for ln in r.stderr.splitlines() if "visit log" in ln]
    assert len(stats) == 1 and f"{len(rows)} row(s) read, 0 bad" in stats[0]
    assert "only by claim id in another case" in stats[0]
    # Day-first dates: every row is bad. Exit 2 with one line, nothing on stdout.
    bad = tmp_path / "bad.csv"
    bad.write_text(text.replace(",2026-03-0", ",31/12/2026x"))
    out = tmp_path / "out"
    r = cli("preflight", BATCH, "--visits", bad, "--no-ig", "--out-dir", out)
    assert r.returncode == 2 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "more than half" in lines[0] and "read, 0 bad" not in lines[0]
    assert not out.exists() or not any(out.rglob("*.837"))
    # --visits-partial accepts a partly bad log, but not one no claim of the input is in.
    r = cli("check", BATCH, "--visits", bad, "--visits-partial", "--no-ig", "-o", tmp_path / "r")
    assert r.returncode == 2 and "no claim of the input" in r.stderr
    half = tmp_path / "half.csv"
    rows = rows[:3] + [row.replace(",2026-", ",x") for row in rows[3:]]
    half.write_text(head + "\n" + "\n".join(rows) + "\n")
    r = cli("check", BATCH, "--visits", half, "--visits-partial", "--no-ig", "-o", tmp_path / "r")
    assert r.returncode == 1 and "bad" in r.stderr


def test_select_and_ignore_are_strict(cli):
    from x12tool.rules.registry import select_rules, unknown_code

    # Space- and comma-separated, prefixes, names and ALL, as ruff takes them.
    assert unknown_code("TU") is None and unknown_code("ALL") is None
    assert unknown_code("timed-units.overbilled") is None
    assert "closest: TU008" in unknown_code("TU009")
    assert "closest: timed-units.overbilled" in unknown_code("timed-units.overbiled")
    assert {r.code for r in select_rules(["ALL"], ["TU", "DOC"])}.isdisjoint({"TU001", "DOC001"})
    r = cli("check", BATCH, "--no-ig", "--select", "TU001 TU02,MOD", "--format", "csv")
    assert r.returncode == 2 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "'TU02'" in lines[0] and "closest" in lines[0]
    r = cli("check", "--help")
    assert "ALL" in r.stdout and "prefixes" in r.stdout

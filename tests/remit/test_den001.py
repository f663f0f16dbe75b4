"""DEN001 end to end: `check` on the same claim warns only once the payer's denials are in the
ledger; the warning never holds the claim; thresholds are configurable."""

from __future__ import annotations

import json

from remit.build import Clp, Svc, write_remit
from remit.common import D1, claim, line, write_837
from remit.test_import import run


def history(n: int) -> list[Clp]:
    return [
        Clp(
            f"H{i}",
            lines=[
                Svc("97140", charge="40", paid="30", cas=[("CO", "45", "10")]),
                Svc("97530", ("GP", "59"), "45", "0", cas=[("CO", "97", "45")], lq=["M15"]),
            ],
        )
        for i in range(n)
    ]


def den001(spec, path, **env):
    import os

    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        code, out, err = run("check", path, "--ledger", spec, "--no-ig", "--format", "json")
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert code in (0, 1), err
    doc = json.loads(out)
    return code, [
        (c["id"], f["line"], f["severity"], f["message"])
        for c in doc["claims"]
        for f in c["findings"]
        if f["code"] == "DEN001"
    ]


def test_den001_after_history_and_not_before(tmp_path):
    spec = str(tmp_path / "ledger.sqlite")
    new = write_837(
        tmp_path / "new.837",
        claim("NEW1", line("97140", charge="40", day=D1), line("97530", "GP:59", "45", day=D1)),
    )
    # A ledger with no remittances yet.
    assert (
        run("remit", "import", write_remit(tmp_path / "none.835", []), "--ledger", spec, "--no-ig")[
            0
        ]
        == 0
    )
    code_before, before = den001(spec, new)
    assert before == []
    assert (
        run(
            "remit",
            "import",
            write_remit(tmp_path / "h.835", history(6)),
            "--ledger",
            spec,
            "--no-ig",
        )[0]
        == 0
    )
    code_after, after = den001(spec, new)
    assert len(after) == 1
    claim_id, line_no, severity, message = after[0]
    assert (claim_id, line_no, severity) == ("NEW1", 2, "warning")
    assert "payer 00952 denied 97530 billed with 97140 on the same date on 6 of 6" in message
    assert "CO-97 (bundled into another service) x6" in message
    assert "$270.00 denied" in message
    assert code_after == code_before  # a warning: holds nothing more than before
    # Stricter thresholds: 6 lines are not enough for min_lines=7.
    assert den001(spec, new, X12TOOL_DEN001="min_lines=7")[1] == []


def test_bad_thresholds_are_a_usage_error(tmp_path, monkeypatch):
    spec = str(tmp_path / "ledger.sqlite")
    write_remit(tmp_path / "h.835", history(1))
    assert run("remit", "import", tmp_path / "h.835", "--ledger", spec, "--no-ig")[0] == 0
    new = write_837(tmp_path / "new.837", claim("NEW1", line("97530", day=D1)))
    monkeypatch.setenv("X12TOOL_DEN001", "min_rate=2")
    code, _, err = run("check", new, "--ledger", spec, "--no-ig")
    assert code == 2 and "X12TOOL_DEN001" in err and err.count("\n") == 1


def test_thresholds_by_option_and_config_file(tmp_path, monkeypatch):
    spec = str(tmp_path / "ledger.sqlite")
    write_remit(tmp_path / "h.835", history(6))
    assert run("remit", "import", tmp_path / "h.835", "--ledger", spec, "--no-ig")[0] == 0
    new = write_837(
        tmp_path / "new.837",
        claim("NEW1", line("97140", charge="40", day=D1), line("97530", "GP:59", "45", day=D1)),
    )

    def found(*extra) -> int:
        code, out, err = run("check", new, "--ledger", spec, "--no-ig", "--format", "json", *extra)
        assert code in (0, 1), err
        claims = json.loads(out)["claims"]
        return sum(f["code"] == "DEN001" for c in claims for f in c["findings"])

    assert found() == 1
    assert found("--denial-thresholds", "min_lines=7") == 0
    code, _, err = run("check", new, "--ledger", spec, "--denial-thresholds", "min_rate=2")
    assert code == 2 and "--denial-thresholds" in err and err.count("\n") == 1
    # the config file's key, found from the working directory
    (tmp_path / "x12tool.toml").write_text('denial-thresholds = "min_lines=7"\n')
    monkeypatch.chdir(tmp_path)
    assert found() == 0
    # the command line wins over the file
    assert found("--denial-thresholds", "min_lines=6") == 1


def test_suggest_prints_a_profile_file_that_loads(tmp_path):
    from pathlib import Path

    from x12tool.refdata import load_refdata

    spec = str(tmp_path / "ledger.sqlite")
    write_remit(tmp_path / "h.835", history(6))
    assert run("remit", "import", tmp_path / "h.835", "--ledger", spec, "--no-ig")[0] == 0
    code, out, err = run("denials", "--ledger", spec, "suggest")
    assert code == 0, err
    assert 'column1="97140" column2="97530" modifier_indicator="0"' in out  # denied despite 59
    assert "6 of 6 lines denied (100%)" in out and "CO-97 x6" in out
    path = Path(tmp_path / "suggested.xml")
    path.write_text(out)
    ref = load_refdata(path)  # validates against maps/profiles.xsd
    profile = ref.profile_for("medicare_b", "00952")
    assert profile.name == "denials_00952"
    pairs = {(p.column1, p.column2): p for p in ref.ncci_pairs(profile)}
    assert pairs[("97140", "97530")].indicator == "0"
    # Below the thresholds: no profile.
    code, out, _ = run("denials", "--ledger", spec, "--code", "97140", "suggest")
    assert "<profile " not in out

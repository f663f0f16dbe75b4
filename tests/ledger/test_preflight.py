"""preflight with a ledger, across files and runs, on SQLite and on a real PostgreSQL server.

The beneficiary has $2,350.00 imported for 2026 PT/SLP; each claim is one 97110 x 1 line
($29.06): four claims fit under $2,480.00 ($2,466.24) and the fifth goes past it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date

import pytest
from click.testing import CliRunner
from conftest import ROOT, run_cli

from ledger.common import codes_of, kx_claims, weekdays, write_837, write_ytd
from x12tool.cli.app import cli

DAYS = weekdays(date(2026, 3, 2), 10)


@pytest.fixture
def files(tmp_path):
    a = write_837(tmp_path / "a.837", [(f"A{i}", d) for i, d in enumerate(DAYS[:3])])
    b = write_837(tmp_path / "b.837", [(f"B{i}", d) for i, d in enumerate(DAYS[3:6])])
    return a, b


# Setting up and reading the ledger run in this process (a child process each cost more than
# the preflight under test); the preflights themselves run as a user runs them.
def in_process(*args):
    r = CliRunner().invoke(cli, [str(a) for a in args])
    assert r.exit_code == 0, (r.output, r.exception)
    return r


def imported(spec, tmp_path, amount="2350.00"):
    in_process("ledger", "import", write_ytd(tmp_path / "ext.csv", amount), "--ledger", spec)


def export(spec) -> str:
    out = in_process("ledger", "export", "--ledger", spec).stdout
    return "\n".join(",".join(c for c in ln.split(",")[:-1]) for ln in out.splitlines())


def preflight(spec, out, *inputs, **env):
    return run_cli("preflight", *inputs, "--out-dir", out, "--ledger", spec, "--no-ig", env=env)


def test_crossing_in_the_second_file_and_rerun_changes_nothing(ledger_spec, tmp_path, files):
    a, b = files
    out = tmp_path / "out"
    imported(ledger_spec, tmp_path)
    r = preflight(ledger_spec, out, a)
    assert r.returncode == 0, r.stderr
    assert kx_claims(out, "a.837") == []
    before = export(ledger_spec)
    assert before.count("\n") == 3  # header + 3 lines

    r = preflight(ledger_spec, out, b)
    assert r.returncode == 1  # B1 is held for KX001
    assert kx_claims(out, "b.837") == ["B1", "B2"]
    after_b = export(ledger_spec)
    assert after_b.count("\n") == 4  # B0 recorded; held claims are not

    report_a = (out / "reports" / "a.837.json").read_text()
    r = preflight(ledger_spec, out, a)  # the first file again
    assert r.returncode == 0, r.stderr
    assert export(ledger_spec) == after_b
    assert codes_of(out, "a.837") == {"A0": [], "A1": [], "A2": []}
    assert _strip_times(report_a) == _strip_times((out / "reports" / "a.837.json").read_text())

    show = run_cli("ledger", "show", "MEMBER001", "--ledger", ledger_spec)
    assert show.returncode == 0, show.stderr
    assert "$2,466.24 estimated Medicare allowed; $13.76 under the $2,480.00 KX threshold" in (
        show.stdout
    )
    assert "B0  2026-03-05" in show.stdout and "from b.837" in show.stdout


def _strip_times(text: str) -> str:
    return "\n".join(ln for ln in text.splitlines() if "sha256" not in ln)


def test_unsafe_fixes_send_kx_and_record_it(ledger_spec, tmp_path, files):
    a, b = files
    out = tmp_path / "out"
    imported(ledger_spec, tmp_path)
    r = run_cli(
        "preflight", a, b, "--out-dir", out, "--ledger", ledger_spec, "--no-ig", "--unsafe-fixes"
    )
    assert r.returncode == 0, r.stderr
    assert "B1*40***11:B:1" in (out / "ready" / "b.837").read_text()
    assert "97110:GP:KX" in (out / "ready" / "b.837").read_text()
    lines = export(ledger_spec).splitlines()[1:]
    assert len(lines) == 6
    assert sum("GP:KX" in ln for ln in lines) == 2


def test_check_reads_but_never_writes(ledger_spec, tmp_path, files):
    a, b = files
    imported(ledger_spec, tmp_path, "2450")
    before = export(ledger_spec)
    r = run_cli("check", a, "--ledger", ledger_spec, "--no-ig", "--format", "csv")
    assert r.returncode == 1
    assert [ln.split(",")[1] for ln in r.stdout.splitlines() if ",KX001," in ln] == ["A1", "A2"]
    assert export(ledger_spec) == before


def test_ytd_overrides_for_one_run(tmp_path, files):
    a, _ = files
    r = run_cli("check", a, "--ytd", write_ytd(tmp_path / "y.csv", "2470"), "--no-ig")
    assert r.returncode == 1
    assert "KX001" in r.stdout and "--ytd $2,470.00" in r.stdout.replace("\n", " ")


class Crash(Exception):
    """Stands for the process dying at that point."""


def _run_in_process(args, monkeypatch):
    """The CLI in this process (so that a function can be made to crash)."""
    return CliRunner().invoke(cli, [str(a) for a in args], standalone_mode=False)


def test_crash_between_files_loses_nothing(ledger_spec, tmp_path, files, monkeypatch):
    import x12tool.cli.preflight as cmd

    a, b = files
    out = tmp_path / "out"
    imported(ledger_spec, tmp_path)
    real = cmd.run_preflight

    def crash_on_b(path, *args, **kw):
        if path.endswith("b.837"):
            raise Crash  # the process dies before the second file
        return real(path, *args, **kw)

    monkeypatch.setattr(cmd, "run_preflight", crash_on_b)
    result = _run_in_process(
        ["preflight", a, b, "--out-dir", out, "--ledger", ledger_spec, "--no-ig"], monkeypatch
    )
    assert isinstance(result.exception, Crash)
    assert export(ledger_spec).count("\n") == 3  # a.837's three claims are recorded
    monkeypatch.setattr(cmd, "run_preflight", real)
    r = preflight(ledger_spec, out, a, b)  # the rerun after the crash
    assert r.returncode == 1
    assert kx_claims(out, "b.837") == ["B1", "B2"]
    assert export(ledger_spec).count("\n") == 4


def test_crash_before_the_ready_file_leaves_the_ledger_as_it_was(
    ledger_spec, tmp_path, files, monkeypatch
):
    import x12tool.preflight.outputs as outputs

    a, _ = files
    out = tmp_path / "out"
    imported(ledger_spec, tmp_path)
    before = export(ledger_spec)

    def broken(path, *, label, **kw):
        raise Crash

    monkeypatch.setattr(outputs, "validate_output", broken)
    result = _run_in_process(
        ["preflight", a, "--out-dir", out, "--ledger", ledger_spec, "--no-ig"], monkeypatch
    )
    assert isinstance(result.exception, Crash)
    assert not (out / "ready" / "a.837").exists()
    assert export(ledger_spec) == before


def test_two_preflights_at_once_flag_exactly_the_claims_past_the_threshold(ledger_spec, tmp_path):
    """Two processes, same beneficiary, same ledger, at the same time: 5 + 5 claims, 4 fit.

    The test hook makes the first process hold its lock for a while after reading the ledger,
    so the second one certainly runs while the first has decided but not yet recorded.
    Without the lock both would see $2,350.00 and flag only one claim each.
    """
    imported(ledger_spec, tmp_path)
    a = write_837(tmp_path / "a.837", [(f"A{i}", d) for i, d in enumerate(DAYS[:5])])
    b = write_837(tmp_path / "b.837", [(f"B{i}", d) for i, d in enumerate(DAYS[5:])])
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["X12TOOL_LEDGER_TEST_HOLD"] = "1.5"
    procs = []
    for path in (a, b):
        out = tmp_path / f"out-{path.stem}"
        argv = [sys.executable, "-m", "x12tool", "preflight", str(path), "--out-dir", str(out)]
        argv += ["--ledger", ledger_spec, "--no-ig"]
        procs.append(subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True))
        time.sleep(0.3)
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 1, err
    flagged = kx_claims(tmp_path / "out-a", "a.837") + kx_claims(tmp_path / "out-b", "b.837")
    assert len(flagged) == 6, flagged
    # in each file, the flagged claims are the latest dates (a suffix of the file's claims)
    for name, ids in (("a", [f"A{i}" for i in range(5)]), ("b", [f"B{i}" for i in range(5)])):
        got = kx_claims(tmp_path / f"out-{name}", f"{name}.837")
        assert got == ids[len(ids) - len(got) :]
    assert export(ledger_spec).count("\n") == 4  # four claims sent and recorded

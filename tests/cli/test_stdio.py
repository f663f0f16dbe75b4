"""``-`` for standard input (check, preflight, fix) and ``fix -o -``; --report-mode."""

from __future__ import annotations

import io
import os
import stat
import sys

import pytest
from conftest import SAMPLE

from x12tool import exitcodes
from x12tool.cli import main

BATCH = SAMPLE / "therapy_batch.837"
BASE = ["--no-ig", "--no-ledger", "--visits", str(SAMPLE / "therapy_visits.csv")]


def run(capsysbinary, monkeypatch, *args, stdin: bytes = b"") -> tuple[int, bytes, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsysbinary.readouterr()
    return exc.value.code, out, err.decode()


def test_fix_from_stdin_to_stdout_matches_fix_between_files(tmp_path, capsysbinary, monkeypatch):
    data = BATCH.read_bytes()
    code, out, err = run(capsysbinary, monkeypatch, "fix", "-", "-o", "-", *BASE, stdin=data)
    assert code == exitcodes.HELD, err
    assert "-> stdout" in err
    target = tmp_path / "fixed.837"
    run(capsysbinary, monkeypatch, "fix", BATCH, "-o", target, *BASE)
    assert out == target.read_bytes() and out != data
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]
    code, _, err = run(capsysbinary, monkeypatch, "fix", "-", "-o", "-", "--diff", stdin=data)
    assert code == exitcodes.USAGE and "--diff" in err


def test_preflight_reads_stdin_as_a_file_named_stdin(tmp_path, capsysbinary, monkeypatch):
    out_dir = tmp_path / "out"
    code, out, err = run(
        capsysbinary, monkeypatch, "preflight", "-", "--out-dir", out_dir, *BASE,
        "--report-mode", "0640", stdin=BATCH.read_bytes(),
    )  # fmt: skip
    assert code == exitcodes.HELD, err
    assert out.startswith(b"stdin: 22 claims: 9 ready, 8 corrected, 5 held")
    mode = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out_dir.rglob("*") if p.is_file()}
    assert mode["stdin"] == 0o600  # ready/stdin and held/stdin: claim data
    assert mode["stdin.json"] == mode["stdin.html"] == mode["stdin.worklist.csv"] == 0o640
    assert [p for p in out_dir.rglob("stdin") if stat.S_IMODE(p.stat().st_mode) != 0o600] == []


@pytest.mark.parametrize("bad", ["0644", "0660", "0400", "rw-r-----"])
def test_report_mode_is_at_most_group_readable(tmp_path, capsysbinary, monkeypatch, bad):
    code, _, err = run(
        capsysbinary, monkeypatch, "preflight", BATCH, "--out-dir", tmp_path, *BASE,
        "--report-mode", bad,
    )  # fmt: skip
    assert code == exitcodes.USAGE and "--report-mode" in err
    assert not (tmp_path / "reports").exists()

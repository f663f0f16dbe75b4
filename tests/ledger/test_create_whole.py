"""A new SQLite ledger appears whole or not at all (x12tool.ledger.store._create_whole): a run
killed while creating it leaves no ledger, never a file without tables."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from x12tool.ledger import store as S
from x12tool.ledger.errors import LedgerError

ROOT = Path(__file__).resolve().parents[2]


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_new_ledger_has_its_tables_mode_0600_wal_and_no_leftovers(tmp_path):
    path = tmp_path / "sub" / "ledger.sqlite"
    st = S.open_store(str(path), create=True)
    try:
        assert st.counts() == (0, 0, 0)
    finally:
        st.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _hidden(path.parent) == []
    conn = sqlite3.connect(str(path))
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        got = conn.execute("SELECT value FROM ledger_meta WHERE key = 'schema_version'")
        assert got.fetchone()[0] == str(S.SCHEMA_VERSION)
    finally:
        conn.close()
    reader = S.open_store(str(path), create=False)  # readable as a ledger at once
    reader.close()


def test_a_failure_before_the_link_leaves_no_ledger(tmp_path, monkeypatch):
    path = tmp_path / "ledger.sqlite"

    def broken(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(S.os, "link", broken)
    # no hard links here (PermissionError is an OSError): created in place, as before
    st = S.open_store(str(path), create=True)
    st.close()
    assert path.is_file() and _hidden(tmp_path) == []

    path2 = tmp_path / "other.sqlite"

    def killed(src, dst):
        raise KeyboardInterrupt  # stands for the run stopping between tables and link

    monkeypatch.setattr(S.os, "link", killed)
    with pytest.raises(KeyboardInterrupt):
        S.open_store(str(path2), create=True)
    assert not path2.exists() and _hidden(tmp_path) == []
    with pytest.raises(LedgerError, match="no ledger here"):
        S.open_store(str(path2), create=False)


def test_another_runs_new_ledger_is_never_replaced(tmp_path, monkeypatch):
    path = tmp_path / "ledger.sqlite"
    real_link = os.link

    def racing(src, dst):
        # another preflight creates the ledger and writes to it first
        monkeypatch.setattr(S.os, "link", real_link)
        other = S.open_store(str(path), create=True)
        other.close()
        conn = sqlite3.connect(str(path))
        conn.execute("INSERT INTO ledger_meta (key, value) VALUES ('marker', 'theirs')")
        conn.commit()
        conn.close()
        real_link(src, dst)  # FileExistsError: ours is dropped

    monkeypatch.setattr(S.os, "link", racing)
    st = S.open_store(str(path), create=True)
    try:
        got = st.rows("SELECT value FROM ledger_meta WHERE key = 'marker'")
        assert got == [("theirs",)]
    finally:
        st.close()
    assert _hidden(tmp_path) == []


def test_sigkill_while_creating_leaves_no_ledger(tmp_path):
    path = tmp_path / "ledger.sqlite"
    flag = tmp_path / "at-link"
    script = textwrap.dedent(
        f"""
        import os, time
        def stall(src, dst):
            open({str(flag)!r}, "w").close()
            time.sleep(60)
        os.link = stall
        from x12tool.ledger.store import open_store
        open_store({str(path)!r}, create=True)
        """
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-c", script], env=env)
    try:
        deadline = time.monotonic() + 60
        while not flag.exists():
            assert proc.poll() is None, "the child ended before creating the ledger"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert not path.exists()  # the tables were made, but only in the hidden file
    st = S.open_store(str(path), create=True)  # the next run creates it whole
    try:
        assert st.counts() == (0, 0, 0)
    finally:
        st.close()

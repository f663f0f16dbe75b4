"""Ledger test fixtures: a SQLite file, or a fresh schema on a real PostgreSQL server.

PostgreSQL tests need ``X12TOOL_TEST_PG`` (a ``postgresql://`` URL; ``.ci/run`` starts a server
and sets it). Without it, or when the server cannot be reached, they are skipped with the
reason in the summary (``pytest -rs``) and a warning, never silently; under CI (``CI`` set)
they fail instead.
"""

from __future__ import annotations

import os
import secrets
import warnings

import pytest

PG_ENV = "X12TOOL_TEST_PG"


def _unavailable(reason: str):
    message = f"PostgreSQL ledger tests not run: {reason}"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI is set: the PostgreSQL tests must run)")
    warnings.warn(message, stacklevel=2)
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_server():
    dsn = os.environ.get(PG_ENV)
    if not dsn:
        _unavailable(f"{PG_ENV} is not set (see .ci/run for how CI starts a server)")
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed (pip install '.[test]')")
    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        _unavailable(f"cannot reach the server in {PG_ENV}: {' '.join(str(exc).split())[:160]}")
    return dsn


@pytest.fixture
def pg_dsn(pg_server):
    """A URL whose search_path is a schema of its own, dropped after the test."""
    import psycopg

    schema = f"x12tool_test_{secrets.token_hex(6)}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in pg_server else "?"
    yield f"{pg_server}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_spec(request, tmp_path):
    """--ledger for both backends."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.sqlite")
    return request.getfixturevalue("pg_dsn")


@pytest.fixture(autouse=True)
def _own_data_home(tmp_path, monkeypatch):
    # Never touch the user's default ledger (or maps store).
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))
    monkeypatch.delenv("X12TOOL_LEDGER", raising=False)

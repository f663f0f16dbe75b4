"""The ledger fixtures (SQLite and PostgreSQL) of tests/ledger, for the remittance tests."""

from ledger.conftest import _own_data_home, ledger_spec, pg_dsn, pg_server  # noqa: F401

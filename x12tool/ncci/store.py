"""The local NCCI store: CMS PTP and MUE tables imported by ``x12tool maps import-*``.

A SQLite file (WAL mode). Where it lives: ``--maps-db PATH``, else :func:`default_db_path`
(``$XDG_DATA_HOME/x12tool/maps.sqlite``, or ``~/.local/share/x12tool/maps.sqlite``).

Tables:

* ``ptp(column1, column2, effective, deleted, indicator, source_id)``: one row per edit, keyed
  on ``(column1, column2, effective)``; dates are integers ``YYYYMMDD`` (``deleted`` NULL when
  the file says ``*``). Re-importing a file, or importing the next quarter's file, updates the
  rows in place (upsert on the key), so nothing doubles.
* ``mue(code, value, mai, rationale, source_id)``: keyed on ``code``; the last import wins.
* ``sources(id, kind, file_name, sha256, label, rows, bad_rows, imported_at)``: which file and
  quarter the data came from. The same file (same sha256) imported again reuses its row.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from x12tool.refdata.paths import default_db_path  # noqa: F401  (re-exported)
from x12tool.refdata.sqlitefile import SqliteFile

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,            -- 'ptp' | 'mue'
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    label TEXT NOT NULL,           -- quarter ('2026Q1') or the file's sha256 prefix
    rows INTEGER NOT NULL DEFAULT 0,
    bad_rows INTEGER NOT NULL DEFAULT 0,
    imported_at TEXT NOT NULL,
    UNIQUE (kind, sha256)
);
CREATE TABLE IF NOT EXISTS ptp (
    column1 TEXT NOT NULL,
    column2 TEXT NOT NULL,
    effective INTEGER NOT NULL,    -- YYYYMMDD
    deleted INTEGER,               -- YYYYMMDD, NULL = not deleted
    indicator TEXT NOT NULL,       -- '0' | '1' | '9'
    source_id INTEGER NOT NULL REFERENCES sources(id),
    PRIMARY KEY (column1, column2, effective)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ptp_column2 ON ptp (column2);
CREATE TABLE IF NOT EXISTS mue (
    code TEXT PRIMARY KEY,
    value INTEGER NOT NULL,
    mai INTEGER NOT NULL,          -- MUE adjudication indicator 1 | 2 | 3
    rationale TEXT NOT NULL DEFAULT '',
    source_id INTEGER NOT NULL REFERENCES sources(id)
);
"""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    id: int
    kind: str
    file_name: str
    sha256: str
    label: str
    rows: int
    bad_rows: int
    imported_at: str


class NcciStore(SqliteFile):
    """A connection to the store; creates the file and schema on first use."""

    def __init__(self, path: str | os.PathLike, *, create: bool = True) -> None:
        super().__init__(path, create=create)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.executescript(_SCHEMA)
        self.conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    # ---------------------------------------------------------------- writing (in a transaction)

    def upsert_source(self, kind: str, file_name: str, sha256: str, label: str) -> int:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        row = self.conn.execute(
            "SELECT id FROM sources WHERE kind = ? AND sha256 = ?", (kind, sha256)
        ).fetchone()
        if row is not None:
            self.conn.execute(
                "UPDATE sources SET file_name = ?, label = ?, imported_at = ? WHERE id = ?",
                (file_name, label, now, row[0]),
            )
            return row[0]
        cur = self.conn.execute(
            "INSERT INTO sources (kind, file_name, sha256, label, imported_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (kind, file_name, sha256, label, now),
        )
        return int(cur.lastrowid)

    def finish_source(self, source_id: int, rows: int, bad_rows: int) -> None:
        self.conn.execute(
            "UPDATE sources SET rows = ?, bad_rows = ? WHERE id = ?", (rows, bad_rows, source_id)
        )

    def put_ptp(self, rows: Iterable[tuple[str, str, int, int | None, str, int]]) -> None:
        """Upsert (column1, column2, effective, deleted, indicator, source_id) rows."""
        self.conn.executemany(
            "INSERT INTO ptp (column1, column2, effective, deleted, indicator, source_id) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (column1, column2, effective) DO UPDATE SET "
            "deleted = excluded.deleted, indicator = excluded.indicator, "
            "source_id = excluded.source_id",
            rows,
        )

    def put_mue(self, rows: Iterable[tuple[str, int, int, str, int]]) -> None:
        """Upsert (code, value, mai, rationale, source_id) rows."""
        self.conn.executemany(
            "INSERT INTO mue (code, value, mai, rationale, source_id) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (code) DO UPDATE SET value = excluded.value, mai = excluded.mai, "
            "rationale = excluded.rationale, source_id = excluded.source_id",
            rows,
        )

    # ---------------------------------------------------------------- reading

    def ptp_rows(self, column1: str, column2: str) -> list[tuple[int, int | None, str, int]]:
        """(effective, deleted, indicator, source_id) of every edit column1/column2."""
        return self.conn.execute(
            "SELECT effective, deleted, indicator, source_id FROM ptp "
            "WHERE column1 = ? AND column2 = ? ORDER BY effective",
            (column1, column2),
        ).fetchall()

    def mue_row(self, code: str) -> tuple[int, int, str, int] | None:
        """(value, mai, rationale, source_id) of a code, or None."""
        return self.conn.execute(
            "SELECT value, mai, rationale, source_id FROM mue WHERE code = ?", (code,)
        ).fetchone()

    def count(self, table: str) -> int:
        if table not in ("ptp", "mue", "sources"):
            raise ValueError(table)
        return self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    def has(self, table: str) -> bool:
        if table not in ("ptp", "mue"):
            raise ValueError(table)
        return self.conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None

    def sources(self, kind: str | None = None) -> list[SourceInfo]:
        sql = "SELECT id, kind, file_name, sha256, label, rows, bad_rows, imported_at FROM sources"
        args: tuple = ()
        if kind is not None:
            sql += " WHERE kind = ?"
            args = (kind,)
        return [SourceInfo(*r) for r in self.conn.execute(sql + " ORDER BY id", args)]

    def source(self, source_id: int) -> SourceInfo | None:
        row = self.conn.execute(
            "SELECT id, kind, file_name, sha256, label, rows, bad_rows, imported_at FROM sources "
            "WHERE id = ?",
            (source_id,),
        ).fetchone()
        return SourceInfo(*row) if row else None

    def live_rows(self, source_id: int, kind: str) -> int:
        """Rows of a table that still come from this source (later imports may take rows over)."""
        table = "ptp" if kind == "ptp" else "mue"
        return self.conn.execute(
            f"SELECT COUNT(*) FROM {table} WHERE source_id = ?", (source_id,)
        ).fetchone()[0]

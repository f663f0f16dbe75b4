"""Imported PFS RVUs and GPCIs: our own tables in the same SQLite file as the NCCI store.

``x12tool maps import-pfs`` / ``import-gpci`` write here; check/preflight read it. The file is the
one ``--maps-db`` names (default: ``$XDG_DATA_HOME/x12tool/maps.sqlite``, see
:func:`x12tool.ncci.store.default_db_path`). The NCCI tables (``ptp``, ``mue``, ``sources``) belong
to :mod:`x12tool.ncci.store` and are not touched; ours are prefixed ``fee_``:

* ``fee_sources(id, kind, file_name, sha256, year, rows, bad_rows, imported_at)``: kind ``pfs``
  or ``gpci``.
* ``fee_rvu(year, code, modifier, status, work, pe_nonfacility, pe_facility, mp, mult_proc,
  pctc, nonfacility_na, facility_na, source_id)``: codes and numbers only (no descriptors).
  Numbers are kept as text so they stay exact Decimals.
* ``fee_cf(year, apm, amount, source_id)``: the conversion factor column of the RVU file.
* ``fee_gpci(year, mac, locality, state, name, work, pe, mp, source_id)``.

Importing a year again replaces that year's rows (a later quarterly release wins, and codes it
dropped disappear).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from x12tool.refdata.sqlitefile import SqliteFile
from x12tool.values import FrozenSlots, set_field, value_class

if TYPE_CHECKING:  # imported where a store is opened (x12tool/refdata/sqlitefile.py)
    import sqlite3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fee_sources (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,              -- 'pfs' | 'gpci'
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    year INTEGER NOT NULL,
    rows INTEGER NOT NULL DEFAULT 0,
    bad_rows INTEGER NOT NULL DEFAULT 0,
    imported_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS fee_rvu (
    year INTEGER NOT NULL,
    code TEXT NOT NULL,
    modifier TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    work TEXT NOT NULL,
    pe_nonfacility TEXT NOT NULL,
    pe_facility TEXT NOT NULL,
    mp TEXT NOT NULL,
    mult_proc TEXT NOT NULL DEFAULT '',
    pctc TEXT NOT NULL DEFAULT '',
    nonfacility_na INTEGER NOT NULL DEFAULT 0,
    facility_na INTEGER NOT NULL DEFAULT 0,
    source_id INTEGER NOT NULL REFERENCES fee_sources(id),
    PRIMARY KEY (year, code, modifier)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fee_cf (
    year INTEGER NOT NULL,
    apm TEXT NOT NULL,               -- 'non_qualifying' | 'qualifying' | 'all'
    amount TEXT NOT NULL,
    source_id INTEGER NOT NULL REFERENCES fee_sources(id),
    PRIMARY KEY (year, apm)
);
CREATE TABLE IF NOT EXISTS fee_gpci (
    year INTEGER NOT NULL,
    mac TEXT NOT NULL,               -- Medicare administrative contractor number, 5 digits
    locality TEXT NOT NULL,          -- locality number, 2 digits
    state TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '',
    work TEXT NOT NULL,
    pe TEXT NOT NULL,
    mp TEXT NOT NULL,
    source_id INTEGER NOT NULL REFERENCES fee_sources(id),
    PRIMARY KEY (year, mac, locality)
) WITHOUT ROWID;
"""


# Frozen dataclasses with slots writing their own __init__ (x12tool/values.py).


@value_class
class StoredRvu(FrozenSlots):
    __slots__ = (
        "code",
        "year",
        "status",
        "work",
        "pe_nonfacility",
        "pe_facility",
        "mp",
        "mult_proc",
        "source",
    )
    code: str
    year: int
    status: str
    work: Decimal
    pe_nonfacility: Decimal
    pe_facility: Decimal
    mp: Decimal
    mult_proc: str
    source: str

    def __init__(
        self,
        code: str,
        year: int,
        status: str,
        work: Decimal,
        pe_nonfacility: Decimal,
        pe_facility: Decimal,
        mp: Decimal,
        mult_proc: str,
        source: str,
    ) -> None:
        set_field(self, "code", code)
        set_field(self, "year", year)
        set_field(self, "status", status)
        set_field(self, "work", work)
        set_field(self, "pe_nonfacility", pe_nonfacility)
        set_field(self, "pe_facility", pe_facility)
        set_field(self, "mp", mp)
        set_field(self, "mult_proc", mult_proc)
        set_field(self, "source", source)


@value_class
class Gpci(FrozenSlots):
    __slots__ = ("work", "pe", "mp")
    work: Decimal
    pe: Decimal
    mp: Decimal

    def __init__(self, work: Decimal, pe: Decimal, mp: Decimal) -> None:
        set_field(self, "work", work)
        set_field(self, "pe", pe)
        set_field(self, "mp", mp)


NATIONAL = Gpci(Decimal(1), Decimal(1), Decimal(1))


@value_class
class LocalityRow(FrozenSlots):
    __slots__ = ("year", "mac", "locality", "state", "name", "gpci")
    year: int
    mac: str
    locality: str
    state: str
    name: str
    gpci: Gpci

    def __init__(
        self, year: int, mac: str, locality: str, state: str, name: str, gpci: Gpci
    ) -> None:
        set_field(self, "year", year)
        set_field(self, "mac", mac)
        set_field(self, "locality", locality)
        set_field(self, "state", state)
        set_field(self, "name", name)
        set_field(self, "gpci", gpci)

    @property
    def key(self) -> str:
        return f"{self.mac}:{self.locality}"


def _has_tables(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'fee_rvu'"
    ).fetchone()
    return row is not None


class FeeStore(SqliteFile):
    """A connection to the store file; ``create=False`` opens an existing file for reading and
    never writes to it (a file without our tables reads as empty)."""

    def __init__(self, path: str | os.PathLike, *, create: bool = True) -> None:
        super().__init__(path, create=create)
        if create:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.conn.executescript(_SCHEMA)
            self.empty = False
        else:
            self.empty = not _has_tables(self.conn)
        self._rvu_cache: dict[tuple[str, int], StoredRvu | None] = {}

    # ---------------------------------------------------------------- writing

    def add_source(self, kind: str, file_name: str, sha256: str, year: int) -> int:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        cur = self.conn.execute(
            "INSERT INTO fee_sources (kind, file_name, sha256, year, imported_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (kind, file_name, sha256, year, now),
        )
        return int(cur.lastrowid)

    def finish_source(self, source_id: int, rows: int, bad_rows: int) -> None:
        self.conn.execute(
            "UPDATE fee_sources SET rows = ?, bad_rows = ? WHERE id = ?",
            (rows, bad_rows, source_id),
        )

    def replace_pfs_year(self, year: int, rows: list[tuple], cfs: dict[str, Decimal], sid: int):
        """Replace every RVU row of ``year``; rows are (code, modifier, status, work, pe_nf,
        pe_f, mp, mult_proc, pctc, nf_na, f_na)."""
        self.conn.execute("DELETE FROM fee_rvu WHERE year = ?", (year,))
        self.conn.executemany(
            "INSERT OR REPLACE INTO fee_rvu (year, code, modifier, status, work, pe_nonfacility, "
            "pe_facility, mp, mult_proc, pctc, nonfacility_na, facility_na, source_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(year, *r, sid) for r in rows],
        )
        for apm, amount in cfs.items():
            self.conn.execute(
                "INSERT OR REPLACE INTO fee_cf (year, apm, amount, source_id) VALUES (?, ?, ?, ?)",
                (year, apm, str(amount), sid),
            )

    def replace_gpci_year(self, year: int, rows: list[LocalityRow], sid: int) -> None:
        self.conn.execute("DELETE FROM fee_gpci WHERE year = ?", (year,))
        self.conn.executemany(
            "INSERT OR REPLACE INTO fee_gpci (year, mac, locality, state, name, work, pe, mp, "
            "source_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    year,
                    r.mac,
                    r.locality,
                    r.state,
                    r.name,
                    str(r.gpci.work),
                    str(r.gpci.pe),
                    str(r.gpci.mp),
                    sid,
                )
                for r in rows
            ],
        )

    # ---------------------------------------------------------------- reading

    def rvu(self, code: str, year: int) -> StoredRvu | None:
        if self.empty:
            return None
        key = (code, year)
        if key not in self._rvu_cache:
            row = self.conn.execute(
                "SELECT r.status, r.work, r.pe_nonfacility, r.pe_facility, r.mp, r.mult_proc, "
                "s.file_name FROM fee_rvu r JOIN fee_sources s ON s.id = r.source_id "
                "WHERE r.year = ? AND r.code = ? AND r.modifier = ''",
                (year, code),
            ).fetchone()
            self._rvu_cache[key] = (
                StoredRvu(
                    code,
                    year,
                    row[0],
                    Decimal(row[1]),
                    Decimal(row[2]),
                    Decimal(row[3]),
                    Decimal(row[4]),
                    row[5],
                    row[6],
                )
                if row
                else None
            )
        return self._rvu_cache[key]

    def rvu_years(self) -> list[int]:
        if self.empty:
            return []
        return [r[0] for r in self.conn.execute("SELECT DISTINCT year FROM fee_rvu ORDER BY year")]

    def conversion_factor(self, year: int, apm: str) -> Decimal | None:
        if self.empty:
            return None
        row = self.conn.execute(
            "SELECT amount FROM fee_cf WHERE year = ? AND apm IN (?, 'all') "
            "ORDER BY apm = 'all' LIMIT 1",
            (year, apm),
        ).fetchone()
        return Decimal(row[0]) if row else None

    def localities(self, mac: str, locality: str) -> list[LocalityRow]:
        """Every imported year of one locality, newest first."""
        if self.empty:
            return []
        rows = self.conn.execute(
            "SELECT year, mac, locality, state, name, work, pe, mp FROM fee_gpci "
            "WHERE mac = ? AND locality = ? ORDER BY year DESC",
            (mac, locality),
        ).fetchall()
        return [
            LocalityRow(
                r[0], r[1], r[2], r[3], r[4], Gpci(Decimal(r[5]), Decimal(r[6]), Decimal(r[7]))
            )
            for r in rows
        ]

    def counts(self) -> dict[str, int]:
        if self.empty:
            return {"fee_rvu": 0, "fee_gpci": 0}
        return {
            t: self.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("fee_rvu", "fee_gpci")
        }

    def sources(self) -> list[tuple]:
        if self.empty:
            return []
        return self.conn.execute(
            "SELECT kind, file_name, year, rows, bad_rows, imported_at, sha256 FROM fee_sources "
            "ORDER BY id"
        ).fetchall()

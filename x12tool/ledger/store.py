"""The ledger store: one interface, two backends (SQLite, PostgreSQL through psycopg 3).

SQL is written once with ``?`` placeholders; the PostgreSQL backend turns them into ``%s``.
Transactions are explicit: :meth:`LedgerStore.begin` opens one for an input file and takes the
locks that serialize the threshold decision per beneficiary and year (see docs/ledger.md):

* SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock for the whole file (other
  writers wait up to ``BUSY_TIMEOUT`` seconds; readers go on, WAL mode).
* PostgreSQL: ``pg_advisory_xact_lock`` on a hash of (member id, year) for each beneficiary of
  the file, in key order (no deadlocks), after a shared lock on the ledger-wide key; a file
  with more than ``MAX_ADVISORY_LOCKS`` beneficiaries takes the ledger-wide key exclusively
  instead. All are released by the transaction's COMMIT or ROLLBACK.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from x12tool.forksafe import reopen_in_child
from x12tool.ledger.errors import LedgerError
from x12tool.ledger.facts import ClaimFacts, SentClaim
from x12tool.ledger.paths import describe, is_postgres
from x12tool.ledger.schema import DDL, SCHEMA_VERSION

BUSY_TIMEOUT = 600.0  # seconds a SQLite writer waits for another preflight's file
LOCK_NAMESPACE = 0x5831  # first key of our advisory locks ("X1")
LEDGER_WIDE = 0  # second key: the whole ledger (shared by per-beneficiary lockers)
SCHEMA_LOCK = -1
MAX_ADVISORY_LOCKS = 256


def lock_key(member: str, year: int) -> int:
    """A 32-bit advisory-lock key for (member, year); never the ledger-wide or schema key."""
    digest = hashlib.blake2b(f"{member}\x1f{year}".encode(), digest_size=4).digest()
    key = int.from_bytes(digest, "big", signed=True)
    return key if key not in (LEDGER_WIDE, SCHEMA_LOCK) else 1


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class LedgerStore:
    kind = ""
    placeholder = "?"

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.where = describe(spec)
        self.in_transaction = False

    # --- backend hooks
    def _execute(self, sql: str, params: tuple = ()):
        raise NotImplementedError

    def _begin(self, locks: list[tuple[str, int]]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # --- plumbing
    def execute(self, sql: str, params: Iterable = ()):
        if self.placeholder != "?":
            sql = sql.replace("?", self.placeholder)
        return self._execute(sql, tuple(params))

    def rows(self, sql: str, params: Iterable = ()) -> list[tuple]:
        return list(self.execute(sql, params).fetchall())

    def begin(self, locks: Iterable[tuple[str, int]] = ()) -> None:
        """Open the file's transaction and take the locks of its beneficiaries."""
        if self.in_transaction:
            raise RuntimeError("ledger transaction already open")
        self._begin(sorted(set(locks)))
        self.in_transaction = True

    def commit(self) -> None:
        if self.in_transaction:
            self.execute("COMMIT")
            self.in_transaction = False

    def rollback(self) -> None:
        if self.in_transaction:
            self.in_transaction = False
            self.execute("ROLLBACK")

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- reads for the rules
    def member_lines(self, member: str, min_year: int = 0) -> list[tuple]:
        """(claim_id, line_key, service_date, code, year, grp, discipline, amount_cents, part_b,
        remitted): the amount is the payer's allowed amount from an imported 835 when one
        matched the line as the primary payer's (or a denial's) answer, else our estimate;
        ``remitted`` says which (docs/remittance.md)."""
        if not self._has_remit():
            return [
                (*r, 0)
                for r in self.rows(
                    "SELECT claim_id, line_key, service_date, code, year, grp, discipline,"
                    " amount_cents, part_b FROM ledger_lines WHERE member_id = ? AND year >= ?",
                    (member, min_year),
                )
            ]
        # CLP02 1 / 19: processed as primary (and forwarded); 4: denied (nothing allowed).
        # Secondary and tertiary payers' amounts do not replace the primary allowed amount.
        return self.rows(
            "SELECT l.claim_id, l.line_key, l.service_date, l.code, l.year, l.grp, l.discipline,"
            " COALESCE(r.allowed, l.amount_cents), l.part_b,"
            " CASE WHEN r.allowed IS NULL THEN 0 ELSE 1 END"
            " FROM ledger_lines l LEFT JOIN (SELECT rl.claim_id, rl.line_key,"
            " MIN(rl.allowed_cents) AS allowed FROM remit_lines rl JOIN remit_claims rc"
            " ON rc.remit_id = rl.remit_id WHERE rc.matched = 1 AND rl.line_key <> ''"
            " AND rc.member_id = ? AND rc.status IN ('1', '4', '19')"
            " GROUP BY rl.claim_id, rl.line_key) r"
            " ON r.claim_id = l.claim_id AND r.line_key = l.line_key"
            " WHERE l.member_id = ? AND l.year >= ?",
            (member, member, min_year),
        )

    def _has_remit(self) -> bool:
        got = getattr(self, "_remit_tables", None)
        if got is None:
            got = self._remit_tables = self._table_exists("remit_lines")
        return got

    def _table_exists(self, name: str) -> bool:
        raise NotImplementedError

    def member_day_lines(self, member: str, day: str) -> list[tuple]:
        """(claim_id, code, units, discipline, source_file) of the lines sent for the member on
        the date (the beneficiary's day across files, x12tool/rules/daypool.py)."""
        return self.rows(
            "SELECT claim_id, code, units, discipline, source_file FROM ledger_lines"
            " WHERE member_id = ? AND service_date = ? ORDER BY source_file, claim_id, line_key",
            (member, day),
        )

    def member_external(self, member: str) -> list[tuple]:
        return self.rows(
            "SELECT year, grp, amount_cents, source FROM ledger_external WHERE member_id = ?",
            (member,),
        )

    def member_progress(self, member: str) -> list[tuple]:
        return self.rows(
            "SELECT discipline, report_date, claim_id FROM ledger_progress WHERE member_id = ?",
            (member,),
        )

    # --- writes
    def record_claim(self, facts: ClaimFacts, source_file: str) -> int:
        """Record a claim preflight sent; returns the number of lines recorded.

        A void removes the claim's earlier lines (same claim id and member); a replacement
        replaces them; any other claim replaces its earlier lines of the same date and code
        (a rerun, or the same claim sent again, never counts twice).
        """
        member, claim_id = facts.member, facts.claim_id
        if facts.replaces:
            self.execute(
                "DELETE FROM ledger_lines WHERE claim_id = ? AND member_id = ?", (claim_id, member)
            )
            self.execute(
                "DELETE FROM ledger_progress WHERE claim_id = ? AND member_id = ?",
                (claim_id, member),
            )
            self.execute(
                "DELETE FROM ledger_auth_lines WHERE claim_id = ? AND member_id = ?",
                (claim_id, member),
            )
        else:
            for day, code in sorted({(a.day, a.code) for a in facts.auth_lines}):
                self.execute(
                    "DELETE FROM ledger_auth_lines WHERE claim_id = ? AND member_id = ?"
                    " AND service_date = ? AND code = ?",
                    (claim_id, member, day.isoformat(), code),
                )
            for day, code in sorted({(f.day, f.code) for f in facts.lines}):
                self.execute(
                    "DELETE FROM ledger_lines WHERE claim_id = ? AND member_id = ?"
                    " AND service_date = ? AND code = ?",
                    (claim_id, member, day.isoformat(), code),
                )
        stamp = now()
        # Which payer the claim went to, for matching its 835 (docs/remittance.md).
        self.execute(
            "INSERT INTO ledger_claims (claim_id, member_id, payer_id, payer_class, frequency,"
            " source_file, sent_on) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (claim_id,"
            " member_id) DO UPDATE SET payer_id = excluded.payer_id, payer_class ="
            " excluded.payer_class, frequency = excluded.frequency, source_file ="
            " excluded.source_file",
            (
                claim_id,
                member,
                facts.payer_id,
                facts.payer_class,
                facts.frequency or "1",
                source_file,
                stamp[:10],
            ),
        )
        if facts.void:
            return 0
        for a in facts.auth_lines:
            self.execute(
                "INSERT INTO ledger_auth_lines (claim_id, line_key, service_date, code, member_id,"
                " payer_id, discipline, timed, units, auth_number, source_file, recorded_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (claim_id, line_key, service_date, code) DO UPDATE SET"
                " member_id = excluded.member_id, payer_id = excluded.payer_id,"
                " discipline = excluded.discipline, timed = excluded.timed,"
                " units = excluded.units, auth_number = excluded.auth_number,"
                " source_file = excluded.source_file, recorded_at = excluded.recorded_at",
                (
                    claim_id,
                    a.key,
                    a.day.isoformat(),
                    a.code,
                    member,
                    facts.payer_id,
                    a.discipline,
                    1 if a.timed else 0,
                    str(a.units),
                    a.auth_number,
                    source_file,
                    stamp,
                ),
            )
        for f in facts.lines:
            self.execute(
                "INSERT INTO ledger_lines (claim_id, line_key, service_date, code, member_id,"
                " year, grp, discipline, modifiers, units, amount_cents, part_b, frequency,"
                " source_file, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (claim_id, line_key, service_date, code) DO UPDATE SET"
                " member_id = excluded.member_id, year = excluded.year, grp = excluded.grp,"
                " discipline = excluded.discipline, modifiers = excluded.modifiers,"
                " units = excluded.units, amount_cents = excluded.amount_cents,"
                " part_b = excluded.part_b, frequency = excluded.frequency,"
                " source_file = excluded.source_file, recorded_at = excluded.recorded_at",
                (
                    claim_id,
                    f.key,
                    f.day.isoformat(),
                    f.code,
                    member,
                    f.year,
                    f.group,
                    f.discipline,
                    ":".join(f.modifiers),
                    str(f.units),
                    f.cents,
                    1 if facts.part_b else 0,
                    facts.frequency or "1",
                    source_file,
                    stamp,
                ),
            )
            if f.progress:
                self.execute(
                    "INSERT INTO ledger_progress (member_id, discipline, report_date, claim_id)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (member, f.discipline, f.day.isoformat(), claim_id),
                )
        return len(facts.lines)

    def record_sent(self, sent: SentClaim, source_file: str, source_sha256: str) -> None:
        """Remember a claim that went (DUP001): its id, member, line fingerprint, frequency."""
        self.execute(
            "INSERT INTO ledger_sent_claims (claim_id, source_sha256, member_id, fingerprint,"
            " frequency, first_date, source_file, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (claim_id, source_sha256) DO UPDATE SET"
            " member_id = excluded.member_id, fingerprint = excluded.fingerprint,"
            " frequency = excluded.frequency, first_date = excluded.first_date,"
            " source_file = excluded.source_file, recorded_at = excluded.recorded_at",
            (
                sent.claim_id,
                source_sha256,
                sent.member,
                sent.fingerprint,
                sent.frequency,
                sent.first_date,
                source_file,
                # microseconds: the order of two sendings within one second still counts
                datetime.now(UTC).isoformat(),
            ),
        )

    def sent_claims(self, claim_id: str, member: str, fingerprint: str) -> list[tuple]:
        """Earlier sendings of this claim id, or of a claim with this member and fingerprint:
        (claim_id, source_sha256, member_id, fingerprint, frequency, source_file, recorded_at),
        oldest first."""
        return self.rows(
            "SELECT claim_id, source_sha256, member_id, fingerprint, frequency, source_file,"
            " recorded_at FROM ledger_sent_claims WHERE claim_id = ?"
            " OR (member_id = ? AND fingerprint = ?) ORDER BY recorded_at, claim_id",
            (claim_id, member, fingerprint),
        )

    def import_external(self, amounts: dict, source: str) -> int:
        """Set the external amount of each (member, year, group) in ``amounts`` (one
        transaction; importing the same file again changes nothing)."""
        locks = {(m, y) for m, y, _ in amounts}
        self.begin(locks)
        try:
            stamp = now()
            for (member, year, group), cents in sorted(amounts.items()):
                self.execute(
                    "INSERT INTO ledger_external (member_id, year, grp, amount_cents, source,"
                    " imported_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (member_id, year, grp)"
                    " DO UPDATE SET amount_cents = excluded.amount_cents,"
                    " source = excluded.source, imported_at = excluded.imported_at",
                    (member, year, group, cents, source, stamp),
                )
            self.commit()
        except BaseException:
            self.rollback()
            raise
        return len(amounts)

    # --- prior authorizations (docs/payers.md)
    def import_auths(self, auths, source: str) -> tuple[int, int]:
        """Insert or update each authorization (keyed by member, payer, number, discipline,
        code) in one transaction; returns (new, updated). Importing again changes nothing."""
        self.begin({(a.member, 0) for a in auths})
        new = updated = 0
        try:
            stamp = now()
            for a in sorted(auths, key=lambda a: a.key):
                exists = self.rows(
                    "SELECT 1 FROM ledger_auths WHERE member_id = ? AND payer_id = ?"
                    " AND auth_number = ? AND discipline = ? AND code = ?",
                    a.key,
                )
                if exists:
                    updated += 1
                else:
                    new += 1
                self.execute(
                    "INSERT INTO ledger_auths (member_id, payer_id, auth_number, discipline, code,"
                    " start_date, end_date, visits, units, source, imported_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (member_id, payer_id, auth_number, discipline, code) DO UPDATE"
                    " SET start_date = excluded.start_date, end_date = excluded.end_date,"
                    " visits = excluded.visits, units = excluded.units, source = excluded.source,"
                    " imported_at = excluded.imported_at",
                    (
                        *a.key,
                        a.start.isoformat(),
                        a.end.isoformat(),
                        a.visits,
                        a.units,
                        source,
                        stamp,
                    ),
                )
            self.commit()
        except BaseException:
            self.rollback()
            raise
        return new, updated

    def member_auths(self, member: str, payer_id: str) -> list[tuple]:
        """(auth_number, discipline, code, start_date, end_date, visits, units)."""
        return self.rows(
            "SELECT auth_number, discipline, code, start_date, end_date, visits, units"
            " FROM ledger_auths WHERE member_id = ? AND payer_id = ?"
            " ORDER BY start_date, auth_number, discipline, code",
            (member, payer_id),
        )

    def auth_usage(self, member: str, payer_id: str) -> list[tuple]:
        """(claim_id, service_date, code, discipline, timed, units, auth_number) sent and still
        counting: less the lines a remittance freed (x12tool.ledger.authremit)."""
        freed = self.auth_freed(member, payer_id)
        return [
            row[1:]
            for row in self.rows(
                "SELECT line_key, claim_id, service_date, code, discipline, timed, units,"
                " auth_number FROM ledger_auth_lines WHERE member_id = ? AND payer_id = ?",
                (member, payer_id),
            )
            if (row[1], row[0], row[2], row[3]) not in freed
        ]

    def auth_freed(self, member: str, payer_id: str) -> dict[tuple[str, str, str, str], str]:
        """Sent lines (claim_id, line_key, service_date, code) of the member with the payer
        that a remittance freed from the authorization count, each with its group-CARC."""
        from x12tool.ledger.authremit import freed_lines

        sent = {
            (r[0], r[1], r[2], r[3]): (str(r[4])[:10], r[5] or "1")
            for r in self.rows(
                "SELECT a.claim_id, a.line_key, a.service_date, a.code, a.recorded_at,"
                " c.frequency FROM ledger_auth_lines a LEFT JOIN ledger_claims c"
                " ON c.claim_id = a.claim_id AND c.member_id = a.member_id"
                " WHERE a.member_id = ? AND a.payer_id = ?",
                (member, payer_id),
            )
        }
        if not sent:
            return {}
        claims = sorted({k[0] for k in sent})
        marks = ", ".join("?" * len(claims))
        lines = self.rows(
            "SELECT r.claim_id, r.line_key, r.service_date, r.code, r.remit_id, r.line_no,"
            " c.paid_on, r.paid_cents, r.denied FROM remit_lines r JOIN remit_claims c"
            " ON c.remit_id = r.remit_id WHERE c.matched = 1 AND c.member_id = ?"
            f" AND r.line_key <> '' AND r.claim_id IN ({marks})",  # noqa: S608 - placeholders
            (member, *claims),
        )
        if not lines:
            return {}
        adjustments = self.rows(
            "SELECT a.remit_id, a.line_no, a.grp, a.carc FROM remit_adjustments a"
            " JOIN remit_claims c ON c.remit_id = a.remit_id WHERE c.matched = 1"
            f" AND c.member_id = ? AND a.amount_cents <> 0 AND c.claim_id IN ({marks})",  # noqa: S608
            (member, *claims),
        )
        return freed_lines(lines, adjustments, sent)

    def member_payers(self, member: str) -> list[str]:
        return [
            r[0]
            for r in self.rows(
                "SELECT DISTINCT payer_id FROM ledger_auths WHERE member_id = ? ORDER BY payer_id",
                (member,),
            )
        ]

    def auth_count(self) -> int:
        return int(self.rows("SELECT COUNT(*) FROM ledger_auths")[0][0])

    # --- reads for the CLI
    def show_lines(self, member: str) -> list[tuple]:
        return self.rows(
            "SELECT year, grp, discipline, claim_id, line_key, service_date, code, modifiers,"
            " units, amount_cents, part_b, source_file, recorded_at FROM ledger_lines"
            " WHERE member_id = ? ORDER BY service_date, claim_id, line_key",
            (member,),
        )

    def export_lines(self) -> Iterator[tuple]:
        return iter(
            self.rows(
                "SELECT member_id, year, grp, discipline, claim_id, line_key, service_date, code,"
                " modifiers, units, amount_cents, part_b, frequency, source_file, recorded_at"
                " FROM ledger_lines ORDER BY member_id, service_date, claim_id, line_key"
            )
        )

    def export_external(self) -> list[tuple]:
        return self.rows(
            "SELECT member_id, year, grp, amount_cents, source FROM ledger_external"
            " ORDER BY member_id, year, grp"
        )

    def counts(self) -> tuple[int, int, int]:
        lines = self.rows("SELECT COUNT(*), COUNT(DISTINCT member_id) FROM ledger_lines")[0]
        ext = self.rows("SELECT COUNT(*) FROM ledger_external")[0]
        return int(lines[0]), int(lines[1]), int(ext[0])


def _create_whole(path: Path) -> bool:
    """Create a new SQLite ledger at ``path`` whole or not at all: its tables are made in a
    hidden file beside it, which is then linked to ``path`` only if no ledger is there yet
    (another preflight's new ledger is never replaced). A run killed while creating leaves no
    ledger, never a file without tables (which would read as "not a usable ledger"); a stale
    hidden ``.NAME.PID.XXXXXXXX.new`` file may stay behind. False when the file system cannot link:
    the ledger is then created in place, as before. Errors as the store's own."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.new")
    try:
        conn = sqlite3.connect(str(tmp), isolation_level=None)
        try:
            os.chmod(tmp, 0o600)  # the ledger holds member ids: owner only
            conn.execute("PRAGMA journal_mode=WAL")  # kept in the file's header
            conn.execute("BEGIN IMMEDIATE")
            for ddl in DDL:
                conn.execute(ddl)
            conn.execute(
                "INSERT INTO ledger_meta (key, value) VALUES ('schema_version', ?)",
                (SCHEMA_VERSION,),
            )
            conn.execute("COMMIT")
        finally:
            conn.close()  # the last connection: the WAL is checkpointed into the file
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return True  # another run created it meanwhile: that one is the ledger
        except OSError:
            return False  # no hard links here
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)  # the new name survives a crash
        finally:
            os.close(fd)
        return True
    except sqlite3.DatabaseError as exc:
        raise LedgerError(f"{path}: cannot create a ledger: {exc}") from None
    except OSError as exc:
        raise LedgerError(f"{path}: cannot create: {exc.strerror}") from None
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            try:
                leftover.unlink()
            except OSError:
                pass  # gone already, or a hidden leftover that does no harm


class SqliteStore(LedgerStore):
    kind = "sqlite"

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        super().__init__(str(path))
        path = Path(path)
        if not create and not path.is_file():
            raise LedgerError(f"{path}: no ledger here")
        if create:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise LedgerError(f"{path.parent}: cannot create: {exc.strerror}") from None
            fresh = not path.exists() and not _create_whole(path)
        else:
            fresh = False
        try:
            self.conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT, isolation_level=None)
            if fresh:
                os.chmod(path, 0o600)  # the ledger holds member ids: owner only
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
            if create:
                self.conn.execute("BEGIN IMMEDIATE")
                for ddl in DDL:
                    self.conn.execute(ddl)
                self.conn.execute(
                    "INSERT INTO ledger_meta (key, value) VALUES ('schema_version', ?)"
                    " ON CONFLICT (key) DO NOTHING",
                    (SCHEMA_VERSION,),
                )
                self.conn.execute("COMMIT")
            else:
                self.conn.execute("SELECT value FROM ledger_meta WHERE key = 'schema_version'")
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"{path}: not a usable ledger: {exc}") from None
        reopen_in_child(self, SqliteStore._reopen)

    def _reopen(self) -> None:
        """In a forked worker (check --jobs reads): a connection of its own
        (x12tool.forksafe); the inherited one is kept unused and unclosed."""
        self._inherited = self.conn
        self.conn = sqlite3.connect(self.spec, timeout=BUSY_TIMEOUT, isolation_level=None)
        self.conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")

    def _execute(self, sql: str, params: tuple = ()):
        return self.conn.execute(sql, params)

    def _table_exists(self, name: str) -> bool:
        return bool(
            self.rows("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        )

    def _begin(self, locks) -> None:
        # The write lock of the whole database, held until COMMIT/ROLLBACK: one preflight file
        # at a time decides and records; readers (check, fix, ledger show) are not blocked.
        self.conn.execute("BEGIN IMMEDIATE")

    def close(self) -> None:
        self.rollback()
        self.conn.close()


class PostgresStore(LedgerStore):
    kind = "postgresql"
    placeholder = "%s"

    def __init__(self, dsn: str, *, create: bool = True) -> None:
        super().__init__(dsn)
        try:
            import psycopg
        except ImportError:
            raise LedgerError(
                "a PostgreSQL ledger needs psycopg: pip install 'x12tool[postgres]'"
            ) from None
        self._errors = psycopg.Error
        try:
            self.conn = psycopg.connect(dsn, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            message = " ".join(str(exc).split())[:200]
            raise LedgerError(f"{self.where}: cannot connect: {message}") from None
        try:
            self.execute("BEGIN")
            self.execute(
                "SELECT pg_advisory_xact_lock(?::int, ?::int)", (LOCK_NAMESPACE, SCHEMA_LOCK)
            )
            for ddl in DDL:
                self.execute(ddl)
            self.execute(
                "INSERT INTO ledger_meta (key, value) VALUES ('schema_version', ?)"
                " ON CONFLICT (key) DO NOTHING",
                (SCHEMA_VERSION,),
            )
            self.execute("COMMIT")
        except psycopg.Error as exc:
            self.execute("ROLLBACK")
            message = " ".join(str(exc).split())[:200]
            raise LedgerError(f"{self.where}: cannot set up the ledger tables: {message}") from None

    def _execute(self, sql: str, params: tuple = ()):
        return self.conn.execute(sql, params or None)

    def _table_exists(self, name: str) -> bool:
        return bool(self.rows("SELECT to_regclass(?) IS NOT NULL", (name,))[0][0])

    def _begin(self, locks) -> None:
        self.execute("BEGIN")
        try:
            keys = sorted({lock_key(m, y) for m, y in locks})
            if len(keys) > MAX_ADVISORY_LOCKS:
                self.execute(
                    "SELECT pg_advisory_xact_lock(?::int, ?::int)", (LOCK_NAMESPACE, LEDGER_WIDE)
                )
                return
            self.execute(
                "SELECT pg_advisory_xact_lock_shared(?::int, ?::int)", (LOCK_NAMESPACE, LEDGER_WIDE)
            )
            for key in keys:
                self.execute("SELECT pg_advisory_xact_lock(?::int, ?::int)", (LOCK_NAMESPACE, key))
        except BaseException:
            self.execute("ROLLBACK")
            raise

    def close(self) -> None:
        try:
            self.rollback()
        finally:
            self.conn.close()


def open_store(spec: str, *, create: bool = True) -> LedgerStore:
    if is_postgres(spec):
        return PostgresStore(spec, create=create)
    return SqliteStore(spec, create=create)

"""The ledger's tables (the same DDL for SQLite and PostgreSQL). See docs/ledger.md."""

from __future__ import annotations

SCHEMA_VERSION = "1"

DDL = (
    """CREATE TABLE IF NOT EXISTS ledger_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    # One row per service line preflight sent in a ready file.
    """CREATE TABLE IF NOT EXISTS ledger_lines (
        claim_id TEXT NOT NULL,
        line_key TEXT NOT NULL,
        service_date TEXT NOT NULL,
        code TEXT NOT NULL,
        member_id TEXT NOT NULL,
        year INTEGER NOT NULL,
        grp TEXT NOT NULL,
        discipline TEXT NOT NULL,
        modifiers TEXT NOT NULL,
        units TEXT NOT NULL,
        amount_cents BIGINT NOT NULL,
        part_b INTEGER NOT NULL,
        frequency TEXT NOT NULL,
        source_file TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (claim_id, line_key, service_date, code)
    )""",
    "CREATE INDEX IF NOT EXISTS ledger_lines_member ON ledger_lines (member_id, year, grp)",
    # Dates with a progress report (visit log progress_report = Y) on a sent claim.
    """CREATE TABLE IF NOT EXISTS ledger_progress (
        member_id TEXT NOT NULL,
        discipline TEXT NOT NULL,
        report_date TEXT NOT NULL,
        claim_id TEXT NOT NULL,
        PRIMARY KEY (member_id, discipline, report_date, claim_id)
    )""",
    # Amounts the practice learned elsewhere (eligibility responses, other providers).
    """CREATE TABLE IF NOT EXISTS ledger_external (
        member_id TEXT NOT NULL,
        year INTEGER NOT NULL,
        grp TEXT NOT NULL,
        amount_cents BIGINT NOT NULL,
        source TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        PRIMARY KEY (member_id, year, grp)
    )""",
    # Every claim preflight sent (or voided), with the fingerprint of its service lines, for
    # DUP001. Keyed by the claim id and the sha256 of the input file it came in, so a rerun of
    # the same file rewrites its own rows and is never a duplicate of itself.
    """CREATE TABLE IF NOT EXISTS ledger_sent_claims (
        claim_id TEXT NOT NULL,
        source_sha256 TEXT NOT NULL,
        member_id TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        frequency TEXT NOT NULL,
        first_date TEXT NOT NULL,
        source_file TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (claim_id, source_sha256)
    )""",
    "CREATE INDEX IF NOT EXISTS ledger_sent_claims_fp"
    " ON ledger_sent_claims (member_id, fingerprint)",
)

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
    # Issue 16 (remittances, docs/remittance.md). Every claim preflight sent, with its payer:
    # what an 835's CLP01 is matched against.
    """CREATE TABLE IF NOT EXISTS ledger_claims (
        claim_id TEXT NOT NULL,
        member_id TEXT NOT NULL,
        payer_id TEXT NOT NULL,
        payer_class TEXT NOT NULL,
        frequency TEXT NOT NULL,
        source_file TEXT NOT NULL,
        sent_on TEXT NOT NULL,
        PRIMARY KEY (claim_id, member_id)
    )""",
    # One row per 835 file imported (a log: importing it again changes nothing).
    """CREATE TABLE IF NOT EXISTS remit_files (
        sha256 TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        imported_at TEXT NOT NULL
    )""",
    # The current adjudication of a claim by a payer (a reversal leaves the row with status 22
    # and no lines, so an older remittance imported later cannot bring the payment back).
    # remit_id = payer key | CLP01 | CLP07 | occurrence of that triple in its file.
    """CREATE TABLE IF NOT EXISTS remit_claims (
        remit_id TEXT PRIMARY KEY,
        payer_key TEXT NOT NULL,
        claim_id TEXT NOT NULL,
        status TEXT NOT NULL,
        charged_cents BIGINT NOT NULL,
        paid_cents BIGINT NOT NULL,
        patient_cents BIGINT NOT NULL,
        filing TEXT NOT NULL,
        payer_control TEXT NOT NULL,
        payer_id TEXT NOT NULL,
        payer_class TEXT NOT NULL,
        payer_name TEXT NOT NULL,
        member_id TEXT NOT NULL,
        provider TEXT NOT NULL,
        matched INTEGER NOT NULL,
        sent_on TEXT NOT NULL,
        trace TEXT NOT NULL,
        method TEXT NOT NULL,
        paid_on TEXT NOT NULL,
        remarks TEXT NOT NULL,
        file_sha256 TEXT NOT NULL,
        source_file TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS remit_claims_claim ON remit_claims (claim_id)",
    # Service payments (2110 SVC) of the current adjudications; line_no 0 = the claim level.
    """CREATE TABLE IF NOT EXISTS remit_lines (
        remit_id TEXT NOT NULL,
        payer_key TEXT NOT NULL,
        claim_id TEXT NOT NULL,
        line_no INTEGER NOT NULL,
        line_key TEXT NOT NULL,
        match_basis TEXT NOT NULL,
        service_date TEXT NOT NULL,
        code TEXT NOT NULL,
        modifiers TEXT NOT NULL,
        units TEXT NOT NULL,
        charged_cents BIGINT NOT NULL,
        paid_cents BIGINT NOT NULL,
        allowed_cents BIGINT NOT NULL,
        allowed_basis TEXT NOT NULL,
        denied INTEGER NOT NULL,
        remarks TEXT NOT NULL,
        PRIMARY KEY (remit_id, line_no)
    )""",
    "CREATE INDEX IF NOT EXISTS remit_lines_claim ON remit_lines (claim_id, line_key)",
    # CAS adjustments: group (CO/PR/OA/PI/CR), CARC, amount; line_no 0 = claim level.
    """CREATE TABLE IF NOT EXISTS remit_adjustments (
        remit_id TEXT NOT NULL,
        line_no INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        grp TEXT NOT NULL,
        carc TEXT NOT NULL,
        amount_cents BIGINT NOT NULL,
        PRIMARY KEY (remit_id, line_no, seq)
    )""",
    # PLB provider-level adjustments (not a claim's): kept per file and position.
    """CREATE TABLE IF NOT EXISTS remit_plb (
        file_sha256 TEXT NOT NULL,
        set_number INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        payer_key TEXT NOT NULL,
        provider TEXT NOT NULL,
        fiscal_date TEXT NOT NULL,
        reason TEXT NOT NULL,
        reference TEXT NOT NULL,
        amount_cents BIGINT NOT NULL,
        PRIMARY KEY (file_sha256, set_number, seq)
    )""",
    # Contract fee schedules (maps import-rates): the payer's rate per unit.
    """CREATE TABLE IF NOT EXISTS contract_rates (
        payer_id TEXT NOT NULL,
        code TEXT NOT NULL,
        modifiers TEXT NOT NULL,
        rate_cents BIGINT NOT NULL,
        source TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        PRIMARY KEY (payer_id, code, modifiers)
    )""",
    # Prior authorizations (`x12tool auth import`, docs/payers.md): one row per number,
    # discipline and code ('' = visits and/or units of all timed codes).
    """CREATE TABLE IF NOT EXISTS ledger_auths (
        member_id TEXT NOT NULL,
        payer_id TEXT NOT NULL,
        auth_number TEXT NOT NULL,
        discipline TEXT NOT NULL,
        code TEXT NOT NULL,
        start_date TEXT NOT NULL,
        end_date TEXT NOT NULL,
        visits INTEGER,
        units INTEGER,
        source TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        PRIMARY KEY (member_id, payer_id, auth_number, discipline, code)
    )""",
    # Lines sent to payers whose profile requires prior authorization: what AUTH003 counts.
    """CREATE TABLE IF NOT EXISTS ledger_auth_lines (
        claim_id TEXT NOT NULL,
        line_key TEXT NOT NULL,
        service_date TEXT NOT NULL,
        code TEXT NOT NULL,
        member_id TEXT NOT NULL,
        payer_id TEXT NOT NULL,
        discipline TEXT NOT NULL,
        timed INTEGER NOT NULL,
        units TEXT NOT NULL,
        auth_number TEXT NOT NULL,
        source_file TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (claim_id, line_key, service_date, code)
    )""",
    "CREATE INDEX IF NOT EXISTS ledger_auth_lines_member"
    " ON ledger_auth_lines (member_id, payer_id)",
)

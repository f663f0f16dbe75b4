"""Import 835 remittances into the ledger: match, store, replace (docs/remittance.md).

* **Claims.** CLP01 is our CLM01. The sent claim is looked up in ``ledger_claims`` (written by
  preflight); when several sent claims share the CLM01, the one sent to the same payer id wins,
  then the one of the same member. An 835 claim with no sent claim is stored all the same, with
  ``matched = 0``, and listed: never dropped.
* **Lines.** An SVC is matched to our line by REF*6R (our line control number echoed back),
  else by code + modifier set + date of service, else by code + date when only one of our lines
  fits. The code and modifiers are those we sent (SVC06 when the payer changed them).
* **Replacement.** A claim payment's key is (payer, CLP01, CLP07 payer claim control number,
  occurrence of that triple in its file: sample files repeat placeholder ids). A later
  adjudication with the same key replaces the stored one (lines and adjustments deleted and
  written again), so re-importing a file changes nothing. A reversal (CLP02 = 22) carries the
  control number of the payment it takes back: it removes that payment and leaves a status-22
  row without lines, and the corrected payment that follows (a new control number, or the same
  one) is stored in its own right, so nothing counts twice. An adjudication older than the
  stored one (by payment date) is skipped, so importing files out of order ends in the same
  state.

One transaction per file: a file that fails to parse leaves the ledger as it was.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from x12tool.remit.model import ClaimPayment, ProviderAdjustment, RemitHeader, is_denied
from x12tool.remit.parse import iter_remit


@dataclass
class ImportResult:
    path: str
    sha256: str = ""
    transactions: int = 0
    claims: int = 0
    lines: int = 0
    matched_claims: int = 0
    matched_lines: int = 0
    denied_lines: int = 0
    reversals: int = 0
    reversal_lines: int = 0  # SVC of reversals: taken back, not stored
    skipped_older: int = 0
    plb: int = 0
    paid_cents: int = 0
    unmatched_claims: list[tuple[str, str, str]] = field(default_factory=list)  # id, payer, why
    unmatched_lines: list[tuple[str, int, str, str]] = field(default_factory=list)


def to_cents(amount: Decimal) -> int:
    return int((Decimal(amount) * 100).to_integral_value())


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _day(d) -> str:
    return d.isoformat() if d is not None else ""


class RemitImporter:
    def __init__(self, store, ref) -> None:
        # ``store``: the ledger's store (x12tool.ledger.store.LedgerStore): execute, rows,
        # begin, commit, rollback. Not imported: the ledger layer sits above this one.
        self.store = store
        self.ref = ref

    def import_file(self, path: str) -> ImportResult:
        result = ImportResult(path=path)
        self._seen: dict[tuple, int] = {}
        try:
            result.sha256 = file_sha256(path)
        except OSError:
            result.sha256 = ""  # the reader below reports the unreadable file in one line
        store = self.store
        store.begin()
        try:
            for item in iter_remit(path):
                if isinstance(item, RemitHeader):
                    result.transactions += 1
                elif isinstance(item, ClaimPayment):
                    self._claim(item, result)
                elif isinstance(item, ProviderAdjustment):
                    self._plb(item, result)
            store.execute(
                "INSERT INTO remit_files (sha256, name, imported_at) VALUES (?, ?, ?)"
                " ON CONFLICT (sha256) DO NOTHING",
                (result.sha256, os.path.basename(path), now()),
            )
            store.commit()
        except BaseException:
            store.rollback()
            raise
        return result

    # --- matching
    def _sent_claim(self, clp: ClaimPayment) -> tuple | None:
        rows = self.store.rows(
            "SELECT member_id, payer_id, payer_class, sent_on FROM ledger_claims"
            " WHERE claim_id = ?",
            (clp.claim_id,),
        )
        if not rows:
            return None
        payer = clp.header.payer_key

        def rank(row):
            return (row[1] != payer, row[0] != clp.member_id, row[3])

        return sorted(rows, key=rank)[0]

    def _match_lines(self, clp: ClaimPayment, member: str) -> list[tuple[str, str]]:
        ours = self.store.rows(
            "SELECT line_key, service_date, code, modifiers FROM ledger_lines"
            " WHERE claim_id = ? AND member_id = ? ORDER BY line_key",
            (clp.claim_id, member),
        )
        used: set[str] = set()
        out = []
        for svc in clp.services:
            day = _day(svc.date_from or clp.statement_from)
            key, basis = "", ""
            if svc.line_control:
                want = f"6R:{svc.line_control}"
                if any(r[0] == want for r in ours) and want not in used:
                    key, basis = want, "REF*6R"
            if not key:
                mods = set(svc.billed_modifiers)
                fits = [
                    r
                    for r in ours
                    if r[0] not in used
                    and r[2] == svc.billed_code
                    and r[1] == day
                    and set(filter(None, r[3].split(":"))) == mods
                ]
                if fits:
                    key, basis = fits[0][0], "code+modifiers+date"
                else:
                    code = svc.billed_code
                    fits = [r for r in ours if r[0] not in used and r[2] == code and r[1] == day]
                    if len(fits) == 1:
                        key, basis = fits[0][0], "code+date"
            if key:
                used.add(key)
            out.append((key, basis))
        return out

    # --- storing
    def _claim(self, clp: ClaimPayment, result: ImportResult) -> None:
        store, header = self.store, clp.header
        payer_key = header.payer_key
        paid_on = _day(header.paid_on)
        triple = (payer_key, clp.claim_id, clp.payer_control, clp.reversal)
        occurrence = self._seen[triple] = self._seen.get(triple, 0) + 1
        remit_id = f"{payer_key}|{clp.claim_id}|{clp.payer_control}|{occurrence}"
        stored = store.rows("SELECT paid_on FROM remit_claims WHERE remit_id = ?", (remit_id,))
        result.claims += 1
        if clp.reversal:
            result.reversals += 1
            result.reversal_lines += len(clp.services)
        else:
            result.lines += len(clp.services)
        if stored and stored[0][0] > paid_on:
            result.skipped_older += 1  # a newer adjudication is already stored
            return
        sent = self._sent_claim(clp)
        self._delete(remit_id)
        if sent is None:
            why = "no claim with this CLM01 in the ledger (not sent through preflight?)"
            result.unmatched_claims.append((clp.claim_id, payer_key, why))
            member, payer_id = clp.member_id, payer_key
            payer_class = self.ref.payer_class(clp.filing)
            sent_on = ""
        else:
            member, payer_id, payer_class, sent_on = sent
            payer_id = payer_id or payer_key
            payer_class = payer_class or self.ref.payer_class(clp.filing)
            result.matched_claims += 1
        store.execute(
            "INSERT INTO remit_claims (remit_id, payer_key, claim_id, status, charged_cents,"
            " paid_cents, patient_cents, filing, payer_control, payer_id, payer_class, payer_name,"
            " member_id, provider, matched, sent_on, trace, method, paid_on, remarks,"
            " file_sha256, source_file) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " ?, ?, ?, ?, ?, ?)",
            (
                remit_id,
                payer_key,
                clp.claim_id,
                clp.status,
                0 if clp.reversal else to_cents(clp.charge),
                0 if clp.reversal else to_cents(clp.paid),
                0 if clp.reversal else to_cents(clp.patient_resp),
                clp.filing,
                clp.payer_control,
                payer_id,
                payer_class,
                header.payer_name,
                member or "",
                clp.rendering or header.payee_id,
                0 if sent is None else 1,
                sent_on,
                header.trace,
                header.method,
                paid_on,
                " ".join(clp.remarks),
                result.sha256,
                os.path.basename(result.path),
            ),
        )
        if clp.reversal:
            return  # a reversal's negative amounts are not stored: nothing counts twice
        result.paid_cents += to_cents(clp.paid)
        self._adjustments(remit_id, 0, clp.adjustments)
        matches = (
            self._match_lines(clp, member) if sent is not None else [("", "")] * len(clp.services)
        )
        for svc, (key, basis) in zip(clp.services, matches, strict=True):
            allowed, allowed_basis = svc.allowed
            denied = is_denied(svc, clp)
            result.denied_lines += denied
            if key:
                result.matched_lines += 1
            elif sent is not None:  # an unmatched claim is listed once, not line by line
                result.unmatched_lines.append(
                    (clp.claim_id, svc.number, svc.billed_code, _day(svc.date_from))
                )
            units = svc.submitted_units if svc.submitted_units is not None else svc.units
            store.execute(
                "INSERT INTO remit_lines (remit_id, payer_key, claim_id, line_no, line_key,"
                " match_basis, service_date, code, modifiers, units, charged_cents, paid_cents,"
                " allowed_cents, allowed_basis, denied, remarks) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
                " ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    remit_id,
                    payer_key,
                    clp.claim_id,
                    svc.number,
                    key,
                    basis,
                    _day(svc.date_from or clp.statement_from),
                    svc.billed_code,
                    ":".join(svc.billed_modifiers),
                    str(units if units is not None else Decimal(1)),
                    to_cents(svc.charge),
                    to_cents(svc.paid),
                    to_cents(allowed),
                    allowed_basis,
                    1 if denied else 0,
                    " ".join(svc.remarks),
                ),
            )
            self._adjustments(remit_id, svc.number, svc.adjustments)

    def _adjustments(self, remit_id: str, line_no: int, adjustments) -> None:
        for seq, adj in enumerate(adjustments, 1):
            self.store.execute(
                "INSERT INTO remit_adjustments (remit_id, line_no, seq, grp, carc, amount_cents)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (remit_id, line_no, seq, adj.group, adj.reason, to_cents(adj.amount)),
            )

    def _delete(self, remit_id: str) -> None:
        for table in ("remit_adjustments", "remit_lines", "remit_claims"):
            self.store.execute(
                f"DELETE FROM {table} WHERE remit_id = ?",  # noqa: S608 - fixed table names
                (remit_id,),
            )

    def _plb(self, plb: ProviderAdjustment, result: ImportResult) -> None:
        result.plb += 1
        self.store.execute(
            "INSERT INTO remit_plb (file_sha256, set_number, seq, payer_key, provider,"
            " fiscal_date, reason, reference, amount_cents) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (file_sha256, set_number, seq) DO NOTHING",
            (
                result.sha256,
                plb.header.set_number,
                plb.seq,
                plb.header.payer_key,
                plb.provider,
                _day(plb.fiscal_date),
                plb.reason,
                plb.reference,
                to_cents(plb.amount),
            ),
        )

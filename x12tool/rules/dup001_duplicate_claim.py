"""DUP001: a claim the ledger has already seen sent in an earlier file."""

from __future__ import annotations

from x12tool.rules.base import Rule, Severity
from x12tool.rules.services import LEDGER

# CLM05-3, the claim frequency code (TR3 005010X222A1 2300 CLM05-3)
REPLACEMENT, VOID = "7", "8"


class DUP001(Rule):
    """A claim already sent in an earlier file (same claim id, or same member, dates and lines).

    Why is this bad?
        A clearinghouse rejects an exact duplicate, and a payer denies a claim for a service it
        already has on file (CARC 18, "exact duplicate claim/service"). A duplicate denial costs
        a follow-up, and a duplicate that slips through becomes an overpayment to refund. Billing
        systems send claims twice when an export is rerun, a file is dropped into the outbox
        again under another name, or a corrected claim goes out as a new original.

        With a ledger (`x12tool ledger`), preflight remembers every claim it sent: its claim id
        (CLM01), its member, and a digest of its service lines (dates, procedure code,
        modifiers, units). A claim is an error when an earlier file sent the same claim id, or
        a claim of the same member with exactly the same service lines, and that claim was not
        voided since (a later CLM05-3 = 8 with its claim id). The finding names the earlier
        file, the date it was sent and its claim id. Replacement (CLM05-3 = 7) and void (8)
        claims are never duplicates: they refer to a claim on purpose. A replacement or void
        of a claim the ledger never saw sent is a warning (the payer may have no claim to
        replace; or it went before the ledger existed, or from another system).

        Rerunning the same input file is not a duplicate of itself: claims recorded from a
        file with the same sha256 are left out. Without a ledger the rule is silent.

    Example
        File monday.837 sent `CLM*A100*120***11:B:1*Y*A*Y*Y~` with
        `SV1*HC:97110:GP*120*UN*4***1~` on 2026-09-14; tuesday.837 carries `CLM*A100...` again.

    Use instead
        Leave the claim out of the new file; or, when it corrects the one sent, send it as a
        replacement: `CLM*A100*120***11:B:7*Y*A*Y*Y~` with the payer's claim number in
        `REF*F8`.

    Fix safety
        No fix: only the biller knows whether the claim is a resend, a correction or a new
        service that happens to look the same.

    Source
        X12 005010X222A1 2300 CLM01 (patient control number) and CLM05-3 (claim frequency
        code: 1 original, 7 replacement, 8 void). CARC 18 "Exact
        duplicate claim/service" (X12 Claim Adjustment Reason Codes). 277CA claim status codes
        54 "Duplicate of a previously processed claim/line" and 78 "Duplicate of an existing
        claim/line, awaiting processing".
    """

    code = "DUP001"
    name = "claim.duplicate"
    severity = Severity.ERROR
    needs = frozenset({LEDGER})

    def check(self, claim, ctx):
        claim_id = (claim.id or "").strip()
        scope = ctx.ledger_scope()
        if not claim_id or not scope.has_store:
            return ()  # no ledger store: nothing sent before to compare with
        return self._findings(claim, ctx, claim_id, scope)

    def _findings(self, claim, ctx, claim_id, scope):
        earlier = scope.sent_before(claim)
        frequency = (claim.frequency or "1").strip()
        if frequency in (REPLACEMENT, VOID):
            if not any(e.same_id for e in earlier):
                kind = "replacement" if frequency == REPLACEMENT else "void"
                yield self.finding(
                    ctx,
                    f"{kind} (CLM05-3 = {frequency}) of claim {claim_id}, which the ledger "
                    "never saw sent: check that the payer has the original (sent before the "
                    "ledger or from another system?) and that its claim number is in REF*F8",
                    segment=claim.clm,
                    severity=Severity.WARNING,
                )
            return
        for e in earlier:  # oldest first: the first sending is the one to name
            if e.voided_since or e.frequency == VOID:
                continue  # voided since: sending it again is a new claim
            if e.same_id:
                how = f"claim {e.claim_id} (same claim id)"
            elif e.same_services:
                how = f"claim {e.claim_id} (same member, dates, codes, modifiers and units)"
            else:
                continue
            yield self.finding(
                ctx,
                f"already sent: {how} went in {e.source_file} on {e.recorded_at[:10]}; the "
                "clearinghouse rejects a duplicate and the payer denies it (CARC 18). Leave it "
                "out, or send a correction as a replacement (CLM05-3 = 7)",
                segment=claim.clm,
            )
            return


RULE = DUP001

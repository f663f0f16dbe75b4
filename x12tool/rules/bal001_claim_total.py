"""BAL001: the total claim charge (CLM02) differs from the sum of the line charges (SV102)."""

from __future__ import annotations

from decimal import Decimal

from x12tool.edi.segment import format_decimal
from x12tool.rules.base import Applicability, Fix, Rule, SetElement, Severity

_ZERO = Decimal(0)


class BAL001(Rule):
    """The total claim charge (CLM02) is not the sum of the service line charges (SV102).

    Why is this bad?
        The 837P balancing rule requires CLM02 to equal the sum of all SV102 line item charge
        amounts of the claim. Clearinghouses and payers reject an unbalanced claim at the
        front end, before any line is adjudicated.

    Example
        `CLM*A1*200***11:B:1*Y*A*Y*Y~` with lines `SV1*HC:97110:GP*60*UN*1***1~` and
        `SV1*HC:97530:GP*130*UN*2***1~` (the lines add up to 190).

    Use instead
        `CLM*A1*190***11:B:1*Y*A*Y*Y~`

    Fix safety
        Safe: the line charges are what is billed, and the total is their sum. The fix sets
        CLM02 to the exact sum, written without trailing zeros. Amounts are compared as
        decimals, exactly (to the cent and below). No fix when a line charge is unreadable (the
        sum is then unknown; COD001 reports the charge); CLM02 that is itself unreadable is
        left to COD001.

    Source
        TR3 005010X222A1 §1.4.4 balancing (CLM02 = sum of SV102), as cited by X12 RFI 2168;
        Stedi claim edit "total claim charge amount should equal the sum of the individual
        service line charges".
    """

    code = "BAL001"
    name = "balance.claim-total"
    severity = Severity.ERROR
    fix = Applicability.SAFE

    def check(self, claim, ctx):
        charge = claim.charge
        if charge is None or not claim.lines:
            return ()
        # The usual claim balances: the sum in one loop, in line order from Decimal(0) as
        # _findings adds them, so both get the same total.
        total = _ZERO
        for line in claim.lines:
            amount = line.charge
            if amount is None:
                return self._findings(claim, ctx)
            total += amount
        if total == charge:
            return ()
        return self._findings(claim, ctx)

    def _findings(self, claim, ctx):
        unreadable = [ln for ln in claim.lines if ln.charge is None]
        total = sum((ln.charge for ln in claim.lines if ln.charge is not None), Decimal(0))
        if not unreadable and total == claim.charge:
            return
        clm02 = claim.clm.element(2)
        if unreadable:
            lines = ", ".join(str(ln.number or "?") for ln in unreadable)
            if total == claim.charge:
                return  # balanced if the unreadable charges are 0; COD001 reports them
            yield self.finding(
                ctx,
                f"claim {claim.id}: CLM02 {clm02} differs from the readable line charges "
                f"({format_decimal(total)}), and SV102 of line(s) {lines} is not a number: "
                "correct the line charge(s), then set CLM02 to their sum",
                segment=claim.clm,
            )
            return
        fix = Fix(Applicability.SAFE, (SetElement(claim.clm, 2, format_decimal(total)),))
        diff = claim.charge - total
        how = "over" if diff > 0 else "under"
        yield self.finding(
            ctx,
            f"claim {claim.id}: CLM02 {clm02} is not the sum of the {len(claim.lines)} line "
            f"charges ({format_decimal(total)}; {format_decimal(abs(diff))} {how}): set CLM02 "
            f"to {format_decimal(total)}",
            segment=claim.clm,
            fix=fix,
        )


RULE = BAL001

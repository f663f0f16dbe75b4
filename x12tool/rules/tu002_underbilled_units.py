"""TU002: timed units below what the documented minutes support."""

from __future__ import annotations

from decimal import Decimal

from x12tool.rules.base import Applicability, Fix, Rule, SetUnits, Severity
from x12tool.rules.money import UNDERBILLED
from x12tool.rules.services import VISITS
from x12tool.rules.therapy import billed_units, scaled_charge, verdicts


class TU002(Rule):
    """Timed therapy units are below what the documented minutes support (underbilled).

    Why is this bad?
        Minutes that were furnished and documented but not billed are revenue lost. It is
        usually a charge-entry slip (a unit typed as 1 instead of 2) or minutes recorded after
        the charge was posted.

    Example
        Medicare: 97110 for 33 minutes and 97140 for 7 minutes (40 minutes, 3 units) billed as
        1 x 97110 and 1 x 97140.

    Use instead
        2 x 97110 and 1 x 97140, as CMS worked example 3 shows.

    Fix safety
        Unsafe: billing more units attests that the service was furnished for that time. The
        fix raises SV104 (and SV102 at the line's unit price) only with --unsafe-fixes, after
        someone has checked the note.

    Source
        CMS Pub 100-04 Ch. 5 §20.2 and its worked examples.
    """

    code = "TU002"
    name = "timed-units.underbilled"
    severity = Severity.WARNING
    fix = Applicability.UNSAFE
    needs = frozenset({VISITS})

    def check(self, claim, ctx):
        found = verdicts(claim, ctx)
        # most claims bill what their minutes support: no verdict, and no generator made
        return self._findings(ctx, found) if found else ()

    def _findings(self, ctx, found):
        for v in found:
            if v.partial or v.billed >= v.allowed:
                continue  # with the day's total unknown, only a ceiling is known (TU001)
            line = v.lines[-1]
            fix = None
            if len(v.lines) == 1 and billed_units(line):
                charge = scaled_charge(line, Decimal(v.allowed))
                if charge is not None:
                    edit = SetUnits(line.sv1, Decimal(v.allowed), charge)
                    fix = Fix(Applicability.UNSAFE, (edit,))
            others = f" (with {v.describe_others()})" if v.others else ""
            yield self.finding(
                ctx,
                f"{v.code} on {v.group.day.isoformat()}: {v.billed} unit(s) billed, but the "
                f"documented minutes of the day{others} support {v.allowed} here "
                f"({v.allowed - v.billed} unit(s) not billed)",
                line=line,
                fix=fix,
                extra={"billed": v.billed, "supported": v.allowed},
            )

    def money_effect(self, finding, priced):
        """``underbilled``: the claim with the documented units minus as billed."""
        moved = priced.units_delta(finding)
        if moved is not None and moved[0] > 0:
            return UNDERBILLED, moved[1]
        return super().money_effect(finding, priced)


RULE = TU002

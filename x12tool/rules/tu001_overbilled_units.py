"""TU001: timed units above what the documented minutes support."""

from __future__ import annotations

from decimal import Decimal

from x12tool.rules.base import Applicability, DeleteLine, Fix, Rule, SetUnits, Severity
from x12tool.rules.money import OVERBILLING, fixed_units
from x12tool.rules.services import VISITS
from x12tool.rules.therapy import billed_units, scaled_charge, unit_comparisons


class TU001(Rule):
    """Timed therapy units exceed what the documented minutes support.

    Why is this bad?
        Billing units the minutes do not support is overbilling. Under the CMS method (Medicare
        Part B, Medicaid, Medicare Advantage by default) the total timed minutes of the day and
        discipline set the number of units: 8-22 minutes is 1 unit, 23-37 is 2, and so on; each
        code first gets its full 15-minute units and each remaining unit goes to the code with
        the most minutes left over. Untimed codes (evaluations, 97150, 97010) are left out. Under
        the AMA method (commercial payers by default) each code is counted on its own.

    Example
        Medicare, one date: 97530 10 min, 97110 12 min, 97140 5 min, each billed 1 unit. The day
        has 27 timed minutes, which support 2 units: one to 97110 (12 left over) and one to
        97530 (10). The 97140 unit is not supported.

    Use instead
        Bill 1 x 97110 and 1 x 97530 and no 97140 line for that date.

    Fix safety
        Safe: the visit log proves the minutes, and the table is arithmetic. The fix sets SV104
        and scales SV102 at the line's own unit price; a line left with 0 units is deleted and
        the LX numbers close up; CLM02 follows. No fix is offered when one code is on several
        lines of the date (see TU004) or the minutes of the date are incomplete.

    Source
        CMS Pub 100-04, Claims Processing Manual, Ch. 5 §20.2 (Counting Minutes for Timed Codes
        in 15 Minute Units) and its worked examples; AMA/CPT time rule for the `ama` method.
    """

    code = "TU001"
    name = "timed-units.overbilled"
    severity = Severity.ERROR
    fix = Applicability.SAFE
    needs = frozenset({VISITS})

    def check(self, claim, ctx):
        method = ctx.profile.unit_method
        for g, code, lines, billed, allowed in unit_comparisons(claim, ctx):
            if billed <= allowed:
                continue
            line = lines[0]
            fix = None
            if len(lines) == 1 and billed_units(line) is not None:
                if allowed == 0:
                    edit = DeleteLine(line.lx)
                else:
                    charge = scaled_charge(line, Decimal(allowed))
                    edit = SetUnits(line.sv1, Decimal(allowed), charge) if charge else None
                fix = Fix(Applicability.SAFE, (edit,)) if edit else None
            how = (
                f"the {sum(g.minutes(c) for c in g.rows)} timed minutes of the day"
                if method == "cms"
                else f"its {g.minutes(code)} minutes"
            )
            yield self.finding(
                ctx,
                f"{code} on {g.day.isoformat()}: {billed} unit(s) billed, but {how} "
                f"({ctx.profile.unit_method.upper()} method) support {allowed} for {code} "
                f"({g.minutes(code)} min documented)",
                line=line,
                fix=fix,
                extra={"billed": billed, "supported": allowed},
            )

    def money_effect(self, finding, priced):
        """``overbilling_avoided``: the claim as billed minus with the line at the supported
        units (the MPPR recomputed, so the figure is what those units would really add)."""
        i = priced.index_of(finding)
        if i is not None:
            units = fixed_units(finding)
            if units is None and "supported" in finding.extra:
                units = Decimal(finding.extra["supported"])
            if units is not None and units < priced.inputs[i].units:
                after = priced.price(priced.with_units(i, units)).total
                return OVERBILLING, priced.billed.total - after
        return super().money_effect(finding, priced)


RULE = TU001

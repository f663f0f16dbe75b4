"""TU003: a timed therapy code reported in minutes (SV103 = MJ)."""

from __future__ import annotations

from decimal import Decimal

from x12tool.money.amounts import ZERO
from x12tool.rules.base import Applicability, DeleteLine, Fix, Rule, SetUnits, Severity
from x12tool.rules.money import AT_RISK, fixed_units
from x12tool.rules.units import table_units


class TU003(Rule):
    """A timed therapy code is reported in minutes (SV103 = MJ) instead of 15-minute units.

    Why is this bad?
        The 837P unit basis MJ (minutes) is meant for anesthesia time. Therapy codes are defined
        in 15-minute units; a payer reads "MJ 38" of 97110 as 38 units or rejects the line.

    Example
        `SV1*HC:97110:GP*120*MJ*38***1~`

    Use instead
        `SV1*HC:97110:GP*120*UN*3***1~`: 38 minutes is 3 units by the 8-minute table. When
        other timed codes share the date, TU001 then checks the day's total.

    Fix safety
        Safe: the minutes are on the line itself, and the table is arithmetic. The charge is
        left as billed (it was the charge for the whole service). Fewer than 8 minutes is 0
        units and the line is deleted.

    Source
        TR3 005010X222A1 SV103 (MJ minutes, UN unit); CMS Pub 100-04 Ch. 5 §20.2 table.
    """

    code = "TU003"
    name = "timed-units.minutes-basis"
    severity = Severity.ERROR
    fix = Applicability.SAFE

    def check(self, claim, ctx):
        for line in claim.lines:
            if line.unit_basis == "MJ":  # minutes on a line are rare: look closer only then
                return self._findings(claim, ctx)
        return ()

    def _findings(self, claim, ctx):
        for line in claim.lines:
            if line.unit_basis != "MJ" or not ctx.ref.is_timed(line.code):
                continue
            minutes = line.units
            fix = None
            if minutes is not None and minutes >= 0 and minutes == minutes.to_integral_value():
                units = table_units(int(minutes))
                if units == 0:
                    fix = Fix(Applicability.SAFE, (DeleteLine(line.lx),))
                elif line.charge is not None:
                    fix = Fix(
                        Applicability.SAFE, (SetUnits(line.sv1, Decimal(units), line.charge),)
                    )
                what = f"{int(minutes)} minutes is {units} unit(s) by the 8-minute table"
            else:
                what = f"{line.sv1.element(4)!r} is not a whole number of minutes"
            yield self.finding(
                ctx,
                f"{line.code} is billed in minutes (SV103 MJ); therapy codes are billed in "
                f"15-minute units (UN): {what}",
                line=line,
                fix=fix,
            )

    def money_effect(self, finding, priced):
        """``at_risk``: the line's value once its units are right (as sent, a payer rejects
        it)."""
        i = priced.index_of(finding)
        if i is not None:
            units = fixed_units(finding)
            if units is not None:
                line = priced.price(priced.with_units(i, units)).line(i)
                return AT_RISK, line.amount if line else ZERO
        return super().money_effect(finding, priced)


RULE = TU003

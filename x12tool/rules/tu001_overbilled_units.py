"""TU001: timed units above what the documented minutes support."""

from __future__ import annotations

from decimal import Decimal

from x12tool.rules.base import Applicability, DeleteLine, Fix, Rule, SetUnits, Severity
from x12tool.rules.money import OVERBILLING
from x12tool.rules.services import VISITS
from x12tool.rules.therapy import billed_units, scaled_charge, verdicts


class TU001(Rule):
    """Timed therapy units exceed what the documented minutes support.

    Why is this bad?
        Billing units the minutes do not support is overbilling. Under the CMS method (Medicare
        Part B, Medicaid, Medicare Advantage by default) the total timed minutes of the day and
        discipline set the number of units: 8-22 minutes is 1 unit, 23-37 is 2, and so on; each
        code first gets its full 15-minute units and each remaining unit goes to the code with
        the most minutes left over. Untimed codes (evaluations, 97150, 97010) are left out. Under
        the AMA method (commercial payers by default) each code is counted on its own.

        The day is the beneficiary's (member id and payer), not the claim's: the rows and lines
        of every claim of the member on that date and discipline in the file count together,
        and with a ledger so do the lines sent earlier for that member, date and discipline.
        Units over the day's limit come off the latest line of the code (this file's claims
        after earlier files', then file order), so the later claim is the one cut; the message
        names the other claims of the day. A visit-log row with a discipline supports only the
        line with that discipline's modifier (PT GP, OT GO, SLP GN).

        When a timed line of the day has no minutes, the day's total is unknown, but a code's
        own minutes still cap it: at most its full 15-minute units plus one from the remainder
        (20 minutes: 2 units). The message says the day's total is unknown.

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
        lines of the date (see TU004). When the unit comes off another claim of the day, that
        claim gets the finding, not this one.

    Source
        CMS Pub 100-04, Claims Processing Manual, Ch. 5 §20.2 (Counting Minutes for Timed Codes
        in 15 Minute Units: per beneficiary per day) and its worked examples; Pub 100-02 Ch. 15
        §220 (a treatment day may hold several sessions) and §220.1.2 B (a plan of care per
        discipline); AMA/CPT time rule for the `ama` method.
    """

    code = "TU001"
    name = "timed-units.overbilled"
    severity = Severity.ERROR
    fix = Applicability.SAFE
    needs = frozenset({VISITS})

    def check(self, claim, ctx):
        found = verdicts(claim, ctx)
        # most claims bill what their minutes support: no verdict, and no generator made
        return self._findings(ctx, found) if found else ()

    def _findings(self, ctx, found):
        method = ctx.profile.unit_method
        for v in found:
            if v.billed <= v.allowed:
                continue
            g, code, lines, allowed = v.group, v.code, v.lines, v.allowed
            line = lines[-1]
            fix = None
            if len(lines) == 1 and billed_units(line) is not None:
                if allowed == 0:
                    edit = DeleteLine(line.lx)
                else:
                    charge = scaled_charge(line, Decimal(allowed))
                    edit = SetUnits(line.sv1, Decimal(allowed), charge) if charge else None
                fix = Fix(Applicability.SAFE, (edit,)) if edit else None
            if v.partial:
                how = (
                    f"its own {g.minutes(code)} minutes support at most {v.day_allowed} "
                    f"(the day's total is unknown: no minutes for {', '.join(g.missing())})"
                )
            elif method == "cms":
                how = (
                    f"the {sum(g.minutes(c) for c in g.codes())} timed minutes of the day "
                    f"({method.upper()} method) support {v.day_allowed} for {code} "
                    f"({g.minutes(code)} min documented)"
                )
            else:
                how = (
                    f"its {g.minutes(code)} minutes ({method.upper()} method) support "
                    f"{v.day_allowed}"
                )
            day = f"{code} on {g.day.isoformat()}"
            if g.peers:
                how += (
                    f"; the day is this beneficiary's {g.discipline or 'therapy'} day with "
                    + ", ".join(dict.fromkeys(p.where() for p in g.peers))
                )
            if v.others:
                billed = (
                    f"{v.billed} unit(s) billed here and {v.day_billed - v.billed} on "
                    f"{v.describe_others()} for the same beneficiary and day"
                )
                keep = f"; this claim may bill {allowed}" if allowed != v.day_allowed else ""
            else:
                billed, keep = f"{v.billed} unit(s) billed", ""
            yield self.finding(
                ctx,
                f"{day}: {billed}, but {how}{keep}",
                line=line,
                fix=fix,
                extra={"billed": v.billed, "supported": allowed},
            )

    def money_effect(self, finding, priced):
        """``overbilling_avoided``: the claim as billed minus with the line at the supported
        units (the MPPR recomputed, so the figure is what those units would really add)."""
        moved = priced.units_delta(finding)
        if moved is not None and moved[0] < 0:
            return OVERBILLING, -moved[1]
        return super().money_effect(finding, priced)


RULE = TU001

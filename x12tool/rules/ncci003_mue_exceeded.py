"""NCCI003: units of a code on one date above its MUE (imported CMS MUE table)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from x12tool.rules.base import Rule, Severity
from x12tool.rules.dayunits import DayUnits
from x12tool.rules.ncci_hits import index_for, line_numbers, lines_by_date
from x12tool.rules.services import NCCI

_MAI = {
    1: "MAI 1, per claim line",
    2: "MAI 2, date-of-service edit based on policy: cannot be overridden",
    3: "MAI 3, date-of-service edit based on clinical data: payable only on appeal with "
    "documentation",
}


def _units(line) -> Decimal | None:
    if line.unit_basis != "UN" or line.units is None:
        return None
    return line.units


def _fmt(n: Decimal) -> str:
    return format(n.normalize(), "f") if n != n.to_integral_value() else str(int(n))


class NCCI003(Rule):
    """Units of a code on one date of service exceed its Medically Unlikely Edit (MUE).

    Why is this bad?
        An MUE is the most units of a code CMS will pay for one patient on one date. The
        adjudication indicator (MAI) says how it is counted: MAI 1 per claim line (more units
        may go on separate lines with an appropriate modifier); MAI 2 and 3 sum every line of
        the date, MAI 2 is absolute policy and MAI 3 can only be won on appeal. Units above the
        MUE are denied (a line denial; an ABN does not apply).

        MAI 2 and 3 count the beneficiary's day, not the claim: the units of the code on
        every claim of the member, payer and billing provider for that date add up. The
        earlier claims of the file (file order) count first; the claim that takes the day
        over the MUE gets the finding and names the others. A claim sent again with the same
        CLM01 is a resend (DUP001), not a second claim of the day.

    Example
        Imported MUE 97530 = 4, MAI 2. One date: 97530-GP 3 units on line 1 and 2 units on
        line 2 (5 in all).

    Use instead
        No more than 4 units of 97530 for that date (and only what the minutes support).

    Fix safety
        No fix: which units to drop depends on the documentation. Only with an imported CMS MUE
        table (``x12tool maps import-mue``): no MUE values ship, because none could be
        verified.

    Source
        CMS, Medicare NCCI Medically Unlikely Edits, Practitioner Services MUE Table (columns
        and MAI 1/2/3); FCSO and Palmetto GBA on MAI meanings; NCCI Policy Manual Ch. I §V
        (MUEs per provider, per beneficiary, per date of service; MAI 2/3 summed across lines
        and claims).
    """

    code = "NCCI003"
    name = "mue.units-exceeded"
    severity = Severity.ERROR
    fix = None
    needs = frozenset({NCCI})

    def check(self, claim, ctx):
        index = index_for(ctx)
        if not index.has_mue:
            return ()  # no MUE table imported: nothing to count
        return self._findings(claim, ctx, index)

    def _findings(self, claim, ctx, index):
        days = DayUnits(claim, ctx.group_state(self))
        for day, lines in sorted(lines_by_date(claim).items()):
            by_code = defaultdict(list)
            for ln in lines:
                if _units(ln) is not None:
                    by_code[ln.code.strip().upper()].append(ln)
            for code, code_lines in by_code.items():
                limit = index.mue(code, day, ctx.profile)
                if limit is None:
                    continue
                value, mai = limit
                where = f"MUE {value} ({_MAI.get(mai, f'MAI {mai}')}; {index.mue_source})"
                if mai == 1:
                    for ln in code_lines:
                        units = _units(ln)
                        if units > value:
                            yield self.finding(
                                ctx,
                                f"{code} on {day.isoformat()}: {_fmt(units)} units on "
                                f"{line_numbers([ln])}, above its {where}",
                                line=ln,
                            )
                    continue
                total = sum((_units(ln) for ln in code_lines), Decimal(0))
                earlier = days.add((code, day), total)
                if total > value:
                    yield self.finding(
                        ctx,
                        f"{code} on {day.isoformat()}: {_fmt(total)} units on "
                        f"{line_numbers(code_lines)}, above its {where}",
                        line=code_lines[0],
                    )
                elif earlier and total + sum(u for _, u in earlier) > value:
                    before = sum(u for _, u in earlier)
                    others = ", ".join(f"{cid} ({_fmt(u)})" for cid, u in earlier)
                    yield self.finding(
                        ctx,
                        f"{code} on {day.isoformat()}: {_fmt(total)} units on "
                        f"{line_numbers(code_lines)} and {_fmt(before)} on earlier claim(s) of "
                        f"the beneficiary's day: {others}; {_fmt(total + before)} in all, above "
                        f"its {where}",
                        line=code_lines[0],
                    )


RULE = NCCI003

"""TU007: an untimed (service-based) therapy code billed with more units than a day allows."""

from __future__ import annotations

from decimal import Decimal

from x12tool.rules.base import Applicability, Fix, Rule, SetUnits, Severity
from x12tool.rules.codeflags import UNTIMED_LIMIT
from x12tool.rules.dayunits import DayUnits
from x12tool.rules.money import OVERBILLING
from x12tool.rules.therapy import billed_units, line_discipline, scaled_charge


class TU007(Rule):
    """An untimed therapy code is billed with more units on one date than it allows.

    Why is this bad?
        Untimed (service-based) codes are billed as one unit whatever their duration: an
        evaluation that took 60 minutes is still 1 unit. Evaluations and re-evaluations
        (97161-97168, 92521-92524, 92610) and the other 1-unit codes of the CMS chart (97150,
        97012-97028 supervised modalities, 92507, 92526, G0283) are billed once per discipline
        per date; other untimed codes once per date unless the code map gives another
        limit (`unit_limit`, with its source). Recovery auditors find these as overpayments.

        The day is the beneficiary's, not the claim's: §20.2 D counts a 1-unit code once per
        provider, per discipline, per date of service, per patient, so an evaluation billed on
        two claims of one member, payer, billing provider and date is over the limit too. The
        units of the earlier claims of the file (file order) count first; the later claim gets
        the finding and names the others. A claim sent again with the same CLM01 is not a
        second claim of the day (DUP001 reports a resend).

    Example
        `SV1*HC:97161:GP*300*UN*2***1~` (a 60-minute PT evaluation billed as 2 units).

    Use instead
        `SV1*HC:97161:GP*150*UN*1***1~`.

    Fix safety
        Safe: the limit is the code's definition, not a judgement. A single line is set to the
        limit and its charge scaled at its own unit price; CLM02 follows. When the units are
        spread over several lines of the date, nothing is changed and the claim is held. Over
        the limit only with another claim of the day: held, no fix (the documents do not say
        which claim's line is the wrong one).

    Source
        CMS Pub 100-04 Ch. 5 §20.2 B (untimed codes: 1 unit whatever the duration) and §20.2 D
        (1-unit codes once per provider, per discipline, per date of service, per patient); MLN
        Provider Compliance Newsletter, Apr 2019 (untimed codes billed over 1 unit); NCCI Policy
        Manual Ch. I §V (a day's units are counted across lines and claims: splitting a day over
        two claims does not escape a per-day limit).
    """

    code = "TU007"
    name = "untimed-units.limit"
    severity = Severity.ERROR
    fix = Applicability.SAFE

    def check(self, claim, ctx):
        ref = ctx.ref
        limited = UNTIMED_LIMIT.table(ref)
        days = None
        for line in claim.lines:
            # an untimed code with a limit (UNTIMED_LIMIT: the code map's untimed codes with
            # a unit_limit), read from a dict: most lines have none
            got = limited.get(line.code)
            if got is None:
                got = UNTIMED_LIMIT.learn(ref, line.code)
            if not got or line.date_from is None:
                continue
            info = ref.code(line.code)
            disc = _discipline(claim, line, ctx) if info.unit_limit_per != "date" else None
            if days is None:
                days = {}
            key = (line.code, line.date_from, disc)
            got = days.get(key)
            if got is None:
                days[key] = (info, [line])
            else:
                got[1].append(line)
        if days is None:
            # No untimed line with a limit (most claims): nothing to count on the
            # beneficiary's day, and nothing this claim could add to the others'.
            return ()
        return self._days(claim, ctx, days)

    def _days(self, claim, ctx, days):
        day_claims = DayUnits(claim, ctx.group_state(self))
        out = []  # a list, not a generator: most days are within the limit
        for (code, day, disc), (info, lines) in days.items():
            if len(lines) == 1:  # the usual day: one line of the code
                billed = billed_units(lines[0])
                if billed is None:
                    continue  # not whole units: IG/other rules say so
            else:
                units = [billed_units(ln) for ln in lines]
                if None in units:
                    continue
                billed = sum(units)
            limit = info.unit_limit
            earlier = day_claims.add((code, day, disc), billed)
            if billed <= limit:
                if earlier and billed + sum(u for _, u in earlier) > limit:
                    out.append(self._across_claims(ctx, lines, billed, limit, disc, earlier))
                continue
            line = lines[-1]
            fix = None
            if len(lines) == 1:
                charge = scaled_charge(line, Decimal(limit))
                if charge is not None:
                    fix = Fix(Applicability.SAFE, (SetUnits(line.sv1, Decimal(limit), charge),))
            scope = f"per {disc} date" if disc else "per date"
            where = f" on {len(lines)} lines" if len(lines) > 1 else ""
            out.append(
                self.finding(
                    ctx,
                    f"{code} on {day.isoformat()}: {billed} unit(s) billed{where}; an untimed "
                    f"code is {limit} unit(s) {scope} whatever its duration (Pub 100-04 Ch. 5 "
                    "§20.2)",
                    line=line,
                    fix=fix,
                    extra={"billed": billed, "supported": limit},
                )
            )
        return out

    def _across_claims(self, ctx, lines, billed, limit, disc, earlier):
        """Within the limit on this claim, over it with the earlier claims of the day."""
        line = lines[-1]
        before = sum(u for _, u in earlier)
        over = billed + before - limit
        scope = f"per {disc} date" if disc else "per date"
        others = ", ".join(f"{cid} ({u})" for cid, u in earlier)
        return self.finding(
            ctx,
            f"{line.code} on {line.date_from.isoformat()}: {billed} unit(s) billed here and "
            f"{before} on earlier claim(s) of the beneficiary's day: {others}; an untimed code "
            f"is {limit} unit(s) {scope} for the provider, across claims (Pub 100-04 Ch. 5 "
            "§20.2 D; NCCI Ch. I §V)",
            line=line,
            extra={
                "billed": billed + before,
                "supported": max(0, billed_units(line) - over),
                "claims": [cid for cid, _ in earlier],
            },
        )

    def money_effect(self, finding, priced):
        """``overbilling_avoided``: the claim as billed minus with the line at the limit."""
        moved = priced.units_delta(finding)
        if moved is not None and moved[0] < 0:
            return OVERBILLING, -moved[1]
        return super().money_effect(finding, priced)


def _discipline(claim, line, ctx) -> str | None:
    """:func:`line_discipline`, whose first answer is the line's therapy modifier when it has
    exactly one (the usual line): that answer without the line's visit rows, which it looks
    up before it needs them."""
    mods = ctx.ref.therapy_modifiers
    found = None
    for m in line.modifiers:
        if m in mods:
            if found is not None:
                return line_discipline(claim, line, ctx)
            found = mods[m]
    return found if found is not None else line_discipline(claim, line, ctx)


RULE = TU007

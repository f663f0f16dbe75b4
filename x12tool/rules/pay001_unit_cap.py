"""PAY001: a line over a payer's unit cap for a date."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from x12tool.rules.base import Applicability, DeleteLine, Fix, Rule, SetUnits, Severity
from x12tool.rules.dayunits import DayUnits
from x12tool.rules.services import VISITS
from x12tool.rules.therapy import billed_units, scaled_charge, verdicts


def _proven(claim, ctx) -> dict[int, int]:
    """Line id -> the units the visit log supports, for lines billed above them (one line of
    the code on the date, as TU001's fix needs)."""
    out = {}
    for v in verdicts(claim, ctx):
        lines = v.lines
        if len(lines) == 1 and v.billed > v.allowed and billed_units(lines[0]) is not None:
            out[id(lines[0])] = v.allowed
    return out


class PAY001(Rule):
    """The units of a date go past a cap in the payer's profile.

    Why is this bad?
        Many payers cap therapy units per date: a number of units of one code (97530 alone,
        for some), or of all timed codes together (often 4 timed units a day). Units past the
        cap are denied, or the whole line is. The caps are each payer's own policy: set them
        in your profile file with `<unit_cap code="97530" max="2"/>` and
        `<timed_unit_cap max="4"/>`; no shipped profile caps anything. The
        date is the beneficiary's: the units of every claim of the member, payer and billing
        provider for the date in the file add up, earlier claims (file order) first, and the
        claim that takes the date past the cap gets the finding and names the others.

    Example
        The profile caps timed units at 4 a date; the claim bills 97110 x 3 and 97530 x 2 on
        2026-03-04: 5 timed units.

    Use instead
        Bill what the payer pays and follow its policy for the rest (an authorization for
        more units, or the practice's write-off policy): never cut documented units to fit a
        cap without that decision.

    Fix safety
        Safe only where the visit log proves fewer units than were billed (the TU001
        arithmetic) and those proven units bring the date within the cap: the documentation
        is the reason for the change, not the cap. Otherwise no fix, and the claim is held;
        so is a claim within the cap alone but past it with the earlier claims of the date.

    Source
        Payer policy, configured per payer; CMS Pub 100-04 Ch. 5 §20.2 for the proven-units
        arithmetic.
    """

    code = "PAY001"
    name = "payer.unit-cap"
    severity = Severity.ERROR
    needs = frozenset({VISITS})
    fix = Applicability.SAFE

    @classmethod
    def quiet(cls, profile):
        return profile is None or (not profile.unit_caps and profile.timed_unit_cap is None)

    def check(self, claim, ctx):
        if self.quiet(ctx.profile):
            return ()  # no cap in the profile (every shipped one): no day's units to record
        return self._findings(claim, ctx, ctx.profile)

    def _findings(self, claim, ctx, prof):
        by_day = defaultdict(list)
        for line in claim.lines:
            if line.date_from is not None and line.code:
                by_day[line.date_from].append(line)
        proven = None
        days = DayUnits(claim, ctx.group_state(self))
        for day in sorted(by_day):
            lines = by_day[day]
            checks = []
            for code, cap in prof.unit_caps:
                group = [ln for ln in lines if ln.code == code]
                if group:
                    checks.append((f"{code} units", cap, group))
            if prof.timed_unit_cap is not None:
                group = [ln for ln in lines if ctx.ref.is_timed(ln.code)]
                if group:
                    checks.append(("timed units", prof.timed_unit_cap, group))
            for what, cap, group in checks:
                billed = sum(billed_units(ln) or 0 for ln in group)
                earlier = days.add((what, day), billed)
                if billed <= cap:
                    before = sum(u for _, u in earlier)
                    if earlier and billed + before > cap:
                        others = ", ".join(f"{cid} ({u})" for cid, u in earlier)
                        yield self.finding(
                            ctx,
                            f"{billed} {what} billed on {day.isoformat()} and {before} on "
                            f"earlier claim(s) of the beneficiary's date: {others}; "
                            f"{billed + before} in all, over the payer's cap of {cap} a date "
                            f"(profile {prof.name})",
                            line=group[-1],
                        )
                    continue
                if proven is None:
                    proven = _proven(claim, ctx)
                running, crossing = 0, group[-1]
                for ln in group:
                    running += billed_units(ln) or 0
                    if running > cap:
                        crossing = ln
                        break
                after = sum(proven.get(id(ln), billed_units(ln) or 0) for ln in group)
                fix = None
                edits = []
                if after <= cap:
                    for ln in group:
                        units = proven.get(id(ln))
                        if units is None:
                            continue
                        if units == 0:
                            edits.append(DeleteLine(ln.lx))
                        else:
                            charge = scaled_charge(ln, Decimal(units))
                            if charge is None:
                                edits = []
                                break
                            edits.append(SetUnits(ln.sv1, Decimal(units), charge))
                    if edits:
                        fix = Fix(Applicability.SAFE, tuple(edits))
                how = f"; the visit log supports {after}, within the cap" if fix else ""
                yield self.finding(
                    ctx,
                    f"{billed} {what} billed on {day.isoformat()}, over the payer's cap of "
                    f"{cap} a date (profile {prof.name}){how}",
                    line=crossing,
                    fix=fix,
                )


RULE = PAY001

"""TU005: a timed service in the visit log with no billed line."""

from __future__ import annotations

from decimal import Decimal

from x12tool.money.pricing import LineInput
from x12tool.rules.base import Rule, Severity
from x12tool.rules.money import UNDERBILLED
from x12tool.rules.services import VISITS
from x12tool.rules.therapy import timed_clean, timed_groups


class TU005(Rule):
    """A timed service is documented in the visit log but not billed on the claim.

    Why is this bad?
        Minutes that support a unit of their own are revenue left behind. (Minutes that support
        no unit of their own, like the 8 minutes of 97035 in CMS example 4, only count toward
        the day's total and are not reported.)

    Example
        The visit log has 97112 for 20 minutes on 2026-03-02; the claim has no 97112 line.

    Use instead
        Add the 97112 line (1 unit), or correct the visit log if the service was not furnished.

    Fix safety
        No automatic fix: adding a service line attests that it was furnished.

    Source
        CMS Pub 100-04 Ch. 5 §20.2 (all timed minutes of the day count toward the units).
    """

    code = "TU005"
    name = "timed-units.documented-not-billed"
    severity = Severity.WARNING
    fix = None
    needs = frozenset({VISITS})

    def check(self, claim, ctx):
        # (the usual claim is clean: every timed row a billed line's, and no group built)
        if ctx.visits is None or timed_clean(claim, ctx) or not ctx.visit_rows(claim):
            return ()
        groups = timed_groups(claim, ctx)
        for g in groups:
            # (the codes of its own rows are those of its own minutes: read without splitting
            # the rows by code, which only a finding needs)
            if not g.own_min.keys() <= g.day_billed.keys():
                return self._findings(claim, ctx, groups)
        # every documented code is billed (the usual claim): no generator made
        return ()

    def _findings(self, claim, ctx, groups):
        method = ctx.profile.unit_method
        for g in groups:
            billed = g.day_billed  # codes on this claim or another claim of the day
            own = g.own_min  # (the codes of g.rows, in order: split by code for a finding)
            if own.keys() <= billed.keys():
                continue  # every documented code is billed (the usual day)
            supported = g.supported(method) if g.complete(method) else {}
            for code in own:
                if code in billed:
                    continue
                units = supported.get(code)
                if units == 0 or (units is None and g.minutes(code) < 8):
                    # Counted toward the day's total and supporting no unit of its own (CMS
                    # example 4's 97035): nothing is lost by not billing it.
                    continue
                lost = f"; the minutes support {units} unit(s)" if units else ""
                yield self.finding(
                    ctx,
                    f"{code} on {g.day.isoformat()}: {g.minutes(code)} min documented "
                    f"(visit log row {g.rows[code][0].row}) but not billed{lost}",
                    segment=claim.clm,
                    extra={"code": code, "date": g.day, "units": units or 0},
                )

    def money_effect(self, finding, priced):
        """``underbilled``: the claim with the documented service added minus as billed."""
        x = finding.extra
        if x.get("units"):
            added = LineInput(-1, x["code"], (), Decimal(x["units"]), x["date"])
            after = priced.price(priced.inputs + [added]).total
            return UNDERBILLED, after - priced.billed.total
        return super().money_effect(finding, priced)


RULE = TU005

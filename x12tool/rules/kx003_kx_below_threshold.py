"""KX003: KX on a line while the beneficiary is below the KX threshold."""

from __future__ import annotations

from x12tool.rules.base import Rule, Severity
from x12tool.rules.kx import basis, breakdown, kx_reportable, kx_silent, label, money
from x12tool.rules.services import LEDGER, PRICING


class KX003(Rule):
    """KX on a therapy line while the beneficiary is still below the year's KX threshold.

    Why is this bad?
        KX attests that services above the threshold are medically necessary. Below it the
        modifier is not needed; routinely adding KX to every claim is a pattern auditors look
        for. It may also mean the EMR's own counter disagrees with what this practice has
        sent (another provider's services, which only the MAC's records or an eligibility
        response show: import them with `x12tool ledger import`).

    Example
        The beneficiary's 2026 PT/SLP total with this line is $640.00 and the line is
        `SV1*HC:97110:GP:KX*120*UN*2***1~`.

    Use instead
        `SV1*HC:97110:GP*120*UN*2***1~`, unless you know of therapy the ledger does not (then
        import that amount so the ledger agrees).

    Fix safety
        No automatic fix: the ledger is an estimate and cannot see other providers' services;
        removing KX is the biller's call.

        Amounts and ordering are those of KX001. Informational only: the claim is never held
        for it. Medicare Part B claims only.

    Source
        BBA 2018 §50202 (SSA §1833(g)(7)); Noridian JE KX thresholds page.
    """

    code = "KX003"
    name = "kx.below-threshold"
    severity = Severity.INFO
    fix = None
    needs = frozenset({LEDGER, PRICING})
    cross_claim = True

    @classmethod
    def quiet(cls, profile):
        return kx_silent(profile)

    def check(self, claim, ctx):
        scope, lines = kx_reportable(claim, ctx)
        if not lines:
            return ()  # most claims: no generator made for nothing
        return self._findings(claim, ctx, scope, lines)

    def _findings(self, claim, ctx, scope, lines):
        for f, pos, limit, _review in lines:
            if not f.kx:
                continue
            if limit is None or pos.after > limit:
                continue
            yield self.finding(
                ctx,
                f"{f.code} on {f.day.isoformat()} has KX, but the beneficiary's {f.year} "
                f"{label(f.group)} therapy amount is {money(pos.after)} with this line "
                f"({breakdown(pos, scope)}, {basis(pos)}), not past the {money(limit)} "
                "KX threshold",
                line=claim.lines[f.index],
            )


RULE = KX003

"""KX002: a therapy line takes the beneficiary past the targeted medical review threshold."""

from __future__ import annotations

from x12tool.rules.base import Rule, Severity
from x12tool.rules.kx import basis, breakdown, kx_reportable, kx_silent, label, money
from x12tool.rules.services import LEDGER, PRICING


class KX002(Rule):
    """A therapy line takes the beneficiary past the $3,000 targeted medical review threshold.

    Why is this bad?
        Medicare Part B therapy above $3,000 a year (PT and SLP together, OT apart; CY2018 to
        2028) can be selected for targeted medical review: the MAC asks for the records and
        denies what they do not support. It is not an error (the claim is paid with KX when
        the services are necessary), but the practice should know which claim crossed it and
        make sure that patient's documentation is complete.

    Example
        The ledger holds $2,950.00 of 2026 PT/SLP allowed amounts for the member; a
        `SV1*HC:97530:GP:KX*130*UN*2***1~` line (estimated $76.40) takes the year to
        $3,026.40.

    Use instead
        Nothing changes on the claim; review the plan of care, progress reports and daily
        notes of the episode before it goes.

    Fix safety
        No fix: there is nothing to change on the claim.

        The finding goes on the one line that crosses $3,000 (later lines of the year are
        not flagged again). Amounts and ordering are those of KX001 (ledger, imported
        amounts or `--ytd`, earlier lines of the run in date order); Medicare Part B claims
        only.

    Source
        BBA 2018 §50202 (SSA §1833(g)(7)(B)); MLN MM11055; Noridian JE KX thresholds page.
        The yearly review amount ships in the thresholds map.
    """

    code = "KX002"
    name = "kx.review-threshold"
    severity = Severity.WARNING
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
        for f, pos, _kx_limit, limit in lines:
            if limit is None or not (pos.before <= limit < pos.after):
                continue
            yield self.finding(
                ctx,
                f"{f.code} on {f.day.isoformat()} takes the beneficiary's {f.year} "
                f"{label(f.group)} therapy amount past the {money(limit)} targeted medical "
                f"review threshold: {money(pos.after)} ({breakdown(pos, scope)}, {basis(pos)}); "
                "make sure the episode's documentation supports medical necessity",
                line=claim.lines[f.index],
            )


RULE = KX002

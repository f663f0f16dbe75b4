"""DOC002: more than 10 treatment days of a discipline since the last progress report."""

from __future__ import annotations

from x12tool.ledger.scope import PROGRESS_EVERY
from x12tool.rules.base import Rule, Severity
from x12tool.rules.services import LEDGER, PRICING, VISITS

NAMES = {"PT": "PT", "OT": "OT", "SLP": "SLP"}


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class DOC002(Rule):
    """A treatment day comes more than 10 treatment days after the discipline's last progress
    report.

    Why is this bad?
        Medicare requires a progress report at least once every 10 treatment days, written by
        the clinician; the first reporting period starts on the first day of the episode. A
        service on the 11th treatment day without a progress report since the last one is not
        supported by the documentation and is denied on review.

    Example
        PT treated the patient on 11 dates since 2026-02-02 and the visit log marks no
        `progress_report` on any of them; the claim's 97110 line of 2026-03-06 is the 11th.

    Use instead
        Write the progress report (the 10th treatment day's note can be it) and mark
        `progress_report` = Y on that visit-log row; then export the visit log again.

    Fix safety
        No automatic fix: only the clinician can write the report.

        Treatment days are the dates with a billed line of the discipline (from the line's
        GP/GO/GN modifier) for the patient (the subscriber's member id): the ledger's recorded
        lines of earlier runs plus this run's lines; progress-report dates are the visit log's
        `progress_report` = Y rows of those lines, recorded in the ledger for the claims
        preflight sent. A gap of more than 90 days between treatment days starts a new count
        (a plan of care is certified for at most 90 days). Needs the visit log (`--visits`);
        without it the rule is silent. Medicare Part B claims only (profiles with
        `kx_applies`). One finding per date and discipline, on its first line.

    Source
        CMS Pub 100-02, Medicare Benefit Policy Manual, Ch. 15 §220.3 D (progress report at
        least once every 10 treatment days).
    """

    code = "DOC002"
    name = "documentation.progress-report-due"
    severity = Severity.WARNING
    fix = None
    needs = frozenset({VISITS, LEDGER, PRICING})
    cross_claim = True

    @classmethod
    def quiet(cls, profile):
        return profile is None or not profile.kx_applies

    def check(self, claim, ctx):
        if ctx.visits is None or ctx.profile is None or not ctx.profile.kx_applies:
            return ()
        scope = getattr(ctx.ledger, "file", None)  # ledger_scope_of, inline
        if scope is None:
            scope = ctx.ledger_scope()
        facts = scope.observe(claim)
        gaps = scope.progress_days(facts, over=PROGRESS_EVERY)
        if not gaps:
            return ()  # most claims: no generator made for nothing
        return self._findings(claim, ctx, facts, gaps)

    def _findings(self, claim, ctx, facts, gaps):
        for gap in gaps:
            first = next(
                f for f in facts.lines if f.day == gap.day and f.discipline == gap.discipline
            )
            since = (
                f"the last progress report on {gap.last_report.isoformat()}"
                if gap.last_report is not None
                else f"the first treatment day {gap.first_day.isoformat()} (no progress report)"
            )
            yield self.finding(
                ctx,
                f"{NAMES[gap.discipline]} treatment day {gap.day.isoformat()} is the "
                f"{ordinal(gap.days)} since {since}; a progress report is due at least every "
                f"{PROGRESS_EVERY} treatment days",
                line=claim.lines[first.index],
            )


RULE = DOC002

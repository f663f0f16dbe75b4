"""POC001: a treatment date with no certified plan of care in effect."""

from __future__ import annotations

from datetime import timedelta

from x12tool.rules.base import Rule, Severity
from x12tool.rules.services import VISITS

CERTIFY_WITHIN = timedelta(days=30)  # §220.1.3 B: within 30 days of the initial treatment
LONGEST = timedelta(days=89)  # §220.1.3 B: at most 90 calendar days, the first day included
REASON_AFTER = timedelta(days=60)  # §220.1.3 D: no reason needed up to 30 days past due


class POC001(Rule):
    """A treatment date has no certified plan of care in effect, or the plan ends soon.

    Why is this bad?
        Medicare pays outpatient therapy only under a plan of care a physician or NPP has
        certified. The certification is due within 30 days of the initial treatment (the
        evaluation included) and covers the plan's duration or 90 calendar days from the
        initial treatment, whichever is shorter; after that a recertification is needed, at
        least every 90 days. A visit outside a certified plan is not payable. The visit log's
        optional columns `poc_start` (first treatment under the plan), `poc_certified` (the
        date the certification was signed) and `poc_end` (the plan's last day) say which plan a
        visit falls under; without them the rule is silent. It runs for profiles with
        `plan_of_care` (shipped on for Medicare Part B only).

        * error: no plan dates on the date's rows; the date is before the plan's start or
          after its end (the plan's end, or day 90 from its start, whichever is sooner); the
          plan has no certification date.
        * warning: the plan ends within `warn_days` (default 7) of the visit; or the
          certification was signed more than 30 days after it was due, which needs the
          physician's reason for the delay in the record.

    Example
        `poc_start` 2026-01-05, `poc_certified` 2026-01-12, `poc_end` 2026-05-01: a visit on
        2026-04-06 is past day 90 (2026-04-04) of the plan.

    Use instead
        Get the recertification signed and export its dates with the visit (a new
        `poc_start`/`poc_certified`/`poc_end` for the new certification period), then bill.

    Fix safety
        No fix: only the physician or NPP can certify.

    Source
        CMS Pub 100-02, Medicare Benefit Policy Manual, Ch. 15 §220.1.3 B-D (initial
        certification within 30 days, at most 90 days; recertification; delayed
        certification), 42 CFR 424.11(d)(3).
    """

    code = "POC001"
    name = "plan-of-care.not-in-effect"
    severity = Severity.ERROR
    needs = frozenset({VISITS})

    @classmethod
    def quiet(cls, profile):
        return profile is None or not profile.plan_of_care

    def check(self, claim, ctx):
        prof = ctx.profile
        if prof is None or not prof.plan_of_care or ctx.visits is None:
            return ()
        if not ctx.visits.has_poc:
            return ()
        return self._findings(claim, ctx, prof)

    def _findings(self, claim, ctx, prof):
        rows = ctx.visit_rows(claim)
        if not rows:
            return
        seen = set()
        for line in claim.lines:
            day = line.date_from
            if day is None or day in seen:
                continue
            seen.add(day)
            day_rows = [r for r in rows if r.service_date == day]
            if not day_rows:
                continue
            plans = {r.poc for r in day_rows if r.poc[0] is not None}
            if not plans:
                yield self.finding(
                    ctx,
                    f"{day.isoformat()}: the visit log gives no plan of care (poc_start) for "
                    "this date; a certified plan must be in effect for every treatment date",
                    line=line,
                )
                continue
            started = [p for p in plans if p[0] <= day]
            if not started:
                start = min(p[0] for p in plans)
                yield self.finding(
                    ctx,
                    f"{day.isoformat()} is before the plan of care starts ({start.isoformat()})",
                    line=line,
                )
                continue
            start, certified, end = max(started, key=lambda p: p[0])
            last = start + LONGEST if end is None else min(end, start + LONGEST)
            if certified is None:
                yield self.finding(
                    ctx,
                    f"{day.isoformat()}: the plan of care of {start.isoformat()} has no "
                    "certification date (poc_certified); certification is due by "
                    f"{(start + CERTIFY_WITHIN).isoformat()} (30 days from the initial "
                    "treatment) and Medicare pays only certified therapy",
                    line=line,
                )
                continue
            if day > last:
                why = "its end" if end is not None and end <= start + LONGEST else "day 90"
                yield self.finding(
                    ctx,
                    f"{day.isoformat()}: no certified plan of care in effect; the plan of "
                    f"{start.isoformat()} (certified {certified.isoformat()}) ended "
                    f"{last.isoformat()} ({why}); a recertification is needed at least "
                    "every 90 days",
                    line=line,
                )
                continue
            if certified > start + REASON_AFTER:
                yield self.finding(
                    ctx,
                    f"{day.isoformat()}: the plan of care of {start.isoformat()} was certified "
                    f"{certified.isoformat()}, more than 30 days after it was due "
                    f"({(start + CERTIFY_WITHIN).isoformat()}); the record needs the "
                    "physician's reason for the delay",
                    line=line,
                    severity=Severity.WARNING,
                )
            left = (last - day).days
            if left < prof.poc_warn_days:
                yield self.finding(
                    ctx,
                    f"{day.isoformat()}: the plan of care of {start.isoformat()} ends "
                    f"{last.isoformat()} ({left} day(s) after this visit); get the "
                    "recertification signed before the next visit",
                    line=line,
                    severity=Severity.WARNING,
                )


RULE = POC001

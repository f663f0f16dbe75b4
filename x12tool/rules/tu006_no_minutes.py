"""TU006: a timed line with no minutes in the visit log."""

from __future__ import annotations

from x12tool.rules.base import Rule, Severity
from x12tool.rules.services import VISITS
from x12tool.rules.therapy import built_timed_groups, timed_clean, timed_groups, timed_lines


class TU006(Rule):
    """A timed service line has no minutes in the visit log, so its units cannot be checked.

    Why is this bad?
        Timed codes are paid by the minute. A billed line the clinic's own log does not
        document is either a log export gap or a charge without a note, and under the CMS
        method it also keeps the whole day's units from being checked.

        When a visit log is given and a claim with timed lines has no row in it at all, the
        claim gets one claim-level warning: its minutes are missing from the export. The same
        warning names another claim of the beneficiary's day (in this file, or sent earlier
        per the ledger) whose lines have no minutes in the log.

    Example
        The claim bills 97530 x 2 on 2026-03-02; the visit log has rows for the claim but none
        for 97530 on that date.

    Use instead
        Export the visit log with every timed service (claim_id, service_date, cpt, minutes),
        or correct the line.

    Fix safety
        No automatic fix.

    Source
        CMS Pub 100-04 Ch. 5 §20.2 (units follow documented treatment minutes); Pub 100-02
        Ch. 15 §220.3 (documentation of treatment time).
    """

    code = "TU006"
    name = "timed-units.no-minutes"
    severity = Severity.WARNING
    fix = None
    needs = frozenset({VISITS})

    def check(self, claim, ctx):
        if ctx.visits is None:
            return ()
        if ctx.visit_rows(claim):
            # The body below finds something only on a day shared with another claim or with
            # a line without rows: most claims have neither, and no generator is made.
            if ctx.profile.unit_method == "cms":
                if timed_clean(claim, ctx):
                    return ()  # no peer and every dated timed line has rows: no group built
                groups = timed_groups(claim, ctx)
            else:
                # (as built_timed_groups: only what a rule has worked out already)
                if ctx.claim_memo(claim).get("timed_clean"):
                    return ()
                groups = built_timed_groups(claim, ctx)
            if groups is not None:
                for g in groups:
                    if g.peers or g.unknown:
                        break
                else:
                    return ()
        return self._findings(claim, ctx)

    def _findings(self, claim, ctx):
        if not ctx.visit_rows(claim):
            timed = timed_lines(claim, ctx)
            if timed:
                codes = ", ".join(dict.fromkeys(ln.code for ln in timed))
                yield self.finding(
                    ctx,
                    f"claim {claim.id} bills timed codes ({codes}) but the visit log has no row "
                    "for it; no unit of the claim was checked against minutes",
                    segment=claim.clm,
                )
            return
        groups = None
        if ctx.profile.unit_method == "cms":
            groups = timed_groups(claim, ctx)
            # Other claims of the beneficiary's day (this file's, or sent earlier) whose lines
            # have no minutes: the day's total is unknown.
            for g in groups:
                if not g.peers:
                    continue  # alone on its day (the usual group)
                gaps = [
                    f"{pl.code} on {p.where()}"
                    for p in g.peers
                    for pl in p.lines
                    if not pl.documented
                ]
                if gaps and g.lines:
                    yield self.finding(
                        ctx,
                        f"the {g.discipline or 'therapy'} day {g.day.isoformat()} of this "
                        f"beneficiary also has {', '.join(dict.fromkeys(gaps))} with no minutes "
                        "in the visit log; the day's total is unknown, so its units were checked "
                        "only against each code's own minutes",
                        segment=claim.clm,
                    )
        else:
            # Not worked out here when no rule has (a day's peers read the ledger and the
            # visit log), only read when one has (TU001 has, when it is on).
            groups = built_timed_groups(claim, ctx)
        if groups is not None:
            # The claim's dated timed lines without rows are its groups' ``unknown`` lines
            # (each such line is in one group): most claims have none, and no line is looked up.
            unknown = {id(ln) for g in groups for ln in g.unknown}
            if not unknown:
                return
            lines = [ln for ln in timed_lines(claim, ctx) if id(ln) in unknown]
        else:
            lines = [
                ln
                for ln in timed_lines(claim, ctx)
                if ln.date_from and not ctx.rows_for_line(claim, ln)
            ]
        for line in lines:
            yield self.finding(
                ctx,
                f"{line.code} on {line.date_from.isoformat()} has no minutes in the visit "
                "log; its units (and, under the CMS method, the day's) were not checked",
                line=line,
            )


RULE = TU006

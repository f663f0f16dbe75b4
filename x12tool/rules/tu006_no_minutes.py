"""TU006: a timed line with no minutes in the visit log."""

from __future__ import annotations

from x12tool.rules.base import Rule, Severity
from x12tool.rules.services import VISITS


class TU006(Rule):
    """A timed service line has no minutes in the visit log, so its units cannot be checked.

    Why is this bad?
        Timed codes are paid by the minute. A billed line the clinic's own log does not
        document is either a log export gap or a charge without a note, and under the CMS
        method it also keeps the whole day's units from being checked.

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
        if ctx.visits is None or not ctx.visit_rows(claim):
            return
        for line in claim.lines:
            if (
                ctx.ref.is_timed(line.code)
                and line.date_from
                and not ctx.rows_for_line(claim, line)
            ):
                yield self.finding(
                    ctx,
                    f"{line.code} on {line.date_from.isoformat()} has no minutes in the visit "
                    "log; its units (and, under the CMS method, the day's) were not checked",
                    line=line,
                )


RULE = TU006

"""NCCI002: the column-2 code of an NCCI pair that no modifier can bypass."""

from __future__ import annotations

from x12tool.rules.base import Rule, Severity
from x12tool.rules.ncci_hits import has_bypass, index_for, line_numbers, pair_hits
from x12tool.rules.services import NCCI


class NCCI002(Rule):
    """Column-2 code of an NCCI pair with modifier indicator 0 billed with its column-1 code.

    Why is this bad?
        With modifier indicator 0 no modifier bypasses the edit: when both codes are billed for
        the same patient, provider and date of service, the column-2 code is denied, 59 or not.
        Some payers also enforce pairs beyond CMS as "no bypass" (a payer profile's
        ``extra_pair``; e.g. commercial payers that deny 97530 with 97140 even with 59).

    Example
        A payer whose profile enables ``commercial-97140-97530-no-bypass``: 97140-GP and
        97530-GP-59 on one date.

    Use instead
        Bill only the column-1 code for that date (or move the column-2 service to a date on
        which it was actually furnished on its own).

    Fix safety
        No fix: which line to drop (and whether the other service should be billed at all) is
        a billing decision. The claim is held.

    Source
        CMS, Medicare NCCI PTP edits: modifier indicator 0 = no modifier allowed; webpt.com
        (Apr 2023) on commercial denials of 97530 with 97140 despite 59.
    """

    code = "NCCI002"
    name = "ncci.not-payable"
    severity = Severity.ERROR
    fix = None
    needs = frozenset({NCCI})

    def check(self, claim, ctx):
        hits = pair_hits(claim, ctx)
        if not hits:
            return ()  # no pair on the claim (most claims)
        # only indicator-0 pairs are reported (each column-2 line of one): most pairs are 1
        for hit in hits:
            if hit.pair.indicator == "0" and hit.col2:
                return self._findings(claim, ctx, hits)
        return ()

    def _findings(self, claim, ctx, hits):
        table = index_for(ctx).ptp_source
        for hit in hits:
            p = hit.pair
            if p.indicator != "0":
                continue
            payer = {x.id for x in ctx.profile.extra_pairs} if ctx.profile is not None else set()
            extra = f"payer pair {p.id}" if p.id in payer else table
            for line in hit.col2:
                bypass = (
                    "; its bypass modifier does not help: indicator 0 allows none"
                    if has_bypass(line, ctx)
                    else ""
                )
                yield self.finding(
                    ctx,
                    f"{p.column2} ({line_numbers([line])}) cannot be paid with {p.column1} "
                    f"({line_numbers(hit.col1)}) on {hit.day.isoformat()}: NCCI pair "
                    f"{p.column1}/{p.column2} has modifier indicator 0 ({extra}){bypass}",
                    line=line,
                )


RULE = NCCI002

"""IG001: the claim breaks the 837P implementation guide (pyx12 validation)."""

from __future__ import annotations

from x12tool.rules.base import Rule, Severity
from x12tool.rules.services import IG


class IG001(Rule):
    """The claim does not conform to the 837P implementation guide (TR3 005010X222A1).

    Why is this bad?
        A clearinghouse validates every file against the TR3 (WEDI SNIP types 1 and 2) before
        any claim edit: a claim with a missing required segment, a bad code value or an invalid
        date comes back on a 999 or 277CA rejection, and a bad envelope can reject the whole
        file. pyx12 performs those checks; each error it reports is attached to the claim whose
        segments it names. Errors in a billing-provider or subscriber loop, or in the
        transaction-set header, count against every claim below them.

    Example
        `CLM*C1*150***00:B:1*Y*A*Y*Y~`: place of service 00 is not a valid code (CLM05-1).

    Use instead
        `CLM*C1*150***11:B:1*Y*A*Y*Y~`: correct the value in the billing system and send again.

    Fix safety
        No automatic fix: implementation-guide errors are data the practice must correct.

    Source
        ASC X12N 837P TR3 005010X222A1 (via pyx12 4.0.0's 837.5010.X222.A1 map); WEDI SNIP
        types 1-2.
    """

    code = "IG001"
    name = "implementation-guide"
    severity = Severity.ERROR
    fix = None
    needs = frozenset({IG})

    def check(self, claim, ctx):
        if not ctx.ig_issues:
            return
        by_index = {seg.index: seg for seg in claim.segments}
        for issue in ctx.ig_issues:
            seg = by_index.get(issue.index, claim.clm)
            where = f"{issue.element or issue.tag}: " if (issue.element or issue.tag) else ""
            outside = "" if issue.index in by_index else " (outside the claim loop)"
            owner = None
            for line in claim.lines:
                if any(s is seg for s in claim.segments[line.start : line.end]):
                    owner = line
            yield self.finding(
                ctx, f"pyx12: {where}{issue.message}{outside}", segment=seg, line=owner
            )


RULE = IG001

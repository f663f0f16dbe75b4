"""NCCI001: an NCCI pair that a modifier may bypass, billed without the bypass modifier."""

from __future__ import annotations

from x12tool.rules.base import Rule, Severity
from x12tool.rules.ncci_hits import bypass_modifiers, has_bypass, index_for, line_numbers, pair_hits
from x12tool.rules.services import NCCI


class NCCI001(Rule):
    """Column-2 code of an NCCI pair (modifier indicator 1) billed without a bypass modifier.

    Why is this bad?
        Under an NCCI procedure-to-procedure edit, when both codes are billed for the same
        patient, provider and date of service, the column-1 code is paid and the column-2 code
        is denied. With modifier indicator 1 a bypass modifier (59, XE, XS, XP, XU, or what the
        payer profile accepts) on the column-2 line lets both be paid, but only when the
        clinician's documentation shows a distinct service: for timed therapy codes, separate
        15-minute blocks of time. 97140 (column 1) with 97530 (column 2) is the classic case.

    Example
        One date: 97140-GP and 97530-GP, no 59 or X modifier on the 97530 line.

    Use instead
        If the notes show 97530 in its own time block: 97530-GP-59 (or -XU). If they do not,
        do not bill 97530 on that date.

    Fix safety
        No fix: a bypass modifier attests a distinct service and only the documentation can say
        so. The claim is held until someone checks the notes and adds the modifier (or drops
        the line).

    Source
        CMS, Medicare NCCI PTP edits (modifier indicator 0/1/9; modifier on the column-2 code);
        retired CMS modifier-59 article, Example 9 (97140/97530, separate 15-minute blocks);
        APTA "NCCI code edits: your questions answered" (2020).
    """

    code = "NCCI001"
    name = "ncci.bypass-missing"
    severity = Severity.ERROR
    fix = None
    needs = frozenset({NCCI})

    def check(self, claim, ctx):
        hits = pair_hits(claim, ctx)
        if not hits:
            return ()  # no pair on the claim (most claims)
        # A column-2 line of an indicator-1 pair without a bypass modifier (has_bypass, as one
        # set test) is what is reported: most claims with a pair bill it with one, and then
        # nothing of the message (the table's name, the accepted modifiers) is made.
        accepted = bypass_modifiers(ctx)
        for hit in hits:
            if hit.pair.indicator == "1":
                for line in hit.col2:
                    if accepted.isdisjoint(line.modifiers):
                        return self._findings(claim, ctx, hits)
        return ()

    def _findings(self, claim, ctx, hits):
        table = index_for(ctx).ptp_source
        accepted = sorted(bypass_modifiers(ctx))
        if len(accepted) > 1:
            mods = ", ".join(accepted[:-1]) + " or " + accepted[-1]
        else:
            mods = accepted[0] if accepted else "a bypass modifier"
        for hit in hits:
            p = hit.pair
            if p.indicator != "1":
                continue
            for line in hit.col2:
                if has_bypass(line, ctx):
                    continue
                yield self.finding(
                    ctx,
                    f"{p.column2} ({line_numbers([line])}) is billed with {p.column1} "
                    f"({line_numbers(hit.col1)}) on {hit.day.isoformat()}: NCCI pair "
                    f"{p.column1}/{p.column2} (column 1/column 2, modifier indicator 1; "
                    f"{table}) denies {p.column2} unless it carries {mods}; add one "
                    f"to {p.column2} only if the documentation supports a distinct service "
                    "(e.g. separate 15-minute blocks), else drop the line",
                    line=line,
                )


RULE = NCCI001

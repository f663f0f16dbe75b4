"""TU004: the same timed code on more than one line for one date."""

from __future__ import annotations

from collections import defaultdict

from x12tool.rules.base import Rule, Severity
from x12tool.rules.therapy import timed_lines


class TU004(Rule):
    """The same timed code is billed on more than one line for one date of service.

    Why is this bad?
        Payers expect one line per timed code per date with all of that day's units on it.
        First Coast rejects claims whose timed code is not reported on a single line for each
        date of service (from 19 April 2021), and split lines hide unit errors from review.

        Lines of one code under different therapy modifiers (97530-GP by the PT and 97530-GO
        by the OT) are two disciplines' services, each on its own line, and are not flagged.

    Example
        Two lines of 97530-GP, 1 unit each, both dated 2026-03-02.

    Use instead
        One line: 97530-GP, 2 units, dated 2026-03-02 (if the minutes support 2 units).

    Fix safety
        No automatic fix: merging lines changes line control numbers (REF*6R) that the
        practice's posting matches on the 835. Merge them in the billing system.

    Source
        First Coast Service Options, "Therapy services: counting units" (timed code on a single
        line per DOS, 19 Apr 2021); CMS Pub 100-04 Ch. 5 §20.2; Pub 100-02 Ch. 15
        §220.1.2 B (a separate plan of care per discipline).
    """

    code = "TU004"
    name = "timed-units.split-lines"
    severity = Severity.WARNING
    fix = None

    def check(self, claim, ctx):
        if ctx.claim_memo(claim).get("timed_clean"):
            # the timed walk (TU001's, before this rule) found every dated timed line with one
            # therapy modifier and no code on two lines of one day and discipline
            return ()
        timed = timed_lines(claim, ctx)
        codes = set()
        for ln in timed:  # a loop: a comprehension is a call of its own
            codes.add(ln.code)
        if len(codes) == len(timed):
            return ()  # no timed code on two lines at all (the usual claim): no generator
        return self._findings(ctx, timed)

    def _findings(self, ctx, timed):
        dated = [ln for ln in timed if ln.date_from]
        if len({(ln.code, ln.date_from) for ln in dated}) == len(dated):
            return  # no code on two lines of one date
        seen = defaultdict(list)
        mods = ctx.ref.therapy_modifiers
        for line in dated:
            # Lines of different disciplines (GP, GO, GN) are separate services under
            # separate plans of care, not one service split.
            disc = frozenset(mods[m] for m in line.modifiers if m in mods)
            seen[(line.code, line.date_from, disc)].append(line)
        for (code, day, _disc), lines in seen.items():
            if len(lines) > 1:
                numbers = ", ".join(str(ln.number) for ln in lines)
                yield self.finding(
                    ctx,
                    f"{code} is on {len(lines)} lines for {day.isoformat()} (lines {numbers}); "
                    "bill one line per timed code per date with all its units",
                    line=lines[1],
                )


RULE = TU004

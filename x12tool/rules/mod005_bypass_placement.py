"""MOD005: bypass modifiers placed wrongly (59 with an X modifier, or on the column-1 code)."""

from __future__ import annotations

from x12tool.rules.base import Rule, Severity
from x12tool.rules.ncci_hits import (
    X_MODIFIERS,
    bypass_modifiers,
    line_numbers,
    pair_hits,
)
from x12tool.rules.services import NCCI


class MOD005(Rule):
    """59 together with an X modifier on one line, or the bypass modifier on the column-1 code.

    Why is this bad?
        XE, XS, XP and XU are the specific forms of 59: a line carries 59 or one X modifier,
        never both. And an NCCI edit is bypassed by the modifier on the column-2 code; a 59 or
        X modifier on the column-1 code does nothing, so the column-2 line is still denied.

    Example
        97530-GP-59-XU on one line; or 97140-GP-59 with 97530-GP on the same date (97140 is
        column 1, 97530 column 2).

    Use instead
        97530-GP-XU (or 97530-GP-59); and 97140-GP with 97530-GP-59 when the documentation
        supports a distinct service.

    Fix safety
        No fix: which modifier is right (59 or which X) and whether the column-2 service was
        distinct are for the documentation to say.

    Source
        CMS, Medicare NCCI PTP edits (modifier on the column-2 code); CMS CR 8863 (2015),
        X{EPSU} modifiers as more selective versions of 59 [M].
    """

    code = "MOD005"
    name = "bypass-modifier.placement"
    severity = Severity.WARNING
    fix = None
    needs = frozenset({NCCI})

    def check(self, claim, ctx):
        # A list, not a generator: most claims have nothing to report.
        out = []
        for line in claim.lines:
            if "59" in line.modifiers and not X_MODIFIERS.isdisjoint(line.modifiers):
                xs = [m for m in line.modifiers if m in X_MODIFIERS]
                out.append(
                    self.finding(
                        ctx,
                        f"{line.code} (line {line.number}) carries 59 and {'/'.join(xs)}: report "
                        f"one of them, the X modifier that fits ({line.code}-{xs[0]}) or 59 "
                        "alone, not both",
                        line=line,
                    )
                )
        hits = pair_hits(claim, ctx)
        if not hits:
            return out
        return self._placement(ctx, hits, out)

    def _placement(self, ctx, hits, out):
        """The bypass modifiers on a column-1 line of an indicator-1 pair whose column-2 lines
        carry none."""
        accepted = bypass_modifiers(ctx)
        for hit in hits:
            p = hit.pair
            if p.indicator != "1" or any(not accepted.isdisjoint(ln.modifiers) for ln in hit.col2):
                continue
            for line in hit.col1:
                if accepted.isdisjoint(line.modifiers):
                    continue
                mods = "/".join(m for m in line.modifiers if m in accepted)
                out.append(
                    self.finding(
                        ctx,
                        f"{mods} is on {p.column1} ({line_numbers([line])}), the column-1 code "
                        f"of NCCI pair {p.column1}/{p.column2} on {hit.day.isoformat()}: a "
                        f"bypass modifier belongs on the column-2 code {p.column2} "
                        f"({line_numbers(hit.col2)}), and only if the documentation supports "
                        "a distinct service",
                        line=line,
                    )
                )
        return out


RULE = MOD005

"""MOD004: 59 or an X modifier on a line with no NCCI pair partner on that date."""

from __future__ import annotations

from x12tool.rules.base import Applicability, Fix, Rule, SetModifiers, Severity
from x12tool.rules.ncci_hits import index_for, lines_by_date, pair_hits, suspicious_modifiers
from x12tool.rules.services import NCCI


class MOD004(Rule):
    """Modifier 59 or XE/XS/XP/XU on a line that has no NCCI pair partner on its date.

    Why is this bad?
        59 and the X modifiers attest that a service was distinct from another service it is
        normally bundled with. On a line with no NCCI pair partner billed the same date there
        is nothing to bypass, and a bypass modifier used "just in case" (or to force payment)
        is exactly what modifier-59 audits look for.

    Example
        One date: 97530-GP-59 and 97110-GP, with no NCCI pair between 97530 and 97110 in the
        pairs in force.

    Use instead
        97530-GP and 97110-GP.

    Fix safety
        Unsafe: the fix removes the bypass modifiers from the line. Applied only with
        ``--unsafe-fixes``, because the pairs in force may be incomplete (without an imported
        CMS PTP table only the small curated set is known) and a payer may enforce a pair we
        do not know. Not reported for a code on several lines of one date that has an MUE with
        MAI 1 (extra units on separate lines may carry 59).

    Source
        CMS, Medicare NCCI PTP edits and NCCI Policy Manual Ch. I (NCCI-associated modifiers);
        OIG reviews of modifier 59 use.
    """

    code = "MOD004"
    name = "bypass-modifier.no-partner"
    severity = Severity.WARNING
    fix = Applicability.UNSAFE
    needs = frozenset({NCCI})

    def check(self, claim, ctx):
        # suspicious_modifiers's answer for the profile and reference data of the last claim
        # (both held): the next claim is most often under the same ones
        last = self._last
        if last[0] is ctx.profile and last[1] is ctx.ref:
            suspicious = last[2]
        else:
            suspicious = suspicious_modifiers(ctx)
            self._last = (ctx.profile, ctx.ref, suspicious)
        for line in claim.lines:
            if not suspicious.isdisjoint(line.modifiers):
                break
        else:
            return ()  # no bypass modifier on the claim (most claims): nothing to look up
        # A line with one is reported only when it has a date and a code and is in none of the
        # claim's NCCI pair hits (which NCCI001, NCCI002 and MOD005 read too): when every
        # such line has a partner (the usual case), nothing else is worked out.
        partnered = None
        for line in claim.lines:
            if suspicious.isdisjoint(line.modifiers) or line.date_from is None or not line.code:
                continue
            if partnered is None:
                partnered = {id(ln) for h in pair_hits(claim, ctx) for ln in h.col1 + h.col2}
            if id(line) not in partnered:
                return self._findings(claim, ctx, suspicious)
        return ()

    _last: tuple = (object(), None, frozenset())

    def _findings(self, claim, ctx, suspicious):
        index = index_for(ctx)
        partnered = {id(ln) for h in pair_hits(claim, ctx) for ln in h.col1 + h.col2}
        for day, lines in sorted(lines_by_date(claim).items()):
            for line in lines:
                found = [m for m in line.modifiers if m in suspicious]
                if not found or id(line) in partnered:
                    continue
                same = [ln for ln in lines if ln.code == line.code]
                limit = index.mue(line.code, day, ctx.profile)
                if len(same) > 1 and limit is not None and limit.mai == 1:
                    continue
                keep = tuple(m for m in line.modifiers if m not in suspicious)
                fix = (
                    Fix(Applicability.UNSAFE, (SetModifiers(line.sv1, keep),)) if line.sv1 else None
                )
                hint = "" if index.has_ptp else "; import the CMS PTP table for the full pair list"
                yield self.finding(
                    ctx,
                    f"{line.code}-{'-'.join(found)} (line {line.number}) on {day.isoformat()}: "
                    f"no NCCI pair partner of {line.code} is billed that date "
                    f"({index.ptp_source}); a bypass modifier with nothing to bypass draws "
                    f"audits: remove {'/'.join(found)} unless a payer-specific edit needs it{hint}",
                    line=line,
                    fix=fix,
                )


RULE = MOD004

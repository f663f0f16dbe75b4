"""MOD002: therapy modifiers that contradict each other or the code's discipline lock."""

from __future__ import annotations

from x12tool.rules.base import Rule, Severity
from x12tool.rules.therapy import (
    day,
    describe,
    discipline_evidence,
    modifier_for,
)


class MOD002(Rule):
    """A line carries more than one therapy modifier, or one its code's discipline lock forbids.

    Why is this bad?
        GP, GO and GN each name the plan of care the service was furnished under (PT, OT, SLP).
        A line furnished under two plans at once is a contradiction, and CR 10176 locks some
        codes to one discipline: the PT evaluations 97161-97164 take only GP, the OT
        evaluations 97165-97168 only GO, and 92521-92524, 92597 and 92607 only GN. Medicare
        returns such lines; the modifier also decides which KX threshold (PT+SLP or OT) the
        service counts toward. Checked for every payer: a modifier that is sent must be right.

    Example
        `SV1*HC:97161:GO*100*UN*1***1~` (a PT evaluation with the OT modifier), or
        `SV1*HC:97530:GP:GO*65*UN*1***1~`.

    Use instead
        `SV1*HC:97161:GP*100*UN*1***1~`; `SV1*HC:97530:GP*65*UN*1***1~` when a physical
        therapist furnished the 97530.

    Fix safety
        No automatic fix. Even for a locked code the wrong modifier may be the symptom of a
        wrong code (an OT evaluation billed as 97161); the message names the modifier the code
        or the documents point to.

    Source
        CR 10176 (Transmittal 3814, eff. 2018-01-01): therapy modifiers and the discipline-locked
        codes; the therapy modifiers feed the KX thresholds (SSA §1833(g)).
    """

    code = "MOD002"
    name = "therapy-modifier.conflict"
    severity = Severity.ERROR
    fix = None

    def check(self, claim, ctx):
        ref = ctx.ref
        for line in claim.lines:
            if line.sv1 is None:
                continue
            mods = list(dict.fromkeys(m for m in line.modifiers if m in ref.therapy_modifiers))
            if not mods:
                continue
            info = ref.code(line.code)
            lock = info.discipline if info is not None else None
            if lock:
                right = modifier_for(ctx, lock)
                wrong = [m for m in mods if m != right]
                if wrong:
                    yield self.finding(
                        ctx,
                        f"{line.code} on {day(line)} is locked to {lock} by CR 10176 and takes "
                        f"only {right}, but carries {'/'.join(wrong)}: use {right} alone (or, "
                        f"if another discipline furnished it, that discipline's code)",
                        line=line,
                    )
                continue
            if len(mods) < 2:
                continue
            evidence = discipline_evidence(claim, line, ctx)
            disciplines = {d for _, d in evidence}
            if len(disciplines) == 1:
                right = modifier_for(ctx, next(iter(disciplines)))
                advice = f"keep {right} only ({describe(evidence)})"
            elif disciplines:
                advice = (
                    f"keep one; the sources disagree ({describe(evidence)}), so check the plan "
                    "of care"
                )
            else:
                advice = "keep the one of the plan of care the service was furnished under"
            yield self.finding(
                ctx,
                f"{line.code} on {day(line)} carries {len(mods)} therapy modifiers "
                f"({'/'.join(mods)}); a line is furnished under one plan of care: {advice}",
                line=line,
            )


RULE = MOD002

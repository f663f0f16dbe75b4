"""MOD002: therapy modifiers that contradict each other or the code's discipline lock."""

from __future__ import annotations

from x12tool.rules.base import Rule, Severity
from x12tool.rules.therapy import (
    day,
    describe,
    discipline_evidence,
    modifier_for,
)

# The lock table's size limit (a file bills a few dozen codes) and the modifier no line can
# carry, standing for a lock whose discipline no therapy modifier names.
LOCKS_MAX = 4096
UNMAPPED = "\0"


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
    # (reference data, its lock table): see _locks_for
    _locks: tuple | None = None

    def check(self, claim, ctx):
        # Screen each line with the code's lock (worked out once per code for the reference
        # data) and a plain loop over its few modifiers: a line with at most one therapy
        # modifier and no lock, or only its lock's modifier (nearly all), cannot be reported;
        # any other goes to _line, the rule's walk, which decides.
        ref = ctx.ref
        therapy = ref.therapy_modifiers
        locks = self._locks_for(ref)
        out = None
        for line in claim.lines:
            if line.sv1 is None:
                continue
            mods = line.modifiers
            right = locks.get(line.code)
            if right is None:
                right = self._lock(locks, ctx, line.code)
            if not right:  # no lock: reported only with two different therapy modifiers
                if len(mods) < 2:
                    continue
                one = None
                for m in mods:
                    if m in therapy:
                        if one is None:
                            one = m
                        elif m != one:
                            break
                else:
                    continue
            else:
                for m in mods:
                    if m != right and m in therapy:
                        break
                else:
                    continue
            if out is None:
                out = []
            out.extend(self._line(claim, line, ctx))
        return out or ()

    def _locks_for(self, ref) -> dict[str, str]:
        """code -> the only therapy modifier its discipline lock allows ("" when the code has
        no lock), for ``ref``: a new table when the reference data is not the one it was
        made for."""
        got = self._locks
        if got is None or got[0] is not ref:
            got = self._locks = (ref, {})
        return got[1]

    @staticmethod
    def _lock(locks: dict[str, str], ctx, code: str) -> str:
        info = ctx.ref.code(code)
        lock = info.discipline if info is not None else None
        right = ""
        if lock:
            # UNMAPPED when no therapy modifier names the discipline: every therapy modifier
            # differs from it, so such lines go to _line (which fails as it always did)
            right = next((m for m, d in ctx.ref.therapy_modifiers.items() if d == lock), UNMAPPED)
        if len(locks) >= LOCKS_MAX:
            locks.clear()  # a file of many odd codes: keep the table small
        locks[code] = right
        return right

    def _line(self, claim, line, ctx):
        """The finding of one line, if any, as the rule has always worked it out (a generator,
        as the whole rule was: an error inside surfaces as it did)."""
        ref = ctx.ref
        mods = list(dict.fromkeys(m for m in line.modifiers if m in ref.therapy_modifiers))
        if not mods:
            return
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
            return
        if len(mods) < 2:
            return
        evidence = discipline_evidence(claim, line, ctx)
        disciplines = {d for _, d in evidence}
        if len(disciplines) == 1:
            right = modifier_for(ctx, next(iter(disciplines)))
            advice = f"keep {right} only ({describe(evidence)})"
        elif disciplines:
            advice = (
                f"keep one; the sources disagree ({describe(evidence)}), so check the plan of care"
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

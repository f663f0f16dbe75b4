"""COD003: SV107 diagnosis pointers that are missing or point past the claim's diagnoses."""

from __future__ import annotations

from x12tool.rules.base import Rule, Severity
from x12tool.rules.therapy import day

MAX_POINTERS = 4  # SV107-1 required, SV107-2..4 situational
MAX_DIAGNOSES = 12  # HI positions a pointer may name


class COD003(Rule):
    """A service line's diagnosis pointer (SV107) is missing or points at no diagnosis in HI.

    Why is this bad?
        Each service line must point (SV107-1, plus up to three more) at the diagnoses that
        justify it, by position in the claim's HI segment: 1 is the first code, up to 12. A
        line with no pointer, a pointer of 0, or one past the last diagnosis is rejected by the
        clearinghouse or the payer (the line has no medical necessity on the claim).

    Example
        `HI*ABK:M25561*ABF:M6281~` (two diagnoses) with `SV1*HC:97530:GP*65*UN*1***3~`

    Use instead
        `SV1*HC:97530:GP*65*UN*1***1:2~`

    Fix safety
        No automatic fix: which diagnosis a service treats is a clinical statement.

    Source
        TR3 005010X222A1 SV107 (composite diagnosis code pointer: one required plus up to three,
        each 1-12, pointing into 2300 HI), as encoded by stupidedi X222A1-HC837.
    """

    code = "COD003"
    name = "code.diagnosis-pointer"
    severity = Severity.ERROR
    fix = None

    def check(self, claim, ctx):
        # Screen first (the usual claim: every line points one to four times into its
        # diagnoses): plain comparisons, no generator, no message parts, no min()/max() (a
        # builtin call with keyword parsing costs more than the loop); any line that might be
        # reported sends the whole claim to the walk below, which decides.
        n = len(claim.diagnoses)
        if n:
            top = n if n < MAX_DIAGNOSES else MAX_DIAGNOSES
            for line in claim.lines:
                got = line.pointers
                count = len(got)
                if count == 1:  # the usual line
                    if 0 < got[0] <= top:
                        continue
                elif 1 < count <= MAX_POINTERS:
                    for p in got:
                        if p < 1 or p > top:
                            break
                    else:
                        continue
                if line.sv1 is not None:
                    break
            else:
                return ()
        return self._findings(claim, ctx)

    def _findings(self, claim, ctx):
        n = len(claim.diagnoses)
        if not claim.lines:
            return
        if n == 0:
            if any(p.element.startswith("HI") for p in claim.problems):
                return  # diagnoses written with another separator: COD001 names them
            yield self.finding(
                ctx,
                f"claim {claim.id} has no diagnosis codes (HI ABK/ABF): its lines' SV107 "
                "pointers point at nothing; add the diagnoses in HI",
                segment=claim.clm,
            )
            return
        for line in claim.lines:
            if line.sv1 is None:
                continue
            what = f"{line.code or 'line'} on {day(line)}"
            if not line.pointers:
                if any(p.element == "SV107" for p in line.problems):
                    continue  # unreadable pointer: COD001 reports it
                yield self.finding(
                    ctx,
                    f"{what} has no diagnosis pointer (SV107): point it at the HI "
                    f"diagnosis ({_positions(n)}) the service treats",
                    line=line,
                )
                continue
            bad = [p for p in line.pointers if p < 1 or p > min(n, MAX_DIAGNOSES)]
            if bad:
                yield self.finding(
                    ctx,
                    f"{what}: SV107 diagnosis pointer(s) {', '.join(map(str, bad))} name no "
                    f"diagnosis: the claim has {n} in HI, so use "
                    f"{_positions(min(n, MAX_DIAGNOSES))}",
                    line=line,
                )
            if len(line.pointers) > MAX_POINTERS:
                yield self.finding(
                    ctx,
                    f"{what}: SV107 has {len(line.pointers)} diagnosis pointers; at most "
                    f"{MAX_POINTERS} are allowed: keep the four most relevant",
                    line=line,
                )


def _positions(n: int) -> str:
    return "1" if n == 1 else f"1 to {n}"


RULE = COD003

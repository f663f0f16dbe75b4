"""The fix loop: apply fixes in passes until the claim settles (sqlfluff's lint-fix loop).

Each pass checks the claim, takes the applicable fixes (safe ones always, unsafe ones only when
asked), defers any fix whose edits touch a segment another fix of the same pass already touches,
applies the rest and checks again. It stops when no fix applies (the claim has settled), when a
state repeats (fixes undoing each other, or a fix that changes nothing: the same state gives the
same fixes again), or after ``MAX_PASSES``. Not settling is an error for the claim (FIX001),
which is then held unchanged. The claim's status comes from the final check, so a claim whose
error disappears because a fix removed its cause (a unit fix deleting the line that formed an
NCCI pair) goes.
"""

from __future__ import annotations

from dataclasses import field
from itertools import filterfalse

from x12tool.claims import Claim
from x12tool.fixes.apply import apply_edits, reparse
from x12tool.rules.base import Applicability, DeleteLine, Finding, Rule, SetUnits, Severity
from x12tool.rules.context import RuleContext
from x12tool.rules.engine import check_claim
from x12tool.values import NEW, Value, value_class

MAX_PASSES = 8
READY, CORRECTED, HELD = "ready", "corrected", "held"


@value_class  # a dataclass writing its own __init__ (x12tool/values.py)
class ClaimOutcome(Value):
    original: Claim
    final: Claim  # == original when nothing was applied or the claim is held
    findings: list[Finding]  # remaining findings of the final check
    fixed: list[Finding] = field(default_factory=list)  # findings whose fix was applied
    status: str = READY

    def __init__(
        self,
        original: Claim,
        final: Claim,
        findings: list[Finding],
        fixed: list[Finding] = NEW,
        status: str = READY,
    ) -> None:
        self.original = original
        self.final = final
        self.findings = findings
        self.fixed = [] if fixed is NEW else fixed
        self.status = status

    @property
    def changed(self) -> bool:
        return self.final is not self.original

    def changed_segments(self) -> list[tuple[object, object]]:
        """(before, after) pairs of segments; None on one side for deleted/added ones."""
        # Segments compare and hash by identity (no __eq__): sets of them are sets of ids,
        # filled and tested without a Python step per segment.
        original, final = self.original.segments, self.final.segments
        before, after = set(original), set(final)
        by_index = {s.index: s for s in filterfalse(before.__contains__, final)}
        pairs = [
            (s, by_index.pop(s.index, None)) for s in filterfalse(after.__contains__, original)
        ]
        pairs.extend((None, s) for s in by_index.values())
        return pairs


def _touched(claim: Claim, finding: Finding) -> tuple[set[int], bool]:
    """Segments a fix edits, and whether it moves CLM02 by a charge delta."""
    out: set[int] = set()
    delta = False
    for edit in finding.fix.edits:
        if isinstance(edit, DeleteLine):
            line = next((ln for ln in claim.lines if ln.lx is edit.lx), None)
            if line is not None:
                out.update(id(s) for s in claim.segments[line.start : line.end])
            delta = True
        else:
            out.add(id(edit.segment))
            delta = delta or isinstance(edit, SetUnits)
    return out, delta


def _applicable(finding: Finding, unsafe: bool) -> bool:
    fix = finding.fix
    if fix is None or not fix.edits:
        return False
    if fix.applicability == Applicability.SAFE:
        return True
    return unsafe and fix.applicability == Applicability.UNSAFE


def _state(claim: Claim) -> tuple[str, ...]:
    return tuple(s.text for s in claim.segments)


def settle_claim(
    claim: Claim, rules: list[Rule], ctx: RuleContext, *, unsafe: bool = False
) -> ClaimOutcome:
    current = claim
    fixed: list[Finding] = []
    seen: set | None = None  # states met so far; computed only once a fix applies
    state: tuple[str, ...] | None = None  # the current state, once computed
    findings = check_claim(current, rules, ctx)
    if not findings:
        return ClaimOutcome(claim, claim, findings)  # most claims: nothing to fix or hold
    why = f"after {MAX_PASSES} passes"  # why the loop stopped, unless it settled
    for n in range(1, MAX_PASSES + 1):
        chosen, touched, moved = [], set(), False
        clm = id(current.clm)
        for f in findings:
            if not _applicable(f, unsafe):
                continue
            segs, delta = _touched(current, f)
            # Charge-changing fixes move CLM02 by a delta, so they do not conflict with each
            # other over it; a fix that sets CLM02 itself (BAL001) conflicts with them.
            if segs & touched or (delta and clm in touched) or (clm in segs and moved):
                continue  # overlaps an edit of this pass: deferred to the next pass
            touched |= segs
            moved = moved or delta
            chosen.append(f)
        if not chosen:
            why = ""
            break
        edits = [e for f in chosen for e in f.fix.edits]
        before = state if state is not None else _state(current)
        current = reparse(current, apply_edits(current, edits))
        fixed.extend(chosen)
        if seen is None:
            seen = {before}
        state = _state(current)
        findings = check_claim(current, rules, ctx)
        if state in seen:
            # The same state gives the same findings, so the same fixes again: a cycle.
            why = (
                f"pass {n} changed nothing"
                if state == before
                else f"pass {n} brought the claim back to an earlier state"
            )
            break
        seen.add(state)
    if why and any(_applicable(f, unsafe) for f in findings):
        codes = ", ".join(sorted({f.code for f in fixed}))
        stuck = Finding(
            "FIX001",
            Severity.ERROR,
            f"the fixes of {codes} did not settle ({why}); the claim is held unchanged",
            segment=claim.clm,
        )
        return ClaimOutcome(claim, claim, check_claim(claim, rules, ctx) + [stuck], [], HELD)
    if claim.lines and not current.lines:
        # Every line was unsupported (e.g. one timed line under 8 minutes): a claim needs at
        # least one 2400 loop (TR3), and nothing billable is left. Hold it unchanged; the
        # practice voids or corrects it.
        findings = findings + [
            Finding(
                "FIX002",
                Severity.ERROR,
                "the fixes would remove every service line (nothing the documentation supports "
                "is left to bill); the claim is held unchanged: void or correct it in the "
                "billing system",
                segment=claim.clm,
            )
        ]
    if any(f.severity == Severity.ERROR for f in findings):
        # Held claims leave exactly as they came (original segments).
        return ClaimOutcome(claim, claim, findings, fixed, HELD)
    status = CORRECTED if fixed else READY
    return ClaimOutcome(claim, current, findings, fixed, status)

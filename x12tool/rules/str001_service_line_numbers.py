"""STR001: service-line numbering and count (LX01 1..n, at most 50 lines)."""

from __future__ import annotations

from x12tool.rules.base import Applicability, Fix, Rule, SetElement, Severity

MAX_LINES = 50  # TR3 005010X222A1: loop 2400 repeats at most 50 times per claim


class STR001(Rule):
    """Service lines are not numbered 1, 2, 3... (LX01), or a claim has more than 50 of them.

    Why is this bad?
        The 837P numbers a claim's service lines with LX01, starting at 1 and counting up
        by one; the 835 remittance refers back to them. A missing or out-of-sequence LX01 is an
        implementation-guide error a clearinghouse rejects (pyx12 reports it when --ig is on;
        this rule catches it with --no-ig too). A claim can carry at most 50 service lines
        (loop 2400 repeats 50 times); the 51st makes the claim invalid.

    Example
        `LX*1~ ... LX*3~` (line 2 deleted in the billing system), or `LX~` with no number.

    Use instead
        `LX*1~ ... LX*2~`; split a claim of more than 50 lines into two claims.

    Fix safety
        Safe for the numbering: renumbering LX01 in order changes no service, only its label.
        No fix for more than 50 lines: splitting a claim is the billing system's job.

    Source
        ASC X12N 837P TR3 005010X222A1, loop 2400 (repeat 50) and LX segment (LX01 assigned
        number, sequential within the claim); pyx12 rejects an LX out of sequence.
    """

    code = "STR001"
    name = "structure.line-numbers"
    severity = Severity.ERROR
    fix = Applicability.SAFE

    def check(self, claim, ctx):
        n = 0
        for line in claim.lines:
            n += 1
            if line.number != n:
                return self._findings(claim, ctx)
        if n > MAX_LINES:
            return self._findings(claim, ctx)
        return ()

    def _findings(self, claim, ctx):
        wrong = [(n, line) for n, line in enumerate(claim.lines, start=1) if line.number != n]
        if wrong:
            edits = tuple(SetElement(line.lx, 1, str(n)) for n, line in wrong)
            first_n, first = wrong[0]
            got = first.lx.element(1) or "(empty)"
            yield self.finding(
                ctx,
                f"service line {first_n} is numbered LX {got}; LX01 must count 1, 2, 3... "
                f"within the claim ({len(wrong)} line(s) to renumber)",
                segment=first.lx,
                fix=Fix(Applicability.SAFE, edits),
            )
        if len(claim.lines) > MAX_LINES:
            extra = claim.lines[MAX_LINES]
            yield self.finding(
                ctx,
                f"claim {claim.id} has {len(claim.lines)} service lines; the 837P allows at "
                f"most {MAX_LINES} per claim: split it into two claims in the billing system",
                segment=extra.lx,
                line=extra,
            )


RULE = STR001

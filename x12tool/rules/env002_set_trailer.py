"""ENV002: the transaction set's trailer (SE) does not close it correctly."""

from __future__ import annotations

from x12tool.rules.base import Rule, Severity


class ENV002(Rule):
    """The transaction set's SE01 segment count or SE02 control number is wrong.

    Why is this bad?
        SE01 must count the segments of the set from ST to SE inclusive and SE02 must repeat
        ST02 (X12.6 control structures; TR3 005010X222A1 Appendix B and the SE segment). A
        receiver rejects such a set on its 999 (IK5 `R`, IK502 `4` for the count, `3` for the
        control number) and reads none of its claims, but the interchange and the other sets of
        the group are still readable. So the set is held whole, every claim exactly as it came
        (its SE too, count and all), with this finding once on the set and on each of its
        claims; the other transaction sets of the file go on. A set without any SE, or a broken
        group or interchange envelope, is not this rule: the file is refused (exit 3).

    Example
        `ST*837*0002*005010X222A1~` ... 40 segments ... `SE*41*0002~` (the set has 42), or
        `SE*42*0003~` closing `ST*837*0002`.

    Use instead
        `SE*42*0002~`: the count of ST through SE, and ST02's control number. Correct it in the
        system that built the file (or send the set again from it); x12tool does not rewrite a
        trailer that disagrees with its set, because the disagreement may mean segments were
        lost or added on the way.

    Fix safety
        No fix: a wrong count or control number does not show which segments are missing or
        extra.

    Source
        ASC X12.6 (SE01/SE02); TR3 005010X222A1 Appendix B (control segments) and SE segment;
        999 IK502 codes 3 and 4 (acknowledgments.md section 1.3).
    """

    code = "ENV002"
    name = "set-trailer"
    severity = Severity.ERROR
    fix = None

    def check(self, claim, ctx):
        # preflight sets ``broken_set`` (ST02, reason) for the claims of a set whose trailer is
        # wrong (found by a pre-pass over the file: the SE comes after the claims).
        broken = getattr(ctx, "broken_set", None)
        if broken is None:
            return ()
        st02, reason = broken
        return [
            self.finding(
                ctx,
                message(st02, reason) + " (listed once on the set in the report); the whole set "
                "is held as it came.",
                segment=claim.envelope.st,
            )
        ]


def message(st02: str, reason: str) -> str:
    return f"Transaction set {st02} has a wrong trailer: {reason}"


RULE = ENV002

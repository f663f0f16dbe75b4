"""ENV001: the transaction set carries the pre-errata 837P label 005010X222."""

from __future__ import annotations

from x12tool.edi.segment import Segment
from x12tool.rules.base import Applicability, Finding, Fix, Rule, SetElement, Severity

A1 = "005010X222A1"
PRE_ERRATA = "005010X222"


class ENV001(Rule):
    """The transaction set is labelled `005010X222`, the 837P guide before its errata (A1).

    Why is this bad?
        HIPAA adopted the 837P as ASC X12N 005010X222 *with* its Type 1 Errata, identified as
        `005010X222A1` in GS08 and ST03 (45 CFR 162.1102(c); TR3 005010X222A1 section 1.1).
        Receivers select the guide by that label: pyx12 has no map for `005010X222` and a
        clearinghouse rejects the group or set on a 999 (IK502/AK905) before reading any claim,
        although the content is an ordinary 837P 5010 transaction. The finding is made once on
        the transaction set (not on each claim) and does not hold its claims.

    Example
        `GS*HC*SENDER*RECEIVER*20260301*1200*1*X*005010X222~` and `ST*837*0001*005010X222~`.

    Use instead
        `GS*HC*SENDER*RECEIVER*20260301*1200*1*X*005010X222A1~` and `ST*837*0001*005010X222A1~`.

    Fix safety
        Safe: ST01 837 in a `HC` group of a 5010 interchange labelled X222 is the professional
        claim guide, and A1 is the only version of it in use; the file was read and checked as
        `005010X222A1`. The fix sets ST03 (and GS08 when it carries the same label) to
        `005010X222A1` in `ready/`; held claims keep the label they came with.

    Source
        45 CFR 162.1102(c) (837P adopted as 005010X222 with errata 005010X222A1); TR3
        005010X222A1 section 1.1 and Appendix C (ST03 / GS08 implementation convention
        reference).
    """

    code = "ENV001"
    name = "pre-errata-label"
    severity = Severity.WARNING
    fix = Applicability.SAFE

    def check(self, claim, ctx):
        # A transaction-set finding: preflight asks check_set once per set. In a rule run over
        # claims alone (case files), the first claim of each set carries it.
        env = claim.envelope
        seen = ctx.run_state(self, {}).setdefault("sets", set())
        if env.set_number in seen:
            return
        seen.add(env.set_number)
        yield from self.check_set(env.gs, env.st, ctx)

    def check_set(self, gs: Segment | None, st: Segment, ctx) -> list[Finding]:
        st03, gs08 = st.element(3), gs.element(8) if gs is not None else ""
        label = st03 or gs08
        if label != PRE_ERRATA:
            return []
        edits = [SetElement(st, 3, A1)] if st03 == PRE_ERRATA else []
        if gs is not None and gs08 == PRE_ERRATA:
            edits.append(SetElement(gs, 8, A1))
        where = "ST03" if st03 else "GS08"
        return [
            Finding(
                code=self.code,
                severity=ctx.severity_for(self),
                message=(
                    f"transaction set {st.element(2)}: {where} says {PRE_ERRATA}, the 837P label "
                    f"before its errata; receivers expect {A1} (x12tool read the set as {A1})"
                ),
                segment=st,
                fix=Fix(Applicability.SAFE, tuple(edits)),
            )
        ]


RULE = ENV001

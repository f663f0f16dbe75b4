"""MOD001: an always-therapy code without a therapy modifier (GP/GO/GN)."""

from __future__ import annotations

from x12tool.rules.base import Applicability, Fix, Rule, SetModifiers, Severity
from x12tool.rules.therapy import (
    MAX_MODIFIERS,
    day,
    describe,
    discipline_evidence,
    modifier_for,
)


class MOD001(Rule):
    """An always-therapy code is billed without a therapy modifier (GP, GO or GN).

    Why is this bad?
        GP, GO and GN say the service was furnished under a physical therapy, occupational
        therapy or speech-language pathology plan of care. Medicare requires one of them on
        every "always therapy" code, whoever performs the service; a line without one is
        returned or denied. Only payers whose profile sets `require_therapy_modifiers`
        (Medicare Part B in the shipped profiles) are checked.

    Example
        Medicare Part B, billing provider taxonomy 225100000X (physical therapist):
        `SV1*HC:97110*60*UN*1***1~`

    Use instead
        `SV1*HC:97110:GP*60*UN*1***1~`

    Fix safety
        Safe when the discipline is proven by the documents on hand: the code's own discipline
        lock (97161-97164 are PT, 97165-97168 OT, 92521-92524/92597/92607 SLP), an assistant
        modifier (CQ is PT, CO is OT), the visit log rows of the line (discipline, else
        provider role), and the taxonomy of the line's rendering provider (2420A), else the
        claim's (2310B), else the billing provider's (2010AA): 2251/2252 PT, 225X/224Z OT,
        235Z SLP. Every source present must agree. The modifier is put first (SV101-3) and the
        existing modifiers kept after it. No fix when the sources disagree or say nothing, or
        when the line already has four modifiers (SV101-3..6 are full).

    Source
        CR 10176 (Transmittal 3814, eff. 2018-01-01): therapy modifiers on always-therapy codes
        and the discipline-locked codes; CMS RVU26C MULT PROC indicator 5 as the always-therapy
        proxy; NUCC taxonomy codes; TR3 005010X222A1 SV101-3..6 (four modifier slots).
    """

    code = "MOD001"
    name = "therapy-modifier.missing"
    severity = Severity.ERROR
    fix = Applicability.SAFE

    @classmethod
    def quiet(cls, profile):
        return profile is None or not profile.require_therapy_modifiers

    def check(self, claim, ctx):
        if self.quiet(ctx.profile):
            return ()
        therapy = ctx.ref.therapy_modifiers.keys()
        for line in claim.lines:
            # the usual line has its therapy modifier: only a line without one can be reported
            if therapy.isdisjoint(line.modifiers) and line.sv1 is not None:
                return self._findings(claim, ctx)
        return ()

    def _findings(self, claim, ctx):
        ref = ctx.ref
        for line in claim.lines:
            if line.sv1 is None or not ref.is_always_therapy(line.code):
                continue
            if any(m in ref.therapy_modifiers for m in line.modifiers):
                continue
            evidence = discipline_evidence(claim, line, ctx)
            disciplines = {disc for _, disc in evidence}
            head = (
                f"{line.code} on {day(line)} is an always-therapy code billed without GP/GO/GN"
                f" ({ctx.profile.name} requires one)"
            )
            fix = None
            if len(disciplines) == 1:
                mod = modifier_for(ctx, disciplines.pop())
                if len(line.modifiers) < MAX_MODIFIERS:
                    edit = SetModifiers(line.sv1, (mod, *line.modifiers))
                    fix = Fix(Applicability.SAFE, (edit,))
                    what = f"add {mod} ({describe(evidence)})"
                else:
                    what = (
                        f"add {mod} ({describe(evidence)}); the line already has four "
                        "modifiers, so drop one to make room"
                    )
            elif disciplines:
                what = (
                    f"the sources disagree ({describe(evidence)}): check the plan of care and "
                    "add the modifier of the discipline that furnished the service"
                )
            else:
                what = (
                    "nothing on hand says which discipline furnished it (no discipline lock, "
                    "visit-log discipline or therapist taxonomy): check the plan of care and "
                    "add GP (PT), GO (OT) or GN (SLP)"
                )
            yield self.finding(ctx, f"{head}: {what}", line=line, fix=fix)


RULE = MOD001

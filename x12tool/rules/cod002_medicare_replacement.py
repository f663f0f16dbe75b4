"""COD002: a code Medicare does not pay as billed: one it replaces (97014 -> G0283) or a
bundled one (97010) billed alone on its date."""

from __future__ import annotations

from x12tool.rules.base import Applicability, Fix, Rule, SetElement, Severity
from x12tool.rules.codeflags import MEDICARE_SPECIAL, any_line
from x12tool.rules.therapy import day

MEDICARE_B = "medicare_b"
MEDICARE_ADVANTAGE = "medicare_advantage"


class COD002(Rule):
    """A code Medicare replaces with another (97014 -> G0283), or a bundled code billed alone.

    Why is this bad?
        Medicare Part B does not recognise some CPT codes and pays a HCPCS code instead: 97014
        (unattended electrical stimulation) has PFS status I, and Medicare pays G0283. A 97014
        line on a Medicare claim is denied. 97010 (hot/cold packs) has PFS status B: bundled
        into the other services of the day and never paid separately, so a date on which 97010
        is the only service brings no payment.

        Severity: error on an original Medicare Part B claim (payer class medicare_b), where the
        PFS status is the payment rule; warning on a Medicare Advantage claim, where the plan
        usually follows Medicare coding but its own policy decides; no finding for other payers
        (97014 is a valid CPT code for them). The bundled-code finding is always a warning: the
        line is not wrong, it is just not paid.

    Example
        Medicare Part B: `SV1*HC:97014:GP*40*UN*1***1~`

    Use instead
        `SV1*HC:G0283:GP*40*UN*1***1~`

    Fix safety
        Unsafe for 97014 -> G0283 (applied only with --unsafe-fixes): the replacement is the
        code Medicare pays for the service, but changing the procedure code changes what is
        billed, and the record must support the replacement code's descriptor. Only SV101-2
        changes; modifiers, units and the charge are kept (set the charge from your own fee
        schedule). No fix for the bundled code: drop the line
        or keep it for the record, as your billing policy says.

    Source
        CMS PFS RVU26C (PPRRVU2026_Jul_nonQPP.csv) status codes: 97014 status I, G0283 status A,
        97010 status B (the codes map's Medicare replacements and bundled codes).
    """

    code = "COD002"
    name = "code.medicare-replacement"
    severity = Severity.ERROR
    fix = Applicability.UNSAFE

    def check(self, claim, ctx):
        payer = claim.payer_class
        if payer not in (MEDICARE_B, MEDICARE_ADVANTAGE):
            return ()  # other payers bill these codes as they are
        if not any_line(MEDICARE_SPECIAL, ctx.ref, claim.lines):
            return ()  # no code Medicare replaces or bundles (most claims)
        return self._findings(claim, ctx, payer)

    def _findings(self, claim, ctx, payer):
        ref = ctx.ref
        overridden = ctx.profile is not None and ctx.profile.severity_for(self.code)
        soft = None if overridden else Severity.WARNING
        label = "Medicare Part B" if payer == MEDICARE_B else "Medicare Advantage"
        for line in claim.lines:
            info = ref.code(line.code)
            if info is None or line.sv1 is None:
                continue
            if info.replacement:
                fix = Fix(
                    Applicability.UNSAFE,
                    (SetElement(line.sv1, 1, info.replacement, component=2),),
                )
                status = f" (PFS status {info.medicare_status})" if info.medicare_status else ""
                tail = "" if payer == MEDICARE_B else " if the plan follows Medicare coding"
                yield self.finding(
                    ctx,
                    f"{line.code} on {day(line)} is not payable by Medicare{status}: bill "
                    f"{info.replacement} instead on this {label} claim{tail}",
                    line=line,
                    fix=fix,
                    severity=None if payer == MEDICARE_B else soft,
                )
            elif info.bundled and line.date_from is not None:
                others = [
                    ln
                    for ln in claim.lines
                    if ln.date_from == line.date_from
                    and not (ref.code(ln.code) and ref.code(ln.code).bundled)
                ]
                if not others:
                    yield self.finding(
                        ctx,
                        f"{line.code} on {day(line)} is bundled (PFS status "
                        f"{info.medicare_status or 'B'}) and is the only service of its date: "
                        f"{label} does not pay it separately, so the date brings no payment; "
                        "drop the line unless your policy is to report it",
                        line=line,
                        severity=soft,
                    )


RULE = COD002

"""PAY002: a line lacks a modifier the payer requires, or carries one it refuses."""

from __future__ import annotations

from x12tool.rules.base import Rule, Severity


class PAY002(Rule):
    """A line lacks a modifier the payer's profile requires, or has one the payer refuses.

    Why is this bad?
        Some payers set their own modifier demands: a Medicaid plan that wants the therapy
        modifier (GP) on every line, or one that refuses 59 and wants the more specific
        XE/XS/XP/XU. A line that does not follow them is denied or returned. The demands are
        each payer's own: set them in a user profile with
        `<require_modifier value="GP" lines="all|therapy"/>` and
        `<refuse_modifier value="59" instead="XE XS XP XU"/>` in your profile file; no shipped
        profile sets any. `lines="therapy"` limits a requirement to the therapy codes x12tool
        knows (the codes its timed-unit and modifier rules check).

    Example
        The profile refuses 59: `SV1*HC:97530:GP:59*120*UN*2***1~`.

    Use instead
        `SV1*HC:97530:GP:XU*120*UN*2***1~` when the record shows an unusual, non-overlapping
        service (or XE/XS/XP as it shows a separate encounter, structure or practitioner).

    Fix safety
        No fix: which X modifier applies, and which discipline a line belongs to, is what the
        record attests; the claim is held until someone decides.

    Source
        NCCI Policy Manual Ch. I (59 and XE/XS/XP/XU as the bypass modifiers); the demands
        themselves are payer policy.
    """

    code = "PAY002"
    name = "payer.modifier"
    severity = Severity.ERROR

    @classmethod
    def quiet(cls, profile):
        return profile is None or not (profile.required_modifiers or profile.refused_modifiers)

    def check(self, claim, ctx):
        if self.quiet(ctx.profile):
            return ()  # no demands in the profile (every shipped one)
        return self._findings(claim, ctx, ctx.profile)

    def _findings(self, claim, ctx, prof):
        for line in claim.lines:
            if line.sv1 is None or not line.code:
                continue
            mods = [m.strip().upper() for m in line.modifiers]
            for mod, which in prof.required_modifiers:
                if which == "therapy" and ctx.ref.code(line.code) is None:
                    continue
                if mod not in mods:
                    yield self.finding(
                        ctx,
                        f"{line.code} has no {mod}; the payer wants {mod} on every "
                        f"{'therapy ' if which == 'therapy' else ''}line (profile {prof.name})",
                        line=line,
                    )
            for mod, instead in prof.refused_modifiers:
                if mod in mods:
                    use = f"; use {'/'.join(instead)} as the record supports" if instead else ""
                    yield self.finding(
                        ctx,
                        f"{line.code} carries {mod}, which the payer refuses (profile "
                        f"{prof.name}){use}",
                        line=line,
                    )


RULE = PAY002

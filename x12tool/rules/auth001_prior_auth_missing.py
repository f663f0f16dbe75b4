"""AUTH001: a claim for a payer that requires prior authorization carries no REF*G1."""

from __future__ import annotations

from x12tool.ledger.facts import prior_auth_refs
from x12tool.rules.auth import auth_view, g1_anchor, requires_auth
from x12tool.rules.base import Applicability, Fix, InsertSegment, Rule, Severity
from x12tool.rules.services import LEDGER, PRICING


class AUTH001(Rule):
    """The payer requires prior authorization for therapy and the claim carries no number.

    Why is this bad?
        A payer whose policy or contract requires prior authorization for outpatient therapy
        denies a claim without it (CARC 197, precertification/authorization absent). The
        number travels in the claim's 2300 REF*G1 (or a line's 2400 REF*G1). Which payers
        require it is each payer's own rule: set `prior_auth` in your profile file
        (`--profiles`); no shipped profile requires it.

    Example
        The profile of payer ACME1 says `<prior_auth value="true"/>`; the claim has no
        `REF*G1` and its lines have none either.

    Use instead
        `REF*G1*A123456~` in the 2300 loop, after any REF*4N/F5/EW/9F and before the later
        REF segments, NTE and HI.

    Fix safety
        Safe when the documents on hand determine the number: the authorizations imported with
        `x12tool auth import` hold exactly one number for the member and payer whose dates
        cover every date of service of the claim (and whose discipline matches its lines).
        With none or several, the claim is held: someone has to get or choose the
        authorization.

    Source
        005010X222A1 2300 REF Prior Authorization (REF01 = G1); X12 CARC 197. Payer policy is
        configured per payer, never shipped.
    """

    code = "AUTH001"
    name = "auth.missing-number"
    severity = Severity.ERROR
    needs = frozenset({LEDGER, PRICING})
    fix = Applicability.SAFE

    @classmethod
    def quiet(cls, profile):
        return not requires_auth(profile)

    def check(self, claim, ctx):
        if not requires_auth(ctx.profile):
            return ()  # no prior authorization in the profile (every shipped one)
        return self._findings(claim, ctx)

    def _findings(self, claim, ctx):
        view = auth_view(claim, ctx)
        if view is None:
            return
        _scope, facts, auths = view
        header, per_line = prior_auth_refs(claim)
        if header is not None or all(a.index in per_line for a in facts.auth_lines):
            return
        numbers = sorted(
            {
                a.number
                for a in auths
                if all(
                    a.covers(ln.day) and (not ln.discipline or ln.discipline == a.discipline)
                    for ln in facts.auth_lines
                )
            }
        )
        fix = None
        anchor = g1_anchor(claim)
        if len(numbers) == 1 and anchor is not None:
            fix = Fix(Applicability.SAFE, (InsertSegment(anchor, ("REF", "G1", numbers[0])),))
            why = f"authorization {numbers[0]} on file covers every date of service"
        elif numbers:
            why = f"{len(numbers)} authorizations on file cover its dates; add the right one"
        elif auths:
            why = "no authorization on file covers all of its dates of service"
        else:
            why = "no authorization for this member and payer is on file (x12tool auth import)"
        yield self.finding(
            ctx,
            f"the payer requires prior authorization for therapy (profile {ctx.profile.name}) "
            f"and the claim carries no REF*G1; {why}",
            segment=claim.clm,
            fix=fix,
        )


RULE = AUTH001

"""AUTH003: the visits or units used go past what the authorization allows."""

from __future__ import annotations

from x12tool.rules.auth import auth_view, requires_auth
from x12tool.rules.base import Rule, Severity
from x12tool.rules.services import LEDGER, PRICING


class AUTH003(Rule):
    """The claim uses visits or units the authorization no longer has.

    Why is this bad?
        An authorization allows a number of visits, units or both (per the payer's profile,
        `prior_auth counts=`); the visit or unit past that number is not authorized and is
        denied. What was used is counted in the ledger across files and runs (`x12tool ledger`,
        `x12tool auth show`): every line preflight sent to the payer for the member, in the
        authorization's dates and discipline, with the authorization's number or none. A
        visit is a date of service; units are SV104 of the timed codes (or of the one code
        the authorization names). The claim that goes past the number is held, and so is
        every later one. As the visits or units run low a warning says how many are left
        (`warn_remaining`, default 2 or fewer after the claim).

    Example
        Authorization A123456 allows 12 PT visits; the ledger holds 12 dates of service
        already sent; the claim is the 13th date.

    Use instead
        Ask the payer for more visits before the next one and bill it under the new or
        extended authorization (re-import the authorization file).

    Fix safety
        No fix: only the payer can authorize more. Sending a replacement (CLM05-3 = 7) of a
        sent claim replaces its lines in the count, and a void (8) frees them. A sent line the
        payer denied still counts, unless an imported remittance (`x12tool remit import`)
        denied it with nothing paid for CARC 197 (authorization absent), 198 (authorization
        exceeded) or 15 (authorization number missing or invalid): the payer then did not
        count it against the authorization, and it frees its visit and units. Any other
        denial (CO-97, CO-151, PR-204 ...) keeps counting: most payers count visits rendered
        under an authorization, and counting it keeps the tool on the side of caution. A
        reversal (CLP02 = 22) with no new payment makes the line count again.

    Source
        Payer prior-authorization policy (configured per payer); 005010X222A1
        REF*G1; X12 CARC 198 (precertification/authorization exceeded).
    """

    code = "AUTH003"
    name = "auth.used-up"
    severity = Severity.ERROR
    needs = frozenset({LEDGER, PRICING})
    cross_claim = True

    @classmethod
    def quiet(cls, profile):
        return not requires_auth(profile)

    def check(self, claim, ctx):
        if not requires_auth(ctx.profile):
            return ()  # no prior authorization in the profile (every shipped one)
        return self._findings(claim, ctx)

    def _findings(self, claim, ctx):
        # The counting module: imported by a run whose profile needs prior authorizations
        from x12tool.ledger.authcount import measures, usage

        view = auth_view(claim, ctx)
        if view is None:
            return
        scope, facts, auths = view
        warn_at = ctx.profile.auth_warn_remaining
        for m in measures(auths, ctx.profile.auth_counts):
            use = usage(scope, facts, m)
            if use is None or not use.this:
                continue
            what = "visit(s)" if m.kind == "visits" else "unit(s)"
            parts = []
            if scope.has_store:
                parts.append(f"{use.recorded} sent before")
            if use.run_before:
                parts.append(f"{use.run_before} on earlier claims of this run")
            parts.append(f"{use.this} on this claim")
            detail = " + ".join(parts)
            if use.crossing_index is not None:
                line = claim.lines[use.crossing_index]
                yield self.finding(
                    ctx,
                    f"{use.after} {what} used of the {m.describe()}: {detail}; past the "
                    "authorized number by "
                    f"{use.after - m.limit}; get more authorized before sending",
                    line=line,
                )
            elif use.remaining <= warn_at:
                first = next(
                    a
                    for a in facts.auth_lines
                    if m.counts(a.day, a.code, a.discipline, a.timed, a.auth_number)
                )
                yield self.finding(
                    ctx,
                    f"{use.remaining} {what} left of the {m.describe()} after this claim "
                    f"({detail})",
                    line=claim.lines[first.index],
                    severity=Severity.WARNING,
                )


RULE = AUTH003

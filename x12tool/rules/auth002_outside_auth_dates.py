"""AUTH002: a date of service outside the dates of the authorization the claim names."""

from __future__ import annotations

from x12tool.rules.auth import auth_view, requires_auth, span
from x12tool.rules.base import Rule, Severity
from x12tool.rules.services import LEDGER, PRICING


class AUTH002(Rule):
    """A service line's date lies outside the dates of the authorization it names.

    Why is this bad?
        An authorization covers services from its start date through its end date. A visit
        after it expired (or before it began) is not authorized, and the payer denies the line
        (CARC 197 or 198). This compares each line's date of service with the authorization
        named in its REF*G1 (the line's own, else the claim's), as imported with
        `x12tool auth import`; a number that is not on file for the member and payer, while
        others are, is reported as a warning.

    Example
        Authorization A123456 runs 2026-01-05 to 2026-03-31; the claim has `REF*G1*A123456~`
        and a line with `DTP*472*D8*20260402~`.

    Use instead
        Get an extension or a new authorization before the visit, and bill the visit with
        that number; a retroactive authorization is the payer's call.

    Fix safety
        No fix: only the payer can authorize the date.

    Source
        005010X222A1 2300/2400 REF Prior Authorization (G1); X12 CARC 197/198. The dates
        come from the practice's authorization export (`x12tool auth import`).
    """

    code = "AUTH002"
    name = "auth.outside-dates"
    severity = Severity.ERROR
    needs = frozenset({LEDGER, PRICING})

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
        if not auths:
            return
        unknown_reported = set()
        for ln in facts.auth_lines:
            if not ln.auth_number:
                continue  # AUTH001
            named = [
                a
                for a in auths
                if a.number == ln.auth_number
                and (not ln.discipline or ln.discipline == a.discipline)
            ]
            line = claim.lines[ln.index]
            if not named:
                if ln.auth_number not in unknown_reported:
                    unknown_reported.add(ln.auth_number)
                    yield self.finding(
                        ctx,
                        f"authorization {ln.auth_number} is not on file for this member and "
                        "payer (others are); check the number or import the payer's latest "
                        "authorizations",
                        line=line,
                        severity=Severity.WARNING,
                    )
                continue
            if any(a.covers(ln.day) for a in named):
                continue
            a = min(named, key=lambda a: abs((a.end - ln.day).days))
            when = "after it ended" if ln.day > a.end else "before it began"
            yield self.finding(
                ctx,
                f"{ln.code} on {ln.day.isoformat()} is {when}: authorization {a.number} "
                f"({a.discipline}) runs {span(a)}",
                line=line,
            )


RULE = AUTH002

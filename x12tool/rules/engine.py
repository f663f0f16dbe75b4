"""Run the selected rules over one claim."""

from __future__ import annotations

from x12tool.claims import Claim
from x12tool.rules.base import Finding, Rule
from x12tool.rules.context import RuleContext


def _order(f: Finding) -> tuple[int, str]:
    return (f.position or 0, f.code)


def check_claim(claim: Claim, rules: list[Rule], ctx: RuleContext) -> list[Finding]:
    ctx.for_claim(claim)
    findings: list[Finding] = []
    # Every claim goes through ~25 rules and most have nothing to say: the bound checks are
    # made once per profile (RuleContext.checks), and an empty answer is not extended.
    for check in ctx.checks(rules):
        got = check(claim, ctx)
        if got:  # a generator is always true: it is extended, and may well be empty
            findings.extend(got)
    if len(findings) > 1:  # most claims have none: nothing to order
        findings.sort(key=_order)
    return findings

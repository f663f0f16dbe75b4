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
    extend = findings.extend
    for rule in ctx.active(rules):
        extend(rule.check(claim, ctx))
    if len(findings) > 1:  # most claims have none: nothing to order
        findings.sort(key=_order)
    return findings

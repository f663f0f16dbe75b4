"""Run the selected rules over one claim."""

from __future__ import annotations

from x12tool.claims import Claim
from x12tool.rules.base import Finding, Rule
from x12tool.rules.context import RuleContext


def check_claim(claim: Claim, rules: list[Rule], ctx: RuleContext) -> list[Finding]:
    ctx.for_claim(claim)
    findings: list[Finding] = []
    for rule in ctx.active(rules):
        findings.extend(rule.check(claim, ctx))
    findings.sort(key=lambda f: (f.position or 0, f.code))
    return findings

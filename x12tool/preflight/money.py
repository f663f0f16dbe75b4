"""The money step of a run: price a settled claim and collect its findings' dollar effects.

Each finding's effect is its rule's (``Rule.money_effect``); findings that no rule made (the fix
loop's FIX001/FIX002) get the default (an error on a held claim puts its line or the claim at
risk). The records go to :class:`~x12tool.money.effects.ClaimMoney`; findings stay as made.
"""

from __future__ import annotations

from x12tool.fixes.loop import HELD, ClaimOutcome
from x12tool.money.amounts import ZERO, cents
from x12tool.money.effects import (
    MEDICARE_SHARE,
    OVERBILLING,
    REDUCTION,
    SEQUESTRATION,
    UNDERBILLED,
    ClaimMoney,
)
from x12tool.remit.rates import NOTE_PREFIX
from x12tool.rules.base import Rule
from x12tool.rules.money import ClaimPricing
from x12tool.rules.services import Pricing


def claim_money(o: ClaimOutcome, pricer: Pricing, rules: dict[str, Rule]) -> ClaimMoney:
    """``rules``: the run's rules by code."""
    claim = o.original
    held = o.status == HELD
    priced = ClaimPricing.of(claim, pricer, held=held)
    billed = priced.billed
    m = ClaimMoney(payer_class=claim.payer_class or "", held=held)
    m.allowed_as_billed = total = priced.total
    m.lines = len(billed.lines)
    payer_rates = 0
    for ln in billed.lines:
        if ln.note.startswith(NOTE_PREFIX):
            payer_rates += 1
    m.payer_rate_lines = payer_rates
    if held:
        m.at_risk = total
    else:
        # a claim sent as it came (ready: no fix applied) is the billed one: priced once
        sent = billed if o.final is claim else pricer.price(o.final)
        m.allowed_as_sent = total if sent is billed else sent.total
        m.reduction = sent.reduction
        if not m.reference_only:
            m.sequestration = cents(m.allowed_as_sent * MEDICARE_SHARE * SEQUESTRATION)
    if not o.fixed and not o.findings:
        return m  # most claims: no finding has an effect to price
    fixed = {id(f) for f in o.fixed}
    for f in list(o.fixed) + list(o.findings):
        rule = rules.get(f.code)
        got = rule.money_effect(f, priced) if rule is not None else priced.at_risk(f)
        if got is None:
            continue
        effect, amount = got
        m.effects[id(f)] = got
        m.by_rule[f.code] = m.by_rule.get(f.code, ZERO) + amount
        if effect == OVERBILLING:
            m.overbilling_avoided += amount
        elif effect == UNDERBILLED:
            m.underbilled += amount
        elif effect == REDUCTION and id(f) not in fixed:
            m.reduction += amount  # a fixed one is already in the sent claim's price
    return m

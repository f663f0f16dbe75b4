"""The money step of a run: price a settled claim and collect its findings' dollar effects.

Each finding's effect is its rule's (``Rule.money_effect``); findings that no rule made (the fix
loop's FIX001/FIX002) get the default (an error on a held claim puts its line or the claim at
risk). The records go to :class:`~x12tool.money.effects.ClaimMoney`; findings stay as made.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from x12tool.fixes.loop import HELD, ClaimOutcome
from x12tool.money.amounts import CENT, ZERO
from x12tool.money.effects import (
    MEDICARE_CLASSES,
    MEDICARE_SHARE,
    OVERBILLING,
    REDUCTION,
    SEQUESTRATION,
    UNDERBILLED,
    ClaimMoney,
)
from x12tool.remit.notes import NOTE_PREFIX
from x12tool.rules.base import Rule
from x12tool.rules.money import ClaimPricing
from x12tool.rules.services import Pricing


def claim_money(o: ClaimOutcome, pricer: Pricing, rules: dict[str, Rule]) -> ClaimMoney:
    """``rules``: the run's rules by code.

    The claim as billed is the pricer's price of ``o.original`` (the state the rules and the
    ledger facts priced already); the sent claim is priced only when fixes made a new state."""
    claim = o.original
    held = o.status == HELD
    if not o.fixed and not o.findings and o.final is claim:
        totals = getattr(pricer, "totals", None)  # a Pricer's (a payer-rate wrapper has none)
        if totals is not None:
            return _unchanged_money(claim, held, *totals(claim))
    billed = pricer.price(claim)
    total = billed.total
    lines = billed.lines
    payer_class = claim.payer_class or ""
    m = ClaimMoney(payer_class, total, held=held, lines=len(lines))
    payer_rates = 0
    for ln in lines:
        if ln.note and ln.note.startswith(NOTE_PREFIX):
            payer_rates += 1
    m.payer_rate_lines = payer_rates
    if held:
        m.at_risk = total
    else:
        # a claim sent as it came (ready: no fix applied) is the billed one: priced once
        sent = billed if o.final is claim else pricer.price(o.final)
        m.allowed_as_sent = sent.total
        m.reduction = sent.reduction
        if payer_class in MEDICARE_CLASSES:  # not m.reference_only
            m.sequestration = _sequestration(m.allowed_as_sent)
    if not o.fixed and not o.findings:
        return m  # most claims: no finding has an effect to price
    priced = ClaimPricing.of(claim, pricer, held=held, billed=billed)
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


def _unchanged_money(
    claim, held: bool, total: Decimal, reduction: Decimal, lines: int, notes: list[str]
) -> ClaimMoney:
    """The money of a claim with no finding, sent as it came (or held whole with its set):
    what :func:`claim_money` makes of it, from the claim's price summed (``Pricer.totals``).
    Nine claims in ten of a batch take this way."""
    payer_class = claim.payer_class or ""
    m = ClaimMoney(payer_class, total, held=held, lines=lines)
    if notes:
        m.payer_rate_lines = sum(1 for note in notes if note.startswith(NOTE_PREFIX))
    if held:
        m.at_risk = total
    else:
        m.allowed_as_sent = total  # the billed claim is the sent one
        m.reduction = reduction
        if payer_class in MEDICARE_CLASSES:
            m.sequestration = _sequestration(total)
    return m


def _sequestration(allowed: Decimal) -> Decimal:
    """2 % of Medicare's 80 % share of ``allowed``, in cents (memo: a file bills the same few
    claim totals again and again)."""
    got = _SEQUESTRATION.get(allowed)
    if got is None:
        got = (allowed * _SHARE_SEQUESTERED).quantize(CENT, rounding=ROUND_HALF_UP)  # cents()
        if len(_SEQUESTRATION) < 4096:  # bounded: the first totals met stay
            _SEQUESTRATION[allowed] = got
    return got


# 2 % of 80 %, as one factor: the product of Decimals is exact (the precision is far above an
# amount's digits), so the cents are those of the two products taken in turn
_SHARE_SEQUESTERED = MEDICARE_SHARE * SEQUESTRATION

# allowed amount -> its sequestration. Keyed by value: equal amounts give the same cents.
_SEQUESTRATION: dict[Decimal, Decimal] = {}

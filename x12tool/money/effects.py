"""The money records of a preflight run: the claim's figures and each finding's effect.

For one settled claim, :class:`ClaimMoney` holds:

* ``allowed_as_billed``: the claim as it came in, priced; ``allowed_as_sent``: the claim as it
  goes (corrected when fixes applied), 0 for a held claim; ``at_risk``: a held claim's
  ``allowed_as_billed``.
* the effect of each finding with one (``effects``, by finding): one of :data:`EFFECTS`. Which
  effect a finding has and what it is worth is its rule's business (``Rule.money_effect`` in
  ``x12tool.rules``); the money step of a run (``x12tool.preflight.money``) collects them here.

:class:`Pricer` prices claims with one fee schedule (the run's ``pricing`` service).
"""

from __future__ import annotations

from decimal import Decimal

from x12tool.money.amounts import ZERO, fmt, formatted
from x12tool.money.pricing import (
    ClaimPrice,
    LineInput,
    Totals,
    claim_totals,
    price_claim,
    price_lines,
)
from x12tool.money.schedule import FeeSchedule
from x12tool.values import NEW, Value, value_class

MEDICARE_CLASSES = frozenset({"medicare_b"})
SEQUESTRATION = Decimal("0.02")
MEDICARE_SHARE = Decimal("0.80")  # Part B pays 80% of the allowed amount (deductible met)

OVERBILLING = "overbilling_avoided"
UNDERBILLED = "underbilled"
REDUCTION = "reduction"
AT_RISK = "at_risk"
EFFECTS = (OVERBILLING, UNDERBILLED, REDUCTION, AT_RISK)


# A dataclass with slots writing its own __init__ (x12tool/values.py): the defaults are
# __init__'s (a default in the class body would clash with its slot).
@value_class
class ClaimMoney(Value):
    __slots__ = (
        "payer_class",
        "allowed_as_billed",
        "allowed_as_sent",
        "overbilling_avoided",
        "underbilled",
        "reduction",
        "at_risk",
        "sequestration",
        "by_rule",
        "held",
        "payer_rate_lines",
        "lines",
        "effects",
    )
    payer_class: str
    allowed_as_billed: Decimal
    allowed_as_sent: Decimal
    overbilling_avoided: Decimal
    underbilled: Decimal
    reduction: Decimal
    at_risk: Decimal
    sequestration: Decimal
    by_rule: dict[str, Decimal]
    held: bool
    payer_rate_lines: int  # lines priced at the payer's own rate (docs/remittance.md)
    lines: int
    # id(finding) -> (effect, amount): a record beside the finding, which stays as it was made
    effects: dict[int, tuple[str, Decimal]]

    def __init__(
        self,
        payer_class: str,
        allowed_as_billed: Decimal = ZERO,
        allowed_as_sent: Decimal = ZERO,
        overbilling_avoided: Decimal = ZERO,
        underbilled: Decimal = ZERO,
        reduction: Decimal = ZERO,
        at_risk: Decimal = ZERO,
        sequestration: Decimal = ZERO,
        by_rule: dict[str, Decimal] = NEW,
        held: bool = False,
        payer_rate_lines: int = 0,
        lines: int = 0,
        effects: dict[int, tuple[str, Decimal]] = NEW,
    ) -> None:
        self.payer_class = payer_class
        self.allowed_as_billed = allowed_as_billed
        self.allowed_as_sent = allowed_as_sent
        self.overbilling_avoided = overbilling_avoided
        self.underbilled = underbilled
        self.reduction = reduction
        self.at_risk = at_risk
        self.sequestration = sequestration
        self.by_rule = {} if by_rule is NEW else by_rule
        self.held = held
        self.payer_rate_lines = payer_rate_lines
        self.lines = lines
        self.effects = {} if effects is NEW else effects

    def effect_of(self, finding: object) -> tuple[str, Decimal] | None:
        return self.effects.get(id(finding))

    @property
    def reference_only(self) -> bool:
        """Not a Medicare Part B claim: the Medicare figure is a yardstick, not the payment."""
        return self.payer_class not in MEDICARE_CLASSES

    def as_dict(self) -> dict:
        # fmt's memo read here first: every claim record formats these seven amounts, and most
        # are 0.00 or a price met before
        got = formatted
        out = {
            "allowed_as_billed": got(self.allowed_as_billed) or fmt(self.allowed_as_billed),
            "allowed_as_sent": got(self.allowed_as_sent) or fmt(self.allowed_as_sent),
            "overbilling_avoided": got(self.overbilling_avoided) or fmt(self.overbilling_avoided),
            "underbilled": got(self.underbilled) or fmt(self.underbilled),
            "reduction": got(self.reduction) or fmt(self.reduction),
            "at_risk": got(self.at_risk) or fmt(self.at_risk),
            "sequestration": got(self.sequestration) or fmt(self.sequestration),
            "reference_only": self.payer_class not in MEDICARE_CLASSES,
        }
        if self.payer_rate_lines:
            out["payer_rates"] = f"{self.payer_rate_lines} of {self.lines} line(s)"
        return out

    def as_json(self) -> str:
        """``json.dumps(self.as_dict())``, written out: every claim record holds it, and the
        record of a claim without findings is written as text (reports/model.py). The amounts
        are digits, a point and maybe a minus sign, nothing JSON escapes."""
        got = formatted
        billed = got(self.allowed_as_billed) or fmt(self.allowed_as_billed)
        sent = got(self.allowed_as_sent) or fmt(self.allowed_as_sent)
        overbilling = got(self.overbilling_avoided) or fmt(self.overbilling_avoided)
        underbilled = got(self.underbilled) or fmt(self.underbilled)
        reduction = got(self.reduction) or fmt(self.reduction)
        at_risk = got(self.at_risk) or fmt(self.at_risk)
        sequestration = got(self.sequestration) or fmt(self.sequestration)
        reference = "false" if self.payer_class in MEDICARE_CLASSES else "true"
        # as_dict's keys in its order, as json.dumps writes them (", " and ": " between)
        text = (
            f'{{"allowed_as_billed": "{billed}", "allowed_as_sent": "{sent}", '
            f'"overbilling_avoided": "{overbilling}", "underbilled": "{underbilled}", '
            f'"reduction": "{reduction}", "at_risk": "{at_risk}", '
            f'"sequestration": "{sequestration}", "reference_only": {reference}'
        )
        if self.payer_rate_lines:
            text += f', "payer_rates": "{self.payer_rate_lines} of {self.lines} line(s)"'
        return text + "}"


class Pricer:
    """Prices claims with one fee schedule (the ``Pricing`` service of the rules)."""

    def __init__(self, fees: FeeSchedule) -> None:
        self.fees = fees
        self._recent: list[tuple[object, ClaimPrice]] = []  # the ledger rules and the report
        # price the same claim objects; keep the last few
        # (claim, totals, line amounts) of the last few claims summed by line_amounts()
        self._summed: list[tuple[object, Totals, list[Decimal]]] = []

    def price(self, claim, inputs: list[LineInput] | None = None) -> ClaimPrice:
        """``claim``'s lines priced (``inputs``: other lines, priced for the claim's provider).

        A claim object is one state of a claim: its price (inputs set) is kept for the next
        callers of the same object (the ledger facts, the rules' money effects, the money step),
        so each state is priced once."""
        if inputs is not None:
            npi = claim.billing_provider.npi if claim.billing_provider else None
            return price_lines(self.fees, inputs, npi)
        recent = self._recent
        for seen, price in recent:
            if seen is claim:
                return price
        npi = claim.billing_provider.npi if claim.billing_provider else None
        price = price_claim(self.fees, claim, npi)
        self._recent = [(claim, price), *recent[:3]]
        return price

    def totals(self, claim) -> Totals:
        """``claim``'s price summed (:func:`~x12tool.money.pricing.claim_totals`): the price
        kept for it when a caller priced it already, else summed without building one (and
        not kept: in a check, the money step of a claim without findings is its last reader)."""
        for seen, price in self._recent:
            if seen is claim:
                lines = price.lines
                return (
                    price.total,
                    price.reduction,
                    len(lines),
                    [ln.note for ln in lines if ln.note],
                )
        for seen, totals, _amounts in self._summed:
            if seen is claim:
                return totals
        npi = claim.billing_provider.npi if claim.billing_provider else None
        return claim_totals(self.fees, claim, npi)

    def line_amounts(self, claim) -> list[Decimal]:
        """The allowed amount of each of ``claim``'s lines, in line order (its price's line
        amounts): from the price kept for it, else summed without building one, the totals
        kept for the next :meth:`totals` of the claim (the ledger facts of a Medicare claim
        read only the amounts, and the money step of one without findings the totals)."""
        for seen, price in self._recent:
            if seen is claim:
                return [ln.amount for ln in price.lines]
        summed = self._summed
        for seen, _totals, amounts in summed:
            if seen is claim:
                return amounts
        npi = claim.billing_provider.npi if claim.billing_provider else None
        amounts = []
        totals = claim_totals(self.fees, claim, npi, amounts)
        self._summed = [(claim, totals, amounts), *summed[:3]]
        return amounts

"""Run totals of the money step: overall, per payer class and per rule (for the reports)."""

from __future__ import annotations

from dataclasses import field
from decimal import Decimal

from x12tool.money.amounts import ZERO, fmt
from x12tool.money.effects import MEDICARE_CLASSES, ClaimMoney
from x12tool.values import NEW, Value, value_class

FIELDS = (
    "allowed_as_billed",
    "allowed_as_sent",
    "at_risk",
    "overbilling_avoided",
    "underbilled",
    "reduction",
    "sequestration",
)


def _zero() -> dict[str, Decimal]:
    return dict.fromkeys(FIELDS, ZERO)


@value_class  # a dataclass writing its own __init__ (x12tool/values.py)
class MoneyTotals(Value):
    totals: dict[str, Decimal] = field(default_factory=_zero)
    by_class: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    reference_classes: set[str] = field(default_factory=set)
    by_rule: dict[str, Decimal] = field(default_factory=dict)
    claims: int = 0

    def __init__(
        self,
        totals: dict[str, Decimal] = NEW,
        by_class: dict[str, dict[str, Decimal]] = NEW,
        reference_classes: set[str] = NEW,
        by_rule: dict[str, Decimal] = NEW,
        claims: int = 0,
    ) -> None:
        self.totals = _zero() if totals is NEW else totals
        self.by_class = {} if by_class is NEW else by_class
        self.reference_classes = set() if reference_classes is NEW else reference_classes
        self.by_rule = {} if by_rule is NEW else by_rule
        self.claims = claims

    def add(self, m: ClaimMoney) -> None:
        self.claims += 1
        cls = m.payer_class or "other"
        bucket = self.by_class.get(cls)
        if bucket is None:
            bucket = self.by_class[cls] = _zero()
        totals = self.totals
        # Most of a claim's seven figures are 0.00: adding them changes no sum (every amount is
        # in cents, as the sums are), so only the others are added. Written out per figure
        # rather than a loop over (name, value) pairs, which cost a tuple of them per claim.
        value = m.allowed_as_billed
        if value:
            totals["allowed_as_billed"] += value
            bucket["allowed_as_billed"] += value
        value = m.allowed_as_sent
        if value:
            totals["allowed_as_sent"] += value
            bucket["allowed_as_sent"] += value
        value = m.at_risk
        if value:
            totals["at_risk"] += value
            bucket["at_risk"] += value
        value = m.overbilling_avoided
        if value:
            totals["overbilling_avoided"] += value
            bucket["overbilling_avoided"] += value
        value = m.underbilled
        if value:
            totals["underbilled"] += value
            bucket["underbilled"] += value
        value = m.reduction
        if value:
            totals["reduction"] += value
            bucket["reduction"] += value
        value = m.sequestration
        if value:
            totals["sequestration"] += value
            bucket["sequestration"] += value
        if m.payer_class not in MEDICARE_CLASSES:  # m.reference_only
            self.reference_classes.add(cls)
        if m.by_rule:
            by_rule = self.by_rule
            for code, amount in m.by_rule.items():
                by_rule[code] = by_rule.get(code, ZERO) + amount

    def merge(self, other: MoneyTotals) -> None:
        """Add another run's totals (a check --jobs worker's); sums of Decimals, so the
        order does not change them."""
        self.claims += other.claims
        for name in FIELDS:
            self.totals[name] += other.totals[name]
        for cls, vals in other.by_class.items():
            bucket = self.by_class.setdefault(cls, _zero())
            for name in FIELDS:
                bucket[name] += vals[name]
        self.reference_classes |= other.reference_classes
        for code, amount in other.by_rule.items():
            self.by_rule[code] = self.by_rule.get(code, ZERO) + amount

    def as_dict(self) -> dict:
        out: dict = {name: fmt(self.totals[name]) for name in FIELDS}
        out["by_payer_class"] = {
            cls: {
                **{name: fmt(v) for name, v in sorted(vals.items())},
                "reference_only": cls in self.reference_classes,
            }
            for cls, vals in sorted(self.by_class.items())
        }
        out["by_rule"] = {code: fmt(v) for code, v in sorted(self.by_rule.items())}
        return out

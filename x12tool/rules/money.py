"""What a rule's ``money_effect`` computes with: the claim priced as billed, and re-priced.

Each rule owns the dollar effect of its findings (``Rule.money_effect``); the default, on
:class:`~x12tool.rules.base.Rule`, is :meth:`ClaimPricing.at_risk`: an error on a held claim
puts its line (or the whole claim, when the finding is not about one line) at risk. The effect
names are those of :mod:`x12tool.money.effects` (see docs/money.md):

* ``overbilling_avoided``: the claim priced as billed minus priced with the fix (TU001, TU007);
* ``underbilled``: priced with the documented units minus as billed (TU002, TU005);
* ``reduction``: what the 85% CQ/CO rule takes off a line (MOD003);
* ``at_risk``: what a payer would not pay as sent.

Units come from the finding's fix (``SetUnits``/``DeleteLine``) or, without a fix, from the
data the rule attached (``Finding.extra``), never from message text. Every figure is computed
against the claim as billed, so on a claim with several they need not add up exactly to the
claim's difference.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from x12tool.money.amounts import ZERO
from x12tool.money.effects import AT_RISK, OVERBILLING, REDUCTION, UNDERBILLED
from x12tool.money.pricing import ClaimPrice, LineInput, line_inputs
from x12tool.rules.base import DeleteLine, Finding, SetModifiers, SetUnits, Severity
from x12tool.rules.services import Pricing

if TYPE_CHECKING:
    from x12tool.claims import Claim

__all__ = [
    "AT_RISK",
    "OVERBILLING",
    "REDUCTION",
    "UNDERBILLED",
    "ClaimPricing",
    "Effect",
    "fixed_modifiers",
    "fixed_units",
]

Effect = tuple[str, Decimal]  # (effect name, amount)


def fixed_units(f: Finding) -> Decimal | None:
    """The units the finding's fix sets (0 for a deleted line), if it has such a fix."""
    if f.fix is None:
        return None
    for edit in f.fix.edits:
        if isinstance(edit, SetUnits):
            return Decimal(edit.units)
        if isinstance(edit, DeleteLine):
            return ZERO
    return None


def fixed_modifiers(f: Finding) -> tuple[str, ...] | None:
    """The modifiers the finding's fix sets, if it has such a fix."""
    mods = None
    if f.fix is not None:
        for edit in f.fix.edits:
            if isinstance(edit, SetModifiers):
                mods = tuple(edit.modifiers)
    return mods


class ClaimPricing:
    """One claim as billed (the original of a settled claim), priced, for the money step.

    ``billed`` is the pricer's price of the claim object, the one the ledger facts and the
    money step read too (a claim state is priced once); ``inputs`` are its pricing inputs and
    ``total`` its total, which every effect compares with."""

    __slots__ = ("billed", "claim", "held", "inputs", "pricer", "total")

    def __init__(
        self,
        claim: Claim,
        pricer: Pricing,
        held: bool,
        inputs: list[LineInput],
        billed: ClaimPrice,
    ) -> None:
        self.claim = claim
        self.pricer = pricer
        self.held = held
        self.inputs = inputs
        self.billed = billed
        self.total: Decimal = billed.total

    @classmethod
    def of(
        cls, claim: Claim, pricer: Pricing, *, held: bool, billed: ClaimPrice | None = None
    ) -> ClaimPricing:
        """``billed``: the claim's price when the caller has it already."""
        if billed is None:
            billed = pricer.price(claim)
        inputs = billed.inputs if billed.inputs is not None else line_inputs(claim)
        return cls(claim, pricer, held, inputs, billed)

    def price(self, inputs: list[LineInput]) -> ClaimPrice:
        return self.pricer.price(self.claim, inputs)

    def with_units(self, i: int, units: Decimal) -> list[LineInput]:
        out = list(self.inputs)
        ln = out[i]
        out[i] = LineInput(ln.key, ln.code, ln.modifiers, units, ln.day, True)
        return out

    def with_modifiers(self, i: int, mods: tuple[str, ...]) -> list[LineInput]:
        out = list(self.inputs)
        ln = out[i]
        out[i] = LineInput(ln.key, ln.code, mods, ln.units, ln.day, ln.priceable)
        return out

    def units_delta(self, f: Finding) -> tuple[Decimal, Decimal] | None:
        """For a finding about one line's units: (the units it moves the line by, what that
        moves the claim's total by), re-priced with the MPPR. The units are those its fix sets,
        else ``extra["supported"]``; None when it names no line or no units."""
        i = self.index_of(f)
        if i is None:
            return None
        units = fixed_units(f)
        if units is None and "supported" in f.extra:
            units = Decimal(f.extra["supported"])
        if units is None:
            return None
        moved = units - self.inputs[i].units
        if not moved:
            return ZERO, ZERO
        return moved, self.price(self.with_units(i, units)).total - self.total

    def index_of(self, f: Finding) -> int | None:
        """Index in ``claim.lines`` of the line a finding is about."""
        lines = self.claim.lines
        seg = f.segment
        if seg is not None:
            for i, ln in enumerate(lines):
                if seg is ln.sv1 or seg is ln.lx:
                    return i
            if seg.tag == "SV1":  # a finding of a later fix pass: same SV1 text in the original
                for i, ln in enumerate(lines):
                    if ln.sv1 is not None and ln.sv1.text == seg.text:
                        return i
        if f.line is not None:
            for i, ln in enumerate(lines):
                if ln.number == f.line:
                    return i
        return None

    def at_risk(self, f: Finding) -> Effect | None:
        """An error on a held claim: the allowed amount of its line, or of the whole claim when
        the finding is not about one line."""
        if not (self.held and f.severity == Severity.ERROR):
            return None
        i = self.index_of(f)
        if i is not None:
            line = self.billed.line(i)
            return AT_RISK, line.amount if line else ZERO
        return AT_RISK, self.total

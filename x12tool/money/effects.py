"""What a claim and each of its findings are worth: the money step of a preflight run.

For one settled claim (:class:`~x12tool.fixes.loop.ClaimOutcome`):

* ``allowed_as_billed``: the claim as it came in, priced; ``allowed_as_sent``: the claim as it
  goes (corrected when fixes applied), 0 for a held claim; ``at_risk``: a held claim's
  ``allowed_as_billed``.
* Each finding with a dollar effect gets ``Finding.money`` and ``Finding.extra["money_effect"]``:

  - TU001 (units above the minutes): ``overbilling_avoided``, the claim priced as billed minus
    the claim priced with that line at the supported units (the MPPR is recomputed, so the
    figure is what that unit would really have added).
  - TU002 (units below the minutes) and TU005 (a documented timed service not billed):
    ``underbilled``, the claim priced with the documented units minus as billed.
  - MOD003 where CQ/CO is missing: ``reduction``, what the 85% rule takes off that line.
  - TU003 (minutes sent as units): ``at_risk``, the line's value once its units are right (sent
    as is, a payer rejects it).
  - any other error on a held claim: ``at_risk``, the allowed amount of its line, or of the
    whole claim when the finding is not about one line.

  Units are read from the finding's fix (``SetUnits``/``DeleteLine``) or, without a fix, from
  the data the rule attaches (``Finding.extra``), never from message text. The per-finding
  figures are each computed against the claim as billed, so on a claim with several they need
  not add up exactly to the claim's difference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from x12tool.money.amounts import ZERO, cents, fmt
from x12tool.money.pricing import ClaimPrice, LineInput, line_inputs, price_lines
from x12tool.money.schedule import FeeSchedule
from x12tool.rules.base import DeleteLine, Finding, SetModifiers, SetUnits, Severity

HELD = "held"
MEDICARE_CLASSES = frozenset({"medicare_b"})
SEQUESTRATION = Decimal("0.02")
MEDICARE_SHARE = Decimal("0.80")  # Part B pays 80% of the allowed amount (deductible met)

OVERBILLING = "overbilling_avoided"
UNDERBILLED = "underbilled"
REDUCTION = "reduction"
AT_RISK = "at_risk"
EFFECTS = (OVERBILLING, UNDERBILLED, REDUCTION, AT_RISK)


@dataclass(slots=True)
class ClaimMoney:
    payer_class: str
    allowed_as_billed: Decimal = ZERO
    allowed_as_sent: Decimal = ZERO
    overbilling_avoided: Decimal = ZERO
    underbilled: Decimal = ZERO
    reduction: Decimal = ZERO
    at_risk: Decimal = ZERO
    sequestration: Decimal = ZERO
    by_rule: dict[str, Decimal] = field(default_factory=dict)
    held: bool = False

    @property
    def reference_only(self) -> bool:
        """Not a Medicare Part B claim: the Medicare figure is a yardstick, not the payment."""
        return self.payer_class not in MEDICARE_CLASSES

    def as_dict(self) -> dict:
        return {
            "allowed_as_billed": fmt(self.allowed_as_billed),
            "allowed_as_sent": fmt(self.allowed_as_sent),
            "overbilling_avoided": fmt(self.overbilling_avoided),
            "underbilled": fmt(self.underbilled),
            "reduction": fmt(self.reduction),
            "at_risk": fmt(self.at_risk),
            "sequestration": fmt(self.sequestration),
            "reference_only": self.reference_only,
        }


def _index_of(claim, f: Finding) -> int | None:
    seg = f.segment
    if seg is not None:
        for i, ln in enumerate(claim.lines):
            if seg is ln.sv1 or seg is ln.lx:
                return i
        if seg.tag == "SV1":  # a finding of a later fix pass: same SV1 text in the original
            for i, ln in enumerate(claim.lines):
                if ln.sv1 is not None and ln.sv1.text == seg.text:
                    return i
    if f.line is not None:
        for i, ln in enumerate(claim.lines):
            if ln.number == f.line:
                return i
    return None


def _fixed_units(f: Finding) -> Decimal | None:
    if f.fix is None:
        return None
    for edit in f.fix.edits:
        if isinstance(edit, SetUnits):
            return Decimal(edit.units)
        if isinstance(edit, DeleteLine):
            return ZERO
    return None


def _with_units(inputs: list[LineInput], i: int, units: Decimal) -> list[LineInput]:
    out = list(inputs)
    ln = out[i]
    out[i] = LineInput(ln.key, ln.code, ln.modifiers, units, ln.day, True)
    return out


class Pricer:
    """Prices claims with one fee schedule; :meth:`outcome` is the money step of a run."""

    def __init__(self, fees: FeeSchedule) -> None:
        self.fees = fees
        self._recent: list[tuple[object, ClaimPrice]] = []  # the ledger rules and the report
        # price the same claim objects; keep the last few

    def price(self, claim, inputs: list[LineInput] | None = None) -> ClaimPrice:
        if inputs is None:
            for seen, price in self._recent:
                if seen is claim:
                    return price
        npi = claim.billing_provider.npi if claim.billing_provider else None
        price = price_lines(self.fees, inputs if inputs is not None else line_inputs(claim), npi)
        if inputs is None:
            self._recent = [(claim, price), *self._recent[:3]]
        return price

    def outcome(self, o) -> ClaimMoney:
        claim = o.original
        held = o.status == HELD
        inputs = line_inputs(claim)
        billed = self.price(claim)
        m = ClaimMoney(payer_class=claim.payer_class or "", held=held)
        m.allowed_as_billed = billed.total
        if held:
            m.at_risk = billed.total
        else:
            sent = billed if o.final is claim else self.price(o.final)
            m.allowed_as_sent = sent.total
            m.reduction = sent.reduction
            if not m.reference_only:
                m.sequestration = cents(sent.total * MEDICARE_SHARE * SEQUESTRATION)
        for f in list(o.fixed) + list(o.findings):
            effect, amount = self._finding(claim, f, inputs, billed, held)
            if effect is None:
                continue
            f.money = amount
            f.extra["money_effect"] = effect
            m.by_rule[f.code] = m.by_rule.get(f.code, ZERO) + amount
            if effect == OVERBILLING:
                m.overbilling_avoided += amount
            elif effect == UNDERBILLED:
                m.underbilled += amount
            elif effect == REDUCTION and f.status != "fixed":
                m.reduction += amount  # a fixed one is already in the sent claim's price
        return m

    def _finding(self, claim, f: Finding, inputs, billed: ClaimPrice, held: bool):
        code = f.code
        i = _index_of(claim, f)
        if code == "TU001" and i is not None:
            units = _fixed_units(f)
            if units is None and "supported" in f.extra:
                units = Decimal(f.extra["supported"])
            if units is not None and units < inputs[i].units:
                delta = billed.total - self.price(claim, _with_units(inputs, i, units)).total
                return OVERBILLING, delta
        if code == "TU002" and i is not None:
            units = _fixed_units(f)
            if units is None and "supported" in f.extra:
                units = Decimal(f.extra["supported"])
            if units is not None and units > inputs[i].units:
                delta = self.price(claim, _with_units(inputs, i, units)).total - billed.total
                return UNDERBILLED, delta
        if code == "TU005" and f.extra.get("units"):
            x = f.extra
            extra = LineInput(-1, x["code"], (), Decimal(x["units"]), x["date"])
            delta = self.price(claim, inputs + [extra]).total - billed.total
            return UNDERBILLED, delta
        if code == "MOD003" and i is not None:
            mods = None
            if f.fix is not None:
                for edit in f.fix.edits:
                    if isinstance(edit, SetModifiers):
                        mods = tuple(edit.modifiers)
            if mods is None and f.extra.get("missing_modifier"):
                mods = (*inputs[i].modifiers, f.extra["missing_modifier"])
            if mods is not None:
                ln = inputs[i]
                changed = list(inputs)
                changed[i] = LineInput(ln.key, ln.code, mods, ln.units, ln.day, ln.priceable)
                delta = billed.total - self.price(claim, changed).total
                if delta > 0:
                    return REDUCTION, delta
        if code == "TU003" and i is not None:
            units = _fixed_units(f)
            if units is not None:
                after = self.price(claim, _with_units(inputs, i, units))
                line = after.line(i)
                return AT_RISK, line.amount if line else ZERO
        if held and f.severity == Severity.ERROR:
            if i is not None:
                line = billed.line(i)
                return AT_RISK, line.amount if line else ZERO
            return AT_RISK, billed.total
        return None, None

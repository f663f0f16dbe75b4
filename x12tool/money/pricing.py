"""Price service lines: the Medicare PFS allowed amount with the therapy MPPR and CQ/CO.

Per unit: ``[(work x work GPCI) + (PE x PE GPCI) + (MP x MP GPCI)] x CF``, non-facility PE.

* Therapy MPPR (since 2013-04-01): among the units of "always therapy" services (MULT PROC
  indicator 5) the claim bills for one date, the unit with the highest PE payment is paid in
  full; the PE of every further unit is paid at 50%. Work and MP are always paid in full.
* CQ/CO (assistant modifiers; ``codes.xml`` gives 85% from 2022-01-01): the line amount, after
  the MPPR, is paid at that percentage.
* Status other than A/R/T (B bundled, I invalid for Medicare, N non-covered, C carrier-priced,
  ...) and codes without RVUs: 0, with a note.
* Each line is rounded once, half-up, to cents (see :mod:`x12tool.money.amounts`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from x12tool.money.amounts import ZERO, cents
from x12tool.money.schedule import FeeSchedule, Rate
from x12tool.values import NEW, Value, value_class

HALF = Decimal("0.5")
ONE = Decimal(1)


# Not frozen: one is built for every line of every claim priced, and a frozen class's __init__
# costs twice as much; a changed line is a new LineInput (ClaimPricing.with_units).
# Dataclasses with slots writing their own __init__ (x12tool/values.py): the defaults are
# __init__'s (a default in the class body would clash with its slot).
@value_class
class LineInput(Value):
    """What pricing needs of a service line (or of a line that could be billed)."""

    __slots__ = ("key", "code", "modifiers", "units", "day", "priceable")
    key: int  # index of the line in its claim; -1 for a hypothetical line
    code: str
    modifiers: tuple[str, ...]
    units: Decimal
    day: date | None
    priceable: bool  # False: units not in UN (minutes as units): priced at 0

    def __init__(
        self,
        key: int,
        code: str,
        modifiers: tuple[str, ...],
        units: Decimal,
        day: date | None,
        priceable: bool = True,
    ) -> None:
        self.key = key
        self.code = code
        self.modifiers = modifiers
        self.units = units
        self.day = day
        self.priceable = priceable


@value_class
class LinePrice(Value):
    __slots__ = (
        "key",
        "code",
        "units",
        "amount",
        "before_assistant",
        "reduced_units",
        "percent",
        "rate",
        "note",
    )
    key: int
    code: str
    units: Decimal
    amount: Decimal  # allowed, rounded to cents
    before_assistant: Decimal  # the same line without the CQ/CO percentage, rounded
    reduced_units: Decimal  # units whose PE was paid at 50% (MPPR)
    percent: int | None  # CQ/CO payment percentage applied
    rate: Rate | None
    note: str

    def __init__(
        self,
        key: int,
        code: str,
        units: Decimal,
        amount: Decimal,
        before_assistant: Decimal,
        reduced_units: Decimal = ZERO,
        percent: int | None = None,
        rate: Rate | None = None,
        note: str = "",
    ) -> None:
        self.key = key
        self.code = code
        self.units = units
        self.amount = amount
        self.before_assistant = before_assistant
        self.reduced_units = reduced_units
        self.percent = percent
        self.rate = rate
        self.note = note

    @property
    def reduction(self) -> Decimal:
        return self.before_assistant - self.amount


@value_class(hidden=("_total", "_reduction"))  # as field(repr=False)
class ClaimPrice(Value):
    __slots__ = ("lines", "inputs", "_total", "_reduction")
    lines: list[LinePrice]
    # the inputs it was priced from, when priced from a claim's own lines (reused by the
    # money step rather than read from the claim again)
    inputs: list[LineInput] | None
    # ``total`` and ``reduction``, summed on first use: the rules' effects, the ledger facts and
    # the money step all ask again for the same claim state. Not summed while pricing, since a
    # wrapper may still re-price lines of a fresh price (x12tool.remit.rates.RatedPricer); one
    # that does calls lines_changed(), so sums kept before are never read stale.
    _total: Decimal | None
    _reduction: Decimal | None

    def __init__(
        self,
        lines: list[LinePrice] = NEW,
        inputs: list[LineInput] | None = None,
        _total: Decimal | None = None,
        _reduction: Decimal | None = None,
    ) -> None:
        self.lines = [] if lines is NEW else lines
        self.inputs = inputs
        self._total = _total
        self._reduction = _reduction

    @property
    def total(self) -> Decimal:
        got = self._total
        if got is None:
            got = ZERO
            for ln in self.lines:
                got += ln.amount
            self._total = got
        return got

    @property
    def reduction(self) -> Decimal:
        got = self._reduction
        if got is None:
            got = ZERO
            for ln in self.lines:
                got += ln.before_assistant - ln.amount
            self._reduction = got
        return got

    def lines_changed(self) -> None:
        """A wrapper re-priced lines of this price: sum them again on next use."""
        self._total = self._reduction = None

    def line(self, key: int) -> LinePrice | None:
        lines = self.lines
        # A claim's lines are priced in order with keys 0..n-1 (line_inputs), so the line of
        # key n is usually at n; keys are unique but for -1 (hypothetical lines).
        if 0 <= key < len(lines) and lines[key].key == key:
            return lines[key]
        return next((ln for ln in lines if ln.key == key), None)


def _percent_on(terms: tuple[tuple[int, object], ...], day: date | None) -> int | None:
    """The CQ/CO percentage of a line: the first of its modifiers' terms in effect on ``day``."""
    for percent, effective in terms:
        if effective and day is not None and day < effective:
            continue
        return percent
    return None


# What pricing reads of the schedule for one line: (rate when paid, note, MPPR applies, CQ/CO
# terms of its modifiers, PE payment of one unit when paid, which orders the MPPR's units).
Terms = tuple[Rate | None, str, bool, tuple[tuple[int, object], ...], Decimal | None]


def _input_terms(fees: FeeSchedule, ln: LineInput, npi: str | None) -> Terms:
    if ln.code:
        # asked even for a line priced at 0: the schedule notes the years it priced with
        rate, note, multi = fees.line_terms(ln.code, ln.day.year if ln.day else None, npi)
    else:
        rate, note, multi = None, f"{ln.code}: no PFS RVUs loaded", False
    if not ln.priceable:
        note, rate, multi = "units not reported as UN: priced at 0 as sent", None, False
    if rate is None:
        return rate, note, multi, (), None
    return rate, note, multi, fees.assistant_terms(ln.modifiers), _unit_parts(rate)[1]


def price_lines(
    fees: FeeSchedule, lines: Iterable[LineInput], npi: str | None = None
) -> ClaimPrice:
    lines = list(lines)
    terms = [_input_terms(fees, ln, npi) for ln in lines]
    tops: dict[date | None, int] = {}
    for i, t in enumerate(terms):
        if t[2] and lines[i].units > ZERO:
            _mppr_top(tops, lines[i].day, i, terms)
    return _price(lines, terms, tops)


def _mppr_top(tops: dict[date | None, int], day: date | None, i: int, terms: list[Terms]) -> None:
    """MPPR: per date, the unit with the highest PE payment among always-therapy units is paid
    in full; its line is the first line with that PE (ties: the earlier line). Lines come in
    order: line ``i`` takes its date's top from an earlier line only with a higher PE."""
    j = tops.get(day)
    if j is None or terms[i][4] > terms[j][4]:
        tops[day] = i


def _price(lines: list[LineInput], terms: list[Terms], tops: dict[date | None, int]) -> ClaimPrice:
    """Price ``lines``, given the schedule's ``terms`` of each and the MPPR's full-price line of
    each date (``tops``, by :func:`_mppr_top`)."""
    out = ClaimPrice()
    append = out.lines.append
    memo = _LINE_AMOUNTS
    assisted = False
    for i, ln in enumerate(lines):
        rate, note, multi, assistant, _pe = terms[i]
        units = ln.units
        if rate is None or units <= ZERO:  # a Decimal: no int to convert
            append(LinePrice(ln.key, ln.code, units, ZERO, ZERO, ZERO, None, rate, note))
            continue
        pct = None
        if assistant:
            pct = _percent_on(assistant, ln.day)
            assisted = assisted or pct is not None
        if multi:
            # the top line's first unit (or its fraction of one) is paid in full
            full = (ONE if ONE < units else units) if tops[ln.day] == i else ZERO
            reduced = units - full
        else:
            full, reduced = None, ZERO
        got = memo.get((id(rate), units, full, pct))
        if got is None or got[0] is not rate:
            got = _line_amounts(rate, units, full, pct)
        append(LinePrice(ln.key, ln.code, units, got[1], got[2], reduced, pct, rate, note))
    if not assisted:
        # no CQ/CO percentage: every line's amount is its amount before CQ/CO, and stays so
        # when a payer's rate replaces both (RatedPricer)
        out._reduction = ZERO
    return out


def price_claim(fees: FeeSchedule, claim, npi: str | None = None) -> ClaimPrice:
    """The lines of an 837P claim priced, with ``inputs`` (:func:`line_inputs`) set: one pass
    over the lines, whose schedule terms come from a memo of the lines as billed, then one to
    price them."""
    memo = _line_memo(fees)
    inputs: list[LineInput] = []
    terms: list[Terms] = []
    tops: dict[date | None, int] = {}
    for i, ln in enumerate(claim.lines):
        day = ln.date_from
        key = (ln.code, tuple(ln.modifiers), ln.unit_basis, day.year if day else None, npi)
        got = memo.get(key)
        if got is None:
            got = _line_terms(fees, memo, key, day)
        units = ln.units
        if units is None:
            units = ZERO
        inputs.append(LineInput(i, got[0], got[1], units, day, got[2]))
        t = got[3]
        terms.append(t)
        if t[2] and units > ZERO:  # _mppr_top, inline: most lines are always-therapy lines
            j = tops.get(day)
            if j is None or t[4] > terms[j][4]:
                tops[day] = i
    out = _price(inputs, terms, tops)
    out.inputs = inputs
    return out


# (total, reduction, lines, notes of the lines that have one): a claim's price summed.
Totals = tuple[Decimal, Decimal, int, list[str]]


def claim_totals(
    fees: FeeSchedule, claim, npi: str | None = None, line_amounts: list[Decimal] | None = None
) -> Totals:
    """What :func:`price_claim` sums to, without its objects: the money step of a claim with
    no finding reads only the claim's total, its CQ/CO reduction, how many lines it has and
    their notes, and building a LineInput and a LinePrice per line cost twice as much as the
    arithmetic. The same memos and steps as price_claim then _price, in the same order
    (tests/money/test_price_once.py compares the two). ``line_amounts``: a list the allowed
    amount of each line is appended to, in line order (its LinePrice's ``amount``)."""
    memo = _line_memo(fees)
    amounts = _LINE_AMOUNTS
    lines = claim.lines
    terms: list[Terms] = []
    tops: dict[date | None, int] = {}
    i = 0
    for ln in lines:
        day = ln.date_from
        key = (ln.code, tuple(ln.modifiers), ln.unit_basis, day.year if day else None, npi)
        got = memo.get(key)
        if got is None:
            got = _line_terms(fees, memo, key, day)
        t = got[3]
        terms.append(t)
        if t[2]:  # _mppr_top, as in price_claim (units None are 0 there)
            units = ln.units
            if units is not None and units > ZERO:
                j = tops.get(day)
                if j is None or t[4] > terms[j][4]:
                    tops[day] = i
        i += 1
    total = reduction = ZERO
    notes: list[str] = []
    i = 0
    for ln in lines:
        rate, note, multi, assistant, _pe = terms[i]
        if note:
            notes.append(note)
        units = ln.units
        if rate is not None and units is not None and units > ZERO:  # else priced at 0
            day = ln.date_from
            pct = _percent_on(assistant, day) if assistant else None
            if multi:
                full = (ONE if ONE < units else units) if tops[day] == i else ZERO
            else:
                full = None
            got = amounts.get((id(rate), units, full, pct))
            if got is None or got[0] is not rate:
                got = _line_amounts(rate, units, full, pct)
            total += got[1]
            if pct is not None:
                # only a CQ/CO line's amount differs from its amount before CQ/CO
                reduction += got[2] - got[1]
            if line_amounts is not None:
                line_amounts.append(got[1])
        elif line_amounts is not None:
            line_amounts.append(ZERO)
        i += 1
    return total, reduction, i, notes


# The fee schedule the memo below was filled from, and (code, modifiers, unit basis as billed,
# service year, NPI) -> (normal code, normal modifiers, priceable, schedule terms): what
# line_inputs and the schedule give for a line depends on nothing else (its units and date are
# read per line: the CQ/CO date check and the MPPR take the date itself), and a file bills the
# same few of these on every claim.
_LINES: tuple[object, dict[tuple, tuple]] = (None, {})


def _line_memo(fees: FeeSchedule) -> dict[tuple, tuple]:
    global _LINES
    if _LINES[0] is not fees:
        _LINES = (fees, {})
    return _LINES[1]


def _line_terms(fees: FeeSchedule, memo: dict, key: tuple, day: date | None) -> tuple:
    code, mods, basis, _year, npi = key
    # the line as line_inputs gives it; its units and key do not matter to the terms
    ln = LineInput(
        0, normal_code(code), normal_modifiers(mods), ZERO, day, (basis or "UN").upper() == "UN"
    )
    got = (ln.code, ln.modifiers, ln.priceable, _input_terms(fees, ln, npi))
    if len(memo) >= 4096:  # bounded: the lines that recur fill it again
        memo.clear()
    memo[key] = got
    return got


# (id(rate), units, full-price units or None without the MPPR, CQ/CO percent) -> (rate, amount,
# amount before CQ/CO): a line's two rounded figures depend on nothing else, and the same few
# codes, unit counts and MPPR positions recur on every claim of a file, so the Decimal products
# and roundings are done once per combination. Equal units give equal cents whatever their
# exponent ("2" or "2.0"): both figures are quantized to cents. The rate is kept in the value so
# its id is never reused while cached.
_LINE_AMOUNTS: dict[tuple, tuple[Rate, Decimal, Decimal]] = {}


def _line_amounts(
    rate: Rate, units: Decimal, full: Decimal | None, pct: int | None
) -> tuple[Rate, Decimal, Decimal]:
    """(rate, amount, amount before CQ/CO) of a line, from the memo or computed into it."""
    key = (id(rate), units, full, pct)
    got = _LINE_AMOUNTS.get(key)
    if got is not None and got[0] is rate:
        return got
    work_mp_unit, pe_unit = _unit_parts(rate)
    work_mp = work_mp_unit * units
    if full is not None:
        pe = pe_unit * full + pe_unit * HALF * (units - full)
    else:
        pe = pe_unit * units
    raw = (work_mp + pe) * rate.cf
    amount = raw * pct / 100 if pct is not None else raw
    if len(_LINE_AMOUNTS) >= 4096:  # bounded: the combinations that recur fill it again
        _LINE_AMOUNTS.clear()
    got = _LINE_AMOUNTS[key] = (rate, cents(amount), cents(raw))
    return got


# id(rate) -> (rate, work + MP per unit, PE per unit): the same Decimal products each line of the
# code computed again. The rate is kept in the value so its id is never reused while cached;
# a fee schedule keeps its rates for the run, so this holds about one entry per code and year.
_UNIT_PARTS: dict[int, tuple[Rate, Decimal, Decimal]] = {}


def _unit_parts(rate: Rate) -> tuple[Decimal, Decimal]:
    got = _UNIT_PARTS.get(id(rate))
    if got is None or got[0] is not rate:
        if len(_UNIT_PARTS) >= 4096:
            _UNIT_PARTS.clear()
        g = rate.gpci
        got = _UNIT_PARTS[id(rate)] = (rate, rate.work * g.work + rate.mp * g.mp, rate.pe * g.pe)
    return got[1], got[2]


def line_inputs(claim) -> list[LineInput]:
    """The lines of an 837P claim as pricing inputs."""
    out = []
    for i, ln in enumerate(claim.lines):
        units = ln.units if ln.units is not None else ZERO
        basis = (ln.unit_basis or "UN").upper()
        out.append(
            LineInput(
                key=i,
                code=normal_code(ln.code),
                modifiers=normal_modifiers(ln.modifiers),
                units=units,
                day=ln.date_from,
                priceable=basis == "UN",
            )
        )
    return out


# As billed -> stripped and upper-cased: a file bills a handful of codes and modifier sets, and
# pricing, the ledger and the rules each asked for the same normal form of every line.
_CODES: dict[str, str] = {}
_MODIFIERS: dict[tuple[str, ...], tuple[str, ...]] = {}


def normal_code(code: str | None) -> str:
    """A procedure code stripped and upper-cased ("" for none)."""
    got = _CODES.get(code)
    if got is None:
        got = (code or "").strip().upper()
        if len(_CODES) < 8192:
            _CODES[code] = got
    return got


def normal_modifiers(modifiers) -> tuple[str, ...]:
    """A line's modifiers stripped and upper-cased, in billing order."""
    key = tuple(modifiers)
    got = _MODIFIERS.get(key)
    if got is None:
        got = tuple(m.strip().upper() for m in key)
        if len(_MODIFIERS) < 8192:
            _MODIFIERS[key] = got
    return got

"""Dollar amounts: Decimal throughout, rounded half-up to cents once per line.

CMS publishes fee-schedule amounts in dollars and cents; the Physician Fee Schedule look-up
rounds each computed amount to the cent, half away from zero. We compute every line's allowed
amount in :class:`~decimal.Decimal` at full precision (RVUs x GPCIs x conversion factor, with the
MPPR and CQ/CO percentages applied) and round that line amount once, half-up, to cents. Claim and
report totals are sums of rounded line amounts, so they add up to the cent on paper.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    """``value`` rounded half-up (away from zero) to cents."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(value: Decimal | None) -> str:
    """A report amount: a string with exactly two decimals ("35.07", "0.00", "-3.10")."""
    got = _FMT.get(value)
    if got is None:
        v = cents(value if value is not None else ZERO)
        if v == 0:
            v = ZERO  # no "-0.00"
        got = f"{v:.2f}"
        if len(_FMT) < FMT_MEMO:
            _FMT[value] = got
    return got


# amount -> its report string: every claim's money record formats seven amounts, most of them
# 0.00 or one of a few line prices. Equal amounts format alike whatever their exponent (the
# string is of the value rounded to cents), so the value is the key. Kept small (the first amounts
# met stay; the common ones come early): a larger memo grew with the file (docs/performance.md).
FMT_MEMO = 4096
_FMT: dict[Decimal | None, str] = {}


def dollars(value: Decimal | str | None) -> str:
    """For people: "$1,240.07"."""
    v = cents(Decimal(value) if value is not None else ZERO)
    sign = "-" if v < 0 else ""
    return f"{sign}${abs(v):,.2f}"


# An amount's report string when fmt has made it before, else None: for callers that format
# many amounts at once and save the call (ClaimMoney.as_dict).
formatted = _FMT.get

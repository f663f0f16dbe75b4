"""What each finding costs: Medicare Physician Fee Schedule estimates (see docs/money.md).

* :mod:`.schedule`: RVUs, conversion factors, GPCIs of the run (national or a locality).
* :mod:`.pricing`: the allowed amount of service lines (MPPR, CQ/CO, status).
* :mod:`.effects`: the money of a settled claim and of each finding.
* :mod:`.totals`: run totals for the summary.
* :mod:`.store`, :mod:`.importers`: imported CMS PPRRVU and GPCI files.

The run's :class:`FeeSchedule` travels on the rule context (``ctx.state[FEES_KEY]``, set by
:func:`x12tool.preflight.session.open_session`); :func:`pricer_for` falls back to a national
schedule from the shipped maps when a caller built its own context.
"""

from __future__ import annotations

from x12tool.money.amounts import cents, dollars, fmt
from x12tool.money.effects import ClaimMoney, Pricer
from x12tool.money.schedule import (
    NATIONAL_BASIS,
    FeeSchedule,
    LocalityError,
    open_fee_schedule,
)
from x12tool.money.totals import MoneyTotals

FEES_KEY = "money.fees"  # not a rule code, so no rule's cross-claim state collides with it
_PRICER_KEY = "money.pricer"

__all__ = [
    "FEES_KEY",
    "NATIONAL_BASIS",
    "ClaimMoney",
    "FeeSchedule",
    "LocalityError",
    "MoneyTotals",
    "Pricer",
    "cents",
    "dollars",
    "fmt",
    "open_fee_schedule",
    "pricer_for",
]


def pricer_for(ctx) -> Pricer:
    """The run's pricer, kept on the rule context."""
    pricer = ctx.state.get(_PRICER_KEY)
    fees = ctx.state.get(FEES_KEY)
    if pricer is None or pricer.fees is not fees:
        if fees is None:
            fees = FeeSchedule(ctx.ref)
            ctx.state[FEES_KEY] = fees
        pricer = Pricer(fees)
        ctx.state[_PRICER_KEY] = pricer
    return pricer

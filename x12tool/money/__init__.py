"""What each finding costs: Medicare Physician Fee Schedule estimates (see docs/money.md).

* :mod:`.schedule`: RVUs, conversion factors, GPCIs of the run (national or a locality).
* :mod:`.pricing`: the allowed amount of service lines (MPPR, CQ/CO, status).
* :mod:`.effects`: the money records of a settled claim and :class:`Pricer` (the rules'
  ``pricing`` service); each finding's effect is computed by its rule (``Rule.money_effect``).
* :mod:`.totals`: run totals for the summary.
* :mod:`.store`, :mod:`.importers`: imported CMS PPRRVU and GPCI files.

The run's :class:`Pricer` travels on the rule context (``ctx.pricing``, set by
:func:`x12tool.preflight.session.open_session`); a context built without one prices with the
national schedule of the shipped maps. This package never imports the rules.
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

__all__ = [
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
]

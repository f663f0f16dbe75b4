"""What one command run needs: reference data, profiles, the rules and the services they read.

The services (visit log, NCCI index, pricing, ledger) are the concrete implementations of the
protocols in :mod:`x12tool.rules.services`; this is where they are chosen and opened.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING

from x12tool.claims.plan import FilePlan, plan_run
from x12tool.ledger import Ledger, open_ledger
from x12tool.money import FeeSchedule, Pricer, open_fee_schedule
from x12tool.ncci import open_index
from x12tool.refdata import load_refdata
from x12tool.rules.base import Rule
from x12tool.rules.context import RuleContext
from x12tool.rules.daypool import remember_multi_claim_members
from x12tool.rules.registry import select_rules
from x12tool.rules.services import IG
from x12tool.visits import VisitLog, VisitLogError

if TYPE_CHECKING:
    from x12tool.remit.analytics import Thresholds


class PayerProfileError(ValueError):
    """A payer id mapped to a profile that does not exist (usage error)."""


@dataclass
class Session:
    ctx: RuleContext
    rules: list[Rule]
    visits: VisitLog | None
    fees: FeeSchedule | None = field(default=None)  # fee schedule of the money step
    ledger: Ledger | None = field(default=None)  # the therapy ledger (ctx.ledger)
    visit_line: str = ""  # the visit log's stats line (printed on stderr by the CLI)

    @property
    def money_basis(self) -> str:
        return self.fees.basis if self.fees is not None else "national"

    @property
    def money_detail(self) -> str:
        return self.fees.describe() if self.fees is not None else ""

    def visit_log_info(self) -> dict | None:
        if self.visits is None:
            return None
        return {
            "path": self.visits.path,
            "rows": self.visits.rows,
            # By row: some problems are found only when a rule reads the row, in claim order
            # (or, with --jobs, in several workers); row order is the same in every case.
            "problems": [
                {"row": p.row, "message": p.message}
                for p in sorted(self.visits.problems, key=lambda p: p.row)
            ],
        }


def open_session(
    *,
    visits: str | None = None,
    profiles: str | None = None,
    maps_db: str | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    ig: bool = False,
    locality: list[str] | tuple[str, ...] | None = None,
    ledger: str | None = None,
    ytd: str | None = None,
    no_ledger: bool = False,
    record: bool = False,
    payer_profiles: dict[str, str] | None = None,
    denial_thresholds: Thresholds | None = None,
    inputs: list[str] | tuple[str, ...] = (),
    visits_partial: bool = False,
) -> Session:
    ref = load_refdata(profiles)
    if payer_profiles:
        try:
            ref = ref.with_payer_profiles(payer_profiles)
        except KeyError as exc:
            raise PayerProfileError(f"--payer-profile: {exc.args[0]}") from None
    log = VisitLog(visits) if visits else None
    try:
        visit_line, pooled, plans = _scan_inputs(log, inputs, visits_partial)
    except BaseException:
        if log is not None:
            log.close()
        raise
    ncci = open_index(ref, maps_db)
    rules = select_rules(select, ignore)
    if not ig:
        rules = [r for r in rules if IG not in r.needs]  # no pyx12 run: IG001 has no input
    ctx = RuleContext(ref=ref, visits=log, ncci=ncci, plans=plans)
    # The therapy ledger (docs/ledger.md): preflight records (record=True), check/fix read.
    the_ledger = open_ledger(ledger, ytd, write=record, enabled=not no_ledger)
    ctx.ledger = the_ledger
    # The payers' denial patterns in the ledger's 835s (DEN001; docs/remittance.md).
    if the_ledger.store is not None:
        # The 835 analytics and payer rates are imported only for a ledger that can hold
        # remittances: a run without one (most checks) does not pay their start-up.
        from x12tool.remit.analytics import DenialHistory

        ctx.denials = DenialHistory(the_ledger.store, denial_thresholds)
    # The money step prices with this (imported PFS/GPCI in the maps store, --locality), and
    # with the payers' own rates for commercial and Medicaid claims where the ledger has them
    # (contract rates, else the median allowed of their 835s; docs/remittance.md).
    fees = open_fee_schedule(ref, maps_db, locality or ())
    ctx.pricing = Pricer(fees)
    if the_ledger.store is not None:
        from x12tool.remit.rates import PayerRates, RatedPricer

        rates = PayerRates(the_ledger.store)
        if rates:
            ctx.pricing = RatedPricer(ctx.pricing, rates, ref)
    remember_multi_claim_members(ctx, pooled)
    return Session(ctx, rules, log, fees, the_ledger, visit_line)


class _InputScan:
    """What the session learns from the one segment-only scan of each input: the visit log's
    matches and, per input, the beneficiaries with several claims (x12tool/rules/daypool.py).
    Memory: 8 bytes per claim while a file is scanned (in buckets by hash, see
    :func:`repeated`), and the beneficiaries with several claims afterwards."""

    def __init__(self, log: VisitLog | None) -> None:
        self.log = log
        self.matched = self.unmatched = self.case_only = 0
        self.pooled: dict[str, set[int]] = {}
        self._path: str | None = None
        self._seen = _buckets()
        self._multi: set[int] = set()
        self._last: int | None = None

    def head(self, path: str, row) -> None:
        """One claim's head (a :data:`~x12tool.claims.scan.HeadRow`: CLM01, member key, ...)."""
        claim_id, member = row[0], row[1]
        if path != self._path:
            self.finish()
            self._path = path
        if self.log is not None:
            how = self.log.match(claim_id) if claim_id else None
            if how is None:
                self.unmatched += 1
            else:
                self.matched += 1
                self.case_only += how == "case"
        if not member:
            return
        h = hash(member)
        if h == self._last:
            self._multi.add(h)  # the usual case: a beneficiary's claims side by side
        else:
            self._seen[h % _BUCKETS].append(h)
            self._last = h

    def finish(self) -> None:
        if self._path is None:
            return
        self._multi.update(repeated(self._seen))  # claims of one beneficiary apart in the file
        self.pooled[self._path] = self._multi
        self._path, self._seen, self._multi, self._last = None, _buckets(), set(), None


_BUCKETS = 64  # repeated() sorts this many pieces, one at a time


def _buckets() -> list[array]:
    return [array("q") for _ in range(_BUCKETS)]


def repeated(buckets: list[array]) -> set[int]:
    """The values that occur more than once in ``buckets`` (``array("q")``s, a value ``v`` in
    ``buckets[v % len(buckets)]``). Sorted a bucket at a time: sorting all the values at once
    at 100,000 claims made a list of 100,000 ints, a 4-5 MB spike that the process kept for the
    rest of the run."""
    found: set[int] = set()
    for bucket in buckets:
        ordered = sorted(bucket)
        found.update(a for a, b in zip(ordered, islice(ordered, 1, None), strict=False) if a == b)
    return found


def _scan_inputs(
    log: VisitLog | None, inputs, partial: bool
) -> tuple[str, dict[str, set[int]], dict[str, FilePlan]]:
    """One segment-only pass per input: the run's plans (x12tool/claims/plan.py), the visit
    log's stats line (raising VisitLogError, exit 2, when the log cannot serve the run) and,
    per input, the beneficiaries with several claims."""
    scan = _InputScan(log)
    plans = plan_run(list(inputs), scan.head)
    scan.finish()
    if log is None:
        return "", scan.pooled, plans
    line = log.stats_line(scan.matched, scan.unmatched, scan.case_only)
    problem = log.usable_problem(scan.matched, scan.matched + scan.unmatched, partial=partial)
    if problem is not None:
        raise VisitLogError(f"{line}: {problem}")
    # Without inputs to match (the outbox finds its files later) the line would say nothing
    # about the claims; the rows' problems are in each report's visit_log section.
    return (line if inputs else ""), scan.pooled, plans

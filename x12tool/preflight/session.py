"""What one command run needs: reference data, profiles, the rules and the services they read.

The services (visit log, NCCI index, pricing, ledger) are the concrete implementations of the
protocols in :mod:`x12tool.rules.services`; this is where they are chosen and opened.
"""

from __future__ import annotations

import os
from array import array
from dataclasses import field
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
from x12tool.values import Value, value_class
from x12tool.visits import VisitLog, VisitLogError

if TYPE_CHECKING:
    from x12tool.remit.analytics import Thresholds


class PayerProfileError(ValueError):
    """A payer id mapped to a profile that does not exist (usage error)."""


@value_class  # a dataclass writing its own __init__ (x12tool/values.py)
class Session(Value):
    ctx: RuleContext
    rules: list[Rule]
    visits: VisitLog | None
    fees: FeeSchedule | None = field(default=None)  # fee schedule of the money step
    ledger: Ledger | None = field(default=None)  # the therapy ledger (ctx.ledger)
    visit_line: str = ""  # the visit log's stats line (printed on stderr by the CLI)

    def __init__(
        self,
        ctx: RuleContext,
        rules: list[Rule],
        visits: VisitLog | None,
        fees: FeeSchedule | None = None,
        ledger: Ledger | None = None,
        visit_line: str = "",
    ) -> None:
        self.ctx = ctx
        self.rules = rules
        self.visits = visits
        self.fees = fees
        self.ledger = ledger
        self.visit_line = visit_line

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
    scan_ahead: bool = False,
) -> Session:
    """``scan_ahead``: the run may use another process (``check --jobs N``): the inputs' scan
    runs in a forked child while this process indexes the visit log (:class:`_ScanAhead`)."""
    ref = load_refdata(profiles)
    if payer_profiles:
        try:
            ref = ref.with_payer_profiles(payer_profiles)
        except KeyError as exc:
            raise PayerProfileError(f"--payer-profile: {exc.args[0]}") from None
    ahead = _ScanAhead.start(inputs, ids=bool(visits)) if scan_ahead else None
    log = None
    try:
        log = VisitLog(visits) if visits else None
        found = ahead.finish(log, inputs, visits_partial) if ahead is not None else None
        ahead = None
        if found is None:
            found = _scan_inputs(log, inputs, visits_partial, spans=scan_ahead)
        visit_line, pooled, plans = found
    except BaseException:
        if ahead is not None:
            ahead.abandon()
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
            self.count(claim_id)
        if not member:
            return
        h = hash(member)
        if h == self._last:
            self._multi.add(h)  # the usual case: a beneficiary's claims side by side
        else:
            self._seen[h % _BUCKETS].append(h)
            self._last = h

    def count(self, claim_id: str) -> None:
        """Match one claim's CLM01 against the visit log (the stats line's counts)."""
        how = self.log.match(claim_id) if claim_id else None
        if how is None:
            self.unmatched += 1
        else:
            self.matched += 1
            self.case_only += how == "case"

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
    log: VisitLog | None, inputs, partial: bool, *, spans: bool = False
) -> tuple[str, dict[str, set[int]], dict[str, FilePlan]]:
    """One segment-only pass per input: the run's plans (x12tool/claims/plan.py), the visit
    log's stats line (raising VisitLogError, exit 2, when the log cannot serve the run) and,
    per input, the beneficiaries with several claims. ``spans``: the plans with their
    subscriber loops' places (a run that may use check --jobs workers)."""
    scan = _InputScan(log)
    plans = plan_run(list(inputs), scan.head, spans=spans)
    scan.finish()
    return _visit_stats(log, inputs, partial, scan), scan.pooled, plans


def _visit_stats(log: VisitLog | None, inputs, partial: bool, scan: _InputScan) -> str:
    """The visit log's stats line from the scan's matches; VisitLogError (exit 2) when the log
    cannot serve the run."""
    if log is None:
        return ""
    line = log.stats_line(scan.matched, scan.unmatched, scan.case_only)
    problem = log.usable_problem(scan.matched, scan.matched + scan.unmatched, partial=partial)
    if problem is not None:
        raise VisitLogError(f"{line}: {problem}")
    # Without inputs to match (the outbox finds its files later) the line would say nothing
    # about the claims; the rows' problems are in each report's visit_log section.
    return line if inputs else ""


# Inputs smaller than this are scanned in the session's own process: a fork and the hand-back
# cost more than the overlap wins (a 1 MB file is ~1,600 claims, ~10 ms of scan).
AHEAD_BYTES = 1 << 20
_IDS = 8192  # claim ids handed back per pickle (the parent's memory stays flat)


class _ScanAhead:
    """The inputs' scan (:func:`_scan_inputs`) in a forked child, for runs allowed several
    processes: the plan scan and the visit log's index each read a whole file, and were the
    largest serial part of ``check --jobs 2`` (docs/performance.md). The child reads the
    inputs while the parent indexes the visit log and reads the inputs' trailers; it hands
    back the plans, the pooled beneficiaries and every CLM01 (in batches, through an unlinked
    temporary file) and the parent matches the ids against the log, in the order the scan
    saw them: the same counts, plans and pools as :func:`_scan_inputs`. A child that fails
    for any reason makes the parent scan the inputs itself, as without it."""

    def __init__(self, pid: int, fh) -> None:
        self.pid = pid
        self.fh = fh

    @classmethod
    def start(cls, inputs, *, ids: bool) -> _ScanAhead | None:
        """The child, forked now (None: not worth one); ``ids``: hand back the CLM01s (there
        is a visit log to match them against)."""
        if not inputs or not hasattr(os, "fork"):
            return None
        try:
            if sum(os.path.getsize(p) for p in inputs) < AHEAD_BYTES:
                return None
        except OSError:
            return None  # a missing input: the scan and the main pass report it as before
        import tempfile

        fh = tempfile.TemporaryFile()  # noqa: SIM115 - closed by finish / abandon
        try:
            pid = os.fork()
        except OSError:
            fh.close()
            return None
        if pid == 0:  # pragma: no cover - the child ends in os._exit
            code = 1
            try:
                _scan_child(fh, inputs, ids)
                code = 0
            finally:
                os._exit(code)
        return cls(pid, fh)

    def finish(self, log: VisitLog | None, inputs, partial: bool):
        """(stats line, pooled, plans) as :func:`_scan_inputs` gives them, or None when the
        child failed. Reads the inputs' trailers first, while the child may still scan."""
        import pickle

        from x12tool.edi.envelope_scan import known_broken_trailers

        try:
            for path in inputs:
                try:
                    known_broken_trailers(path)  # the main pass's first read, done now
                except Exception:  # noqa: BLE001, S112 - the main pass meets it again
                    continue
            _, status = os.waitpid(self.pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                return None
            fh = self.fh
            fh.seek(0)
            scan = _InputScan(log)
            while (ids := pickle.load(fh)) is not None:  # noqa: S301 - our own child's
                for claim_id in ids:
                    scan.count(claim_id)
            pooled, plans = pickle.load(fh)  # noqa: S301
        except (OSError, EOFError, pickle.UnpicklingError):
            return None
        finally:
            self.fh.close()
        return _visit_stats(log, inputs, partial, scan), pooled, plans

    def abandon(self) -> None:
        """The session failed before the child's answer was read: stop and reap it."""
        import signal

        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except OSError:
            pass
        self.fh.close()


def _scan_child(fh, inputs, want_ids: bool) -> None:  # pragma: no cover - in the child
    import pickle

    scan = _InputScan(None)
    ids: list[str] = []
    parent = os.getppid()

    def head(path: str, row) -> None:
        scan.head(path, row)
        if want_ids:
            ids.append(row[0])
        if len(ids) >= _IDS:
            if os.getppid() != parent:
                os._exit(1)  # the parent is gone (a kill -9): nobody will read the answer
            pickle.dump(ids, fh, pickle.HIGHEST_PROTOCOL)
            ids.clear()

    # with the loops' places: this scan is for a run that may use check --jobs workers
    plans = plan_run(list(inputs), head if want_ids else scan.head, spans=True)
    scan.finish()
    if ids:
        pickle.dump(ids, fh, pickle.HIGHEST_PROTOCOL)
    pickle.dump(None, fh)
    pickle.dump((scan.pooled, plans), fh, pickle.HIGHEST_PROTOCOL)
    fh.flush()

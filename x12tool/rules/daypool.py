"""The beneficiary's day across claims: the other claims of one member, date and discipline.

CMS counts timed minutes per beneficiary per day of service (Pub 100-04 Ch. 5 §20.2; a treatment
day may hold several sessions, Pub 100-02 Ch. 15 §220), and the project counts them per
discipline (docs/design.md; cms-rules.md R1). When one day's PT time is billed on two claims,
the day's units are judged together.

Within a file. The beneficiary is the 2010BA member id and the 2010BB payer id. Before the first
claim is judged, a segment-only scan finds the beneficiaries with more than one claim in the
file (8 bytes a claim while it runs; :mod:`x12tool.claims.scan`); when there are any, one more
pass keeps those beneficiaries' timed lines and minutes per day (:class:`DayPart`), and nothing
of the others: with the run's plan it models only claims whose group has another claim in the
file and passes over subscriber loops of lone claims without building their segments (jumps
over them where the plan knows their places; a ``check --jobs`` worker pools its own claims). File
order does not matter: claims of a beneficiary far apart are pooled like adjacent ones. Memory
is the day parts of the beneficiaries with several claims.

Across files. With a ledger, the lines recorded as sent for the member, date and discipline
(other claims) join the day, their minutes from the visit log when it has rows for them; when
it has none, the day's total is unknown (see TU001). Lines of claims in this file are not taken
from the ledger, and another claim with the same CLM01 is a resend, not a second session: it
is never pooled (a rerun never counts twice).
"""

from __future__ import annotations

from array import array
from datetime import date

from x12tool.claims import Claim, ClaimSegments, iter_items
from x12tool.claims.scan import claim_heads, member_key
from x12tool.edi import X12InputError, X12Source
from x12tool.edi.envelope_scan import lenient_for
from x12tool.edi.reader import PassMismatch
from x12tool.rules.context import RuleContext
from x12tool.rules.therapy import DAYPOOL, DayPart, PeerLine, day_parts, timed_lines

OWNER = DAYPOOL  # ctx.run_state key: {"pool": DayPool | None, "multi": {path: set}}


def _state(ctx: RuleContext) -> dict:
    return ctx.run_state(OWNER, {"pool": None, "multi": {}})


def remember_multi_claim_members(ctx: RuleContext, multi: dict[str, set[int]]) -> None:
    """Per input path, the beneficiaries with several claims, when the session already scanned
    the inputs (it does, for the visit log's stats line); :func:`prepare_file` then skips its
    own scan."""
    _state(ctx)["multi"] = dict(multi)


class DayPool:
    """The day parts of the file's beneficiaries with several claims."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.members: dict[str, list[DayPart]] = {}
        self.claim_ids: dict[str, set[str]] = {}

    def add(self, member: str, claim_id: str, parts: list[DayPart]) -> None:
        self.members.setdefault(member, []).extend(parts)
        self.claim_ids.setdefault(member, set()).add(claim_id)


def multi_claim_members(path: str) -> set[int]:
    """Hashes of the beneficiaries with more than one claim in the file."""
    seen: set[int] = set()
    multi: set[int] = set()
    for head in claim_heads(path):
        if head.member:
            h = hash(head.member)
            if h in seen:
                multi.add(h)
            seen.add(h)
    return multi


def prepare_file(
    path: str,
    ctx: RuleContext,
    multi: set[int] | None = None,
    worker: tuple[int, bytearray] | None = None,
) -> None:
    """Build the day pool of one input file before its claims are judged (process_file).

    ``multi``: the beneficiaries with several claims when the caller already scanned the file
    (the session does, for the visit log's stats line). ``worker``: (this worker's number,
    the worker of every claim) in a ``check --jobs`` worker, which pools its own claims only:
    a claim's peers share its member id, so its group, so its worker
    (x12tool/preflight/parallel.py)."""
    state = _state(ctx)
    state["pool"] = None
    if ctx.visits is None:
        return  # without minutes there is no day to pool
    if multi is None:
        multi = state["multi"].get(path)
    if multi is None:
        multi = multi_claim_members(path)
    pool = DayPool(path)
    if multi:
        try:
            try:
                _fill(pool, path, ctx, multi, ctx.plans.get(path), worker)
            except PassMismatch:  # the plan's loops are not this file's: read it all
                pool = DayPool(path)
                _fill(pool, path, ctx, multi, None)
        except X12InputError:
            pass  # the main pass reports it
    state["pool"] = pool


def _fill(pool: DayPool, path: str, ctx: RuleContext, multi: set[int], plan, worker=None) -> None:
    """Pool the day parts of the claims whose beneficiary has several claims in the file.

    With the run's plan, claims alone in their group in this file cannot be such claims (a
    group joins at least every claim of one member id) and are not modelled, and subscriber
    loops holding only such claims are passed over unread (on a file of one claim per
    beneficiary but a few, this pass was a tenth of ``check``'s time). A run of such loops is
    passed over in one (a few runs a file where loop by loop was most of this pass's time),
    jumped over where the plan knows where they end. A worker's pass takes the other
    workers' claims as it takes lone ones."""
    skip = pass_loop = None
    ordinal = 0  # the next claim's number in the file
    if plan is not None and len(plan.loops) == plan.claims == len(plan.groups):
        # claims of each group in this file, in a flat array (a Counter of every group grew
        # the run's peak memory with the file)
        size = array("I", bytes(4 * (max(plan.groups, default=-1) + 1)))
        for g in plan.groups:
            size[g] += 1
        alone = bytearray(1 if size[g] == 1 else 0 for g in plan.groups)
        if worker is not None and len(worker[1]) == plan.claims:
            mine, routes = worker
            alone = bytearray(a or r != mine for a, r in zip(alone, routes, strict=True))
        loop = -1

        def skip(n: int) -> bool:
            return n < len(alone) and bool(alone[n])

        def pass_loop(hl) -> int:
            nonlocal loop, ordinal
            loop += 1
            if ordinal >= len(alone) or plan.loops[ordinal] != loop:
                return 0  # a loop without claims
            # this loop and those after it up to the next claim to model, in one pass
            stop = alone.find(0, ordinal)
            claims, loops = plan.run(ordinal, len(alone) if stop < 0 else stop)
            if not claims:
                return 0
            src.pass_over(claims, loops, plan.span(loop, loops))
            ordinal += claims
            loop += loops - 1
            return claims

    with X12Source(path) as src:
        items = iter_items(
            src.segments(lenient=lenient_for(path)), path, skip=skip, pass_loop=pass_loop
        )
        for item in items:
            if not isinstance(item, Claim | ClaimSegments):
                continue
            if plan is not None and skip is not None and not plan.matches(ordinal, item.id):
                raise PassMismatch("the file's claims are not the ones its plan saw")
            ordinal += 1
            if isinstance(item, ClaimSegments):
                continue
            key = claim_member(item)
            if key and hash(key) in multi:
                pool.add(key, item.id, day_parts(item, ctx))


def claim_member(claim: Claim) -> str:
    return member_key(claim.subscriber.member_id, claim.subscriber.payer_id)


def peers_of(claim: Claim, ctx: RuleContext) -> list[DayPart]:
    """The other claims' parts of the claim's beneficiary-days: this file's, then the ledger's."""
    # _state(ctx)["pool"] without making the initial state (prepare_file made it, when it ran):
    # this runs for every claim with a timed line, and nearly all of them have no peer.
    state = ctx._run_state.get(OWNER)
    pool = None if state is None else state["pool"]
    if (pool is None or not pool.members) and ctx.ledger is None:
        return []  # the usual case: one claim per beneficiary and no ledger
    key = claim_member(claim)
    if not key:
        return []
    seq = claim.clm.index
    out = []
    in_file = {claim.id}
    if pool is not None:
        # A claim with the same CLM01 is the same claim sent twice (a duplicate, not a second
        # session of the day): it is not pooled, as the ledger never counts a resend twice.
        seen: set[tuple] = set()
        for p in pool.members.get(key, ()):
            part = (p.claim_id, p.day, p.discipline)
            if p.seq != seq and p.claim_id != claim.id and part not in seen:
                seen.add(part)  # the first of a claim id sent twice in the file counts
                out.append(p)
        in_file |= pool.claim_ids.get(key, set())
    out += ledger_parts(claim, ctx, in_file)
    return out


def ledger_parts(claim: Claim, ctx: RuleContext, in_file: set[str]) -> list[DayPart]:
    """Lines the ledger recorded as sent for the claim's member on its timed dates, of other
    claims, as day parts (seq -1: before anything in this file)."""
    if ctx.ledger is None or ctx.visits is None:
        return []
    scope = ctx.ledger_scope()
    if not scope.has_store:
        return []
    member = (claim.subscriber.member_id or "").strip()
    days = sorted({ln.date_from for ln in timed_lines(claim, ctx) if ln.date_from})
    if not member or not days:
        return []
    found: dict[tuple, list] = {}
    for day in days:
        for claim_id, code, units, disc, source in scope.sent_day_lines(member, day):
            if claim_id in in_file or not ctx.ref.is_timed(code):
                continue
            found.setdefault((claim_id, source, day, disc), []).append((code, units))
    out = []
    for (claim_id, source, day, disc), lines in found.items():
        out.append(_ledger_part(ctx, claim_id, source, day, disc, lines))
    return out


def _ledger_part(ctx, claim_id: str, source: str, day: date, disc: str, lines) -> DayPart:
    rows = [
        r
        for r in ctx.visits.for_claim(claim_id)
        if r.service_date == day and ctx.ref.is_timed(r.cpt) and r.discipline in ("", disc)
    ]
    documented = {r.cpt for r in rows}
    minutes: dict[str, int] = {}
    for r in rows:
        minutes[r.cpt] = minutes.get(r.cpt, 0) + r.minutes
    peer_lines = []
    for n, (code, units) in enumerate(lines):
        try:
            whole = int(float(units))
        except ValueError:
            whole = None
        peer_lines.append(PeerLine(code, n, whole, code in documented))
    return DayPart(claim_id, -1, source, day, disc, tuple(peer_lines), tuple(minutes.items()))

"""Process one input file: check every claim, settle fixes, route claims to the outputs.

Streaming: claims are read one at a time and only one subscriber's claims are held in memory
(to renumber its HL loops in each output). Per-claim report records go to a callback, so the
caller decides where they live (a temporary JSON-lines file for large runs).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import field
from typing import TYPE_CHECKING

from x12tool.claims import Claim, EnvelopeSegment, HLItem, SetHeader, SetTrailer, iter_items
from x12tool.claims.plan import FilePlan
from x12tool.claims.stream import ClaimSegments
from x12tool.edi import X12Source
from x12tool.edi.envelope_scan import known_broken_trailers
from x12tool.fixes.apply import set_element
from x12tool.fixes.loop import CORRECTED, HELD, READY, ClaimOutcome, settle_claim
from x12tool.ledger.view import Ledger
from x12tool.money import ClaimMoney, MoneyTotals
from x12tool.preflight.money import claim_money
from x12tool.preflight.split import OutputSet, StructuralLog
from x12tool.reports.model import (
    FileSummary,
    claim_record,
    claim_record_text,
    finding_record,
    hold_set,
    list_ig_issues,
    set_change,
    set_record,
)
from x12tool.rules.base import Applicability, Rule, SetElement
from x12tool.rules.context import RuleContext
from x12tool.rules.daypool import prepare_file
from x12tool.values import NEW, Value, value_class

if TYPE_CHECKING:
    from x12tool.edi.ig import IgIssue


class PlanMismatch(Exception):
    """The main pass read other claims than the plan's scan (a worker cannot go on)."""


# Dataclasses writing their own __init__ (x12tool/values.py).
@value_class
class Sinks(Value):
    ready: OutputSet | None = None  # claims that go (corrected ones as corrected)
    held: OutputSet | None = None  # held claims exactly as they came
    everything: OutputSet | None = None  # every claim, held ones unchanged (x12tool fix)
    changed: OutputSet | None = None  # only corrected claims (for re-validation)
    structural: StructuralLog | None = None  # what ready/held write differently, not as fixes

    def __init__(
        self,
        ready: OutputSet | None = None,
        held: OutputSet | None = None,
        everything: OutputSet | None = None,
        changed: OutputSet | None = None,
        structural: StructuralLog | None = None,
    ) -> None:
        self.ready = ready
        self.held = held
        self.everything = everything
        self.changed = changed
        self.structural = structural

    def all(self) -> list[OutputSet]:
        return [s for s in (self.ready, self.held, self.everything, self.changed) if s]


@value_class
class Summary(FileSummary):
    """The report's :class:`FileSummary`, and what the run needs besides while it goes."""

    fixed: int = 0
    # the part of ``findings`` that set-level rules found (counted once per set, however many
    # check --jobs workers read the set)
    set_findings: dict[str, int] = field(
        default_factory=lambda: {"error": 0, "warning": 0, "info": 0}
    )
    ig_issues: list[IgIssue] = field(default_factory=list)  # every pyx12 issue (the 999's)
    fixed_gs: set = field(default_factory=set)  # offsets of GS segments a set-level fix changed
    # (ST02, SE text) of the sets held for their wrong trailer (ENV002): an output holding them
    # re-reads with exactly these trailers allowed (validate_output(trailers=...))
    held_trailers: set = field(default_factory=set)
    workers: int = 1  # processes that checked the claims (check --jobs; not in the report)

    def __init__(
        self,
        claims: int = 0,
        ready: int = 0,
        corrected: int = 0,
        held: int = 0,
        findings: dict[str, int] = NEW,
        money: MoneyTotals = NEW,
        ig: bool = False,
        notes: list[str] = NEW,
        ig_file_issues: list[IgIssue] = NEW,
        structural: list[dict] = NEW,
        sets: list[dict] = NEW,
        fixed: int = 0,
        set_findings: dict[str, int] = NEW,
        ig_issues: list[IgIssue] = NEW,
        fixed_gs: set = NEW,
        held_trailers: set = NEW,
        workers: int = 1,
    ) -> None:
        FileSummary.__init__(
            self,
            claims,
            ready,
            corrected,
            held,
            findings,
            money,
            ig,
            notes,
            ig_file_issues,
            structural,
            sets,
        )
        self.fixed = fixed
        self.set_findings = (
            {"error": 0, "warning": 0, "info": 0} if set_findings is NEW else set_findings
        )
        self.ig_issues = [] if ig_issues is NEW else ig_issues
        self.fixed_gs = set() if fixed_gs is NEW else fixed_gs
        self.held_trailers = set() if held_trailers is NEW else held_trailers
        self.workers = workers

    def add_money(
        self, outcome: ClaimOutcome, ctx: RuleContext, rules: dict[str, Rule]
    ) -> ClaimMoney:
        """The money step: price the claim and its findings, add them to the totals."""
        money = claim_money(outcome, ctx.pricer(), rules)
        self.money.add(money)
        return money


def _set_findings(item: SetHeader, set_rules: list, ctx: RuleContext, summary: Summary) -> dict:
    """Run the set-level rules on a transaction set header; record the set in the summary.

    Returns the replacement segments of safe fixes, keyed by ``id()`` of the input segment.
    """
    env = item.envelope
    findings = [f for r in set_rules if ctx.enabled(r) for f in r.check_set(env.gs, env.st, ctx)]
    if not findings:
        return {}
    fixed: dict[int, object] = {}
    rec = set_record(summary.sets, env.st)
    for f in findings:
        summary.findings[f.severity.value] += 1
        summary.set_findings[f.severity.value] += 1
        applied = f.fix is not None and f.fix.applicability == Applicability.SAFE
        for edit in f.fix.edits if applied else ():
            if isinstance(edit, SetElement):
                before = edit.segment
                if before.tag == "GS" and before.offset in summary.fixed_gs:
                    continue  # the group header was fixed (and listed) with an earlier set
                if before.tag == "GS":
                    summary.fixed_gs.add(before.offset)
                after = set_element(fixed.get(id(before), before), edit.element, edit.value)
                fixed[id(before)] = after
                rec["changes"].append(set_change(before, after))
        rec["findings"].append(finding_record(f, "fixed" if applied else "open"))
    return fixed


def _hold_set(summary: Summary, st, se_text: str, reason: str) -> None:
    """ENV002 once on the set's record: the set is held whole for its wrong trailer."""
    hold_set(summary.sets, st, se_text, reason)
    summary.findings["error"] += 1
    summary.set_findings["error"] += 1
    summary.held_trailers.add((st.element(2), se_text))


def process_file(
    path: str,
    rules: list[Rule],
    ctx: RuleContext,
    *,
    sinks: Sinks | None = None,
    unsafe: bool = False,
    ig: bool = False,
    show_phi: bool = False,
    on_claim: Callable[[dict], None] | None = None,
    on_outcome: Callable[[ClaimOutcome], None] | None = None,
    worker: tuple[int, bytearray] | None = None,
    on_claim_text: Callable[[str, int], None] | None = None,
) -> Summary:
    """Check every claim of ``path`` in file order (see the module docstring).

    ``worker``: (this worker's number, the worker of every claim) when this process checks
    only its share of the claims (x12tool.preflight.parallel); the other claims are read
    but neither parsed nor judged, and give no record.

    ``on_claim_text``: instead of ``on_claim``, takes each record as its JSON text and its
    flags (:func:`~x12tool.reports.model.claim_record_text`), for callers that keep it as text.
    """
    sinks = sinks or Sinks()
    outputs = sinks.all()
    # Set-level rules (ENV001) run once on each transaction set header, not on its claims.
    set_rules = [r for r in rules if hasattr(r, "check_set")]
    rules = [r for r in rules if not hasattr(r, "check_set")]
    sending = [s for s in (sinks.ready, sinks.everything, sinks.changed) if s]
    summary = Summary(ig=ig)
    # The ledger's view of this file (a pre-pass over its claims), unless the caller (preflight,
    # which records) opened one already; check and fix only read.
    ledger = ctx.ledger if isinstance(ctx.ledger, Ledger) and ctx.ledger.file is None else None
    if ledger is not None:
        ledger.begin_file(path, ctx, rules)
    # The beneficiary's day across the file's claims (x12tool/rules/daypool.py); the session
    # found the beneficiaries with several claims while judging the visit log. A worker's
    # parent prepared it before the fork (x12tool/preflight/parallel.py).
    if worker is None:
        prepare_file(path, ctx)
    # Which claims share cross-claim state, and where each group ends (x12tool/claims/plan.py):
    # the session scanned the run's inputs; a caller without one gets this file's plan.
    plan = ctx.plans.get(path)
    if plan is None:
        plan = ctx.plans[path] = FilePlan.build(path)
    plan_ok = True
    ordinal = -1
    skip = None
    if worker is not None:
        mine, routes = worker
        if len(routes) != plan.claims:
            raise PlanMismatch(path)

        def skip(n: int) -> bool:
            return n >= len(routes) or routes[n] != mine

    loop = -1  # the subscriber loops so far (worker: plan.loops numbers them alike)
    pass_loop = None
    if worker is not None and len(plan.loops) == plan.claims:

        def pass_loop(hl) -> int:
            """Pass over a subscriber loop whose claims are all other workers' (they read
            it whole, so what is wrong in it still stops the run), with the loops right after
            it up to this worker's next claim, in one pass (FilePlan.run)."""
            nonlocal loop, ordinal
            loop += 1
            n = ordinal + 1
            if n >= len(routes) or plan.loops[n] != loop:
                return 0  # a loop without claims: read by every worker
            stop = routes.find(mine, n)
            claims, loops = plan.run(n, len(routes) if stop < 0 else stop)
            if not claims:
                return 0
            # jumped over where the plan knows the loops' places (plan.span)
            src.pass_over(claims, loops, plan.span(loop, loops))
            ordinal += claims
            loop += loops - 1
            return claims

    router = None
    if ig:
        # pyx12 runs in worker processes on chunks of the file while claims are checked here;
        # take() waits only for the chunk a claim sits in. Imported here: a --no-ig run does
        # not need pyx12's plumbing (process pool, logging).
        from x12tool.edi.ig import IgStream

        try:
            router = IgStream(path)
        except BaseException:
            if ledger is not None:
                ledger.end_file(commit=False)
            raise
    by_code = {r.code: r for r in rules}  # whose money_effect prices a finding
    context: dict[str, list[IgIssue]] = defaultdict(list)
    set_listed: set[tuple[int, int]] = set()
    # Sets whose SE is there but wrong (SE01 count, SE02): held whole, the others go on. Found by
    # a pre-pass because the trailer comes after the claims it must route (docs/design.md).
    broken = known_broken_trailers(path)
    in_broken: list = []  # [(ST02, SE text, reason)] while inside such a set
    unit: list = []  # [subscriber block, [(patient block, outcome)]]
    patient = None

    def flush_unit() -> None:
        if not unit:
            return
        block, entries = unit
        unit.clear()
        had: list = []  # the subscriber's patient loops, in order
        for p, _ in entries:
            if p is not None and not any(p is q for q in had):
                had.append(p)
        # (patient, segments, as read): a claim sent as it came is its read segments
        if sinks.ready:
            sinks.ready.subscriber(
                block,
                [
                    (p, o.final.segments, o.final is o.original)
                    for p, o in entries
                    if o.status != HELD
                ],
                had,
            )
        if sinks.held:
            sinks.held.subscriber(
                block, [(p, o.original.segments, True) for p, o in entries if o.status == HELD], had
            )
        if sinks.everything:
            sinks.everything.subscriber(
                block, [(p, o.final.segments, o.final is o.original) for p, o in entries], had
            )
        if sinks.changed:
            sinks.changed.subscriber(
                block,
                [(p, o.final.segments, False) for p, o in entries if o.status == CORRECTED],
                had,
            )

    try:
        with X12Source(path) as src:
            lenient = (lambda st, se: st.offset in broken) if broken else None
            items = iter_items(src.segments(lenient=lenient), path, skip=skip, pass_loop=pass_loop)
            for item in items:
                if isinstance(item, ClaimSegments):
                    ordinal += 1  # another worker's claim
                    if not plan.matches(ordinal, item.id):
                        raise PlanMismatch(path)
                    continue
                if isinstance(item, Claim):
                    claim = item
                    ordinal += 1
                    if plan_ok and not plan.matches(ordinal, claim.id):
                        if worker is not None:
                            raise PlanMismatch(path)
                        plan_ok = False  # the scan saw other claims: keep every group's state
                        ctx.pool_groups()
                    ctx.group = plan.groups[ordinal] if plan_ok else -1
                    if router is not None:
                        own = router.take(claim.segments[0].index, claim.segments[-1].index)
                        # Envelope and set-header errors are listed once on the set (and hold
                        # every claim of it through one short IG001 finding each).
                        set_level = router.file_level + context["isa"] + context["gs"]
                        set_level = set_level + context["st"]
                        key = (claim.envelope.set_number, len(set_level))
                        if set_level and key not in set_listed:
                            set_listed.add(key)
                            list_ig_issues(summary.sets, claim.envelope.st, set_level)
                        ctx.ig_set_issues = (claim.envelope.st.element(2), len(set_level))
                        ctx.ig_issues = (
                            context["20"]
                            + context["22"]
                            + (context["23"] if claim.patient_block is not None else [])
                            + own
                        )
                    outcome = settle_claim(claim, rules, ctx, unsafe=unsafe)
                    if in_broken and outcome.status != HELD:
                        # held whatever the rule settings: the set cannot go with that trailer
                        outcome = ClaimOutcome(
                            claim, claim, outcome.findings, outcome.fixed, status=HELD
                        )
                    summary.claims += 1
                    if outcome.status == READY:
                        summary.ready += 1
                    elif outcome.status == CORRECTED:
                        summary.corrected += 1
                    else:
                        summary.held += 1
                    if outcome.fixed or outcome.findings:  # most claims have neither
                        summary.fixed += len(outcome.fixed) if outcome.status != HELD else 0
                        for f in list(outcome.fixed) + list(outcome.findings):
                            summary.findings[f.severity.value] += 1
                    money = summary.add_money(outcome, ctx, by_code)
                    if not unit:
                        raise AssertionError(
                            "claim outside a subscriber unit"
                        )  # iter_items prevents
                    unit[1].append((patient if claim.patient_block is not None else None, outcome))
                    if on_outcome is not None:
                        on_outcome(outcome)
                    if on_claim_text is not None:
                        on_claim_text(*claim_record_text(outcome, show_phi, money))
                    elif on_claim is not None:
                        on_claim(claim_record(outcome, show_phi, money))
                    if plan_ok and plan.ends[ordinal]:
                        ctx.end_group(ctx.group)
                    continue
                if isinstance(item, HLItem):
                    block = item.block
                    if router is not None:
                        context[block.level] = router.take(
                            block.segments[0].index, block.segments[-1].index
                        )
                    if block.level == "20":
                        flush_unit()
                        context["22"], context["23"] = [], []
                        for out in outputs:
                            out.billing(block)
                    elif block.level == "22":
                        flush_unit()
                        context["23"] = []
                        unit.extend([block, []])
                        patient = None
                    else:
                        patient = block
                elif isinstance(item, SetHeader):
                    if router is not None:
                        context["st"] = router.take(item.segments[0].index, item.segments[-1].index)
                    if sinks.structural is not None:
                        sinks.structural.break_runs()
                    fixed = _set_findings(item, set_rules, ctx, summary)
                    in_broken.clear()
                    ctx.broken_set = None
                    bad = broken.get(item.envelope.st.offset)
                    if bad is not None:
                        in_broken.append(bad)
                        ctx.broken_set = (bad[0], bad[2])
                        _hold_set(summary, item.envelope.st, bad[1], bad[2])
                        fixed = {}  # the set is held: nothing of it goes, set fixes neither
                    for out in outputs:
                        if out in sending and fixed:
                            # safe set-level fixes go out with the claims; held/ keeps the input
                            out.set_header([fixed.get(id(s), s) for s in item.segments])
                            gs = item.envelope.gs
                            if gs is not None and id(gs) in fixed:
                                out.fix_gs(gs, fixed[id(gs)])
                        else:
                            out.set_header(item.segments)
                elif isinstance(item, SetTrailer):
                    flush_unit()
                    for out in outputs:
                        out.trailer(item.segment, as_it_came=bool(in_broken))
                    in_broken.clear()
                    ctx.broken_set = None
                elif isinstance(item, EnvelopeSegment):
                    seg = item.segment
                    if router is not None and seg.tag in ("ISA", "GS"):
                        context[seg.tag.lower()] = router.take(seg.index, seg.index)
                    for out in outputs:
                        out.envelope(seg)
            # after the last segment: the reader notes a missing last terminator only at the end
            summary.notes.extend(src.notes)
        if router is not None:
            router.all()  # wait for the last chunks; their file-level issues go in the report
            summary.ig_file_issues = list(router.file_level)
            summary.ig_issues = router.all()
        if sinks.structural is not None:
            summary.structural = sinks.structural.records
    finally:
        if router is not None:
            router.close()
        ctx.ig_issues = None
        ctx.ig_set_issues = None
        ctx.broken_set = None
        ctx.group = -1
        if ledger is not None:
            ledger.end_file(commit=False)
    return summary

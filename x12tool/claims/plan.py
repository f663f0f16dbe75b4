"""Which claims of a file belong together, and where each such group ends.

Some rules keep state across claims: the ledger's beneficiary (KX thresholds, progress reports,
authorizations, the beneficiary's day) is the subscriber's member id, and DOC003 knows a 2000C
patient by name and birth date, possibly under several subscribers. Two claims belong to one
*group* when they share a member id or a patient; groups are the connected components of that
relation, found by one segment-only scan before the claims are judged
(:func:`x12tool.claims.scan.claim_heads`, a fraction of a full read).

The plan serves two ends, and gives the same answer for both:

- **Bounded memory, exactly.** A group's cross-claim state can be dropped after the group's
  last claim: memory is the state of the groups still open at a point of the file, however far
  apart a beneficiary's claims lie. (It replaces "remember the last 2,000 members", whose
  answer depended on what else the file held.)
- **Workers** (``check --jobs N``): a group is checked by one worker, in file order, so
  per-group state is exact whatever the number of workers. The plan also numbers each claim's
  subscriber loop, so a worker can pass over the loops that hold none of its claims without
  reading them (x12tool/preflight/parallel.py).

The main pass checks that it reads the same claims in the same order (a CRC of CLM01 per
claim); where it does not, the plan is not used (:meth:`FilePlan.matches`).
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import field
from zlib import crc32

from x12tool.claims.scan import HeadRow, LoopSpans, head_rows
from x12tool.values import NEW, Value, value_class


def claim_crc(claim_id: str) -> int:
    return crc32(claim_id.strip().encode("latin-1", "replace"))


@value_class  # a dataclass writing its own __init__ (x12tool/values.py)
class FilePlan(Value):
    path: str
    crcs: array = field(default_factory=lambda: array("I"))  # CRC-32 of CLM01, per claim
    groups: array = field(default_factory=lambda: array("I"))  # group number, per claim
    ends: bytearray = field(default_factory=bytearray)  # 1: the claim is its group's last
    # the subscriber loop (2000B) of each claim, numbered in file order from 0: a check --jobs
    # worker passes over a loop none of whose claims it judges (SegmentReader.pass_over)
    loops: array = field(default_factory=lambda: array("i"))
    first: int = 0  # run-wide index of the file's first claim
    # the claims whose loop cannot be passed over in one run with the previous claim's: an HL
    # of level 20 or an ST, or a subscriber loop without claims (read by every worker), lies
    # between them (a few per file: ascending claim numbers)
    breaks: array = field(default_factory=lambda: array("I"))
    # where each subscriber loop starts and ends in the file, when the scan was asked for them
    # (check --jobs: a worker jumps over the loops it does not read; plan_run ``spans``)
    spans: LoopSpans | None = field(default=None, repr=False, compare=False)

    def __init__(
        self,
        path: str,
        crcs: array = NEW,
        groups: array = NEW,
        ends: bytearray = NEW,
        loops: array = NEW,
        first: int = 0,
        breaks: array = NEW,
        spans: LoopSpans | None = None,
    ) -> None:
        self.path = path
        self.crcs = array("I") if crcs is NEW else crcs
        self.groups = array("I") if groups is NEW else groups
        self.ends = bytearray() if ends is NEW else ends
        self.loops = array("i") if loops is NEW else loops
        self.first = first
        self.breaks = array("I") if breaks is NEW else breaks
        self.spans = spans

    @property
    def claims(self) -> int:
        return len(self.crcs)

    def matches(self, ordinal: int, claim_id: str) -> bool:
        """The main pass's claim ``ordinal`` (0-based) is the one the scan saw there."""
        return ordinal < len(self.crcs) and self.crcs[ordinal] == claim_crc(claim_id)

    def loop_claims(self, loop: int, ordinal: int) -> int:
        """How many claims, from claim ``ordinal`` on, subscriber loop ``loop`` holds."""
        loops = self.loops
        end = ordinal
        while end < len(loops) and loops[end] == loop:
            end += 1
        return end - ordinal

    def run(self, ordinal: int, stop: int) -> tuple[int, int]:
        """(claims, loops) of the run of whole subscriber loops from claim ``ordinal``'s (the
        first claim of its loop) up to, not including, claim ``stop``'s loop, that a reader can
        pass over in one (:meth:`x12tool.edi.reader.SegmentReader.pass_over`): cut at the
        first break. (0, 0) when claim ``stop`` is in ``ordinal``'s loop."""
        loops = self.loops
        stop = min(stop, len(loops))
        breaks = self.breaks
        at = bisect_right(breaks, ordinal)
        if at < len(breaks) and breaks[at] < stop:
            stop = breaks[at]  # its loop starts after an HL 20, ST or a loop without claims
        elif stop < len(loops):
            inner = loops[stop]
            while stop > ordinal and loops[stop - 1] == inner:
                stop -= 1  # claim ``stop``'s loop starts with claims before it: not passed over
        if stop <= ordinal:
            return 0, 0
        return stop - ordinal, loops[stop - 1] - loops[ordinal] + 1

    def span(self, loop: int, loops: int) -> tuple[int, int] | None:
        """Where ``loops`` subscriber loops from loop ``loop`` on end: (file offset of the
        segment that ends them, segments after loop ``loop``'s HL up to it), for a reader to
        jump over them (:meth:`x12tool.edi.reader.SegmentReader.pass_over` ``to``); None
        when the scan did not find the loops' places."""
        return None if self.spans is None else self.spans.span(loop, loops)

    def routes(self, workers: int) -> bytearray:
        """The worker of each claim: the file's groups in order of first appearance, dealt out
        in runs, worker 0 taking groups until it has about its share of the claims, then
        worker 1 (deterministic, about even). A worker's claims then lie mostly in one stretch
        of the file, which it reads whole, and it passes over the others' stretches. (Dealt
        out in turn, every worker passed over every other subscriber loop, which kept the
        segment reader off its lean loop and the visit log off its streaming merge.)"""
        if not 1 <= workers <= 255:
            raise ValueError("workers must be 1 to 255")
        # Claims per group and each group's worker in flat arrays indexed by group number (a
        # Counter of every group was ~5 MB at 100,000 claims, a check --jobs run's peak); the
        # groups are dealt out in order of first appearance in this file.
        groups = self.groups
        size = array("I", bytes(4 * (max(groups, default=-1) + 1)))
        for g in groups:
            size[g] += 1
        worker_of = bytearray(b"\xff") * len(size)  # 255: not dealt yet (workers <= 255)
        total = len(groups)
        w = 0  # the worker taking groups now
        dealt = 0  # claims of the groups dealt out so far
        upto = total / workers  # worker w takes groups until this many are dealt: its even part
        for g in groups:
            if worker_of[g] != 255:
                continue
            if dealt >= upto and w < workers - 1:
                w += 1
                upto = dealt + (total - dealt) / (workers - w)
            worker_of[g] = w
            dealt += size[g]
        return bytearray(map(worker_of.__getitem__, groups))

    @classmethod
    def build(cls, path: str) -> FilePlan:
        """The plan of one file on its own (its groups end in it)."""
        return plan_run([path])[path]


_BUCKETS = 64  # the union-find's sort is done in this many pieces (bounded peak memory)


def plan_run(
    paths: list[str] | tuple[str, ...],
    on_head: Callable[[str, HeadRow], None] | None = None,
    *,
    spans: bool = False,
) -> dict[str, FilePlan]:
    """The plans of a run's input files, by path: one scan of each; groups span the files
    (a beneficiary's claims in two inputs of one run are one group, which ends in the later
    file). ``on_head(path, row)`` sees every claim head, as a tuple of the fields of
    :class:`~x12tool.claims.scan.ClaimHead` (the session's visit-log statistics share the
    scan). A path named twice gets no plan (each reading then plans on its own)."""
    if len(set(paths)) != len(paths):
        for path in paths:
            for row in head_rows(path):
                if on_head is not None:
                    on_head(path, row)
        return {}
    # Memory: flat arrays of a few bytes per claim (no dict of keys: at 100,000 claims a dict
    # of member ids cost ~20 MB of peak memory, as much as the rest of the run).
    member = array("q")  # hash of the claim's member id key, per claim of the run (0: none)
    # Few claims have a patient key (only those with a 2000C loop): kept for those alone, as
    # (claim, hash) pairs, rather than a mostly zero hash per claim of the run.
    patient_at = array("I")  # the claims with a patient key, in run order
    patient = array("q")  # hash of each one's patient key
    plans = {path: FilePlan(path) for path in paths}
    for path in paths:
        plan = plans[path]
        crcs, loops, breaks = plan.crcs, plan.loops, plan.breaks
        after, last_block = -1, -1  # the loop right after the previous claim's; its block
        if spans:
            plan.spans = LoopSpans(path)
        for row in head_rows(path, plan.spans):
            if on_head is not None:
                on_head(path, row)
            claim_id, _, patient_key, member_id, loop, block = row
            if loop > after or block != last_block:
                breaks.append(len(crcs))
                last_block = block
            after = loop + 1
            crcs.append(crc32(claim_id.encode("latin-1", "replace")))  # claim_crc: it is stripped
            loops.append(loop)
            # Member ids as DOC003 compares them (upper case); the ledger's key (case kept) is
            # finer, so it never spans two groups. A hash collision only joins two groups:
            # coarser, never wrong.
            member.append(hash("M" + member_id.upper()) or 1 if member_id else 0)
            if patient_key:
                patient_at.append(len(member) - 1)
                patient.append(hash("P" + patient_key) or 1)
        if plan.spans is not None and not plan.spans.ok:
            plan.spans = None
    total = len(member)
    parent = array("I", range(total))  # union-find over the run's claims

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]  # path halving
            x = parent[x]
        return x

    for at, keys in ((None, member), (patient_at, patient)):
        # Claims with the same key are neighbours once sorted by it: join each to the previous.
        # Sorted a bucket of keys at a time (claims with one key share a bucket): a list of
        # every claim's index sorted at once was ~15 MB of peak memory at 100,000 claims, the
        # largest moment of the run. The groups are the same whatever the order of the joins
        # (a root is always its group's first claim).
        buckets = [array("I") for _ in range(_BUCKETS)]
        for k in range(len(keys)):
            h = keys[k]
            if h:
                buckets[h % _BUCKETS].append(k)
        for bucket in buckets:
            order = sorted(bucket, key=keys.__getitem__)
            for a, b in zip(order, order[1:], strict=False):
                if keys[a] == keys[b]:
                    if at is not None:
                        a, b = at[a], at[b]
                    ra, rb = find(a), find(b)
                    if ra != rb:
                        parent[max(ra, rb)] = min(ra, rb)
        del buckets, order
    del member, patient, patient_at
    # Groups numbered in order of first appearance; each group's last claim (run-wide index).
    number = array("i", [-1]) * total  # root claim -> group
    last = array("I")
    k = 0
    for path in paths:
        plan = plans[path]
        first = k
        for _ in range(plan.claims):
            root = find(k)
            g = number[root]
            if g < 0:
                g = number[root] = len(last)
                last.append(k)
            plan.groups.append(g)
            last[g] = k
            k += 1
        plan.ends = bytearray(plan.claims)
        plan.first = first
    for k in last:
        for plan in plans.values():
            if plan.first <= k < plan.first + plan.claims:
                plan.ends[k - plan.first] = 1
                break
    return plans

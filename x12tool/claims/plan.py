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
  per-group state is exact whatever the number of workers.

The main pass checks that it reads the same claims in the same order (a CRC of CLM01 per
claim); where it does not, the plan is not used (:meth:`FilePlan.matches`).
"""

from __future__ import annotations

import zlib
from array import array
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from x12tool.claims.scan import ClaimHead, claim_heads


def claim_crc(claim_id: str) -> int:
    return zlib.crc32(claim_id.strip().encode("latin-1", "replace"))


@dataclass
class FilePlan:
    path: str
    crcs: array = field(default_factory=lambda: array("I"))  # CRC-32 of CLM01, per claim
    groups: array = field(default_factory=lambda: array("I"))  # group number, per claim
    ends: bytearray = field(default_factory=bytearray)  # 1: the claim is its group's last

    @property
    def claims(self) -> int:
        return len(self.crcs)

    def matches(self, ordinal: int, claim_id: str) -> bool:
        """The main pass's claim ``ordinal`` (0-based) is the one the scan saw there."""
        return ordinal < len(self.crcs) and self.crcs[ordinal] == claim_crc(claim_id)

    def routes(self, workers: int) -> bytearray:
        """The worker of each claim: the file's groups in order of first appearance, each to
        the worker with the fewest claims so far (deterministic, about even)."""
        if not 1 <= workers <= 255:
            raise ValueError("workers must be 1 to 255")
        size = Counter(self.groups)
        load = [0] * workers
        worker_of: dict[int, int] = {}
        out = bytearray(len(self.groups))
        for i, g in enumerate(self.groups):
            w = worker_of.get(g)
            if w is None:
                w = worker_of[g] = min(range(workers), key=load.__getitem__)
                load[w] += size[g]
            out[i] = w
        return out

    @classmethod
    def build(cls, path: str) -> FilePlan:
        """The plan of one file on its own (its groups end in it)."""
        return plan_run([path])[path]


def plan_run(
    paths: list[str] | tuple[str, ...],
    on_head: Callable[[str, ClaimHead], None] | None = None,
) -> dict[str, FilePlan]:
    """The plans of a run's input files, by path: one scan of each; groups span the files
    (a beneficiary's claims in two inputs of one run are one group, which ends in the later
    file). ``on_head(path, head)`` sees every claim head (the session's visit-log statistics
    share the scan). A path named twice gets no plan (each reading then plans on its own)."""
    if len(set(paths)) != len(paths):
        for path in paths:
            for head in claim_heads(path):
                if on_head is not None:
                    on_head(path, head)
        return {}
    node_of: dict[int, int] = {}  # hash of a member id / patient key -> union-find node
    parent = array("I")
    claim_node: list[array] = []

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]  # path halving
            x = parent[x]
        return x

    def node(key: str) -> int:
        # A hash collision only joins two groups: coarser, never wrong.
        h = hash(key)
        n = node_of.get(h)
        if n is None:
            n = node_of[h] = len(parent)
            parent.append(n)
        return n

    plans = {path: FilePlan(path) for path in paths}
    for path in paths:
        plan = plans[path]
        nodes = array("I")
        claim_node.append(nodes)
        for head in claim_heads(path):
            if on_head is not None:
                on_head(path, head)
            plan.crcs.append(claim_crc(head.claim_id))
            first = None
            # Member ids as DOC003 compares them (upper case); the ledger's key (case kept)
            # is finer, so it never spans two groups.
            for key in (
                "M" + head.member_id.upper() if head.member_id else "",
                "P" + head.patient if head.patient else "",
            ):
                if not key:
                    continue
                n = find(node(key))
                if first is None:
                    first = n
                elif n != first:
                    parent[n] = first
            if first is None:  # no member id and no patient: a group of its own
                first = len(parent)
                parent.append(first)
            nodes.append(first)
    node_of.clear()  # the keys are not needed past the scan
    number: dict[int, int] = {}
    last: list[tuple[int, int]] = []  # (file index, claim) of each group's last claim
    for f, path in enumerate(paths):
        groups = plans[path].groups
        for i, n in enumerate(claim_node[f]):
            root = find(n)
            g = number.get(root)
            if g is None:
                g = number[root] = len(last)
                last.append((f, i))
            groups.append(g)
            last[g] = (f, i)
    for f, path in enumerate(paths):
        plans[path].ends = bytearray(len(claim_node[f]))
    for f, i in last:
        plans[paths[f]].ends[i] = 1
    return plans

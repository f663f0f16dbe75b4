"""The run plan's groups (x12tool/claims/plan.py) against a plain computation of the same
definition: claims linked by a member id (upper case) or a 2000C patient key, transitively,
numbered in order of first appearance."""

from __future__ import annotations

import io
import random
from collections import Counter

from devtools.synth import generate
from x12tool.claims.plan import plan_run
from x12tool.claims.scan import claim_heads


def _reference_groups(paths: list[str]) -> list[int]:
    heads = [h for p in paths for h in claim_heads(p)]
    parent = list(range(len(heads)))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    first: dict[str, int] = {}
    for n, h in enumerate(heads):
        for key in ("M" + h.member_id.upper() if h.member_id else "", "P" + h.patient):
            if key in ("", "P"):
                continue
            if key in first:
                a, b = find(first[key]), find(n)
                parent[max(a, b)] = min(a, b)
            else:
                first[key] = n
    number: dict[int, int] = {}
    return [number.setdefault(find(n), len(number)) for n in range(len(heads))]


def test_groups_are_the_plain_definitions(tmp_path):
    rng = random.Random(7)
    paths = []
    for seed in (3, 4):
        raw = io.BytesIO()
        generate(raw, claims=400, seed=seed, claims_per_st=150, defect_rate=0.1)
        text = raw.getvalue().decode("latin-1")
        # members shared across the file and across the two inputs, some in other case
        segs = []
        for seg in text.split("~"):
            if seg.lstrip().startswith("NM1*IL*") and rng.random() < 0.4:
                parts = seg.split("*")
                parts[9] = rng.choice(["SHARED1", "shared1", "SHARED2", "S3"])
                seg = "*".join(parts)
            segs.append(seg)
        path = tmp_path / f"in{seed}.837"
        path.write_bytes("~".join(segs).encode("latin-1"))
        paths.append(str(path))
    plans = plan_run(paths)
    got = [g for p in paths for g in plans[p].groups]
    want = _reference_groups(paths)
    assert got == want
    assert len(set(got)) < len(got) - 100  # the shared members did join groups
    # routes keep group sizes and workers in flat arrays by group number: each file's routes
    # are those of a plain dict of its groups in order of first appearance (in the second
    # file, groups numbered in the first come after some of its own)
    second = list(plans[paths[1]].groups)
    order = list(dict.fromkeys(second))
    assert order != sorted(order)
    for path in paths:
        groups = list(plans[path].groups)
        for workers in (1, 2, 3, 255):
            assert list(plans[path].routes(workers)) == _plain_routes(groups, workers)


def _plain_routes(groups: list[int], workers: int) -> list[int]:
    worker_of = Counter(groups)
    total, w, dealt = len(groups), 0, 0
    upto = total / workers
    for g, n in worker_of.items():
        if dealt >= upto and w < workers - 1:
            w += 1
            upto = dealt + (total - dealt) / (workers - w)
        worker_of[g] = w
        dealt += n
    return [worker_of[g] for g in groups]


def _routed(groups: list[int], workers: int) -> list[int]:
    from array import array

    from x12tool.claims.plan import FilePlan

    plan = FilePlan("x.837", groups=array("I", groups))
    return list(plan.routes(workers))


def test_routes_keep_groups_whole_and_deal_them_out_in_runs():
    rng = random.Random(11)
    # groups numbered in order of first appearance, some recurring far apart
    groups: list[int] = []
    known = 0
    for _ in range(3000):
        if known and rng.random() < 0.2:
            groups.append(rng.randrange(known))
        else:
            groups.append(known)
            known += 1
    for workers in (1, 2, 3, 7):
        routes = _routed(groups, workers)
        by_group: dict[int, set[int]] = {}
        for g, w in zip(groups, routes, strict=True):
            by_group.setdefault(g, set()).add(w)
        assert all(len(ws) == 1 for ws in by_group.values())  # a group is one worker's
        # the workers take the groups in order of first appearance, one after the other
        firsts = [routes[groups.index(g)] for g in sorted(by_group)]
        assert firsts == sorted(firsts) and set(firsts) == set(range(workers))
        loads = [routes.count(w) for w in range(workers)]
        assert max(loads) - min(loads) <= 2 * max(groups.count(g) for g in by_group)


def test_routes_share_what_a_large_first_group_leaves():
    # 60 % of the claims in the first group: the other workers split the rest evenly
    groups = [0] * 600 + list(range(1, 401))
    routes = _routed(groups, 3)
    assert routes[:600] == [0] * 600
    assert [routes.count(w) for w in range(3)] == [600, 200, 200]
    assert _routed([5, 5, 5], 4) == [0, 0, 0]  # workers without a claim still read the file

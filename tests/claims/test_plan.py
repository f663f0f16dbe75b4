"""The run plan's groups (x12tool/claims/plan.py) against a plain computation of the same
definition: claims linked by a member id (upper case) or a 2000C patient key, transitively,
numbered in order of first appearance."""

from __future__ import annotations

import io
import random

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

"""The session's input scan: which beneficiaries have more than one claim in a file."""

from __future__ import annotations

import random
from array import array
from collections import Counter

from x12tool.preflight.session import _BUCKETS, _InputScan, repeated


def _expected(values) -> set[int]:
    return {v for v, n in Counter(values).items() if n > 1}


def _bucketed(values) -> list[array]:
    buckets = [array("q") for _ in range(_BUCKETS)]
    for v in values:
        buckets[v % _BUCKETS].append(v)
    return buckets


def test_repeated_agrees_with_counting_on_random_values():
    rng = random.Random(20)
    for size in (0, 1, 2, 3, 63, 64, 65, 1000, 5000):
        # few distinct values (many repeats) and many (rare repeats), both signs
        for spread in (5, size or 1, 2**63 - 1):
            values = [rng.randint(-spread, spread) for _ in range(size)]
            assert repeated(_bucketed(values)) == _expected(values)


def test_repeated_at_bucket_edges_and_extremes():
    edges = [0, _BUCKETS - 1, _BUCKETS, -1, -_BUCKETS, -(_BUCKETS + 1), -(2**63), 2**63 - 1]
    # each edge once, then once more in reverse order (repeats far apart, at both ends)
    values = edges + [7, 7 + _BUCKETS, 7 + 2 * _BUCKETS] + edges[::-1]
    assert repeated(_bucketed(values)) == set(edges)
    # neighbours in one bucket that differ are no repeat
    assert repeated(_bucketed([3, 3 + _BUCKETS, 3 + 2 * _BUCKETS])) == set()
    assert repeated(_bucketed([5, 5, 5])) == {5}


def test_input_scan_finds_members_with_claims_side_by_side_or_apart():
    scan = _InputScan(None)
    rows = ["A", "A", "B", "C", "B", "", "", "D", "C", "E"]
    for k, member in enumerate(rows):
        scan.head("f.837", (f"CLM{k}", member, "", "", 0))
    scan.head("g.837", ("CLM99", "E", "", "", 0))  # another file: pooled apart
    scan.finish()
    assert scan.pooled["f.837"] == {hash("A"), hash("B"), hash("C")}
    assert scan.pooled["g.837"] == set()


def test_input_scan_agrees_with_counting_on_random_files():
    rng = random.Random(68)
    for _ in range(20):
        members = [
            rng.choice(["", *(f"M{i}|P" for i in range(rng.randint(1, 300)))]) for _ in range(800)
        ]
        scan = _InputScan(None)
        for k, member in enumerate(members):
            scan.head("f.837", (f"CLM{k}", member, "", "", 0))
        scan.finish()
        assert scan.pooled["f.837"] == {hash(m) for m in _expected(members) if m}

"""ClaimOutcome.changed_segments (identity sets) against the id-dict walk it replaced."""

from __future__ import annotations

import random
from types import SimpleNamespace

from x12tool.edi.delimiters import Delimiters
from x12tool.edi.segment import Segment
from x12tool.fixes.loop import ClaimOutcome


def _by_ids(original: list, final: list) -> list:
    """The former walk: segments keyed by id(), new ones matched to old ones by index."""
    before = {id(s): s for s in original}
    after_ids = {id(s) for s in final}
    pairs = []
    by_index = {s.index: s for s in final if id(s) not in before}
    for seg in original:
        if id(seg) in after_ids:
            continue
        pairs.append((seg, by_index.pop(seg.index, None)))
    pairs.extend((None, s) for s in by_index.values())
    return pairs


_DELIMS = Delimiters("*", "^", ":", "~")


def _seg(n: int, index: int) -> Segment:
    return Segment(["REF", str(n)], None, None, None, _DELIMS, index)


def test_changed_segments_matches_the_id_walk() -> None:
    rnd = random.Random(20)
    for _ in range(3000):
        original = [_seg(i, i + 1) for i in range(rnd.randint(0, 12))]
        final = list(original)
        for _ in range(rnd.randint(0, 4)):
            what = rnd.random()
            at = rnd.randint(0, len(final))
            if what < 0.4 and at < len(final):  # a segment replaced (same index)
                final[at] = _seg(100 + at, final[at].index)
            elif what < 0.7 and at < len(final):  # a segment deleted
                del final[at]
            else:  # a segment inserted, with an index that may clash with another's
                final.insert(at, _seg(200 + at, rnd.randint(0, 14)))
        outcome = ClaimOutcome(
            SimpleNamespace(segments=original), SimpleNamespace(segments=final), []
        )
        got = outcome.changed_segments()
        want = _by_ids(original, final)
        assert len(got) == len(want)
        assert all(g[0] is w[0] and g[1] is w[1] for g, w in zip(got, want, strict=True))

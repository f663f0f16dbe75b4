"""The claim's service lines, read in one pass over its segments (parse._read_lines), are
the lines read one 2400 loop at a time (parse.service_line over each LX to the next)."""

from __future__ import annotations

import pytest
from conftest import SAMPLE, public_files

from x12tool.claims import Claim, iter_items, parse
from x12tool.edi import X12InputError, X12Source

FILES = [*public_files(), SAMPLE / "therapy_batch.837"]


def _claims(path) -> list[Claim]:
    try:
        with X12Source(path) as src:
            return [c for c in iter_items(src.segments(), str(path)) if isinstance(c, Claim)]
    except X12InputError:
        return []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_lines_read_in_one_pass_are_the_lines_read_one_loop_at_a_time(path):
    claims = _claims(path)
    for claim in claims:
        segs = claim.segments
        starts = [i for i, s in enumerate(segs) if s.fields[0] == "LX"]
        ends = [*starts[1:], len(segs)]
        assert claim.lines == [
            parse.service_line(segs, a, b) for a, b in zip(starts, ends, strict=True)
        ]
    if path.name == "therapy_batch.837":
        assert len(claims) == 22 and all(c.lines for c in claims)

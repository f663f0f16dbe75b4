"""The claim's service lines, read in one pass over its segments (parse._read_lines), are
the lines read one 2400 loop at a time (parse.service_line over each LX to the next), the
usual ones read the lean way as well as the others."""

from __future__ import annotations

import inspect
import sys

import pytest
from conftest import SAMPLE, public_files

from x12tool.claims import Claim, iter_items, parse
from x12tool.edi import X12InputError, X12Source
from x12tool.edi.delimiters import Delimiters
from x12tool.edi.segment import Segment

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


# 2400 loops of every shape next to the usual LX SV1 DTP*472 REF*6R: what follows the REF,
# another REF, a date range, a REF without its value, loops cut short, a line at the end.
LINE_TEXTS = [
    ["LX*1", "SV1*HC:97110:GP*40*UN*1***1", "DTP*472*D8*20260302", "REF*6R*A-1"],
    ["LX*2", "SV1*HC:97110:GP*40*UN*1***1", "DTP*472*D8*20260302", "REF*6R*A-2"],
    ["LX*3", "SV1*HC:97110:GP*40*UN*1***1", "DTP*472*D8*20260302", "REF*6R*A-3", "NTE*ADD*X"],
    ["LX*4", "SV1*HC:97530:GO*52*UN*1***1", "DTP*472*D8*20260302", "REF*6R*A-4"]
    + ["NM1*82*1*DOE*JO****XX*1234567893", "PRV*PE*PXC*225100000X"],
    ["LX*5", "SV1*HC:97110:GP*40*UN*1***1", "DTP*472*RD8*20260302-20260303", "REF*6R*A-5"],
    ["LX*6", "SV1*HC:97110:GP*40*UN*1***1", "DTP*472*D8*20260302", "REF*XZ*A-6"],
    ["LX*7", "SV1*HC:97110:GP*40*UN*1***1", "DTP*472*D8*20260302", "REF*6R"],
    ["LX*8", "SV1*HC:97110:GP*40*UN*1***1", "DTP*472*D8*20260302"],
    ["LX*9", "SV1*HC:97110:GP*4O*UN*1***1", "DTP*472*D8*20260302", "REF*6R*A-9"],
    ["LX*X", "DTP*472*D8*20260302", "SV1*HC:97110:GP*40*UN*1***1", "REF*6R*A-10"],
    ["LX*11", "SV1*HC:97110:GP*40*UN*1***1", "DTP*472*D8*20260302", "REF*6R*A-11"],
]


def _segments(texts: list[str]) -> list:
    delims = Delimiters("*", "^", ":", "~")
    return [Segment(t.split("*"), n, 0, t + "~", delims) for n, t in enumerate(texts, 1)]


def _lean_steps(segments: list, start: int) -> tuple[list, int]:
    """The lines ``parse._read_lines`` reads from ``segments[start:]``, and how many it took
    the lean way (told by the line that only that way runs)."""
    source, first = inspect.getsourcelines(parse._read_lines)
    (lean,) = [first + n for n, text in enumerate(source) if text.strip() == "i = j"]
    code = parse._read_lines.__code__
    taken = 0

    def trace(frame, event, arg):
        nonlocal taken
        if frame.f_code is not code:
            return None
        if event == "line" and frame.f_lineno == lean:
            taken += 1
        return trace

    out: list = []
    sys.settrace(trace)
    try:
        parse._read_lines(segments, start, out)
    finally:
        sys.settrace(None)
    return out, taken


@pytest.mark.parametrize("order", [1, -1])
def test_the_lean_way_reads_the_usual_lines_as_the_general_loop(order):
    """Lines of every shape, in both orders and each read twice (the memos cold, then warm):
    each is the line read on its own by the general loop (service_line); the usual ones,
    once their SV1 and DTP are known, are read the lean way, the others never."""
    loops = LINE_TEXTS[::order]
    segs = _segments(["CLM*A*40", *[t for loop in loops for t in loop]])
    starts = [i for i, s in enumerate(segs) if s.fields[0] == "LX"]
    ends = [*starts[1:], len(segs)]
    want = [parse.service_line(segs, a, b) for a, b in zip(starts, ends, strict=True)]
    usual = sum(
        1
        for loop in loops
        if len(loop) == 4
        and loop[3].startswith("REF*6R*")
        and "RD8" not in loop[2]
        and loop[1].startswith("SV1")
        and "4O" not in loop[1]
    )
    for _ in range(2):
        lines, taken = _lean_steps(segs, starts[0])
        assert lines == want
        assert taken <= usual
    assert taken == usual  # warm: every usual line
    assert lines[0].line_control and lines[0].date_from is not None


@pytest.mark.parametrize("text", ["1", "7", "99", "100", "01", "0", "", "x", "²", "1 ", "-1"])
def test_a_lines_number_is_lx01_read_as_a_whole_number(text):
    """The usual LX01 texts come from a table; every text reads as is_digits() and int()."""
    delims = Delimiters("*", "^", ":", "~")
    lx = Segment(["LX", text] if text else ["LX"], 1, 0, None, delims)
    line = parse.service_line([lx], 0, 1)
    assert line.number == (int(text) if parse.is_digits(text) else None)
    assert line.number is None or type(line.number) is int

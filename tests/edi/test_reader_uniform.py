"""The reader's lean loop for chunks whose segments all end alike against its general loop.

``SegmentReader._fast = False`` reads every chunk the general way; both must give the same
segments (text, elements, positions, offsets, counts, raw bytes), the same envelope checks,
the same claim split and the same errors, for any chunk size and any whitespace layout.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import SYNTHETIC, public_files

import x12tool.edi.reader as reader_module
from x12tool.claims import iter_items
from x12tool.edi import SegmentReader, X12InputError
from x12tool.edi.envelope import EnvelopeChecker
from x12tool.edi.errors import UnsupportedError
from x12tool.edi.segment import Segment

SYN = SYNTHETIC.read_bytes()
# The reader's first read takes 4 kB at least: six interchanges make the chunks after it count.
SIX = SYN * 6
SAMPLE = Path(__file__).parents[2] / "fixtures" / "sample" / "therapy_batch.837"
CHUNKS = [5, 13, 64, 97, 200, 700, 4096, 1 << 20]


def _relayout(data: bytes, eol: bytes) -> bytes:
    return data.replace(b"~\n", b"~" + eol)


def _irregular(data: bytes) -> bytes:
    """Mostly one layout, with an indented segment, a blank line and CR LF here and there."""
    segs = data.split(b"~\n")
    out = []
    for n, seg in enumerate(segs[:-1]):
        eol = b"\n"
        if n % 7 == 3:
            eol = b"\n   "
        elif n % 11 == 5:
            eol = b"\n\n"
        elif n % 13 == 8:
            eol = b"\r\n"
        out.append(seg + b"~" + eol)
    return b"".join(out) + segs[-1]


def _late(data: bytes, old: bytes, new: bytes) -> bytes:
    """``old`` replaced by ``new`` in the fifth interchange (past the first read)."""
    cut = len(SYN) * 4
    return data[:cut] + data[cut:].replace(old, new, 1)


# each interchange's ISA restarts the positions
LAYOUTS = {
    "lf": SIX,
    "none": _relayout(SIX, b""),
    "crlf": _relayout(SIX, b"\r\n"),
    "cr": _relayout(SIX, b"\r"),
    "irregular": _irregular(SIX),
    "one-indented": _late(SIX, b"~\nHI*", b"~\n  HI*"),
    "no-last-terminator": SIX.rstrip(b"~\n"),
    "trailing-blank-lines": SIX + b"\n\n  \n",
    "empty-segment": _late(SIX, b"~\nHI*", b"~\n~\nHI*"),
    "empty-segment-no-eol": _late(_relayout(SIX, b""), b"~HI*", b"~~HI*"),
    "bad-tag": _late(SIX, b"~\nHI*", b"~\nhi*"),
    "wrong-se01": _late(SIX, b"SE*30*0001", b"SE*29*0001"),
    "other-isa": SIX + SYN.replace(b"*:~", b"*>~", 1),
    "sample": SAMPLE.read_bytes(),
}


def _read(data: bytes, chunk: int, fast: bool, checked: bool):
    """Every segment as plain values, then the error raised (as plain values) if any."""
    reader = SegmentReader(io.BytesIO(data), "mem", chunk_size=chunk)
    reader._fast = fast
    out = []
    try:
        segs = reader.checked(EnvelopeChecker("mem")) if checked else reader
        for s in segs:
            out.append((s.fields, s.position, s.offset, s.index, s.raw, s.delims))
    except X12InputError as exc:
        # (the counters are the reader's own until the end: not compared after an error)
        out.append(("error", str(exc), exc.position, exc.offset, exc.tag, reader.notes))
        return out
    out.append((reader.segment_count, reader.bytes_read, reader.notes))
    return out


def _split(data: bytes, chunk: int, fast: bool):
    """The claim split (iter_items over the checked reader, which collects in its loop)."""
    reader = SegmentReader(io.BytesIO(data), "mem", chunk_size=chunk)
    reader._fast = fast
    out = []
    try:
        for item in iter_items(reader.checked(EnvelopeChecker("mem")), "mem", parse=False):
            segs = getattr(item, "segments", None)
            if segs is None:
                segs = [item.segment] if hasattr(item, "segment") else item.block.segments
            out.append((type(item).__name__, [(s.index, s.offset, s.raw) for s in segs]))
    except X12InputError as exc:
        out.append(("error", str(exc), exc.position, exc.offset, exc.tag))
    return out


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("chunk", CHUNKS)
def test_the_lean_loop_reads_as_the_general_one(layout, chunk):
    data = LAYOUTS[layout]
    for checked in (False, True):
        assert _read(data, chunk, True, checked) == _read(data, chunk, False, checked)
    assert _split(data, chunk, True) == _split(data, chunk, False)


@pytest.mark.parametrize("path", public_files(), ids=lambda p: p.name)
def test_the_lean_loop_reads_every_fixture_as_the_general_one(path):
    data = path.read_bytes()
    for chunk in (97, 1 << 20):
        try:
            fast = _read(data, chunk, True, True)
        except UnsupportedError:
            continue
        assert fast == _read(data, chunk, False, True)


def test_the_lean_loop_takes_the_chunks_it_can(monkeypatch):
    """It is used (for a file with one layout) and refuses a chunk of mixed layouts."""
    taken = []
    real = reader_module._uniform_pieces

    def spy(buf, term):
        got = real(buf, term)
        taken.append(got is not None)
        return got

    monkeypatch.setattr(reader_module, "_uniform_pieces", spy)
    _read(SYN * 8, 700, True, True)  # eight interchanges, read 700 bytes at a time
    assert len(taken) > 5 and all(taken)
    taken.clear()
    _read(_irregular(SYN) * 8, 700, True, True)
    assert taken and not any(taken)


@pytest.mark.parametrize(
    "buf",
    [
        "A*1~\nB*2~\nC*3~\nD",
        "A*1~B*2~C*3~D*4",
        "A*1~\r\nB*2~\r\nC*3~\r\n",
    ],
)
def test_uniform_pieces_leaves_the_last_complete_segment_for_the_next_chunk(buf):
    tsep, pieces = reader_module._uniform_pieces(buf, "~")
    assert pieces == ["A*1", "B*2"] and buf.startswith("".join(p + tsep for p in pieces))


@pytest.mark.parametrize(
    "buf",
    [
        " A*1~\nB*2~\nC*3~\nD",  # whitespace before the first segment
        "A*1~\nB*2~\n C*3~\nD",  # an indented one
        "A*1~\nB*2~\r\nC*3~\nD*4~\nE",  # another line break
        "A*1~\nB*2~C*3~\nD*4~\nE",  # none
        "A*1~\nB*2~\n\nC*3~\nD*4~\nE",  # a blank line
        "A*1~\nB*2",  # too few
        "A*1~\nB*2\t~\nC*3~\nD",  # a tab in data (taken the general way)
    ],
)
def test_uniform_pieces_refuses_chunks_of_mixed_layouts(buf):
    assert reader_module._uniform_pieces(buf, "~") is None


def test_uniform_pieces_looks_only_up_to_the_segment_it_leaves_out():
    """What follows it is read with the next chunk (the general way if it is odd); an empty
    segment among those taken is refused by the lean loop as by the general one."""
    assert reader_module._uniform_pieces("A*1~\nB*2~\nC*3~\r\nD", "~") == ("~\n", ["A*1"])
    assert reader_module._uniform_pieces("A*1~\n~\nC*3~\nD*4~\n", "~") == (
        "~\n",
        ["A*1", "", "C*3"],
    )


def test_the_lean_loop_sets_every_slot_of_the_segments_it_builds(monkeypatch):
    """As the general loop does (Segment's slots are set one by one in both)."""
    taken = []
    real = reader_module._uniform_pieces
    monkeypatch.setattr(
        reader_module, "_uniform_pieces", lambda buf, term: taken.append(1) or real(buf, term)
    )
    reader = SegmentReader(io.BytesIO(SIX), "six", chunk_size=700)
    segs = list(reader.checked(EnvelopeChecker("six")))
    assert taken and len(segs) > 200
    assert all(hasattr(s, name) for s in segs for name in Segment.__slots__)

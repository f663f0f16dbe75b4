"""OutputSet.subscriber writes a claim "as read" (its segments' own bytes, no writer tests) and
its loops' read segments the same way: the bytes and counts must be those of the writer's
per-segment path, whatever the line breaks, with HLs renumbered where claims are left out."""

from __future__ import annotations

import io

import pytest

from x12tool.claims import Claim, EnvelopeSegment, HLItem, SetHeader, SetTrailer, iter_items
from x12tool.edi import X12Source
from x12tool.edi.writer import X12Writer
from x12tool.preflight.split import OutputSet

SAMPLE = "fixtures/sample/therapy_batch.837"


def _write(path: str, keep, as_read: bool):
    out = io.BytesIO()
    changes = []
    sink = OutputSet(X12Writer(out), on_change=lambda *c: changes.append(c))
    unit: list = []
    patient = None
    n = -1

    def flush():
        if unit:
            block, entries = unit
            unit.clear()
            had = []
            for p, _ in entries:
                if p is not None and not any(p is q for q in had):
                    had.append(p)
            sink.subscriber(block, [(p, s, as_read) for p, s in entries], had)

    with X12Source(path) as src:
        for item in iter_items(src.segments(), path):
            if isinstance(item, Claim):
                n += 1
                if keep(n):
                    own = patient if item.patient_block is not None else None
                    unit[1].append((own, item.segments))
            elif isinstance(item, HLItem):
                if item.block.level == "20":
                    flush()
                    sink.billing(item.block)
                elif item.block.level == "22":
                    flush()
                    unit.extend([item.block, []])
                    patient = None
                else:
                    patient = item.block
            elif isinstance(item, SetHeader):
                sink.set_header(item.segments)
            elif isinstance(item, SetTrailer):
                flush()
                sink.trailer(item.segment)
            elif isinstance(item, EnvelopeSegment):
                sink.envelope(item.segment)
    w = sink.w
    return out.getvalue(), (w.segments_written, w.bytes_written, sink.claims), changes


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"", b"\n  "])
@pytest.mark.parametrize("every", [1, 2, 3])
def test_claims_and_loops_as_read_write_what_the_writer_writes(tmp_path, eol, every):
    data = open(SAMPLE, "rb").read().replace(b"~\n", b"~" + eol)
    path = str(tmp_path / "in.837")
    with open(path, "wb") as fh:
        fh.write(data)
    keep = (lambda n: n % every == 0) if every > 1 else (lambda n: True)
    fast, fast_counts, fast_changes = _write(path, keep, True)
    slow, slow_counts, slow_changes = _write(path, keep, False)
    assert fast == slow
    assert fast_counts == slow_counts
    if every == 1:
        assert fast == data  # every claim kept: the file as it came
    else:
        assert fast_changes  # HLs renumbered: the split path was taken
    for _kind, before, after in fast_changes:
        # a renumbered HL keeps the line break that followed the input's
        assert after.raw == after.text + before.suffix

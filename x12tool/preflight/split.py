"""Write a subset of an 837P's claims with every envelope they need and nothing else.

The ready file keeps the interchange, group and transaction-set envelopes of the input (control
numbers unchanged) minus the held claims; the held file is the same for the held claims. An
envelope or HL parent is written only when a claim below it is written, so a subscriber or
billing-provider HL left without claims is dropped, and so is a transaction set, group or
interchange. HL numbers are renumbered from 1 in each transaction set with parent pointers and
HL04 (has children) set for what is written (TR3 005010X222A1 HL segment: HL01 unique and
sequential within the transaction set). Trailer counts come from X12Writer.
"""

from __future__ import annotations

from x12tool.claims import HLBlock
from x12tool.edi.segment import Segment
from x12tool.edi.writer import X12Writer


def _hl(seg: Segment, number: int, parent: int | None, child: str) -> Segment:
    fields = list(seg.fields)
    while len(fields) < 5:
        fields.append("")
    fields[1] = str(number)
    fields[2] = str(parent) if parent is not None else ""
    fields[4] = child
    if fields == seg.fields:
        return seg
    new = seg.with_fields(fields)
    if seg.raw is not None:
        new.raw = new.text + seg.suffix
    new.position, new.index = seg.position, seg.index
    return new


class OutputSet:
    """One output file (ready, held, or a validation subset) fed in input order."""

    def __init__(self, writer: X12Writer) -> None:
        self.w = writer
        self.isa: Segment | None = None
        self.gs: Segment | None = None
        self.header: list[Segment] | None = None
        self.billing_block: HLBlock | None = None
        self.isa_open = self.gs_open = self.set_open = False
        self.billing_id: int | None = None
        self.hl = 0
        self.claims = 0

    # envelopes ---------------------------------------------------------------------------
    def envelope(self, seg: Segment) -> None:
        tag = seg.tag
        if tag == "ISA":
            self.isa, self.isa_open = seg, False
        elif tag == "GS":
            self.gs, self.gs_open = seg, False
        elif tag == "GE":
            if self.gs_open:
                self.w.write(seg)
            self.gs_open = False
        elif tag == "IEA":
            if self.isa_open:
                self.w.write(seg)
            self.isa_open = False

    def set_header(self, segments: list[Segment]) -> None:
        self.header, self.set_open = segments, False
        self.billing_block, self.billing_id, self.hl = None, None, 0

    def billing(self, block: HLBlock) -> None:
        self.billing_block, self.billing_id = block, None

    def trailer(self, seg: Segment) -> None:
        if self.set_open:
            self.w.write(seg)
        self.set_open = False

    def _open(self) -> None:
        if not self.isa_open:
            self.w.write(self.isa)
            self.isa_open = True
        if not self.gs_open:
            self.w.write(self.gs)
            self.gs_open = True
        if not self.set_open:
            for seg in self.header:
                self.w.write(seg)
            self.set_open = True
        if self.billing_id is None:
            self.hl += 1
            self.billing_id = self.hl
            segs = self.billing_block.segments
            self.w.write(_hl(segs[0], self.billing_id, None, "1"))
            for seg in segs[1:]:
                self.w.write(seg)

    # claims --------------------------------------------------------------------------------
    def subscriber(
        self, block: HLBlock, entries: list[tuple[HLBlock | None, list[Segment]]]
    ) -> None:
        """Write a subscriber HL and its claims; ``entries`` are (patient block or None, claim
        segments) in input order. Nothing is written when ``entries`` is empty."""
        if not entries:
            return
        self._open()
        self.hl += 1
        sub_id = self.hl
        has_patients = any(p is not None for p, _ in entries)
        segs = block.segments
        self.w.write(_hl(segs[0], sub_id, self.billing_id, "1" if has_patients else "0"))
        for seg in segs[1:]:
            self.w.write(seg)
        current: HLBlock | None = None
        for patient, claim_segments in entries:
            if patient is not None and patient is not current:
                current = patient
                self.hl += 1
                self.w.write(_hl(patient.segments[0], self.hl, sub_id, "0"))
                for seg in patient.segments[1:]:
                    self.w.write(seg)
            for seg in claim_segments:
                self.w.write(seg)
            self.claims += 1

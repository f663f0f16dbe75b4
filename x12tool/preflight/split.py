"""Write a subset of an 837P's claims with every envelope they need and nothing else.

The ready file keeps the interchange, group and transaction-set envelopes of the input (control
numbers unchanged) minus the held claims; the held file is the same for the held claims. An
envelope or HL parent is written only when a claim below it is written, so a subscriber or
billing-provider HL left without claims is dropped, and so is a transaction set, group or
interchange. Trailer counts (SE01, GE01, IEA01) come from X12Writer.

HL numbers: every HL keeps its input numbers until the output leaves out an HL of the set (a
billing provider, subscriber or patient loop whose claims all went to the other output); from
there on HL01 counts up from the last number written and HL02 follows its parent (TR3
005010X222A1 HL segment: HL01 counts up by one within the transaction set), so a split set has
no gaps and a set written whole goes out as it came, whatever its numbering. HL04 (has children)
keeps the input's value unless the output removed every child the input had. Every segment
written differently from the input is reported through ``on_change`` (docs/design.md, "Byte
fidelity").
"""

from __future__ import annotations

from collections.abc import Callable

from x12tool.claims import HLBlock
from x12tool.edi.segment import Segment
from x12tool.edi.writer import X12Writer

HL_RENUMBERED = "hl-renumbered"
HL_CHILD_CODE = "hl-child-code"


def _hl(seg: Segment, number: int, parent: int | None, child: str | None) -> Segment:
    old = seg.fields
    fields = list(old)
    n = len(fields)
    if n < 5:
        fields += [""] * (5 - n)
    fields[1] = str(number)
    fields[2] = str(parent) if parent is not None else ""
    if child is not None:
        fields[4] = child
    while len(fields) > n and fields[-1] == "":
        fields.pop()
    if fields == old:
        return seg
    new = seg.with_fields(fields)
    tail = seg._tail
    if tail:
        # a read segment: its text is the one its fields were split from, so what followed
        # it (Segment.suffix) is its tail; kept in two parts as the reader keeps them (the
        # writer writes such a segment without testing its raw)
        new._raw = seg.delims.element.join(fields)
        new._tail = tail
    elif seg._raw is not None:
        new.raw = new.text + seg.suffix
    new.position, new.index = seg.position, seg.index
    return new


class OutputSet:
    """One output file (ready, held, or a validation subset) fed in input order."""

    def __init__(
        self,
        writer: X12Writer,
        *,
        on_change: Callable[[str, Segment, Segment], None] | None = None,
    ) -> None:
        self.w = writer
        self.on_change = on_change
        if on_change is not None:
            writer.on_change = lambda before, after: on_change("count", before, after)
        self.isa: Segment | None = None
        self.gs: Segment | None = None
        self.header: list[Segment] | None = None
        self.billing_block: HLBlock | None = None
        self.isa_open = self.gs_open = self.set_open = False
        self.billing_id: int | None = None
        self.hl = 0  # last HL01 written in the set
        self.dropped = False  # an HL of the set was left out: number on from self.hl
        self.numbers: dict[str, int] = {}  # input HL01 -> HL01 written
        self.claims = 0

    def _write_hl(self, seg: Segment, child: str | None) -> int:
        """Write an HL (its number kept until the set lost an HL); the number written."""
        self.w.write(self._hl_out(seg, child))
        return self.hl

    def _hl_out(self, seg: Segment, child: str | None) -> Segment:
        """The HL to write for ``seg`` (numbered as :meth:`_write_hl` says), now counted as
        written: the caller writes it next."""
        fields = seg.fields
        n = len(fields)
        old = fields[1] if n > 1 else ""
        up = fields[2] if n > 2 else ""
        parent = self.numbers.get(up) if up else None
        kept = not self.dropped and old.isdigit() and int(old) > self.hl
        number = int(old) if kept else self.hl + 1
        self.hl = number
        self.numbers[old] = number
        if kept and child is None and (parent is None or str(parent) == up):
            return seg
        new = _hl(seg, number, parent, child)
        if new is not seg and self.on_change is not None:
            kind = HL_CHILD_CODE if new.element(4) != seg.element(4) else HL_RENUMBERED
            self.on_change(kind, seg, new)
        return new

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

    def fix_gs(self, before: Segment, after: Segment) -> None:
        """A set-level fix of the group header (ENV001), before the group is written."""
        if self.gs is before and not self.gs_open:
            self.gs = after

    def set_header(self, segments: list[Segment]) -> None:
        self.header, self.set_open = segments, False
        self.billing_block, self.billing_id, self.hl = None, None, 0
        self.dropped = False
        self.numbers = {}

    def billing(self, block: HLBlock) -> None:
        if self.billing_block is not None and self.billing_id is None:
            self.dropped = True  # the previous billing provider had no claim here
        self.billing_block, self.billing_id = block, None

    def trailer(self, seg: Segment, *, as_it_came: bool = False) -> None:
        """``as_it_came``: the set is held for this trailer (ENV002): SE01 is not recomputed."""
        if self.set_open:
            self.w.write(seg, recount=not as_it_came)
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
            segs = self.billing_block.segments
            # written only with a subscriber below it, as in the input: HL04 as it came
            self.billing_id = self._write_hl(segs[0], None)
            for seg in segs[1:]:
                self.w.write(seg)

    # claims --------------------------------------------------------------------------------
    def subscriber(
        self,
        block: HLBlock,
        entries: list[tuple[HLBlock | None, list[Segment], bool]],
        patients: list[HLBlock] | None = None,
    ) -> None:
        """Write a subscriber HL and its claims; ``entries`` are (patient block or None, claim
        segments, as read) in input order. Nothing is written when ``entries`` is empty.
        ``as read``: the segments are the claim's as the reader gave them (no fix made a new
        one), so each is written as its own bytes without the writer's per-segment tests.
        ``patients``: the input's patient loops under this subscriber, in order (an HL left
        out of this output shifts the numbers after it; HL04 changes only when the output
        keeps none of them)."""
        if not entries:
            self.dropped = True
            return
        self._open()
        written = [e[0] for e in entries if e[0] is not None]
        if patients is None:
            patients = [p for n, p in enumerate(written) if all(p is not q for q in written[:n])]
        child = None if bool(written) == bool(patients) else ("1" if written else "0")
        segs = block.segments
        w = self.w
        text = w.body_text
        # the subscriber loop as one piece (one encode, one write): its HL, its patient
        # loops' HLs and the claims, in input order
        # (the blocks' other segments are read ones, each followed by another: their bytes
        # are their text and tail, as for a claim as read below)
        parts = [text(self._hl_out(segs[0], child))]
        parts += [s._raw + s._tail for s in segs[1:]]
        count = len(segs)
        remaining = list(patients)
        current: HLBlock | None = None
        for patient, claim_segments, as_read in entries:
            if patient is not None and patient is not current:
                current = patient
                while remaining and remaining[0] is not patient:
                    remaining.pop(0)
                    self.dropped = True  # a patient loop whose claims went elsewhere
                if remaining:
                    remaining.pop(0)
                psegs = patient.segments
                parts.append(text(self._hl_out(psegs[0], None)))
                parts += [s._raw + s._tail for s in psegs[1:]]
                count += len(psegs)
            if as_read:
                # A read segment's bytes are its text and what followed it (terminator, line
                # break): every claim segment was followed by another segment (the unit is
                # written at the next HL or SE), so each was read with its terminator.
                parts += [s._raw + s._tail for s in claim_segments]
            else:
                parts += [text(s) for s in claim_segments]
            count += len(claim_segments)
            self.claims += 1
        w.write_pieces(parts, count)
        if remaining:
            self.dropped = True


REASONS = {
    HL_RENUMBERED: "HL01/HL02 renumbered: the transaction set as written counts its HLs from 1",
    HL_CHILD_CODE: "HL04 set: the output has none of the child loops this HL had in the input",
    "count": "trailer count recomputed for what the output holds",
}


class StructuralLog:
    """Segments an output writes differently from the input, for the report.

    Consecutive HL renumberings of one output and transaction set are kept as one run (first
    segment's before/after, the byte offsets of the first and last, how many), so a split
    100,000-claim set does not put one record per HL in memory; every other change is one record.
    """

    def __init__(self) -> None:
        self.records: list[dict] = []
        self._open: dict[str, dict] = {}  # output -> its open HL run

    def recorder(self, output: str) -> Callable[[str, Segment, Segment], None]:
        def record(kind: str, before: Segment, after: Segment) -> None:
            run = self._open.get(output)
            if kind == HL_RENUMBERED and run is not None and run["kind"] == kind:
                run["segments"] += 1
                run["last_offset"] = before.offset
                return
            rec = {
                "output": output,
                "kind": kind,
                "reason": REASONS[kind],
                "segment": before.tag,
                "position": before.position,
                "offset": before.offset,
                "last_offset": before.offset,
                "segments": 1,
                "before": before.text,
                "after": after.text,
            }
            self.records.append(rec)
            self._open[output] = rec if kind == HL_RENUMBERED else None

        return record

    def break_runs(self) -> None:
        """A new transaction set starts: runs never span two sets."""
        self._open.clear()

"""Writer: unchanged segments leave as the bytes they came in as; trailers follow what is written.

Edited or new segments are serialized with the file's own delimiters, and with the line break that
followed the segment they replace (or the ISA's, for new ones). SE01, GE01 and IEA01 are
recomputed from what is actually written; when the count is unchanged the original trailer bytes
are written, so a file with no edits comes out byte for byte identical.
"""

from __future__ import annotations

from typing import BinaryIO

from x12tool.edi.segment import Segment


class X12Writer:
    def __init__(self, out: BinaryIO, *, terminate_last: bool = True) -> None:
        self.out = out
        self.terminate_last = terminate_last
        self.set_segments = 0
        self.sets = 0
        self.groups = 0
        self.segments_written = 0
        self.bytes_written = 0
        # called with (input segment, written segment) when a trailer count is rewritten
        self.on_change = None
        # body_text's: the delimiters last met and the plain endings of read bytes under them
        self._delims = None
        self._ends: tuple[str, ...] = ()

    def write_text(self, text: str) -> None:
        """Write bytes that are not a segment (a preamble such as a BOM)."""
        data = text.encode("latin-1")
        self.out.write(data)
        self.bytes_written += len(data)

    def write(self, seg: Segment, *, recount: bool = True) -> None:
        """``recount=False``: a trailer goes out as it came, even when its count is wrong (the
        SE of a transaction set held for that trailer, ENV002)."""
        tag = seg.tag
        if tag == "ISA":
            self.groups = 0
        elif tag == "GS":
            self.groups += 1
            self.sets = 0
        elif tag == "ST":
            self.sets += 1
            self.set_segments = 1
        elif tag == "SE":
            self.set_segments += 1
            if recount:
                seg = self._count(seg, self.set_segments)
        elif tag == "GE":
            seg = self._count(seg, self.sets)
        elif tag == "IEA":
            seg = self._count(seg, self.groups)
        else:
            self.set_segments += 1
        data = self._text(seg).encode("latin-1")
        self.out.write(data)
        self.bytes_written += len(data)
        self.segments_written += 1

    def write_body(self, segs: list[Segment]) -> None:
        """Write segments inside a transaction set (a claim's, an HL block's) as one piece:
        what :meth:`write` gives them one by one, with one encode and one write. A trailer or
        envelope segment among them is written by :meth:`write`, in its place."""
        parts: list[str] = []
        append = parts.append
        counted = _COUNTED
        delims = None
        ends: tuple[str, ...] = ()
        # A read segment goes in as two parts, raw's own (Segment._raw, _tail: the join below
        # joins them), any other as one: the segments in parts are (len(parts) + ones) // 2.
        ones = 0
        for seg in segs:
            if seg.fields[0] in counted:
                self._flush(parts, ones)
                ones = 0
                self.write(seg)
                continue
            if seg.delims is not delims:
                delims = seg.delims
                ends = _plain_ends(delims) if delims is not None else ()
            # Read bytes that end with the terminator (and perhaps the file's line break) are
            # what _text gives them, without its calls: most segments of a claim. A read
            # segment's text holds no terminator, so its raw ends so exactly when its tail does.
            tail = seg._tail
            if tail and tail.endswith(ends):
                append(seg._raw)
                append(tail)
                continue
            ones += 1
            text = seg._raw
            if not tail and text is not None and text.endswith(ends):
                append(text)
            else:
                append(self._text(seg))
        self._flush(parts, ones)

    def write_pieces(self, parts: list[str], segments: int) -> None:
        """Write ``segments`` segments inside a transaction set whose texts the caller made,
        ``parts`` in order (what :meth:`body_text` gives, read segments' own bytes), as one
        piece: no trailer or envelope segment among them."""
        if parts:
            data = "".join(parts).encode("latin-1")
            self.out.write(data)
            self.bytes_written += len(data)
            self.segments_written += segments
            self.set_segments += segments

    def body_text(self, seg: Segment) -> str:
        """The text :meth:`write_body` writes for ``seg`` (not a trailer or envelope segment)."""
        tail = seg._tail
        if tail:
            delims = seg.delims
            if delims is not self._delims:
                self._delims, self._ends = delims, _plain_ends(delims)
            if tail.endswith(self._ends):
                return seg._raw + tail
        return self._text(seg)

    def _flush(self, parts: list[str], ones: int) -> None:
        """Write ``parts``: segments in two parts each but ``ones`` in one."""
        if parts:
            data = "".join(parts).encode("latin-1")
            segments = (len(parts) + ones) // 2
            self.out.write(data)
            self.bytes_written += len(data)
            self.segments_written += segments
            self.set_segments += segments
            parts.clear()

    def _text(self, seg: Segment) -> str:
        raw = seg.raw
        if raw is None:
            return seg.serialize()
        if (
            self.terminate_last
            and not _ends_terminated(raw, seg.delims.segment)
            and not (seg.terminated)
        ):
            # A last segment without its terminator (pyx12 would silently drop it, edi-anchors
            # D.6 item 5): outputs always end with a terminated segment.
            return seg.text + seg.delims.segment + seg.delims.line_break
        return raw

    def _count(self, seg: Segment, count: int) -> Segment:
        new = _with_count(seg, count)
        if new is not seg and self.on_change is not None:
            self.on_change(seg, new)
        return new


# Segments write() counts or recounts: everything else only adds to the set's count.
_COUNTED = frozenset({"ISA", "GS", "ST", "SE", "GE", "IEA"})


def _plain_ends(delims) -> tuple[str, ...]:
    """Endings of read bytes that :func:`_ends_terminated` accepts for certain: the terminator,
    alone or followed by a line break."""
    term = delims.segment
    return (term, term + "\n", term + "\r\n", term + "\r")


def _ends_terminated(raw: str, terminator: str) -> bool:
    """The read bytes end with the terminator, perhaps with a line break after it: the
    segment's text cannot hold its terminator, so the terminator is the suffix's (the usual
    case, told without rebuilding the text; Segment.terminated decides the rest)."""
    return raw.endswith(terminator) or raw.rstrip().endswith(terminator)


def _with_count(seg: Segment, count: int) -> Segment:
    if seg.element(1) == str(count):
        return seg
    fields = list(seg.fields)
    fields[1] = str(count)
    new = seg.with_fields(fields)
    # keep the original line break after the trailer
    suffix = seg.suffix if seg.raw is not None and seg.terminated else None
    if suffix is not None:
        new.raw = new.text + suffix
    return new

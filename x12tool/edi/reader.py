"""Streaming segment reader.

Reads the file in fixed-size chunks and yields :class:`Segment` objects; memory is bounded by the
chunk size plus the longest segment, whatever the file size. Bytes are decoded as latin-1, which
maps every byte to one character, so character offsets are byte offsets and ``raw`` re-encodes
to the original bytes exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from x12tool.edi.delimiters import WHITESPACE, detect
from x12tool.edi.errors import X12InputError
from x12tool.edi.segment import Segment

CHUNK = 65536


class SegmentReader:
    """Iterate the segments of one X12 file.

    After construction ``delims`` and ``preamble`` are known (read from the ISA). Iterating yields
    segments in file order. ``trailing`` holds any bytes after the last terminator that are only
    whitespace; a last segment without its terminator is yielded with ``terminated == False``.
    """

    def __init__(self, stream: BinaryIO, path: str | None = None, chunk_size: int = CHUNK) -> None:
        self.stream = stream
        self.path = path
        self.chunk_size = chunk_size
        head = stream.read(max(chunk_size, 4096)).decode("latin-1")
        try:
            self.delims, self.preamble = detect(head)
        except X12InputError as exc:
            raise exc.located(path) from None
        self._head = head
        self.notes: list[str] = list(self.preamble.notes)
        self.segment_count = 0
        self.bytes_read = 0

    def __iter__(self) -> Iterator[Segment]:
        delims = self.delims
        term = delims.segment
        elem = delims.element
        path = self.path
        start_offset = len(self.preamble.text)
        buf = self._head[start_offset:]
        self._head = ""
        offset = start_offset  # file offset of buf[0]
        position = 0
        pending: Segment | None = None  # the last segment, whose trailing whitespace may continue
        read = self.stream.read
        size = self.chunk_size
        eof = False
        count = self.segment_count  # segments so far (kept in a local in the loop)
        known = _KNOWN_TAGS
        while True:
            if not eof:
                more = read(size)
                if more:
                    buf += more.decode("latin-1")
                else:
                    eof = True
            pieces = buf.split(term)
            # The last piece is incomplete unless at EOF.
            last = pieces.pop()
            for piece in pieces:
                body = piece.lstrip(WHITESPACE)
                lead = len(piece) - len(body)
                if pending is not None:
                    if lead:
                        pending.raw += piece[:lead]
                    yield pending
                    pending = None
                seg_offset = offset + lead
                offset += len(piece) + 1
                if not body:
                    # An empty segment ("~~"): keep its bytes with the previous segment's raw
                    # would hide it; refuse instead, naming where it is.
                    raise X12InputError(
                        "empty segment (two segment terminators in a row)",
                        path=path,
                        position=position + 1,
                        offset=seg_offset,
                    )
                fields = body.split(elem)
                tag = fields[0]
                if tag == "ISA":
                    position = 0
                    if len(body) != 105 or body[3] != elem or body[104] != delims.component:
                        raise X12InputError(
                            "this interchange's ISA uses other delimiters or another width than "
                            "the first one; split the file into one file per interchange",
                            path=path,
                            position=1,
                            offset=seg_offset,
                            tag="ISA",
                        )
                position += 1
                if tag not in known and not _is_tag(tag):
                    # The bad text is not quoted: it may be a patient's name or member id
                    # (a terminator inside data splits an NM1 segment).
                    raise X12InputError(
                        f"a segment starts with {len(tag)} character(s) that are not a segment "
                        "tag (2-3 upper-case letters or digits); is the segment terminator "
                        "used inside data?",
                        path=path,
                        position=position,
                        offset=seg_offset,
                    )
                count += 1
                pending = Segment(fields, position, seg_offset, body + term, delims, count)
            self.segment_count = count
            buf = last
            if eof:
                break
            if pending is not None and buf.strip(WHITESPACE):
                # The next segment has started: the pending one's trailing whitespace is complete.
                body = buf.lstrip(WHITESPACE)
                lead = len(buf) - len(body)
                if lead:
                    pending.raw += buf[:lead]
                    offset += lead
                    buf = body
                yield pending
                pending = None
        # EOF: leading whitespace of what is left belongs to the last terminated segment;
        # anything else is a final segment that lacks its terminator.
        body = buf.lstrip(WHITESPACE)
        lead = len(buf) - len(body)
        if pending is not None:
            if lead:
                pending.raw += buf[:lead]
            yield pending
        if body:
            seg_offset = offset + lead
            stripped = body.rstrip(WHITESPACE)
            fields = stripped.split(elem)
            position += 1
            if not _is_tag(fields[0]):
                raise X12InputError(
                    "the file ends with text that is not a segment (truncated?)",
                    path=path,
                    position=position,
                    offset=seg_offset,
                )
            self.notes.append(
                f"last segment {fields[0]} at byte {seg_offset} has no segment terminator"
            )
            self.segment_count += 1
            last_seg = Segment(fields, position, seg_offset, body, delims)
            last_seg.index = self.segment_count
            yield last_seg
        self.bytes_read = offset + len(buf)


# Tags of the 837P TR3 (most segments of any file): a set lookup spares the general check.
_KNOWN_TAGS = frozenset(
    "ISA GS ST BHT NM1 PER HL PRV N3 N4 REF SBR PAT DMG CLM DTP PWK CN1 AMT K3 NTE CR1 CR2 CRC "
    "HI HCP LX SV1 SV5 QTY MEA PS1 LIN CTP SVD CAS LQ FRM SE GE IEA CUR".split()
)


def _is_tag(tag: str) -> bool:
    return 2 <= len(tag) <= 3 and tag.isalnum() and tag.isascii() and tag.upper() == tag


def open_segments(path: str) -> tuple[SegmentReader, BinaryIO]:
    """Open ``path`` and return a reader over it and the open file (close it when done)."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise X12InputError(f"cannot read file: {exc.strerror}", path=path) from None
    try:
        return SegmentReader(fh, path), fh
    except BaseException:
        fh.close()
        raise

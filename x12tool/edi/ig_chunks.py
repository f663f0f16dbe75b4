"""Cut a file into pyx12-sized pieces that can be validated in parallel.

Each chunk is a complete, normalized interchange (what ``x12tool.edi.ig`` gives pyx12): the
ISA/GS in force, then whole transaction sets; a transaction set longer than the chunk size is
cut between subscriber HL loops, each piece getting a copy of the set's header (ST, BHT, 1000A/B)
and of the billing-provider HL loop in force, HL numbers renumbered from 1 (pyx12 checks that HL01
counts up from 1, edi-anchors.md) and trailers (SE, GE, IEA) written for the piece. A map from
chunk line to original file-wide segment index lets pyx12's ``cur_line`` be turned back into a
position in the user's file; lines that only exist in the chunk map to the last real segment
before them.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field

from x12tool.edi.delimiters import WHITESPACE, detect
from x12tool.edi.errors import X12InputError

READ_SIZE = 1 << 20


@dataclass
class Chunk:
    path: str
    runs: list[list[int]] = field(default_factory=list)  # [chunk line, index, count]
    lines: int = 0
    own_from: int = 0  # first original index that appears here for the first time
    last_index: int = 0  # last original index written here

    def original(self, line: int) -> int:
        """Original file-wide index of chunk line ``line`` (1-based)."""
        best = 0
        for start, index, count in self.runs:
            if start <= line < start + count:
                return index + (line - start)
            if start <= line:
                best = index + count - 1
        return best


class _Writer:
    def __init__(self, folder: str, n: int, delims) -> None:
        fd, path = tempfile.mkstemp(prefix=f"x12tool-ig-{n:04d}-", suffix=".x12", dir=folder)
        self.fh = os.fdopen(fd, "w", encoding="latin-1", newline="")
        self.chunk = Chunk(path)
        self.delims = delims
        # one segment a line: the terminator, then a line break unless it is one
        self.end = delims.segment + ("" if delims.segment == "\n" else "\n")
        self.run: list[int] | None = None  # the open run: [chunk line, index, count]

    def write(self, fields: list[str], index: int) -> None:
        self.write_text(self.delims.element.join(fields), index)

    def write_text(self, text: str, index: int) -> None:
        # Called for every segment of the file: the open run is a list bumped in place.
        self.fh.write(text + self.end)
        c = self.chunk
        c.lines += 1
        if index:
            run = self.run
            if run is not None and run[0] + run[2] == c.lines and run[1] + run[2] == index:
                run[2] += 1
            else:
                run = self.run = [c.lines, index, 1]
                c.runs.append(run)
            if index > c.last_index:
                c.last_index = index

    def close(self) -> Chunk:
        self.fh.close()
        return self.chunk


class _NoEnvelope(Exception):
    """A transaction set without ISA/GS before it: stop cutting; the caller reports it."""


def _a1(fields: list[str]) -> list[str]:
    # pyx12 only knows the A1 label (edi-anchors.md D.6 item 3); A2 is the same guide.
    tag = fields[0]
    if tag == "GS" and len(fields) > 8 and fields[8] == "005010X222A2":
        return fields[:8] + ["005010X222A1"] + fields[9:]
    if tag == "ST" and len(fields) > 3 and fields[3] == "005010X222A2":
        return fields[:3] + ["005010X222A1"] + fields[4:]
    return fields


def _bodies(fh, path: str):
    """(delimiters, iterator of (file-wide segment index, segment text without terminator)).

    A lighter pass than ``SegmentReader``: no Segment objects, positions or offsets, and no
    checks beyond the ISA's (the main pass reads the same file with the full reader and refuses
    what is broken; chunks of a broken file are thrown away with it). Segment indices count
    exactly as the reader's do for any file the reader accepts: every non-empty text between
    terminators, leading whitespace (line breaks, indentation) dropped, and a last segment
    without a terminator.
    """
    head = fh.read(READ_SIZE).decode("latin-1")
    try:
        delims, preamble = detect(head)
    except X12InputError as exc:
        raise exc.located(path) from None

    def bodies():
        term = delims.segment
        buf = head[len(preamble.text) :]
        index = 0
        eof = False
        while not eof:
            more = fh.read(READ_SIZE)
            if more:
                buf += more.decode("latin-1")
            else:
                eof = True
            pieces = buf.split(term)
            buf = "" if eof else pieces.pop()
            last = len(pieces) - 1
            for n, piece in enumerate(pieces):
                body = piece.lstrip(WHITESPACE)
                if eof and n == last:
                    body = body.rstrip(WHITESPACE)  # a last segment without its terminator
                if body:
                    index += 1
                    yield index, body

    return delims, bodies()


def split(path: str, folder: str, chunk_claims: int) -> list[Chunk]:
    """Write the chunks of ``path`` into ``folder`` and return them in file order."""
    return list(iter_split(path, folder, chunk_claims))


def iter_split(path: str, folder: str, chunk_claims: int):
    """Yield each chunk as soon as it is written (so validation can start early)."""
    chunks: list[Chunk] = []
    yielded = 0
    with open(path, "rb") as fh:
        delims, segments = _bodies(fh, path)
        elem = delims.element
        w: _Writer | None = None
        isa = gs = None  # (fields, index)
        header: list[tuple[str, int]] = []  # ST .. before first HL: (text, index)
        billing: list[tuple[str, int]] = []  # current HL 20 loop: (text, index)
        in_set = in_header = in_billing = False
        claims = 0  # claims in the current chunk
        set_lines = 0
        sets = 0
        hl_map: dict[str, str] = {}
        hl_next = 0

        def start_chunk() -> None:
            nonlocal w, sets
            if isa is None or gs is None:
                # No envelope to validate against: the envelope check of the main pass refuses
                # the file with its own message (ST outside a group), so nothing to do here.
                raise _NoEnvelope
            w = _Writer(folder, len(chunks), delims)
            w.chunk.own_from = 0
            w.write(isa[0], isa[1])
            w.write(gs[0], gs[1])
            sets = 0

        def end_chunk(ge: tuple[object, int] | None, iea: tuple[object, int] | None):
            nonlocal w
            gs_fields = gs[0]
            isa_fields = isa[0]
            w.write(
                ["GE", str(sets), gs_fields[6] if len(gs_fields) > 6 else ""], ge[1] if ge else 0
            )
            w.write(
                ["IEA", "1", isa_fields[13] if len(isa_fields) > 13 else ""], iea[1] if iea else 0
            )
            chunks.append(w.close())
            w = None

        def start_set(copy_billing: bool) -> None:
            nonlocal set_lines, sets, hl_next
            sets += 1
            set_lines = 0
            hl_map.clear()
            hl_next = 0
            for text, index in header:
                w.write_text(text, index)
                set_lines += 1
            if copy_billing and billing:
                for text, index in billing:
                    write_in_set(text, index)

        def write_in_set(text: str, index: int) -> None:
            nonlocal set_lines, hl_next
            if text.startswith("HL" + elem):
                fields = text.split(elem)
                hl_next += 1
                new = str(hl_next)
                hl_map[fields[1] if len(fields) > 1 else ""] = new
                fields[1] = new
                if len(fields) > 2 and fields[2]:
                    fields[2] = hl_map.get(fields[2], fields[2])
                text = elem.join(fields)
            w.write_text(text, index)
            set_lines += 1

        def end_set(se: tuple[str, int] | None) -> None:
            st = header[0][0].split(elem)
            control = st[2] if len(st) > 2 else ""
            w.write(["SE", str(set_lines + 1), control], se[1] if se else 0)

        try:
            for idx, text in segments:
                while yielded < len(chunks):
                    yield chunks[yielded]
                    yielded += 1
                cut = text.find(elem)
                tag = text[:cut] if cut >= 0 else text
                if tag == "ISA":
                    isa = (text.split(elem), idx)
                    continue
                if tag == "GS":
                    gs = (_a1(text.split(elem)), idx)
                    continue
                if tag == "ST":
                    in_set = in_header = True
                    in_billing = False
                    header = [(elem.join(_a1(text.split(elem))), idx)]
                    billing = []
                    continue
                if tag == "GE":
                    # A chunk never spans two groups: it closes with the group.
                    if w is not None:
                        end_chunk((None, idx), None)
                        claims = 0
                    continue
                if tag == "IEA":
                    continue
                if not in_set:
                    continue
                if tag == "SE":
                    if w is None:
                        start_chunk()
                        start_set(copy_billing=False)
                    end_set((text, idx))
                    in_set = False
                    if claims >= chunk_claims:
                        end_chunk(None, None)
                        claims = 0
                    continue
                if in_header and tag != "HL":
                    header.append((text, idx))
                    continue
                if tag == "HL":
                    fields = text.split(elem)
                    level = fields[3] if len(fields) > 3 else ""
                    if in_header:
                        in_header = False
                        if w is None:
                            start_chunk()
                        start_set(copy_billing=False)
                    elif level in ("20", "22") and claims >= chunk_claims:
                        # cut here: close the set and the chunk, reopen with header (+ billing)
                        end_set(None)
                        end_chunk(None, None)
                        claims = 0
                        start_chunk()
                        start_set(copy_billing=level == "22")
                    if level == "20":
                        billing = [(text, idx)]
                        in_billing = True
                    else:
                        in_billing = False
                    write_in_set(text, idx)
                    continue
                if in_billing:
                    billing.append((text, idx))
                if tag == "CLM":
                    claims += 1
                write_in_set(text, idx)
            if w is not None:
                # a truncated file: close what we have so pyx12 reports on it
                end_chunk(None, None)
        except _NoEnvelope:
            return
        finally:
            # on bad input or an abandoned generator: no open chunk file left behind
            if w is not None and not w.fh.closed:
                w.fh.close()
    yield from chunks[yielded:]

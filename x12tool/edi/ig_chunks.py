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
    # chunk lines whose HLs were renumbered (pieces of a cut set after the first): pyx12's
    # HL01/HL02 findings there are about our numbering, not the user's, and are dropped
    renumbered: list[list[int]] = field(default_factory=list)  # [first line, last line]
    # what pyx12 would have said on the user's numbering of those pieces (HL01 count, HL02
    # parent, SE count/id), as IgIssue fields (file-wide index first)
    extra: list[tuple] = field(default_factory=list)

    # chunk lines that copy the set's header and billing-provider loop into a later piece:
    # pyx12 validated the originals in the first piece, so what it says on a copy is dropped
    copies: list[list[int]] = field(default_factory=list)  # [first line, last line]

    def is_renumbered(self, line: int) -> bool:
        return any(a <= line <= b for a, b in self.renumbered)

    def is_copy(self, line: int, tag: str) -> bool:
        # A piece always resumes at an HL right after its copies: an error pyx12 reports there
        # under another segment's id is about the copied loop before it (a missing mandatory
        # loop in the billing provider's copy), reported on the original in the first piece.
        return any(a <= line <= b or (line == b + 1 and tag != "HL") for a, b in self.copies)

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


# Labels read as A1: A2 names the same guide; 005010X222 is the pre-errata label of the 837P
# (ENV001 reports it on the transaction set).
LABELS = frozenset({"005010X222A2", "005010X222"})


def _a1(fields: list[str]) -> list[str]:
    # pyx12 only knows the A1 label (edi-anchors.md D.6 item 3); A2 is the same guide.
    tag = fields[0]
    if tag == "GS" and len(fields) > 8 and fields[8] in LABELS:
        return fields[:8] + ["005010X222A1"] + fields[9:]
    if tag == "ST" and len(fields) > 3 and fields[3] in LABELS:
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
        for index, _lead, body in leads():
            yield index, body

    def leads():
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
                    yield index, pyx12_lead(piece[: len(piece) - len(body)]), body

    return delims, bodies(), leads()


def _int(text: str | None) -> int | None:
    try:
        return int(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def pyx12_lead(space: str) -> str:
    """The whitespace between a terminator and the next segment as pyx12 sees it.

    pyx12 is given the file as edi-anchors.md D.1 normalizes it: indentation after a line break
    (pretty-printed files) is dropped, everything else stays, so a space right after the
    terminator ("~ " + line break) is reported as "Segment contains a leading space" exactly as
    pyx12 on the whole file reports it. Line breaks are dropped: pyx12 drops them too, and the
    chunk puts one after every segment.
    """
    if not space:
        return ""
    out = []
    after_break = False
    for ch in space:
        if ch in "\r\n":
            after_break = True
            continue
        if after_break and ch in " \t":
            continue
        after_break = False
        out.append(ch)
    return "".join(out)


def split(path: str, folder: str, chunk_claims: int) -> list[Chunk]:
    """Write the chunks of ``path`` into ``folder`` and return them in file order."""
    return list(iter_split(path, folder, chunk_claims))


def iter_split(path: str, folder: str, chunk_claims: int):
    """Yield each chunk as soon as it is written (so validation can start early)."""
    chunks: list[Chunk] = []
    yielded = 0
    with open(path, "rb") as fh:
        delims, _, segments = _bodies(fh, path)
        elem = delims.element
        w: _Writer | None = None
        isa = gs = None  # (fields, index, lead)
        header: list[tuple[str, int]] = []  # ST .. before first HL: (lead + text, index)
        billing: list[tuple[str, int, str]] = []  # current HL 20 loop: (text, index, lead)
        in_set = in_header = in_billing = False
        claims = 0  # claims in the current chunk
        set_lines = 0
        sets = 0
        hl_map: dict[str, str] = {}
        hl_next = 0
        # The set being read: was it cut (its later pieces renumber their HLs), the first
        # renumbered chunk line of the open piece, and pyx12's own HL bookkeeping on the
        # user's numbering (x12file.X12Base._parse_segment: HL count and parent stack).
        set_cut = False
        group_cut = False  # a chunk ended inside the current group
        groups_in_isa = 0
        group_sets = 0  # transaction sets of the current group (pyx12's st_count)
        ge_written = False  # the open chunk has its GE and waits to see the IEA
        renumber_from = 0
        set_segments = 0
        hl_count = 0
        hl_stack: list[int] = []

        def start_chunk() -> None:
            nonlocal w, sets
            if isa is None or gs is None:
                # No envelope to validate against: the envelope check of the main pass refuses
                # the file with its own message (ST outside a group), so nothing to do here.
                raise _NoEnvelope
            w = _Writer(folder, len(chunks), delims)
            w.chunk.own_from = 0
            w.write(isa[0], isa[1])
            w.write_text(gs[2] + elem.join(gs[0]), gs[1])
            sets = 0

        def end_chunk(ge: tuple[str, int, str] | None, iea: tuple[str, int, str] | None):
            """Close the chunk; the user's GE/IEA when the chunk holds the whole group or
            interchange (pyx12 checks their counts), else trailers counting the chunk."""
            nonlocal w, group_cut
            gs_fields = gs[0]
            isa_fields = isa[0]
            if ge is not None and ge[0]:
                if not group_cut:
                    w.write_text(ge[2] + ge[0], ge[1])
                else:
                    w.write(["GE", str(sets), gs_fields[6] if len(gs_fields) > 6 else ""], ge[1])
                    check_ge(ge[0], ge[1], w.chunk)
            elif ge is None:
                group_cut = True
                w.write(["GE", str(sets), gs_fields[6] if len(gs_fields) > 6 else ""], 0)
            if iea is not None and not group_cut and groups_in_isa == 1:
                w.write_text(iea[2] + iea[0], iea[1])
            else:
                w.write(
                    ["IEA", "1", isa_fields[13] if len(isa_fields) > 13 else ""],
                    iea[1] if iea else 0,
                )
            chunks.append(w.close())
            w = None

        def check_ge(text: str, index: int, chunk: Chunk) -> None:
            """The user's GE of a group cut into chunks, checked as pyx12 checks it."""
            fields = text.split(elem)
            ge01 = fields[1] if len(fields) > 1 else None
            ge02 = fields[2] if len(fields) > 2 else None
            gs06 = gs[0][6] if len(gs[0]) > 6 else None
            if ge02 != gs06:
                message = f"GE id={ge02} does not match GS id={gs06}"
                chunk.extra.append((index, "GS", "", "4", message, "", "", "gs"))
            if _int(ge01) != group_sets:
                message = f"GE count of {ge01} for GE02={ge02} is wrong. I count {group_sets}"
                chunk.extra.append((index, "GS", "", "5", message, "", "", "gs"))

        def start_set(copy_billing: bool) -> None:
            nonlocal set_lines, sets, hl_next, renumber_from
            sets += 1
            set_lines = 0
            hl_map.clear()
            hl_next = 0
            copy_from = w.chunk.lines + 1
            for text, index in header:
                w.write_text(text, index)
                set_lines += 1
            if set_cut:
                renumber_from = w.chunk.lines + 1
            if copy_billing and billing:
                for text, index, lead in billing:
                    write_in_set(text, index, lead)
            if set_cut:
                w.chunk.copies.append([copy_from, w.chunk.lines])

        def write_in_set(text: str, index: int, lead: str) -> None:
            nonlocal set_lines, hl_next
            if set_cut and text.startswith("HL" + elem):
                fields = text.split(elem)
                hl_next += 1
                new = str(hl_next)
                hl_map[fields[1] if len(fields) > 1 else ""] = new
                fields[1] = new
                if len(fields) > 2 and fields[2]:
                    fields[2] = hl_map.get(fields[2], fields[2])
                text = elem.join(fields)
            w.write_text(lead + text, index)
            set_lines += 1

        def check_hl(fields: list[str], index: int) -> None:
            """pyx12's HL01 count and HL02 parent checks on the user's numbering."""
            nonlocal hl_count
            hl_count += 1
            hl01 = fields[1] if len(fields) > 1 else None
            if index and hl_count != _int(hl01):
                message = f"My HL count {hl_count:d} does not match your HL count {hl01}"
                w.chunk.extra.append((index, "HL", "", "HL1", message, "", "", ""))
            hl02 = fields[2] if len(fields) > 2 else None
            if hl02 != "":
                parent = _int(hl02)
                if index and parent not in hl_stack:
                    message = f"HL parent ({parent}) is not a valid parent"
                    w.chunk.extra.append((index, "HL", "", "HL2", message, "", "", ""))
                while hl_stack and parent != hl_stack[-1]:
                    del hl_stack[-1]
            hl_stack.append(hl_count)

        def end_set(se: tuple[str, int, str] | None) -> None:
            nonlocal renumber_from
            st = header[0][0].split(elem)
            control = st[2] if len(st) > 2 else ""
            if renumber_from:
                w.chunk.renumbered.append([renumber_from, w.chunk.lines])
                renumber_from = 0
            if se is not None and not set_cut:
                w.write_text(se[2] + se[0], se[1])  # the user's trailer: pyx12 checks it
                return
            w.write(["SE", str(set_lines + 1), control], se[1] if se else 0)
            if se is not None:
                # the user's SE01/SE02, checked as pyx12 checks them (x12file, SE)
                fields = se[0].split(elem)
                se01 = fields[1] if len(fields) > 1 else None
                se02 = fields[2] if len(fields) > 2 else None
                se_index = se[1]  # pyx12 reports trailer errors on the SE line
                if se02 != control:
                    message = f"SE id={se02} does not match ST id={control}"
                    w.chunk.extra.append((se_index, "ST", "", "3", message, "", "", "st"))
                if _int(se01) != set_segments:
                    message = f"SE count of {se01} for SE02={se02} is wrong. I count {set_segments}"
                    w.chunk.extra.append((se_index, "ST", "", "4", message, "", "", "st"))

        try:
            for idx, lead, text in segments:
                while yielded < len(chunks):
                    yield chunks[yielded]
                    yielded += 1
                cut = text.find(elem)
                tag = text[:cut] if cut >= 0 else text
                if ge_written:
                    ge_written = False
                    if tag == "IEA":
                        end_chunk(("", 0, ""), (text, idx, lead))
                        continue
                    end_chunk(("", 0, ""), None)
                if tag == "ISA":
                    isa = (text.split(elem), idx, lead)
                    groups_in_isa = 0
                    continue
                if tag == "GS":
                    gs = (_a1(text.split(elem)), idx, lead)
                    groups_in_isa += 1
                    group_cut = False
                    group_sets = 0
                    continue
                if tag == "ST":
                    group_sets += 1
                    in_set = in_header = True
                    in_billing = set_cut = False
                    set_segments = 1
                    hl_count = 0
                    hl_stack = []
                    header = [(lead + elem.join(_a1(text.split(elem))), idx)]
                    billing = []
                    continue
                if tag == "GE":
                    # A chunk never spans two groups: it closes with the group (after the IEA
                    # when that comes next).
                    if w is not None:
                        if not group_cut:
                            w.write_text(lead + text, idx)
                            ge_written = True
                        else:
                            end_chunk((text, idx, lead), None)
                        claims = 0
                    elif group_cut and chunks:
                        check_ge(text, idx, chunks[-1])  # the group's last chunk is closed
                    continue
                if tag == "IEA":
                    continue
                if not in_set:
                    continue
                set_segments += 1
                if tag == "SE":
                    if w is None:
                        start_chunk()
                        start_set(copy_billing=False)
                    end_set((text, idx, lead))
                    in_set = set_cut = False
                    if claims >= chunk_claims:
                        end_chunk(None, None)
                        claims = 0
                    continue
                if in_header and tag != "HL":
                    header.append((lead + text, idx))
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
                        # cut here: close the set and the chunk, reopen with header (+ billing);
                        # the pieces from here on number their HLs from 1
                        end_set(None)
                        end_chunk(None, None)
                        claims = 0
                        set_cut = True
                        start_chunk()
                        start_set(copy_billing=level == "22")
                    if set_cut:
                        check_hl(fields, idx)
                    else:
                        # pyx12 checks these itself; keep its bookkeeping for a later cut
                        check_hl(fields, 0)
                    if level == "20":
                        billing = [(text, idx, lead)]
                        in_billing = True
                    else:
                        in_billing = False
                    write_in_set(text, idx, lead)
                    continue
                if in_billing:
                    billing.append((text, idx, lead))
                if tag == "CLM":
                    claims += 1
                write_in_set(text, idx, lead)
            if ge_written:
                end_chunk(("", 0, ""), None)
            elif w is not None:
                # a truncated file: close what we have so pyx12 reports on it
                end_chunk(None, None)
        except _NoEnvelope:
            return
        finally:
            # on bad input or an abandoned generator: no open chunk file left behind
            if w is not None and not w.fh.closed:
                w.fh.close()
    yield from chunks[yielded:]

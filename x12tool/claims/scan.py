"""A light pre-pass over an 837P: each claim's id and beneficiary, without the claim model.

Used before any claim is judged: to say how much of a visit log matches the input (the stats
line, exit 2 when none does) and to find the beneficiaries with more than one claim in a file
(whose days are pooled, docs/visit-log.md). Reading segments only, it costs a fraction of a
full parse; a file that cannot be read is left to the main pass to report.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator
from itertools import islice

from x12tool.edi import X12InputError, X12Source
from x12tool.values import FrozenSlots, set_field, value_class


# A frozen dataclass with slots writing its own __init__ (x12tool/values.py): the defaults
# are __init__'s (a default in the class body would clash with its slot).
@value_class
class ClaimHead(FrozenSlots):
    __slots__ = ("claim_id", "member", "patient", "member_id", "loop", "block")
    claim_id: str  # CLM01
    member: str  # the beneficiary: 2010BA NM109 and 2010BB NM109 (payer), "" if none
    # the 2000C patient as DOC003 may know them across subscribers: 2010CA last name and
    # birth date (patient_key), "" without a 2000C loop or without either
    patient: str
    member_id: str  # 2010BA NM109 alone, stripped (the ledger's beneficiary, any payer)
    loop: int  # the subscriber loop (2000B) it sits in: HLs of level 22 before it, less 1
    # HLs of level 20 and ST segments before it, less 1: a run of subscriber loops of one
    # block can be passed over in one (x12tool/edi/reader.py pass_over), nothing ends it early
    block: int

    def __init__(
        self,
        claim_id: str,
        member: str,
        patient: str = "",
        member_id: str = "",
        loop: int = -1,
        block: int = -1,
    ) -> None:
        set_field(self, "claim_id", claim_id)
        set_field(self, "member", member)
        set_field(self, "patient", patient)
        set_field(self, "member_id", member_id)
        set_field(self, "loop", loop)
        set_field(self, "block", block)


def member_key(member_id: str, payer_id: str) -> str:
    """The beneficiary as the day's pool keys it: member id and payer (TR3 2010BA/2010BB)."""
    member_id = (member_id or "").strip()
    return f"{member_id}|{(payer_id or '').strip()}" if member_id else ""


def patient_key(last_name: str, birth_date: str) -> str:
    """The 2000C patient across subscribers: last name (upper case, as DOC003 compares it) and
    birth date. Coarser than DOC003's identity (which adds the first name), so claims it
    links stay linked."""
    return f"{last_name.upper()}\x1f{birth_date}" if last_name and birth_date else ""


# Bytes read at a time. Small on purpose: each read's copies and picked segments are freed
# before the next, and 1 MB reads (several MB of short-lived buffers) left the process that much
# larger for the rest of a large run (malloc keeps the space); the time is the same.
CHUNK = 1 << 16


HeadRow = tuple[str, str, str, str, int, int]  # a ClaimHead's fields, in order


def claim_heads(path: str) -> Iterator[ClaimHead]:
    """Every claim of the file in file order. Stops quietly at input it cannot read (the main
    pass reports it).

    Splits the bytes on the segment terminator without building segments (about a fifth of a
    full read; it runs once per input before the claims are judged). A file whose later
    interchanges use other delimiters is read segment by segment instead.
    """
    for row in head_rows(path):
        yield ClaimHead(*row)


class LoopSpans:
    """Where each subscriber loop (2000B) of a file starts and ends, as a ``check --jobs``
    worker needs them to jump over the loops other workers judge instead of passing over
    their text (:meth:`x12tool.edi.reader.SegmentReader.pass_over` with ``to``).

    A loop starts at its HL (level 22) and ends at the next segment that ends a loop passed
    over: an HL of level 20 or 22, ST, SE, GS, GE, ISA or IEA. Places are file offsets of the
    segment's text as the reader splits it (right after the terminator before it, its
    leading whitespace included) with the number of segments before it. Flat arrays, 16
    bytes a loop; a loop's end is kept only where it is not the next loop's start (a few a
    file). ``ok`` False: the scan could not say (the reader then passes over as before)."""

    __slots__ = ("starts", "counts", "ends", "ok")

    def __init__(self) -> None:
        self.starts = array("q")  # offset of each loop's HL segment
        self.counts = array("q")  # segments before it
        self.ends: dict[int, tuple[int, int]] = {}  # loop -> (offset, segments before)
        self.ok = True

    def span(self, loop: int, loops: int) -> tuple[int, int] | None:
        """(offset of the segment that ends them, segments between it and loop ``loop``'s
        HL) of ``loops`` loops from ``loop`` on; None when not known."""
        last = loop + loops - 1
        if not self.ok or loop < 0 or last >= len(self.starts):
            return None
        end = self.ends.get(last)
        if end is None:
            if last + 1 >= len(self.starts):
                return None
            end = (self.starts[last + 1], self.counts[last + 1])
        return end[0], end[1] - self.counts[loop] - 1


def head_rows(path: str, spans: LoopSpans | None = None) -> Iterator[HeadRow]:
    """:func:`claim_heads` as plain tuples (the fields of :class:`ClaimHead`, in order): the
    run plan reads every claim's head before the first claim is judged, and making a frozen
    object of each was a fifth of that scan. ``spans``: filled with the file's subscriber
    loops' places as the scan goes (left ``ok`` False where it cannot)."""
    done = 0
    try:
        for row in _fast_rows(path, spans):
            done += 1
            yield row
    except _Delimiters:
        if spans is not None:
            spans.ok = False
        for head in islice(_slow_heads(path), done, None):  # the claims not yielded yet
            yield head.claim_id, head.member, head.patient, head.member_id, head.loop, head.block
    except (OSError, ValueError):
        if spans is not None:
            spans.ok = False
        return


class _Delimiters(Exception):
    pass


def _isa_delimiters(head: bytes) -> tuple[bytes, bytes]:
    start = head.find(b"ISA")
    if start < 0 or len(head) < start + 106:
        raise ValueError("no ISA")
    el = head[start + 3 : start + 4]
    pos = start
    for _ in range(16):
        pos = head.find(el, pos + 1)
        if pos < 0:
            raise ValueError("short ISA")
    return el, head[pos + 2 : pos + 3]


def _fast_heads(path: str) -> Iterator[ClaimHead]:
    for row in _fast_rows(path):
        yield ClaimHead(*row)


def _fast_rows(path: str, spans: LoopSpans | None = None) -> Iterator[HeadRow]:
    member = payer = last = born = b""
    in_claim = in_patient = False
    loop = block = -1
    with open(path, "rb") as fh:
        rest = fh.read(CHUNK)
        el, term = _isa_delimiters(rest)
        hl, nm1, clm, dmg = b"HL" + el, b"NM1" + el, b"CLM" + el, b"DMG" + el
        st = b"ST" + el
        first = True
        eof = False
        pick = _picker(el, term) if spans is None else _picker(el, term, ends=True)
        strip = pick is None  # the picked segments come without their leading whitespace
        mark = chunk_at = None
        if spans is not None:
            if pick is None:
                spans.ok = False  # a terminator that is whitespace: no places
            else:
                chunk_at, mark = _marker(term, spans)
        while not eof:
            chunk = fh.read(CHUNK)
            eof = not chunk
            segs = (rest + chunk).split(term) if pick is None else None
            if segs is None:
                data = rest + chunk
                cut = len(data) if eof else data.rfind(term)
                if cut < 0:
                    rest = data
                    continue
                if chunk_at is not None:
                    chunk_at(data, cut)
                segs, rest = pick(data, cut), b"" if eof else data[cut + len(term) :]
            else:
                rest = b"" if eof else segs.pop()
            for seg in segs:
                if strip:
                    seg = seg.lstrip()
                tag = seg[:4]
                if tag[:3] == hl:
                    in_claim = False
                    e = seg.split(el)
                    level = e[3] if len(e) > 3 else b""
                    if level in (b"20", b"22"):
                        member = payer = b""
                    if level == b"22":
                        loop += 1
                        if mark is not None:
                            mark(seg, level)
                    elif level == b"20":
                        block += 1
                        if mark is not None:
                            mark(seg, level)
                    in_patient = level == b"23"
                    last = born = b""
                elif tag == nm1 and not in_claim:
                    e = seg.split(el)
                    if len(e) > 9:
                        if e[1] == b"IL":
                            member = e[9]
                        elif e[1] == b"PR":
                            payer = e[9]
                    if in_patient and len(e) > 3 and e[1] == b"QC":
                        last = e[3]
                elif tag == dmg and in_patient and not in_claim:
                    e = seg.split(el)
                    born = e[2] if len(e) > 2 else b""
                elif tag == clm:
                    in_claim = True
                    e = seg.split(el, 2)
                    # member_key() and patient_key(), written out: this runs for every claim
                    # before the first one is judged
                    member_id = member.decode("latin-1").strip()
                    surname = last.decode("latin-1")
                    yield (
                        e[1].decode("latin-1").strip(),
                        f"{member_id}|{payer.decode('latin-1').strip()}" if member_id else "",
                        f"{surname.upper()}\x1f{born.decode('latin-1')}"
                        if surname and born
                        else "",
                        member_id,
                        loop,
                        block,
                    )
                elif tag[:3] == st:
                    block += 1
                    if mark is not None:
                        mark(seg, None)
                elif seg[:3] == b"ISA":
                    if first:
                        first = False
                    elif _isa_delimiters(seg + term) != (el, term):
                        raise _Delimiters
                    elif mark is not None:
                        mark(seg, None)
                elif mark is not None and tag[:2] in _ENDS:
                    mark(seg, None)  # SE, GS, GE, IEA (picked for the spans alone)
    if spans is not None and len(spans.starts) != loop + 1:
        spans.ok = False  # not the loops the scan counted: no places rather than wrong ones


_SPACE = b" \t\n\r\x0b\x0c"  # what bytes.lstrip() strips
_READER_SPACE = b" \t\n\r"  # what the segment reader strips (x12tool/edi/delimiters.py)
_ENDS = (b"SE", b"GS", b"GE", b"IE")  # the other segments that end a subscriber loop


def _marker(term: bytes, spans: LoopSpans):
    """``(chunk, mark)``, which add the places of a file's loops to :class:`LoopSpans` as
    the scan meets the segments that start or end one (the picked HL, ST, SE, GS, GE, ISA and
    IEA): ``chunk(data, cut)`` at each piece of the file (its whole segments end at ``cut``),
    ``mark(seg, level)`` at each such segment's picked text (``level``: b"22" for a loop's
    HL). Each is found in the piece by its text from the last one found (a search in C over
    a claim's bytes, where a regular expression seeking the tags cost the scan +70 %), the
    segments before it counted by ``bytes.count``; closures over plain locals (this runs
    once a loop)."""
    starts, counts, ends = spans.starts, spans.counts, spans.ends
    end_of = term[0]
    data = b""
    cut = -1
    base = 0  # file offset of data[0]
    upto = 0  # where the last segment found starts, in data (counted up to it)
    counted = 0  # segments before data[upto]
    open_loop = -1  # the loop whose end is not found yet

    def chunk(more: bytes, more_cut: int) -> None:
        nonlocal data, cut, base, upto, counted
        counted += data.count(term, upto, cut + 1)
        base += cut + 1
        data, cut, upto = more, more_cut, 0

    def mark(seg: bytes, level: bytes | None) -> None:
        nonlocal upto, counted, open_loop
        at = upto
        while True:
            at = data.find(seg, at, cut + 1)
            if at < 0:
                spans.ok = False  # not where the reader would find it: no places
                return
            k = at
            while k and data[k - 1] in _READER_SPACE:
                k -= 1
            end = at + len(seg)
            if (not k or data[k - 1] == end_of) and (end > cut or data[end] == end_of):
                break  # the segment itself, not its text inside another
            at += 1
        counted += data.count(term, upto, k)
        upto = k
        if level == b"22":
            starts.append(base + k)
            counts.append(counted)
            open_loop = len(starts) - 1
        else:
            if open_loop >= 0:
                ends[open_loop] = (base + k, counted)
            open_loop = -1

    return chunk, mark


_SPACE = b" \t\n\r\x0b\x0c"  # what bytes.lstrip() strips
_READER_SPACE = b" \t\n\r"  # what the segment reader strips (x12tool/edi/delimiters.py)
_ENDS = (b"SE", b"GS", b"GE", b"IE")  # the other segments that end a subscriber loop


def _picker(el: bytes, term: bytes, ends: bool = False):
    """``pick(data, cut)``: the segments of ``data[:cut]`` that _fast_heads reads (HL, NM1 of
    the subscriber, payer or patient, DMG, CLM, ISA), as split(term) and lstrip() would give
    them, found by a regular expression instead of a Python loop over every segment (most of a
    claim's segments are read by nothing here; an NM1 of another qualifier, e.g. the rendering
    provider's NM1*82, is read by nothing either); ``ends``: SE, GS, GE and IEA too (the
    places of loops, :class:`LoopSpans`). None when the terminator is a space character,
    which the leading-space match would eat."""
    if term in _SPACE:
        return None
    t, e = re.escape(term), re.escape(el)
    tags = b"(?:HL|DMG|CLM|ST)" + e + b"|NM1" + e + b"(?:IL|PR|QC)" + e + b"|ISA"
    if ends:  # the rest of what ends a subscriber loop (LoopSpans; a few a file)
        tags += b"|(?:SE|GS|GE|IEA)(?=" + e + b"|" + t + b")"
    body = b"[" + re.escape(_SPACE) + b"]*((?:" + tags + b")[^" + t + b"]*)"
    first = re.compile(body)  # the segment at the start of the data
    after = re.compile(t + body)  # a segment after a terminator: a literal the engine seeks

    def pick(data: bytes, cut: int) -> list[bytes]:
        m = first.match(data, 0, cut)
        found = after.findall(data, 0, cut)
        return [m.group(1), *found] if m else found

    return pick


def _slow_heads(path: str) -> Iterator[ClaimHead]:
    member = payer = last = born = ""
    in_claim = in_patient = False
    loop = block = -1
    try:
        with X12Source(path) as src:
            for seg in src.segments(check=False):
                tag = seg.tag
                if tag == "HL":
                    in_claim = False
                    if seg.element(3) in ("20", "22"):
                        member = payer = ""
                    if seg.element(3) == "22":
                        loop += 1
                    elif seg.element(3) == "20":
                        block += 1
                    in_patient = seg.element(3) == "23"
                    last = born = ""
                elif tag == "DMG" and in_patient and not in_claim:
                    born = seg.element(2)
                elif tag == "NM1" and not in_claim:
                    # 2010BA subscriber and 2010BB payer (before CLM; the 2330 loops of other
                    # payers come after it and must not change the beneficiary).
                    if seg.element(1) == "IL":
                        member = seg.element(9)
                    elif seg.element(1) == "PR":
                        payer = seg.element(9)
                    elif seg.element(1) == "QC" and in_patient:
                        last = seg.element(3)
                elif tag == "CLM":
                    in_claim = True
                    yield ClaimHead(
                        seg.element(1).strip(),
                        member_key(member, payer),
                        patient_key(last, born),
                        member.strip(),
                        loop,
                        block,
                    )
                elif tag == "ST":
                    block += 1
    except (X12InputError, OSError, UnicodeError):
        return

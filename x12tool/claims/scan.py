"""A light pre-pass over an 837P: each claim's id and beneficiary, without the claim model.

Used before any claim is judged: to say how much of a visit log matches the input (the stats
line, exit 2 when none does) and to find the beneficiaries with more than one claim in a file
(whose days are pooled, docs/visit-log.md). Reading segments only, it costs a fraction of a
full parse; a file that cannot be read is left to the main pass to report.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
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
    """Where the subscriber loops (2000B) of a file start and end, as a ``check --jobs``
    worker needs them to jump over the loops other workers judge instead of passing over
    their text (:meth:`x12tool.edi.reader.SegmentReader.pass_over` with ``to``).

    A loop starts at its HL (level 22) and ends at the next segment that ends a loop passed
    over: an HL of level 20 or 22, ST, SE, GS, GE, ISA or IEA. Places are file offsets of a
    segment's text as the reader splits it (right after the terminator before it, its leading
    whitespace included) with the number of segments before it.

    The scan keeps only a table of the pieces of the file it read (where each starts, the
    segments and loops before it: a few bytes per 64 kB); a loop's place is found when asked,
    by reading its piece again (:meth:`span`; a worker asks a few times, or once per stretch
    of its own claims in the day pool's pass). Finding every loop's place during the scan was
    ~40 % of the scan, which runs before the workers start. ``ok`` False: no places (the
    reader then passes over loops as before)."""

    _STATE = ("path", "elem", "term", "bases", "sizes", "counts", "loops", "total", "ok")
    __slots__ = (*_STATE, "_pieces")

    def __init__(self, path: str = "", elem: bytes = b"", term: bytes = b"") -> None:
        self.path = path
        self.elem = elem
        self.term = term
        self.bases = array("q")  # file offset of each piece
        self.sizes = array("q")  # its whole segments' bytes (through its last terminator)
        self.counts = array("q")  # segments before it
        self.loops = array("q")  # subscriber loops that start before it
        self.total = -1  # the file's subscriber loops (the scan's count)
        self.ok = True
        self._pieces: dict[int, list[tuple[int, int, bool]]] = {}  # a few read again

    def __getstate__(self) -> tuple:
        return tuple(getattr(self, name) for name in self._STATE)

    def __setstate__(self, state: tuple) -> None:
        for name, value in zip(self._STATE, state, strict=True):
            setattr(self, name, value)
        self._pieces = {}

    def span(self, loop: int, loops: int) -> tuple[int, int] | None:
        """(offset of the segment that ends them, segments between it and loop ``loop``'s
        HL) of ``loops`` loops from ``loop`` on; None when not known."""
        last = loop + loops - 1
        if not self.ok or loop < 0 or loops < 1:
            return None
        start = self._loop(loop)
        end = self._after(last)
        if start is None or end is None:
            return None
        return end[0], end[1] - start[1] - 1

    def _piece_of(self, loop: int) -> int:
        return bisect_right(self.loops, loop) - 1

    def _loop(self, loop: int) -> tuple[int, int] | None:
        """(offset, segments before) of loop ``loop``'s HL."""
        piece = self._piece_of(loop)
        places = self._places(piece)
        if places is None:
            return None
        n = self.loops[piece]
        for at, count, starts in places:
            if starts:
                if n == loop:
                    return at, count
                n += 1
        return None

    def _after(self, loop: int) -> tuple[int, int] | None:
        """(offset, segments before) of the segment that ends loop ``loop``."""
        piece = self._piece_of(loop)
        places = self._places(piece)
        if places is None:
            return None
        n = self.loops[piece]
        seen = False
        for at, count, starts in places:
            if seen:
                return at, count
            if starts:
                seen = n == loop
                n += 1
        while seen:  # in a later piece: its first
            piece += 1
            if piece >= len(self.bases):
                return None
            places = self._places(piece)
            if places is None:
                return None
            if places:
                return places[0][0], places[0][1]
        return None

    def _places(self, piece: int) -> list[tuple[int, int, bool]] | None:
        """The segments of piece ``piece`` that start or end a loop: (offset, segments
        before, a loop's HL), read again; None (and ``ok`` False) when they are not the
        loops the scan counted there."""
        if piece < 0 or piece >= len(self.bases):
            return None
        places = self._pieces.get(piece)
        if places is not None:
            return places
        base, size = self.bases[piece], self.sizes[piece]
        try:
            with open(self.path, "rb") as fh:
                fh.seek(base)
                data = fh.read(size)
        except OSError:
            data = b""
        found = _loop_places(data, self.elem, self.term)
        places = [(base + at, self.counts[piece] + n, starts) for at, n, starts in found]
        after = self.loops[piece + 1] if piece + 1 < len(self.loops) else self.total
        if len(data) != size or sum(starts for _, _, starts in places) != after - self.loops[piece]:
            self.ok = False  # not the loops the scan counted: no places rather than wrong ones
            return None
        if len(self._pieces) >= 4:
            self._pieces.pop(next(iter(self._pieces)))
        self._pieces[piece] = places
        return places


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
        pick = _picker(el, term)
        strip = pick is None  # the picked segments come without their leading whitespace
        base = counted = 0  # file offset of rest[0], segments before it (``spans``)
        if spans is not None:
            spans.elem, spans.term = el, term
            if pick is None:
                spans.ok = False  # a terminator that is whitespace: no places
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
                if spans is not None:
                    # the piece's place (LoopSpans: its loops' places are found when asked)
                    spans.bases.append(base)
                    spans.sizes.append(min(cut + 1, len(data)))
                    spans.counts.append(counted)
                    spans.loops.append(loop + 1)
                    counted += data.count(term, 0, cut + 1)
                    base += cut + 1
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
                    elif level == b"20":
                        block += 1
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
                elif seg[:3] == b"ISA":
                    if first:
                        first = False
                    elif _isa_delimiters(seg + term) != (el, term):
                        raise _Delimiters
    if spans is not None:
        spans.total = loop + 1


_SPACE = b" \t\n\r\x0b\x0c"  # what bytes.lstrip() strips
_READER_SPACE = b" \t\n\r"  # what the segment reader strips (x12tool/edi/delimiters.py)


def _loop_places(data: bytes, elem: bytes, term: bytes) -> list[tuple[int, int, bool]]:
    """The segments of ``data`` (whole segments, the first at ``data[0]``) that start or end a
    subscriber loop, as the reader's pass finds them (x12tool/edi/reader.py
    ``_pass_patterns``): (where the segment's text starts, right after the terminator before
    it; the segments before it in ``data``; whether it is a loop's HL)."""
    t, e = re.escape(term), re.escape(elem)
    space = b"[" + re.escape(_READER_SPACE) + b"]*"
    other = b"[^" + e + t + b"]*"
    body = (
        b"(?:HL" + e + other + e + other + e + b"(2[02])|SE|ST|GS|GE|ISA|IEA)"
        b"(?=" + e + b"|" + t + b")"
    )
    found = []
    counted = upto = 0
    m = re.compile(space + body).match(data)
    if m:
        found.append((0, 0, m.group(1) == b"22"))
    for m in re.finditer(t + space + body, data):
        at = m.start() + 1
        counted += data.count(term, upto, at)
        upto = at
        found.append((at, counted, m.group(1) == b"22"))
    return found


def _picker(el: bytes, term: bytes):
    """``pick(data, cut)``: the segments of ``data[:cut]`` that _fast_heads reads (HL, NM1 of
    the subscriber, payer or patient, DMG, CLM, ISA), as split(term) and lstrip() would give
    them, found by a regular expression instead of a Python loop over every segment (most of a
    claim's segments are read by nothing here; an NM1 of another qualifier, e.g. the rendering
    provider's NM1*82, is read by nothing either). None when the terminator is a space
    character, which the leading-space match would eat."""
    if term in _SPACE:
        return None
    t, e = re.escape(term), re.escape(el)
    tags = b"(?:HL|DMG|CLM|ST)" + e + b"|NM1" + e + b"(?:IL|PR|QC)" + e + b"|ISA"
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

"""Streaming segment reader.

Reads the file in fixed-size chunks and yields :class:`Segment` objects; memory is bounded by the
chunk size plus the longest segment, whatever the file size. Bytes are decoded as latin-1, which
maps every byte to one character, so character offsets are byte offsets and ``raw`` re-encodes
to the original bytes exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from itertools import chain, islice
from typing import BinaryIO

from x12tool.edi.delimiters import WHITESPACE, Delimiters, detect
from x12tool.edi.envelope import SET_ENDS, EnvelopeChecker
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
        # pass_over(): the loop to pass over after the segment just yielded (one at most)
        self._passes: list[_Pass] = []
        self._pass_patterns: tuple[re.Pattern, ...] | None = None
        # CheckedSegments.collect: where segments go instead of out through the iterator
        self._sink: Callable[[Segment], None] | None = None
        self._stops: frozenset[str] = SET_ENDS
        # the tags of _PLAIN_TAGS not in _stops: a segment of one goes to _sink at once
        self._quiet: frozenset[str] = _NO_TAGS
        self._given: frozenset[str] | None = None  # the stops _stops and _quiet were made of

    # Chunks whose segments all end alike are read by a lean loop (_read); False: every chunk
    # the general way (tests compare the two).
    _fast = True

    def pass_over(
        self,
        claims: int,
        done: Callable[[int], None] | None = None,
        loops: int = 1,
        to: tuple[int, int] | None = None,
    ) -> None:
        """Pass over the rest of the subscriber loop (2000B) whose HL was just yielded: its
        segments are counted (positions, offsets and ``index`` stay as if read) but not
        built, up to the next HL of level 20 or 22, SE or envelope segment, which comes next.
        ``claims``: the CLM segments the loop must hold, or :class:`PassMismatch` is raised.
        ``done(n)``: told the number of segments passed over (SE01 counts them).
        ``loops``: how many subscriber loops to pass over, this one and the ones right after it
        (no HL of level 20, SE or envelope segment between them): a run of loops in one pass,
        which then ends at the HL of the next loop, and ``claims`` is what they hold together.
        ``to``: (file offset of the segment that ends the pass, the number of segments passed
        over), known from a scan of the same file (x12tool/claims/plan.py ``span``): the
        reader then jumps there (a seek beyond its chunk) without reading the text between;
        that a segment ending a pass starts there is checked, the claims are not counted.

        A ``check --jobs`` worker passes over the loops whose claims other workers judge
        (x12tool/preflight/parallel.py); whatever is wrong inside them, the worker that reads
        them finds."""
        if self._pass_patterns is None:
            self._pass_patterns = _pass_patterns(self.delims.element, self.delims.segment)
        one = _Pass(claims, done, self.delims, *self._pass_patterns, loops - 1)
        if to is not None and self.stream.seekable():
            one.to = to
        self._passes.append(one)

    def __iter__(self) -> Iterator[Segment]:
        return self._read(None, None)

    def checked(
        self, checker: EnvelopeChecker, end_offset: Callable[[], int] | None = None
    ) -> CheckedSegments:
        """Iterate as ``envelope.checked(reader, ..., checker=checker)`` does, in one loop:
        each segment is fed to ``checker`` as it is yielded, and ``checker.finish`` runs at
        the end of the file (``end_offset()``: the offset it names). The iterator returned
        can also collect segments into the caller's list (:meth:`CheckedSegments.collect`)."""
        return CheckedSegments(self, self._read(checker, end_offset))

    def _read(
        self, checker: EnvelopeChecker | None, end_offset: Callable[[], int] | None
    ) -> Iterator[Segment]:
        delims = self.delims
        term = delims.segment
        elem = delims.element
        path = self.path
        start_offset = len(self.preamble.text)
        buf = self._head[start_offset:]
        self._head = ""
        offset = start_offset  # file offset of buf[0]
        position = 0
        # the last segment, whose trailing whitespace may continue (added to its _tail)
        pending: Segment | None = None
        read = self.stream.read
        size = self.chunk_size
        eof = False
        count = self.segment_count  # segments so far (kept in a local in the loop)
        plain = _PLAIN_TAGS
        passes = self._passes  # non-empty while passing over a loop (pass_over)
        # The envelope checks, at each segment as it is yielded. Inside a transaction set
        # every segment but SE and the envelope tags only counts toward SE01: done here
        # without the call (most segments of a file).
        feed = checker.feed if checker is not None else None
        # whether checker.st is set (only feed changes it), and the segments counted toward
        # checker.set_segments here, not added yet (added before the next feed or finish)
        in_set = False
        set_count = 0
        set_ends = SET_ENDS
        # CheckedSegments.collect: such segments inside a set go to the caller's list, not
        # out through the yield (the caller can only change this while a segment is out)
        # (sinking: sink while in a set, else None; stops include SET_ENDS)
        sink = self._sink
        stops = self._stops
        sinking = None
        quiet = _NO_TAGS  # self._quiet while sinking, else none
        last_seg: Segment | None = None
        pending_tag = ""  # pending.fields[0]
        ws = WHITESPACE
        segment = Segment
        new = object.__new__
        # a terminator that is whitespace itself (a line break) always goes the general way
        fast = self._fast and term not in ws
        while True:
            if passes and passes[0].to is not None:
                # a pass with its end known (pass_over ``to``): jumped over, not read
                buf, offset, eof = passes[0].jump(self.stream, buf, offset, size, eof)
                position += passes[0].segments
                count += passes[0].segments
                self.segment_count = count
                passes.pop().finish()
            if not eof:
                more = read(size)
                if more:
                    buf += more.decode("latin-1")
                else:
                    eof = True
            uniform = (
                _uniform_pieces(buf, term)
                if fast and not eof and pending is None and not passes
                else None
            )
            if uniform is not None:
                # Every terminator of the chunk is followed by the same whitespace (the file's
                # line break, or none) and then a segment: split on both at once, each segment
                # is complete when reached (no strip, no raw waiting for the next one). What
                # this loop does for a segment is what the general loop below does for it.
                tsep, pieces = uniform
                k = len(tsep)
                base = offset
                # the segments before the next fed one that count toward SE01: count - mark
                # (inside a set every segment is counted or fed), so not counted one by one
                mark = count - set_count
                shift = count - position  # position = count - shift, until an ISA
                at = offset  # where the segment starts in the file
                for count, body in enumerate(pieces, count + 1):  # noqa: B020 - count goes on
                    fields = body.split(elem)
                    tag = fields[0]
                    seg = new(segment)
                    seg.fields = fields
                    # the count itself while no ISA restarted the positions: no new int
                    seg.position = count - shift if shift else count
                    seg.offset = at
                    seg._raw = body  # its raw is body + tsep, joined when asked for
                    seg._tail = tsep
                    seg.delims = delims
                    seg.index = count
                    at += len(body) + k
                    if tag in quiet:  # a plain tag inside a set, not in stops: to the sink
                        sinking(seg)
                        continue
                    if tag not in plain and _unusual(
                        body, tag, delims, path, count - 1 - shift, seg.offset
                    ):
                        shift = count - 1  # an ISA restarts the positions
                        seg.position = 1
                    if sinking is not None and tag not in stops:
                        sinking(seg)  # inside a set, not SET_ENDS (in stops)
                    else:
                        if feed is not None and (not in_set or tag in set_ends):
                            checker.set_segments += count - 1 - mark
                            mark = count
                            feed(seg)
                            in_set = checker.st is not None
                        yield seg
                        sink = self._sink
                        stops = self._stops
                        sinking = sink if in_set else None
                        quiet = self._quiet if sinking is not None else _NO_TAGS
                        if passes:
                            break  # passed over the general way, from the next segment on
                set_count = count - mark
                position = count - shift
                self.segment_count = count
                offset = at
                at -= base
                buf = buf[at:]
                continue
            if passes and not eof:
                # A pass that goes on through this chunk: the segments it passes over are
                # counted in the text, not split into pieces first.
                cut = buf.rfind(term)
                if cut >= 0:
                    start = passes[0].skip(buf, cut + 1)
                    offset, position, count = passes[0].moved(offset, position, count)
                    self.segment_count = count
                    if start < 0:
                        buf = buf[cut + 1 :]
                        continue
                    passes.pop().finish()
                    buf = buf[start:]
            pieces = buf.split(term)
            # The last piece is incomplete unless at EOF.
            last = pieces.pop()
            it = iter(pieces)
            base = offset  # passes find pieces in buf by their offset
            if passes and pieces:  # a pass started in an earlier chunk goes on
                piece = passes[0].over(next(it), it, buf, 0, len(buf) - len(last))
                offset, position, count = passes[0].moved(offset, position, count)
                if piece is not None:
                    passes.pop().finish()
                    it = chain((piece,), it)
            for piece in it:
                body = piece.lstrip(ws)
                lead = 0 if body is piece else len(piece) - len(body)
                if pending is not None:
                    if lead:
                        pending._tail += piece[:lead]
                    if sinking is not None and pending_tag not in stops:
                        set_count += 1  # inside a set, not SET_ENDS (in stops)
                        sinking(pending)
                    else:
                        if in_set and pending_tag not in set_ends:
                            set_count += 1
                        elif feed is not None:
                            checker.set_segments += set_count
                            set_count = 0
                            feed(pending)
                            in_set = checker.st is not None
                        yield pending
                        sink = self._sink
                        stops = self._stops
                        sinking = sink if in_set else None
                        quiet = self._quiet if sinking is not None else _NO_TAGS
                    pending = None
                    if passes:
                        if passes[0].to is not None:
                            last = buf[offset - base :]  # jumped from here (the loop's top)
                            break
                        piece = passes[0].over(piece, it, buf, offset - base, len(buf) - len(last))
                        offset, position, count = passes[0].moved(offset, position, count)
                        if piece is None:
                            break  # the loop goes on in the next chunk
                        passes.pop().finish()
                        body = piece.lstrip(WHITESPACE)
                        lead = len(piece) - len(body)
                seg_offset = offset + lead
                offset += len(piece) + 1
                fields = body.split(elem)
                tag = fields[0]
                # an ISA, or not a tag of the 837P (an empty one among them)
                if tag not in plain and _unusual(body, tag, delims, path, position, seg_offset):
                    position = 0  # an ISA restarts the positions
                position += 1
                count += 1
                # Segment's slots set here: calling the class (type_call, its __init__ frame)
                # costs more than the rest of the segment's handling together
                pending = new(segment)
                pending.fields = fields
                pending.position = position
                pending.offset = seg_offset
                pending.delims = delims
                pending.index = count
                pending._raw = body
                pending._tail = term  # and the whitespace after it, when the next one starts
                pending_tag = tag
            self.segment_count = count
            buf = last
            if eof and not (passes and passes[0].to is not None):
                break
            if pending is not None and buf.strip(WHITESPACE):
                # The next segment has started: the pending one's trailing whitespace is complete.
                body = buf.lstrip(WHITESPACE)
                lead = len(buf) - len(body)
                if lead:
                    pending._tail += buf[:lead]
                    offset += lead
                    buf = body
                if feed is not None:
                    in_set = _feed(checker, pending, set_count)
                    set_count = 0
                yield pending
                sink = self._sink
                stops = self._stops
                sinking = sink if in_set else None
                quiet = self._quiet if sinking is not None else _NO_TAGS
                pending = None
        if passes:
            raise PassMismatch("the file ends inside a subscriber loop passed over")
        # EOF: leading whitespace of what is left belongs to the last terminated segment;
        # anything else is a final segment that lacks its terminator.
        body = buf.lstrip(WHITESPACE)
        lead = len(buf) - len(body)
        if pending is not None:
            if lead:
                pending._tail += buf[:lead]
            if feed is not None:
                in_set = _feed(checker, pending, set_count)
                set_count = 0
                last_seg = pending
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
            # as the loops keep raw: the text the fields come from, then what followed it
            last_seg._raw = stripped
            last_seg._tail = body[len(stripped) :]
            if feed is not None:
                in_set = _feed(checker, last_seg, set_count)
                set_count = 0
            yield last_seg
        self.bytes_read = offset + len(buf)
        if passes:  # asked for after the last segment: the loop it names holds no claim
            raise PassMismatch("the file ends inside a subscriber loop passed over")
        if checker is not None:
            checker.set_segments += set_count
            checker.finish(last_seg, end_offset() if end_offset is not None else None)


_WITH_SET_ENDS: dict[frozenset[str], frozenset[str]] = {}
_QUIET: dict[frozenset[str], frozenset[str]] = {}  # _PLAIN_TAGS - stops, by stops
_NO_TAGS: frozenset[str] = frozenset()


class CheckedSegments:
    """The segments of :meth:`SegmentReader.checked`: iterate it as the segments themselves.

    ``collect(append, stops)`` fuses a caller's split into the reader's loop: the segments
    inside a transaction set whose tag is neither in ``stops`` nor an envelope tag then go
    to ``append`` (a list's, say), in file order, instead of out through the iterator; the
    others still come out, and the caller can change or end the collection (``append`` None)
    whenever one has. What is read, checked and raised is the same either way: only the
    per-segment hand-over (a generator resume and the caller's own dispatch) is saved, for
    most segments of a file (claims/stream.py collects each claim's and HL loop's segments).
    """

    __slots__ = ("_reader", "_segments")

    def __init__(self, reader: SegmentReader, segments: Iterator[Segment]) -> None:
        self._reader = reader
        self._segments = segments

    def __iter__(self) -> Iterator[Segment]:
        return self._segments

    def __next__(self) -> Segment:
        return next(self._segments)

    def collect(
        self, append: Callable[[Segment], None] | None, stops: frozenset[str] = frozenset()
    ) -> None:
        reader = self._reader
        reader._sink = append
        # the same stops as the last call (iter_items passes one set, two or three times a
        # claim): the reader keeps them, only the list changes
        if append is not None and stops is not reader._given:
            reader._given = stops
            # those the envelope checks act on always come out (the union made once a stops)
            both = _WITH_SET_ENDS.get(stops)
            if both is None:
                both = _WITH_SET_ENDS[stops] = stops | SET_ENDS
            reader._stops = both
            quiet = _QUIET.get(both)
            if quiet is None:
                quiet = _QUIET[both] = _PLAIN_TAGS - both
            reader._quiet = quiet

    def close(self) -> None:
        self._segments.close()


def _unusual(
    body: str, tag: str, delims: Delimiters, path: str | None, position: int, offset: int
) -> bool:
    """Check a segment whose tag is not one of _PLAIN_TAGS (``position``: the one before it):
    raise for an empty segment, another interchange's ISA or text that is not a tag; True for
    an ISA (which restarts the positions)."""
    if not body:
        # An empty segment ("~~"): keep its bytes with the previous segment's
        # raw would hide it; refuse instead, naming where it is.
        raise X12InputError(
            "empty segment (two segment terminators in a row)",
            path=path,
            position=position + 1,
            offset=offset,
        )
    if tag == "ISA":
        if len(body) != 105 or body[3] != delims.element or body[104] != delims.component:
            raise X12InputError(
                "this interchange's ISA uses other delimiters or another width "
                "than the first one; split the file into one file per interchange",
                path=path,
                position=1,
                offset=offset,
                tag="ISA",
            )
        return True
    if not _is_tag(tag):
        # The bad text is not quoted: it may be a patient's name or member id
        # (a terminator inside data splits an NM1 segment).
        raise X12InputError(
            f"a segment starts with {len(tag)} character(s) that are not a "
            "segment tag (2-3 upper-case letters or digits); is the segment "
            "terminator used inside data?",
            path=path,
            position=position + 1,
            offset=offset,
        )
    return False


def _uniform_pieces(buf: str, term: str) -> tuple[str, list[str]] | None:
    """The separator and the complete segments of a chunk (``buf``, from a segment's start)
    in which every terminator is followed by the same whitespace and then a segment, else
    None. The last complete segment is left out, with the incomplete rest: the whitespace
    after it may go on in the next chunk. (``term``: not whitespace itself.)"""
    if not buf or buf[0] in WHITESPACE:
        return None
    at = buf.find(term)
    if at < 0:
        return None
    after = at + 1
    n = len(buf)
    while after < n and buf[after] in WHITESPACE:
        after += 1
    tsep = buf[at:after]
    pieces = buf.split(tsep)
    if len(pieces) < 3:
        return None
    end = n - len(pieces.pop()) - len(pieces.pop()) - len(tsep)  # where the last one left starts
    # no other terminator among them (each is followed by the same whitespace), and no more
    # whitespace after any of those separators (up to the segment left out); searches in C
    # (a line break or tab elsewhere, which data hardly holds, sends the chunk the general way)
    # (single characters looked for in the pieces joined: found by memchr, not counted)
    text = "".join(pieces)
    if term in text:
        return None
    if buf[end] in WHITESPACE:  # the segment left out starts with more whitespace
        return None
    end += 1
    for c in WHITESPACE:
        if c == " " and c not in tsep:  # in data (names, addresses): after a separator only
            if buf.find(tsep + c, 0, end) >= 0:
                return None
        elif c in text:  # a line break or tab inside a segment, or one of tsep's
            return None
    return tsep, pieces


def _feed(checker: EnvelopeChecker, seg: Segment, counted: int) -> bool:
    """Feed ``seg`` to ``checker``, ``counted`` segments before it counted toward SE01 but not
    added; whether a transaction set is open after it."""
    checker.set_segments += counted
    if checker.st is not None and seg.fields[0] not in SET_ENDS:
        checker.set_segments += 1
    else:
        checker.feed(seg)
    return checker.st is not None


class PassMismatch(Exception):
    """A loop passed over (:meth:`SegmentReader.pass_over`) held another number of claims
    than the caller said, or did not end before the end of the file."""


# What ends a subscriber loop passed over: a tag the envelope checks or iter_items act on
# (an HL of level 20 or 22 among them); the first two characters sort out most segments.
_PASS_ENDS = frozenset({"SE", "ST", "GS", "GE", "ISA", "IEA"})
_PASS_WATCH = frozenset({"HL", "CL", "SE", "ST", "GS", "GE", "IS", "IE"})


def _pass_patterns(elem: str, term: str) -> tuple[re.Pattern, ...]:
    """A terminator and the segment after it, as the reader splits and strips it: one that
    ends a loop passed over (_PASS_ENDS, an HL of level 20 or 22), a CLM, and for a run of
    loops the ends that stop it whatever (_PASS_ENDS, an HL of level 20) and an HL of level 22
    (one loop of the run ends)."""
    t, e = re.escape(term), re.escape(elem)
    space = "".join(c for c in WHITESPACE if c != term)
    lead = t + (f"[{re.escape(space)}]*" if space else "")
    after = f"(?:{e}|{t})"  # the tag is the whole of the segment's first element
    other = f"[^{e}{t}]*"
    ends = re.compile(
        f"{lead}(?:(?:{'|'.join(sorted(_PASS_ENDS))}){after}"
        f"|HL{e}{other}{e}{other}{e}(?:20|22){after})"
    )
    hard = re.compile(
        f"{lead}(?:(?:{'|'.join(sorted(_PASS_ENDS))}){after}|HL{e}{other}{e}{other}{e}20{after})"
    )
    loop = re.compile(f"{lead}HL{e}{other}{e}{other}{e}22{after}")
    return ends, re.compile(f"{lead}CLM{after}"), hard, loop


class _Pass:
    """One pass over a subscriber loop: what it counted so far, across chunks."""

    __slots__ = (
        "claims",
        "done",
        "elem",
        "term",
        "ends",
        "clm",
        "segments",
        "found",
        "size",
        "_reported",
        "hard",
        "loop",
        "more",
        "to",
    )

    def __init__(
        self,
        claims: int,
        done: Callable[[int], None] | None,
        delims: Delimiters,
        ends: re.Pattern,
        clm: re.Pattern,
        hard: re.Pattern,
        loop: re.Pattern,
        more: int = 0,
    ) -> None:
        self.claims = claims
        self.done = done
        self.elem = delims.element
        self.term = delims.segment
        self.ends = ends
        self.clm = clm
        self.segments = 0  # segments passed over
        self.found = 0  # CLM segments among them
        self.size = 0  # their bytes, terminators included
        self._reported = (0, 0)  # (segments, size) already added to the reader's counters
        self.hard = hard
        self.loop = loop
        self.more = more  # HLs of level 22 still to pass over (loops of the run after this)
        self.to: tuple[int, int] | None = None  # where it ends, when known (jump)

    def over(self, piece: str, pieces: Iterator[str], buf: str, pos: int, end: int) -> str | None:
        """Pass over ``piece`` (at ``buf[pos]``) and the next of ``pieces`` (the segment texts
        of ``buf`` split on the terminator; ``end``: where the incomplete last one starts) up
        to the first that ends the loop, and return that one; None when ``buf`` does not hold
        it. Found in ``buf`` by regular expressions, not a Python loop over the pieces."""
        if self._ends_with(piece):
            return piece
        m, n = self._through(buf, pos + len(piece), end, len(piece))
        if n:
            next(islice(pieces, n, n), None)  # take them
        return next(pieces) if m else None

    def skip(self, buf: str, end: int) -> int:
        """:meth:`over` for ``buf[:end]`` (whole segments, each with its terminator) without
        splitting it into pieces: where the segment that ends the pass starts in ``buf``, or
        -1 when ``buf[:end]`` does not hold it (the reader then drops it unsplit)."""
        first = buf.find(self.term, 0, end)  # the first segment's terminator
        if self._ends_with(buf[:first]):
            return 0
        m, _ = self._through(buf, first, end, first)
        return m.start() + 1 if m else -1

    def _ends_with(self, piece: str) -> bool:
        """Whether ``piece``, the next segment, ends the pass (else it counts as passed)."""
        body = piece.lstrip(WHITESPACE)
        if body[:2] in _PASS_WATCH:
            fields = body.split(self.elem, 4)
            tag = fields[0]
            if tag == "CLM":
                self.found += 1
            elif tag in _PASS_ENDS or (
                tag == "HL" and len(fields) > 3 and fields[3] in ("20", "22")
            ):
                if self.more and fields[3:4] == ["22"]:
                    self.more -= 1  # the next loop of the run: passed over too
                else:
                    return True
        return False

    def _through(self, buf: str, at: int, end: int, length: int) -> tuple[re.Match | None, int]:
        """Count the segment of ``length`` whose terminator is ``buf[at]`` and those after it
        up to the one that ends the pass (the match of its terminator, None when it is not
        before ``end``); the number of segments counted after the first."""
        self.segments += 1
        self.size += length + 1
        if self.more:
            # A run of loops: up to what stops it whatever, less the loops' own HLs (counted
            # in C) until the last loop's end is in this chunk.
            m = self.hard.search(buf, at, end)
            limit = m.start() if m else end
            heads = len(self.loop.findall(buf, at, limit))
            if self.more < heads:
                m = next(islice(self.loop.finditer(buf, at, limit), self.more, None))
                self.more = 0
            else:
                self.more -= heads
        else:
            m = self.ends.search(buf, at, end)
        stop = m.start() if m else end - 1  # the terminator of the last piece passed over
        if stop <= at:
            return m, 0
        n = buf.count(self.term, at + 1, stop + 1)
        self.segments += n
        self.size += stop - at
        self.found += len(self.clm.findall(buf, at, stop + 1))
        return m, n

    def jump(self, stream, buf: str, offset: int, size: int, eof: bool) -> tuple[str, int, bool]:
        """The reader's (buf, offset, eof) at the segment that ends the pass (``to``), from
        ``buf`` (at file ``offset``, the pass's first segment in it): within ``buf`` or by a
        seek. Raises :class:`PassMismatch` when no segment ending a pass starts there."""
        to, segments = self.to
        at = to - 1 - offset  # the terminator before it
        if at < 0 or segments < 1:
            raise PassMismatch("a jump over subscriber loops that goes back")
        if at >= len(buf):
            stream.seek(to - 1)
            buf, at, eof = "", 0, False
        while not eof and len(buf) - at < _JUMP_SEE:
            more = stream.read(size)
            if more:
                buf += more.decode("latin-1")
            else:
                eof = True
        if buf[at : at + 1] != self.term or not self.ends.match(buf, at):
            raise PassMismatch("no segment that ends a subscriber loop where the plan says")
        self.segments, self.size = segments, 0
        self.found, self.more = self.claims, 0  # the plan's claims: not counted here
        return buf[at + 1 :], to, eof

    def moved(self, offset: int, position: int, count: int) -> tuple[int, int, int]:
        """The reader's offset, position and segment count moved past what was passed over
        since the last call."""
        segments, size = self._reported
        self._reported = (self.segments, self.size)
        n = self.segments - segments
        return offset + self.size - size, position + n, count + n

    def finish(self) -> None:
        if self.more:
            raise PassMismatch(f"a run of subscriber loops passed over ends {self.more} early")
        if self.found != self.claims:
            raise PassMismatch(
                f"a subscriber loop passed over holds {self.found} claim(s), not {self.claims}"
            )
        if self.done is not None:
            self.done(self.segments)


_JUMP_SEE = 4096  # text read at a jump's end to see the segment there


# Tags of the 837P TR3 (most segments of any file): a set lookup spares the general check.
_KNOWN_TAGS = frozenset(
    "ISA GS ST BHT NM1 PER HL PRV N3 N4 REF SBR PAT DMG CLM DTP PWK CN1 AMT K3 NTE CR1 CR2 CRC "
    "HI HCP LX SV1 SV5 QTY MEA PS1 LIN CTP SVD CAS LQ FRM SE GE IEA CUR".split()
)


# Those the loop takes as they are: the ISA (which restarts the positions) is looked at first.
_PLAIN_TAGS = _KNOWN_TAGS - {"ISA"}


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

"""A lean re-read of an output file: what validate_output checks, without building every segment.

An output is re-read and re-validated before it is moved into place (docs/design.md). The full
read (X12Source, iter_items) builds every segment of the file again, which cost preflight about
as much as writing the outputs. Of the segments inside a transaction set only a few decide what
the re-read checks: the envelope segments (ST through SE counts, control numbers), the HL
hierarchy, CLM (the claim count) and LX (the service line sequence). This read splits the file
as the reader's lean loop does (every terminator followed by the same whitespace, each segment
a tag), builds the envelope segments only and hands them to the same EnvelopeChecker the full
read uses, counts the others toward SE01, and checks the HL hierarchy and the claims' place in
it on the HL and CLM segments' elements as iter_items does (without its blocks and items: an
HL level other than 20, 22 or 23, a parent other than the latest HL of the level above, a CLM
before the set's first HL or outside a subscriber loop all make it hand over).

It only ever says "passes": whatever it cannot vouch for (a file laid out otherwise, a
segment outside a set, any error at all) makes :func:`lean_pass` return False, and the caller
then runs the full read, which gives the error the user sees. So a file it passes is one the
full read passes too.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from x12tool.claims.parse import is_digits
from x12tool.edi import X12Source
from x12tool.edi.delimiters import WHITESPACE, Delimiters
from x12tool.edi.envelope import EnvelopeChecker
from x12tool.edi.segment import Segment

CHUNK = 1 << 18  # characters read at a time (memory stays flat on a big output)

# The segments the checks look at; any other inside a set only counts toward SE01. (HL and
# CLM: their elements are read, LX: its number; only the envelope segments are built.)
_BUILT = ("ISA", "IEA", "GS", "GE", "ST", "SE", "HL", "CLM")
# iter_items' HL levels: level -> the level of its parent (None: no parent)
_LEVELS = {"20": None, "22": "20", "23": "22"}


class _NotLean(Exception):
    """The lean read cannot vouch for the file: the full read decides."""


def lean_pass(
    path: str,
    *,
    claims: int,
    check_lx: bool,
    lenient: Callable[[Segment, Segment], bool] | None,
) -> bool:
    """True when the output at ``path`` passes what validate_output's full read checks
    (envelopes, HL hierarchy, ``claims`` claims, LX 1, 2, ... in each claim when
    ``check_lx``); False when it may not (the full read then says what is wrong)."""
    try:
        with X12Source(path) as src:
            delims, start = src.delims, len(src.preamble.text)
        checker = EnvelopeChecker(path, "837", lenient)
        return _claims(path, delims, start, checker, check_lx) == claims
    except Exception:  # noqa: BLE001 - whatever it is, the full read tells it properly
        return False


def _claims(
    path: str, delims: Delimiters, start: int, checker: EnvelopeChecker, check_lx: bool
) -> int:
    """The claims (CLM segments) of the file; raises :class:`_NotLean` (or any error) when
    the file may not pass the full read. The envelope segments are built as the reader builds
    them and fed to ``checker`` as the reader feeds it (the others counted); HL and CLM are
    checked as iter_items checks them. ``check_lx``: the LX segments of each claim (CLM up to
    the next HL, CLM or SE, as iter_items cuts claims) must number 1, 2, ...; they are
    checked here, not built."""
    term, elem = delims.segment, delims.element
    if term in WHITESPACE or term.isalnum() or elem.isalnum():
        # (a tag is what comes before the first element separator: the patterns below find
        # the same only when neither delimiter can be part of one)
        raise _NotLean
    tsep = ""  # the terminator and the whitespace after it, alike throughout the file
    count = 0  # segments so far (Segment.index)
    shift = 0  # count at the last ISA (positions restart there)
    offset = start  # file offset of buf[0]
    in_set = False
    lx = -1  # the LX segments so far in the claim being read (-1: not in a claim)
    last: Segment | None = None
    seen = 0  # claims
    chain: dict[str, str] = {}  # HL level -> HL01 of the latest HL of that level in the set
    header = False  # in a set, before its first HL
    levels = _LEVELS
    new = object.__new__
    built = bad_tag = None
    with open(path, "rb") as fh:
        fh.seek(start)
        buf = ""
        eof = False
        while True:
            more = fh.read(CHUNK)
            if more:
                buf += more.decode("latin-1")
            else:
                eof = True
            if not tsep:
                at = buf.find(term)
                if at < 0:
                    if eof:
                        raise _NotLean
                    continue
                end = at + 1
                while end < len(buf) and buf[end] in WHITESPACE:
                    end += 1
                if end == len(buf) and not eof:
                    continue
                tsep = buf[at:end]
                t, e = re.escape(tsep), re.escape(elem)
                ends = f"(?:{e}|{re.escape(term)})"
                # searched in the separator and the chunk after it: each segment follows a
                # separator (a pattern that starts with text is searched for quickly)
                # group 1: a tag of _BUILT; else an LX, group 2 its first element if any
                body_chars = f"[^{e}{re.escape(term)}]*"
                built = re.compile(
                    f"{t}(?:({'|'.join(_BUILT)})(?={ends})|LX(?={ends})(?:{e}({body_chars}))?)"
                )
                # a segment that does not start with a tag (2-3 upper-case letters or digits)
                bad_tag = re.compile(f"{t}(?![A-Z0-9]{{2,3}}{ends})")
            size = len(tsep)
            if eof:
                if not buf.endswith(tsep):
                    raise _NotLean  # (a last segment without its terminator, or more space)
                cut = len(buf)
            else:
                # up to a separator followed by the next segment's first character
                k = buf.rfind(tsep)
                while k >= 0 and (k + size >= len(buf) or buf[k + size] in WHITESPACE):
                    k = buf.rfind(tsep, 0, k)
                if k < 0:
                    continue  # a segment longer than the chunk: read on
                cut = k + size
            part = buf[:cut]
            buf = buf[cut:]
            segments = part.count(tsep)
            # every terminator followed by the same whitespace, and no other whitespace
            # between segments (as the reader's lean loop takes a chunk)
            if part and (part[0] in WHITESPACE or part.count(term) != segments):
                raise _NotLean
            for c in WHITESPACE:
                if c in tsep:
                    if part.count(c) != segments * tsep.count(c):
                        raise _NotLean
                elif c == " ":
                    if tsep + c in part:
                        raise _NotLean
                elif c in part:
                    raise _NotLean
            text = tsep + part
            if bad_tag.search(text, 0, len(text) - size) is not None:
                raise _NotLean
            done = size  # where the segments not yet counted start in text
            for m in built.finditer(text):
                tag = m.group(1)
                if tag is None:  # an LX, counted with the segments around it (done stays)
                    if lx >= 0 and check_lx:
                        lx += 1
                        number = m.group(2) or ""
                        if number != str(lx) and not (is_digits(number) and int(number) == lx):
                            raise _NotLean
                    continue
                at = m.start(1)
                between = text.count(tsep, done, at)
                if between:
                    if not in_set:
                        raise _NotLean  # fed to the checker by the reader: it refuses them
                    checker.set_segments += between
                    count += between
                stop = text.index(term, at)
                body = text[at:stop]
                lx = 0 if tag == "CLM" else -1
                done = stop + size
                count += 1
                if tag == "HL" or tag == "CLM":
                    if not in_set:
                        raise _NotLean
                    checker.set_segments += 1
                    if tag == "CLM":
                        # iter_items: a claim before the set's first HL, or outside a
                        # subscriber loop (below a billing provider), is refused
                        if header or "22" not in chain or "20" not in chain:
                            raise _NotLean
                        seen += 1
                        continue
                    fields = body.split(elem)
                    n = len(fields)
                    level = fields[3] if n > 3 else ""
                    if level not in levels:
                        raise _NotLean
                    up = levels[level]
                    parent = fields[2] if n > 2 else ""
                    if up is None:
                        if parent:
                            raise _NotLean
                        chain.pop("22", None)
                        chain.pop("23", None)
                    elif chain.get(up) != parent:
                        raise _NotLean
                    elif level == "22":
                        chain.pop("23", None)
                    chain[level] = fields[1] if n > 1 else ""
                    header = False
                    continue
                if tag == "ISA":
                    if len(body) != 105 or body[3] != elem or body[104] != delims.component:
                        raise _NotLean
                    shift = count - 1
                seg = new(Segment)
                seg.fields = body.split(elem)
                seg.position = count - shift
                seg.offset = offset + at - size
                seg.raw = body + tsep
                seg.delims = delims
                seg.index = count
                # (every other tag of _BUILT is one of SET_ENDS)
                checker.feed(seg)
                in_set = checker.st is not None
                if tag == "ST":
                    chain.clear()
                    header = True
                last = seg

            rest = text.count(tsep, done)
            if rest:
                if not in_set:
                    raise _NotLean
                checker.set_segments += rest
                count += rest
            offset += cut
            if eof:
                break
    checker.finish(last, offset)
    return seen

"""A quick proof that no transaction set of a file has a wrong SE, without reading its segments.

:func:`x12tool.edi.envelope_scan.broken_trailers` runs before every check of a file, and reading
every segment for it cost about as much as the segment reader itself (docs/performance.md). A
well-formed file's answer is always "none", so this pass looks only at the envelope segments:
a regular expression finds them at segment starts, and a set's segment count is the number of
terminators between its ST and its SE. It answers only "every ST is followed by its SE, whose
SE01 and SE02 match" (True); for anything else (False) the caller reads the file as before.

Why the shortcut cannot hide a broken trailer: the segment reader counts a set's segments as the
pieces between terminators, and stops at the first empty piece, so wherever the terminator count
differs from the reader's count the reader never reaches that SE and lists nothing for it.
"""

from __future__ import annotations

import re

from x12tool.edi.delimiters import WHITESPACE
from x12tool.edi.source import X12Source

CHUNK = 1 << 18  # memory stays bounded whatever the file size
_ENVELOPE = ("ISA", "GS", "ST", "SE", "GE", "IEA")


def trailers_sound(path: str) -> bool:
    """True when every ST of ``path`` is followed by an SE (before any other envelope segment)
    whose SE01 counts the set's segments and whose SE02 repeats ST02."""
    with X12Source(path) as src:  # raises as the full pass would on an unreadable ISA
        delims = src.delims
    term, elem = delims.segment, delims.element
    if term in WHITESPACE:
        return False  # a line break as terminator: leave the segment bounds to the reader
    # Possessive repeats (*+): neither can give back a character that would let the match
    # go on (a tag starts with no whitespace, a terminator must follow the elements), so
    # they match what plain ones do without the engine keeping backtracking points at every
    # terminator of the file (about half of this pass's time).
    ws = "[" + re.escape(WHITESPACE) + "]*+"
    t, e = re.escape(term), re.escape(elem)
    # An envelope tag is the whole first element of a complete segment.
    tags = "|".join(_ENVELOPE)
    pattern = re.compile(f"{t}{ws}({tags})((?:{e}[^{t}]*+)?)(?={t})")
    open_st: tuple[int, list[str]] | None = None  # (segment number, fields) of the open ST
    terms = 0  # terminators before the current region
    carry = ""
    with open(path, "rb") as fh:
        while True:
            data = fh.read(CHUNK)
            buf = carry + data.decode("latin-1")
            # The region ends at the last terminator and the carry starts with it, so every
            # segment start (a terminator) and end (the next one) lies in one region.
            cut = buf.rfind(term) if data else len(buf)
            if cut <= 0:
                if not data:
                    break
                carry = buf
                continue
            # (the region is buf[:cut], read in place)
            carry = buf[cut:]
            seen = 0  # position up to which the region's terminators are counted
            # Inside the file the region's last segment ends at the carry's terminator (the
            # search sees it); at the end of the file an unterminated last segment is no
            # segment for this pass.
            for m in pattern.finditer(buf, 0, cut + 1 if data else cut):
                terms += buf.count(term, seen, m.start()) + 1
                seen = m.start() + 1
                tag, fields = m.group(1), m.group(2).split(elem)
                if tag == "ST":
                    if open_st is not None:
                        return False
                    open_st = (terms, fields)
                elif open_st is not None:
                    if tag != "SE":
                        return False
                    number, st = open_st
                    open_st = None
                    se01 = fields[1] if len(fields) > 1 else ""
                    se02 = fields[2] if len(fields) > 2 else ""
                    st02 = st[2] if len(st) > 2 else ""
                    if se02 != st02 or se01 != str(terms - number + 1):
                        return False
            terms += buf.count(term, seen, cut)
            if not data:
                break
    return open_st is None

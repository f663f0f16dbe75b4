"""Delimiters read from the ISA header.

X12.5/X12.6 (and the 005010X222A1 TR3, Appendix C) fix the ISA at 106 characters: the element
separator is the character after ``ISA``, ISA11 is the repetition separator (5010), ISA16 is the
component separator, and the character after ISA16 terminates the segment. Whatever CR/LF follows
the terminator is the file's line-break style; we keep it so that new segments look like old ones.
"""

from __future__ import annotations

from dataclasses import field

from x12tool.edi.errors import UnsupportedError, X12InputError
from x12tool.values import FrozenValue, value_class

ISA_LENGTH = 106
# Whitespace that may follow a segment terminator (line breaks, pretty-printing indentation).
WHITESPACE = "\r\n\t "
UTF8_BOM = "\xef\xbb\xbf"  # as decoded with latin-1


# Frozen dataclasses writing their own __init__ (x12tool/values.py: no methods generated at
# start-up).


@value_class
class Delimiters(FrozenValue):
    element: str
    repetition: str | None
    component: str
    segment: str
    line_break: str = ""

    def __init__(
        self,
        element: str,
        repetition: str | None,
        component: str,
        segment: str,
        line_break: str = "",
    ) -> None:
        self.__dict__.update(
            element=element,
            repetition=repetition,
            component=component,
            segment=segment,
            line_break=line_break,
        )

    def join(self, elements: list[str]) -> str:
        """Serialize one segment (without its terminator)."""
        return self.element.join(elements)


@value_class
class Preamble(FrozenValue):
    """What came before the ISA: a UTF-8 BOM and/or whitespace. Kept so output can round-trip."""

    text: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __init__(self, text: str = "", notes: tuple[str, ...] = ()) -> None:
        self.__dict__.update(text=text, notes=notes)


def detect(head: str) -> tuple[Delimiters, Preamble]:
    """Read the delimiters from the first bytes of a file (decoded as latin-1).

    ``head`` must hold at least the ISA and what follows it; 4 KiB is plenty.
    """
    if not head:
        raise X12InputError("empty file: expected an X12 interchange starting with ISA", offset=0)
    if head.startswith(("\xff\xfe", "\xfe\xff")):
        raise X12InputError(
            "file is UTF-16 encoded; X12 must be ASCII (re-export the file as ASCII/UTF-8)",
            offset=0,
        )
    notes = []
    start = 0
    if head.startswith(UTF8_BOM):
        start = len(UTF8_BOM)
        notes.append("UTF-8 byte order mark before ISA (tolerated)")
    stripped = len(head) - start - len(head[start:].lstrip(WHITESPACE))
    if stripped:
        notes.append(f"{stripped} whitespace byte(s) before ISA (tolerated)")
        start += stripped
    if not head.startswith("ISA", start):
        # What was found is described, not quoted: the file may be a spreadsheet of patients.
        what = (
            "binary data"
            if any(c < " " and c not in WHITESPACE for c in head[start : start + 64])
            else "text"
        )
        raise X12InputError(
            f"not an X12 interchange: expected 'ISA' at byte {start}, found {what}",
            offset=start,
        )
    if len(head) < start + 4:
        raise X12InputError("file ends inside the ISA header", offset=start)
    element = head[start + 3]
    if element.isalnum() or element in WHITESPACE:
        raise X12InputError(
            f"ISA element separator {element!r} is a letter, digit or space", offset=start + 3
        )
    # Find ISA16: the 16th element. Count separators rather than trusting the width, so that a
    # short or long ISA gets a precise message.
    pos = start + 3
    for n in range(1, 17):
        nxt = head.find(element, pos + 1)
        if n < 16 and nxt == -1:
            raise X12InputError(
                f"ISA has only {n} elements before the data ends; it needs 16", offset=start
            )
        if n < 16:
            pos = nxt
    isa16_at = pos + 1
    if isa16_at + 1 >= len(head):
        raise X12InputError("file ends inside the ISA header", offset=start)
    length = isa16_at + 2 - start
    if length != ISA_LENGTH:
        raise X12InputError(
            f"ISA is {length} bytes long; X12 fixes it at {ISA_LENGTH} "
            "(space-pad ISA02/04/06/08 and zero-pad ISA09..ISA13 to their fixed widths)",
            offset=start,
            position=1,
            tag="ISA",
        )
    component = head[isa16_at]
    terminator = head[isa16_at + 1]
    fields = head[start:isa16_at].split(element)
    repetition = fields[11] if len(fields) > 11 else ""
    version = fields[12] if len(fields) > 12 else ""
    if version != "00501":
        raise UnsupportedError(
            f"ISA12 version {version!r} is not supported; x12tool reads 005010 (ISA12 00501) "
            "837P files only",
            offset=start,
            position=1,
            tag="ISA",
        )
    if repetition == "U":
        # 4010's "U" (US EDI Community) standards identifier left in a 5010 header: common in
        # older exporters, harmless, since 837P element data uses no repetitions we edit.
        notes.append("ISA11 is 'U' (a 4010 standards identifier); read as: no repetition separator")
        repetition = None
    elif len(repetition) != 1 or repetition.isalnum() or repetition == " ":
        raise X12InputError(
            f"ISA11 repetition separator {repetition!r} is not a single special character",
            offset=start,
            position=1,
            tag="ISA",
        )
    seps = [d for d in (element, repetition, component, terminator) if d is not None]
    if len(set(seps)) != len(seps):
        raise X12InputError(
            f"ISA delimiters are not distinct: element {element!r}, repetition {repetition!r}, "
            f"component {component!r}, segment {terminator!r}",
            offset=start,
            position=1,
            tag="ISA",
        )
    if component.isalnum() or component == " ":
        raise X12InputError(
            f"ISA16 component separator {component!r} is a letter, digit or space",
            offset=isa16_at,
            position=1,
            tag="ISA",
        )
    if terminator.isalnum() or terminator == " ":
        raise X12InputError(
            f"segment terminator {terminator!r} (after ISA16) is a letter, digit or space",
            offset=isa16_at + 1,
            position=1,
            tag="ISA",
        )
    after = isa16_at + 2
    line_break = ""
    while after < len(head) and head[after] in "\r\n":
        line_break += head[after]
        after += 1
    return (
        Delimiters(element, repetition, component, terminator, line_break),
        Preamble(head[:start], tuple(notes)),
    )

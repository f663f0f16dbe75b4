"""Shared pieces of the acknowledgment writers: delimiters, envelopes, control numbers.

An acknowledgment answers the interchange it acknowledges, so its envelope is that
interchange's with sender and receiver swapped (ISA05/06 <-> ISA07/08, GS02 <-> GS03), its usage
indicator (ISA15) kept. Its own control numbers (ISA13, GS06) are unique within one run: derived
from the acknowledged interchange's ISA13 and a counter that the run shares across all its
acknowledgments (:class:`AckNumbers`).

Delimiters are fixed: ``*`` elements, ``:`` components, ``^`` repetitions, ``~`` + newline
segments. Values copied from the input lose any of those characters (an input with other
delimiters may carry them as data), so a copied value can never split a segment.
"""

from __future__ import annotations

from dataclasses import field
from datetime import datetime
from decimal import Decimal

from x12tool.edi.segment import Segment
from x12tool.values import NEW, Value, value_class

ELEMENT, COMPONENT, REPETITION, TERMINATOR = "*", ":", "^", "~"
_UNSAFE = str.maketrans({c: " " for c in ELEMENT + COMPONENT + REPETITION + TERMINATOR + "\r\n"})


def clean(value: str, limit: int | None = None) -> str:
    """A value fit for one element: no delimiters, no control characters, at most ``limit``."""
    text = "".join(c if " " <= c <= "~" else " " for c in value.translate(_UNSAFE))
    text = " ".join(text.split())
    return text[:limit].rstrip() if limit else text


def composite(*parts: str) -> str:
    items = [clean(p) for p in parts]
    while items and not items[-1]:
        items.pop()
    return COMPONENT.join(items)


def amount(value: Decimal) -> str:
    """X12 R type: no trailing zeros, no exponent ('150', '42.5')."""
    text = format(value.normalize(), "f") if value else "0"
    return text


@value_class  # a dataclass writing its own __init__ (x12tool/values.py)
class AckNumbers(Value):
    """Control numbers of one run: each interchange acknowledgment gets a distinct ISA13/GS06."""

    used: set[int] = field(default_factory=set)
    counter: int = 0
    now: datetime = field(default_factory=datetime.now)

    def __init__(self, used: set[int] = NEW, counter: int = 0, now: datetime = NEW) -> None:
        self.used = set() if used is NEW else used
        self.counter = counter
        self.now = datetime.now() if now is NEW else now

    def next(self, input_isa13: str) -> int:
        digits = "".join(c for c in input_isa13 if c.isdigit())[-6:] or "0"
        while True:
            self.counter += 1
            number = (int(digits) * 1000 + self.counter % 1000) % 10**9 or 1
            if number not in self.used:
                self.used.add(number)
                return number


class SegmentOut:
    """Builds segments, counting them for SE01."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.set_count = 0

    def seg(self, *elements: str) -> None:
        items = list(elements)
        while len(items) > 1 and items[-1] == "":
            items.pop()
        self.lines.append(ELEMENT.join(items) + TERMINATOR + "\n")
        self.set_count += 1

    def start_set(self, *elements: str) -> None:
        self.set_count = 0
        self.seg(*elements)

    def end_set(self, control: str) -> None:
        self.seg("SE", str(self.set_count + 1), control)

    def text(self) -> str:
        return "".join(self.lines)

    def drain(self) -> str:
        """The segments built since the last drain (the count for SE01 goes on)."""
        text = "".join(self.lines)
        self.lines.clear()
        return text


def isa(input_isa: Segment, control: int, now: datetime) -> str:
    """The acknowledgment's ISA: the input's sender and receiver swapped."""
    f = input_isa.fields

    def pad(value: str, width: int) -> str:
        return clean(value)[:width].ljust(width)

    elements = [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        pad(f[7] if len(f) > 7 else "ZZ", 2),
        pad(f[8] if len(f) > 8 else "", 15),
        pad(f[5] if len(f) > 5 else "ZZ", 2),
        pad(f[6] if len(f) > 6 else "", 15),
        now.strftime("%y%m%d"),
        now.strftime("%H%M"),
        REPETITION,
        "00501",
        f"{control:09d}",
        "0",
        "P" if input_isa.element(15) == "P" else "T",
        COMPONENT,
    ]
    return ELEMENT.join(elements) + TERMINATOR + "\n"


def gs(kind: str, input_gs: Segment, control: int, now: datetime, version: str) -> str:
    return (
        ELEMENT.join(
            [
                "GS",
                kind,
                clean(input_gs.element(3), 15) or "RECEIVER",
                clean(input_gs.element(2), 15) or "SENDER",
                now.strftime("%Y%m%d"),
                now.strftime("%H%M"),
                str(control),
                "X",
                version,
            ]
        )
        + TERMINATOR
        + "\n"
    )


def ge(sets: int, control: int) -> str:
    return f"GE*{sets}*{control}~\n"


def iea(groups: int, control: int) -> str:
    return f"IEA*{groups}*{control:09d}~\n"


class AckCheckError(Exception):
    """An acknowledgment we wrote does not re-read as the envelope it should be."""


def check_ack(path: str) -> None:
    """Re-read a written acknowledgment: every SE01/GE01/IEA01 count and control number.

    Streamed, one segment at a time: a 100,000-claim 277CA is never held in memory."""
    st = gs_ = isa_ = None
    count = sets = groups = 0
    with open(path, encoding="ascii") as fh:
        for line in fh:
            if not line.strip():
                continue
            seg = line.rstrip("\n").rstrip(TERMINATOR).split(ELEMENT)
            tag = seg[0]
            if st is not None:
                count += 1
                if tag == "SE":
                    if seg[1] != str(count) or seg[2] != st[2]:
                        raise AckCheckError(f"{path}: SE {seg} does not close ST {st[2]} ({count})")
                    st = None
                continue
            if tag == "ISA":
                isa_, groups = seg, 0
            elif tag == "GS":
                gs_, sets, groups = seg, 0, groups + 1
            elif tag == "ST":
                st, count, sets = seg, 1, sets + 1
            elif tag == "GE":
                if gs_ is None or seg[1] != str(sets) or seg[2] != gs_[6]:
                    raise AckCheckError(f"{path}: GE {seg} does not close its group")
                gs_ = None
            elif tag == "IEA":
                if isa_ is None or seg[1] != str(groups) or seg[2] != isa_[13]:
                    raise AckCheckError(f"{path}: IEA {seg} does not close its interchange")
                isa_ = None
    if st is not None or gs_ is not None or isa_ is not None:
        raise AckCheckError(f"{path}: an envelope is not closed")

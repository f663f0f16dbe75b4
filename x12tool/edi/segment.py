"""One X12 segment as read from a file, with where it came from."""

from __future__ import annotations

from decimal import Decimal

from x12tool.edi.delimiters import Delimiters


class Segment:
    """A segment: its tag, elements, position, byte offset and the exact text it was read from.

    ``raw`` holds the segment text, its terminator and any line break or indentation that follows,
    decoded as latin-1 so that ``raw.encode("latin-1")`` gives the original bytes back.
    ``position`` is 1-based within its interchange (ISA is 1); ``index`` counts across the file.
    Segments built by a fix have ``raw = None`` and ``position = None`` until written.
    """

    # SegmentReader._read sets these slots itself rather than calling the class (for each
    # segment of a file), in its lean loop and its general one: a slot added here must be set
    # in both (tests/edi checks it).
    # ``raw`` is kept as two parts, joined only when asked for (a writer, a memo of a rule):
    # ``_raw`` and ``_tail``. The reader sets ``_raw`` to the text the fields were split from
    # and ``_tail`` to what followed it (terminator, line break); the class and the setter
    # set ``_raw`` to the whole and ``_tail`` to "". The reader would otherwise build a new
    # string per segment that a check run hardly ever reads. Memos keyed by a segment's text
    # (claims/parse.py) read ``_raw``: the text its fields came from, or a whole raw, which
    # holds a terminator that such a text cannot.
    __slots__ = ("fields", "position", "offset", "delims", "index", "_raw", "_tail")

    def __init__(
        self,
        fields: list[str],
        position: int | None,
        offset: int | None,
        raw: str | None,
        delims: Delimiters,
        index: int = 0,
    ) -> None:
        self.fields = fields
        self.position = position
        self.offset = offset
        self._raw = raw
        self._tail = ""
        self.delims = delims
        self.index = index  # 1-based count of segments in the whole file (pyx12's cur_line)

    @property
    def raw(self) -> str | None:
        tail = self._tail
        return self._raw + tail if tail else self._raw

    @raw.setter
    def raw(self, value: str | None) -> None:
        self._raw = value
        self._tail = ""

    @property
    def tag(self) -> str:
        return self.fields[0]

    def element(self, index: int) -> str:
        """Element ``index`` (1-based, as in SV104); '' when absent."""
        # try rather than a length test: most elements asked for are there, and the test
        # costs a call of len() each time (this runs for nearly every element a rule reads)
        try:
            return self.fields[index]
        except IndexError:
            return ""

    def components(self, index: int) -> list[str]:
        """The components of a composite element (SV101 -> ['HC', '97530', 'GP'])."""
        return self.element(index).split(self.delims.component)

    def component(self, index: int, sub: int) -> str:
        """Component ``sub`` (1-based) of element ``index`` (SV101-2 is component(1, 2))."""
        parts = self.components(index)
        return parts[sub - 1] if sub - 1 < len(parts) else ""

    @property
    def terminated(self) -> bool:
        return self.raw is None or self.delims.segment in self.raw[len(self.text) :]

    @property
    def text(self) -> str:
        """The segment as X12 text without terminator (rebuilt from the elements)."""
        return self.delims.join(self.fields)

    @property
    def suffix(self) -> str:
        """What followed the segment text in the file: terminator plus line break/indent."""
        if self.raw is None:
            return self.delims.segment + self.delims.line_break
        return self.raw[len(self.text) :]

    def with_fields(self, fields: list[str]) -> Segment:
        """A copy with other elements, to be serialized with this segment's line break."""
        seg = Segment(fields, None, self.offset, None, self.delims)
        return seg

    def serialize(self, suffix: str | None = None) -> str:
        if self.raw is not None:
            return self.raw
        return self.text + (
            suffix if suffix is not None else self.delims.segment + self.delims.line_break
        )

    def __repr__(self) -> str:
        return f"Segment({self.text!r}, position={self.position}, offset={self.offset})"


def format_decimal(value: Decimal) -> str:
    """X12 R type: no exponent, no needless trailing zeros ("65", "32.5")."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"

"""Open an X12 file for streaming: delimiters, preamble, checked segments."""

from __future__ import annotations

import os
from collections.abc import Iterator

from x12tool.edi.envelope import EnvelopeChecker
from x12tool.edi.errors import UnsupportedError, X12InputError
from x12tool.edi.reader import CHUNK, SegmentReader
from x12tool.edi.segment import Segment


class X12Source:
    """``with X12Source(path) as src: for seg in src.segments(): ...``

    Opening reads the ISA (raising :class:`X12InputError` for anything that is not a 5010
    interchange); ``segments()`` streams the file once, checking the envelopes as it goes.
    """

    def __init__(self, path: str | os.PathLike, chunk_size: int = CHUNK, kind: str = "837") -> None:
        self.path = os.fspath(path)
        self.kind = kind  # "837" claims, "835" remittances (envelope.EnvelopeChecker)
        if os.path.isdir(self.path):
            raise X12InputError("is a folder, not a file", path=self.path)
        try:
            self._fh = open(self.path, "rb")  # noqa: SIM115 - closed in close()
        except OSError as exc:
            raise X12InputError(f"cannot read file: {exc.strerror}", path=self.path) from None
        try:
            self.reader = SegmentReader(self._fh, self.path, chunk_size)
        except UnsupportedError as exc:
            self._fh.close()
            if kind == "835" and exc.tag == "ISA":
                # ISA12 other than 00501: a 4010 (X091A1) 835 is refused, named as such.
                exc.message = exc.message.replace(
                    "837P files only", "835 remittances (005010X221A1) only"
                )
            raise
        except BaseException:
            self._fh.close()
            raise
        self.delims = self.reader.delims
        self.preamble = self.reader.preamble
        self._checker: EnvelopeChecker | None = None  # the envelope checks of segments()

    @property
    def notes(self) -> list[str]:
        return self.reader.notes

    def segments(self, check: bool = True, lenient=None) -> Iterator[Segment]:
        """``lenient(st, se)``: True for a set trailer known to be wrong and held (ENV002)."""
        if not check:
            return iter(self.reader)
        self._checker = EnvelopeChecker(self.path, self.kind, lenient)
        # envelope.checked(self.reader, ...) fused into the reader's loop
        return self.reader.checked(self._checker, lambda: self.reader.bytes_read)

    def pass_over(self, claims: int, loops: int = 1, to: tuple[int, int] | None = None) -> None:
        """Pass over the rest of the subscriber loop whose HL ``segments()`` just gave, and
        the ``loops - 1`` loops right after it, which hold ``claims`` claims together
        (:meth:`SegmentReader.pass_over`, ``to``: jump to their end); their segments still
        count toward SE01."""
        checker = self._checker

        def counted(n: int) -> None:
            checker.set_segments += n

        self.reader.pass_over(claims, counted if checker is not None else None, loops, to)

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> X12Source:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

"""The X12 layer: delimiters, streaming segment reader, envelope checks, writer."""

from x12tool.edi.delimiters import Delimiters, detect
from x12tool.edi.envelope import EnvelopeChecker, checked
from x12tool.edi.errors import UnsupportedError, X12InputError
from x12tool.edi.reader import SegmentReader
from x12tool.edi.segment import Segment
from x12tool.edi.source import X12Source
from x12tool.edi.writer import X12Writer

__all__ = [
    "Delimiters",
    "EnvelopeChecker",
    "Segment",
    "SegmentReader",
    "UnsupportedError",
    "X12InputError",
    "X12Source",
    "X12Writer",
    "checked",
    "detect",
]

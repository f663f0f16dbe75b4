"""A tolerant read of a file's envelopes, for acknowledgments (999, TA1).

:mod:`x12tool.edi.envelope` stops at the first violation, which is right for deciding whether a
file may go. An acknowledgment must instead say, per transaction set, what was wrong, and still
answer a file that was refused: this pass reads every segment it can (no envelope checks), and
records each interchange, group and set with its trailer problems in X12 acknowledgment terms
(X12.6 control structures; 999 IK5/AK9 and TA1 code lists, acknowledgments.md §1.3-1.4).

Memory: one entry per set (its header segments, not its body).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from x12tool.edi.delimiters import ISA_LENGTH, Delimiters
from x12tool.edi.envelope import SUPPORTED_VERSIONS
from x12tool.edi.errors import UnsupportedError, X12InputError
from x12tool.edi.segment import Segment
from x12tool.edi.source import X12Source


@dataclass
class SetScan:
    st: Segment
    first_index: int  # file-wide index of ST (pyx12's cur_line)
    header: list[Segment] = field(default_factory=list)  # ST, BHT, NM1*41, NM1*40 (before HL)
    last_index: int = 0  # index of SE (or of the last segment read)
    se: Segment | None = None
    segments: int = 1  # ST through SE as read
    codes: list[str] = field(default_factory=list)  # IK502-506 (element 618)
    in_header: bool = True

    def position(self, index: int) -> int:
        """IK302: the segment's position in the set, ST being 1 (X12 element 719)."""
        return index - self.first_index + 1

    def contains(self, index: int) -> bool:
        return self.first_index <= index <= self.last_index

    def header_segment(self, tag: str, qualifier: str | None = None) -> Segment | None:
        for seg in self.header:
            if seg.tag == tag and (qualifier is None or seg.element(1) == qualifier):
                return seg
        return None


@dataclass
class GroupScan:
    gs: Segment
    first_index: int
    last_index: int = 0  # index of GE (0 until read)
    sets: list[SetScan] = field(default_factory=list)
    ge: Segment | None = None
    codes: list[str] = field(default_factory=list)  # AK905-909 (element 716)
    supported: bool = True  # an 837P group (GS01 HC, GS08 X222A1/A2)


@dataclass
class InterchangeScan:
    isa: Segment
    groups: list[GroupScan] = field(default_factory=list)
    iea: Segment | None = None
    ta1: str = ""  # TA105 note code (element I18) when the interchange envelope is bad


@dataclass
class EnvelopeScan:
    interchanges: list[InterchangeScan] = field(default_factory=list)
    stopped: X12InputError | None = None  # the reader could not go on (bad bytes, truncation)

    def sets(self):
        for ic in self.interchanges:
            for g in ic.groups:
                yield from g.sets


def _bare_isa(path: str) -> Segment | None:
    """An ISA our reader refuses (another version, e.g. 4010) but whose 106 characters still
    split into its 16 elements: enough to answer with a TA1."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096).decode("latin-1")
    except OSError:
        return None
    head = head.lstrip("\ufeff\xef\xbb\xbf \t\r\n")
    if not head.startswith("ISA") or len(head) < ISA_LENGTH:
        return None
    fields = head[: ISA_LENGTH - 1].split(head[3])
    if len(fields) != 17:
        return None
    delims = Delimiters(head[3], None, fields[16], head[ISA_LENGTH - 1])
    return Segment(fields, 1, 0, None, delims)


def scan_envelopes(path: str) -> EnvelopeScan:
    """Read ``path`` once; raises :class:`X12InputError` only when no ISA can be read."""
    try:
        return _scan(path)
    except UnsupportedError:
        isa = _bare_isa(path)
        if isa is None or isa.element(12) == "00501":
            raise
        # TA105 003: this version of the interchange controls is not supported
        return EnvelopeScan([InterchangeScan(isa, ta1="003")])


def _scan(path: str) -> EnvelopeScan:
    scan = EnvelopeScan()
    ic: InterchangeScan | None = None
    group: GroupScan | None = None
    cur: SetScan | None = None
    index = 0
    with X12Source(path) as src:
        it = src.segments(check=False)
        while True:
            try:
                seg = next(it)
            except StopIteration:
                break
            except X12InputError as exc:
                scan.stopped = exc.located(path)
                break
            index += 1
            tag = seg.tag
            if cur is not None:
                cur.last_index = index
                if tag in ("ISA", "GS", "ST", "GE", "IEA"):
                    cur.codes.append("2")  # SE missing: the trailer never came
                    cur.last_index = index - 1
                    cur = None
                else:
                    cur.segments += 1
                    if tag == "SE":
                        cur.se = seg
                        if seg.element(2) != cur.st.element(2):
                            cur.codes.append("3")
                        if seg.element(1) != str(cur.segments):
                            cur.codes.append("4")
                        cur = None
                    elif tag == "HL":
                        cur.in_header = False
                    elif cur.in_header and (
                        tag == "BHT" or (tag == "NM1" and seg.element(1) in ("41", "40"))
                    ):
                        cur.header.append(seg)
                    continue
            if tag == "ISA":
                if ic is not None and ic.iea is None:
                    ic.ta1 = ic.ta1 or "023"
                ic = InterchangeScan(seg)
                scan.interchanges.append(ic)
                group = None
            elif tag == "GS" and ic is not None:
                if group is not None and group.ge is None:
                    group.codes.append("3")
                group = GroupScan(seg, index)
                group.supported = seg.element(1) == "HC" and seg.element(8) in SUPPORTED_VERSIONS
                if seg.element(1) != "HC":
                    group.codes.append("1")
                elif seg.element(8) not in SUPPORTED_VERSIONS:
                    group.codes.append("2")
                ic.groups.append(group)
            elif tag == "ST" and group is not None:
                cur = SetScan(seg, index, [seg], last_index=index)
                if seg.element(1) != "837":
                    cur.codes.append("1")
                elif seg.element(3) and seg.element(3) not in SUPPORTED_VERSIONS:
                    cur.codes.append("I6")
                group.sets.append(cur)
            elif tag == "GE" and group is not None:
                group.ge = seg
                group.last_index = index
                if seg.element(2) != group.gs.element(6):
                    group.codes.append("4")
                if seg.element(1) != str(len(group.sets)):
                    group.codes.append("5")
                group = None
            elif tag == "IEA" and ic is not None:
                ic.iea = seg
                if group is not None and group.ge is None:
                    group.codes.append("3")
                    group = None
                if seg.element(2) != ic.isa.element(13):
                    ic.ta1 = ic.ta1 or "001"
                elif seg.element(1) != str(len(ic.groups)):
                    ic.ta1 = ic.ta1 or "021"
                ic = None
            elif ic is not None and group is None and tag not in ("SE",):
                ic.ta1 = ic.ta1 or "024"  # invalid interchange content
    if cur is not None:
        cur.codes.append("2")
    if group is not None and group.ge is None:
        group.codes.append("3")
    if ic is not None and ic.iea is None:
        ic.ta1 = ic.ta1 or "023"  # premature end of file
    return scan

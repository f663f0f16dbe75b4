"""Envelope checks: ISA/IEA, GS/GE, ST/SE nesting, counts and control numbers.

X12.6 (and TR3 005010X222A1 Appendix B) require: IEA02 = ISA13, IEA01 = number of functional
groups, GE02 = GS06, GE01 = number of transaction sets, SE02 = ST02, SE01 = number of segments
from ST to SE inclusive. A broken envelope makes the whole interchange unprocessable (exit 3):
a clearinghouse would reject it with a TA1 or 999 before looking at any claim.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from x12tool.edi.errors import UnsupportedError, X12InputError
from x12tool.edi.segment import Segment

# GS08/ST03 versions read as 837P. X222A2 is a label some systems send for the same guide, and
# 005010X222 is the guide's pre-errata label (a label problem on a readable file: ENV001 reports
# it on the transaction set, with a safe fix to A1); pyx12 only knows A1 (edi-anchors.md D.6
# item 3), so the IG validator reads both as A1.
SUPPORTED_VERSIONS = frozenset({"005010X222A1", "005010X222A2", "005010X222"})
# The 835 remittance (005010X221A1, TR3 1.4: GS01 "HP", ST01 "835") is read only by the remittance
# path (x12tool/remit); the 837 path keeps refusing it.
REMIT_VERSIONS = frozenset({"005010X221A1"})
# What EnvelopeChecker.feed does more with than count, inside a transaction set.
SET_ENDS = frozenset({"SE", "ISA", "GS", "ST", "GE", "IEA"})


class EnvelopeChecker:
    """Feed it every segment in order; it raises :class:`X12InputError` at the first violation."""

    def __init__(
        self,
        path: str | None = None,
        kind: str = "837",
        lenient: Callable[[Segment, Segment], bool] | None = None,
    ) -> None:
        self.path = path
        self.kind = kind  # "837" (claims) or "835" (remittances)
        # (ST, SE) -> True for a set whose wrong SE01/SE02 the caller already knows and holds
        # (ENV002, docs/design.md "What is refused"): that trailer is not a refusal.
        self.lenient = lenient
        self.isa: Segment | None = None
        self.gs: Segment | None = None
        self.st: Segment | None = None
        self.groups = 0
        self.sets = 0
        self.set_segments = 0
        self.interchanges = 0
        self.transaction_sets = 0
        self.notes: list[str] = []

    def _fail(self, seg: Segment, message: str, cls: type[X12InputError] = X12InputError) -> None:
        raise cls(message, path=self.path, position=seg.position, offset=seg.offset, tag=seg.tag)

    def feed(self, seg: Segment) -> None:
        tag = seg.tag
        if self.st is not None:
            self.set_segments += 1
            if tag == "SE":
                self._close_set(seg)
            elif tag in ("ISA", "GS", "ST", "GE", "IEA"):
                self._fail(
                    seg,
                    f"{tag} inside transaction set {self.st.element(2)!r}: SE (transaction set "
                    "trailer) is missing",
                )
            return
        if tag == "ISA":
            if self.isa is not None:
                self._fail(seg, "ISA before the previous interchange's IEA: IEA is missing")
            self.isa = seg
            self.groups = 0
            self.interchanges += 1
        elif tag == "GS":
            if self.isa is None:
                self._fail(seg, "GS outside an interchange: expected ISA first")
            if self.gs is not None:
                self._fail(seg, "GS before the previous group's GE: GE is missing")
            if self.kind == "835":
                self._check_remit_group(seg)
            else:
                if seg.element(1) != "HC":
                    hint = (
                        " (an 835 remittance: use 'x12tool remit import')"
                        if seg.element(1) == "HP"
                        else ""
                    )
                    self._fail(
                        seg,
                        f"functional group GS01 {seg.element(1)!r} is not supported; an 837P "
                        f"group has GS01 'HC'{hint}",
                        UnsupportedError,
                    )
                version = seg.element(8)
                if version not in SUPPORTED_VERSIONS:
                    self._fail(
                        seg,
                        f"GS08 version {version!r} is not supported; x12tool reads 837P "
                        "005010X222A1 (or the 005010X222A2 / 005010X222 labels)",
                        UnsupportedError,
                    )
            self.gs = seg
            self.sets = 0
            self.groups += 1
        elif tag == "ST":
            if self.gs is None:
                self._fail(seg, "ST outside a functional group: expected GS first")
            expected = "835" if self.kind == "835" else "837"
            if seg.element(1) != expected:
                self._fail(
                    seg,
                    f"transaction set {seg.element(1)!r} is not supported; x12tool reads "
                    f"{'835 remittances here' if expected == '835' else '837P'}",
                    UnsupportedError,
                )
            st03 = seg.element(3)
            if self.kind == "835":
                # ST03 is "Not Used" in X221A1 but some payers send the version there anyway.
                if st03 and st03 not in REMIT_VERSIONS:
                    self._fail(
                        seg,
                        f"ST03 version {st03!r} is not supported; expected 005010X221A1",
                        UnsupportedError,
                    )
            elif st03 and st03 not in SUPPORTED_VERSIONS:
                self._fail(
                    seg,
                    f"ST03 version {st03!r} is not supported; expected 005010X222A1",
                    UnsupportedError,
                )
            self.st = seg
            self.set_segments = 1
            self.sets += 1
            self.transaction_sets += 1
        elif tag == "GE":
            if self.gs is None:
                self._fail(seg, "GE without a matching GS")
            if seg.element(2) != self.gs.element(6):
                self._fail(
                    seg,
                    f"GE02 {seg.element(2)!r} does not match GS06 {self.gs.element(6)!r}",
                )
            if seg.element(1) != str(self.sets):
                self._fail(
                    seg,
                    f"GE01 says {seg.element(1)!r} transaction sets; the group has {self.sets}",
                )
            self.gs = None
        elif tag == "IEA":
            if self.isa is None:
                self._fail(seg, "IEA without a matching ISA")
            if self.gs is not None:
                self._fail(seg, "IEA before the group's GE: GE is missing")
            if seg.element(2) != self.isa.element(13):
                self._fail(
                    seg,
                    f"IEA02 {seg.element(2)!r} does not match ISA13 {self.isa.element(13)!r}",
                )
            if seg.element(1) != str(self.groups):
                self._fail(
                    seg,
                    f"IEA01 says {seg.element(1)!r} functional groups; the interchange has "
                    f"{self.groups}",
                )
            self.isa = None
        elif tag == "SE":
            self._fail(seg, "SE without a matching ST")
        else:
            self._fail(seg, f"segment {tag} outside a transaction set (between ST and SE)")

    def _check_remit_group(self, seg: Segment) -> None:
        if seg.element(1) != "HP":
            self._fail(
                seg,
                f"functional group GS01 {seg.element(1)!r} is not supported here; an 835 "
                "remittance group has GS01 'HP'",
                UnsupportedError,
            )
        version = seg.element(8)
        if version not in REMIT_VERSIONS:
            self._fail(
                seg,
                f"GS08 version {version!r} is not supported; x12tool reads 835 remittances "
                "005010X221A1",
                UnsupportedError,
            )

    def _close_set(self, seg: Segment) -> None:
        assert self.st is not None
        if self.lenient is not None and self.lenient(self.st, seg):
            self.st = None
            return
        if seg.element(2) != self.st.element(2):
            self._fail(seg, f"SE02 {seg.element(2)!r} does not match ST02 {self.st.element(2)!r}")
        if seg.element(1) != str(self.set_segments):
            self._fail(
                seg,
                f"SE01 says {seg.element(1)!r} segments; the transaction set has "
                f"{self.set_segments} (ST through SE)",
            )
        self.st = None

    def finish(self, last: Segment | None, offset: int | None = None) -> None:
        """At end of file: every envelope must be closed."""
        missing = "SE" if self.st else "GE" if self.gs else "IEA" if self.isa else None
        if missing:
            raise X12InputError(
                f"file ends without {missing}: the interchange is truncated",
                path=self.path,
                position=(last.position + 1) if last and last.position else None,
                offset=offset,
            )
        if self.interchanges == 0:
            raise X12InputError("no interchange found", path=self.path, offset=0)


def checked(
    segments: Iterable[Segment],
    path: str | None = None,
    end_offset=None,
    kind: str = "837",
    lenient: Callable[[Segment, Segment], bool] | None = None,
    checker: EnvelopeChecker | None = None,
) -> Iterator[Segment]:
    """Yield the segments, checking the envelope as they pass (with ``checker``: that one,
    whose ``set_segments`` the caller may add segments to that it passed over)."""
    checker = checker or EnvelopeChecker(path, kind, lenient)
    feed = checker.feed
    last = None
    for seg in segments:
        # Inside a transaction set every segment but SE and the envelope tags only counts
        # toward SE01: done here without the call (most segments of a file).
        if checker.st is not None and seg.fields[0] not in SET_ENDS:
            checker.set_segments += 1
        else:
            feed(seg)
        last = seg
        yield seg
    checker.finish(last, end_offset() if callable(end_offset) else end_offset)

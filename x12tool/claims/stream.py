"""Turn a checked segment stream into envelope segments, HL blocks and claims, in file order.

Memory is bounded by the largest claim: only the current billing-provider, subscriber and patient
HL blocks and the claim being read are held. The HL hierarchy of an 837P is depth first (TR3
005010X222A1 §2.3.2.1, HL segment), so an HL's parent is always the latest HL of the level above;
an HL that points anywhere else makes the file unprocessable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from x12tool.claims import parse as _parse
from x12tool.claims.model import Claim, EnvelopeRef, HLBlock
from x12tool.edi.errors import X12InputError
from x12tool.edi.segment import Segment
from x12tool.values import Value, value_class

LEVELS = {"20": None, "22": "20", "23": "22"}
ENVELOPE_TAGS = frozenset({"ISA", "GS", "GE", "IEA"})
# What ends a claim's segments in iter_items; every other segment joins the open claim.
_CLAIM_ENDS = frozenset({"HL", "CLM", "SE"})


# Dataclasses with slots writing their own __init__ (x12tool/values.py).


@value_class
class EnvelopeSegment(Value):
    __slots__ = ("segment",)
    segment: Segment

    def __init__(self, segment: Segment) -> None:
        self.segment = segment


@value_class
class SetHeader(Value):
    """ST through the segment before the first HL (BHT, 1000A submitter, 1000B receiver)."""

    __slots__ = ("segments", "envelope")
    segments: list[Segment]
    envelope: EnvelopeRef

    def __init__(self, segments: list[Segment], envelope: EnvelopeRef) -> None:
        self.segments = segments
        self.envelope = envelope


@value_class
class HLItem(Value):
    __slots__ = ("block", "envelope")
    block: HLBlock
    envelope: EnvelopeRef

    def __init__(self, block: HLBlock, envelope: EnvelopeRef) -> None:
        self.block = block
        self.envelope = envelope


@value_class
class SetTrailer(Value):
    __slots__ = ("segment", "envelope")
    segment: Segment
    envelope: EnvelopeRef

    def __init__(self, segment: Segment, envelope: EnvelopeRef) -> None:
        self.segment = segment
        self.envelope = envelope


@value_class
class ClaimSegments(Value):
    """A claim's segments (CLM to the next CLM, HL or SE), not parsed: ``iter_items(...,
    parse=False)`` yields these for passes that only need the structure (re-validating an
    output, docs/performance.md), where building the claim model would double the cost."""

    __slots__ = ("segments",)
    segments: list[Segment]

    def __init__(self, segments: list[Segment]) -> None:
        self.segments = segments

    @property
    def id(self) -> str:
        return self.segments[0].element(1)


def _no_collect(append, stops=None) -> None:
    """For a segment source that hands over every segment (a list, a plain reader)."""


Item = EnvelopeSegment | SetHeader | HLItem | Claim | ClaimSegments | SetTrailer


def iter_items(
    segments: Iterable[Segment],
    path: str | None = None,
    *,
    parse: bool = True,
    skip: Callable[[int], bool] | None = None,
    pass_loop: Callable[[Segment], int] | None = None,
) -> Iterator[Item]:
    """``skip(n)``: claim ``n`` (0-based, file order) comes as :class:`ClaimSegments`, not
    parsed (a ``check --jobs`` worker reads the claims of the others' groups this way).

    ``pass_loop(hl)``: asked at each subscriber HL (2000B, its hierarchy checked); a number
    of claims when the segment source passes over that loop (``X12Source.pass_over``): the
    loop then gives no item, and its claims count as read."""
    isa = gs = None
    env: EnvelopeRef | None = None
    set_number = 0
    header: list[Segment] | None = None
    block: list[Segment] | None = None
    claim_segs: list[Segment] | None = None
    chain: dict[str, HLBlock] = {}
    parsed: dict[str, object] = {}
    model = parse
    ordinal = -1

    def fail(seg: Segment, message: str) -> X12InputError:
        return X12InputError(
            message, path=path, position=seg.position, offset=seg.offset, tag=seg.fields[0]
        )

    # close_block and close_claim return their item (called only with a block or claim open)
    # rather than being generators: they run at every HL, CLM and SE.
    def close_block() -> HLItem:
        nonlocal block
        hl = block[0].fields
        n = len(hl)
        # the block's and the item's slots set here, every one (as HLBlock(...) and
        # HLItem(...) would): their __init__ frames cost more than the stores, once an HL
        hb = new(HLBlock)
        hb.segments = block
        hb.id = hl[1] if n > 1 else ""
        hb.parent = hl[2] if n > 2 else ""
        hb.level = level = hl[3] if n > 3 else ""
        block = None
        chain[level] = hb
        # a new block invalidates deeper levels
        if level == "20":
            chain.pop("22", None)
            chain.pop("23", None)
            if model:
                parsed["billing"] = _parse.billing_provider(hb)
        elif level == "22":
            chain.pop("23", None)
            if model:
                parsed["subscriber"] = _parse.subscriber(hb)
        elif level == "23" and model:
            parsed["patient"] = _parse.patient(hb)
        item = new(HLItem)
        item.block = hb
        item.envelope = env
        return item

    def close_claim() -> Claim | ClaimSegments:
        nonlocal claim_segs, ordinal
        segs, claim_segs = claim_segs, None
        ordinal += 1
        sub_block = chain.get("22")
        if sub_block is None or "20" not in chain:
            raise fail(
                segs[0],
                "claim (CLM) outside a subscriber HL (2000B): the HL loops are out of order",
            )
        if not model or (skip is not None and skip(ordinal)):
            return ClaimSegments(segs)
        pat_block = chain.get("23")
        return _parse.claim(
            segs,
            env,
            chain["20"],
            sub_block,
            pat_block,
            parsed["billing"],
            parsed["subscriber"],
            parsed["patient"] if pat_block is not None else None,
        )

    new = object.__new__
    append = None  # claim_segs.append while a claim is open
    claim_ends = _CLAIM_ENDS
    # A reader that can (edi.reader.CheckedSegments) puts the segments that only join the
    # open set header, HL block or claim into its list itself, in its own loop: then only
    # the segments that end one (and envelope segments) come here.
    collect = getattr(segments, "collect", None)
    if collect is None:
        collect = _no_collect
    for seg in segments:
        tag = seg.fields[0]
        # Most segments sit inside a claim and only join it (what the branches below do too).
        if claim_segs is not None and tag not in claim_ends:
            append(seg)
            continue
        if header is None and block is None and claim_segs is None:
            if tag in ENVELOPE_TAGS:
                if tag == "ISA":
                    isa = seg
                elif tag == "GS":
                    gs = seg
                yield EnvelopeSegment(seg)
                continue
            if tag == "ST":
                set_number += 1
                env = EnvelopeRef(isa, gs, seg, set_number)
                header = [seg]
                collect(header.append, claim_ends)
                chain.clear()
                continue
        if tag == "HL":
            if header is not None:
                yield SetHeader(header, env)
                header = None
            if block is not None:
                yield close_block()
            if claim_segs is not None:
                yield close_claim()
            # HL02 and HL03 as Segment.element() gives them
            f = seg.fields
            n = len(f)
            level = f[3] if n > 3 else ""
            parent = f[2] if n > 2 else ""
            if level not in LEVELS:
                raise fail(seg, f"HL03 level {level!r} is not an 837P level (20, 22 or 23)")
            want = LEVELS[level]
            if want is None:
                if parent:
                    raise fail(seg, f"billing provider HL (level 20) has a parent {parent!r}")
            else:
                up = chain.get(want)
                if up is None or up.id != parent:
                    raise fail(
                        seg,
                        f"HL {seg.element(1)!r} (level {level}) names parent {parent!r}, but the "
                        f"latest level-{want} HL is {up.id if up else 'missing'!r}",
                    )
                if level == "22" and pass_loop is not None:
                    collect(None)  # (else the block's collection below replaces the claim's)
                    passed = pass_loop(seg)
                    if passed:
                        # the next segment ends the loop (HL 20/22, SE, envelope): no claim
                        # can take the stale subscriber
                        ordinal += passed
                        chain.pop("22", None)
                        chain.pop("23", None)
                        continue
            block = [seg]
            collect(block.append, claim_ends)
        elif tag == "CLM":
            if header is not None:
                raise fail(seg, "claim (CLM) before any HL loop")
            if block is not None:
                yield close_block()
            if claim_segs is not None:
                yield close_claim()
            claim_segs = [seg]
            append = claim_segs.append
            collect(append, claim_ends)
        elif tag == "SE":
            if header is not None:
                yield SetHeader(header, env)
                header = None
            if block is not None:
                yield close_block()
            if claim_segs is not None:
                yield close_claim()
            collect(None)
            yield SetTrailer(seg, env)
        elif block is not None:
            block.append(seg)
        elif header is not None:
            header.append(seg)
        else:
            # Envelope checks run before this, so this is only reached without them.
            raise fail(seg, f"segment {tag} outside a transaction set")

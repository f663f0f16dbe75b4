"""The claim model as parse builds it: objects built by setting their slots have every one of
them (as the class's own call gives), and the subscriber read in one pass is the subscriber
read field by field (the plain computation kept here)."""

from __future__ import annotations

from dataclasses import fields

import pytest
from conftest import SAMPLE, public_files

from x12tool.claims import Claim, HLBlock, Subscriber, iter_items, parse
from x12tool.claims.model import Provider
from x12tool.claims.stream import HLItem
from x12tool.edi import X12InputError, X12Source
from x12tool.edi.delimiters import Delimiters
from x12tool.edi.segment import Segment

FILES = [*public_files(), SAMPLE / "therapy_batch.837"]


def _items(path) -> list:
    try:
        with X12Source(path) as src:
            return list(iter_items(src.segments(), str(path)))
    except X12InputError:
        return []


def _plain_subscriber(block: HLBlock) -> Subscriber:
    """The subscriber of a 2000B block, each value found by its own look (the definition)."""
    sbr = block.first("SBR")
    sub = Subscriber(block, sbr)
    if sbr is not None:
        sub.responsibility = sbr.element(1)
        sub.relationship = sbr.element(2)
        sub.filing_indicator = sbr.element(9)
    in_2010ba = False
    for seg in block.segments:
        if seg.tag == "NM1":
            in_2010ba = seg.element(1) == "IL"
            if seg.element(1) == "IL":
                sub.last_name = seg.element(3)
                sub.first_name = seg.element(4)
                sub.member_id = seg.element(9)
            elif seg.element(1) == "PR":
                sub.payer_name = seg.element(3)
                sub.payer_id = seg.element(9)
        elif seg.tag == "DMG" and in_2010ba:
            sub.birth_date = seg.element(2)
    return sub


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_claims_and_lines_have_every_slot_of_their_class(path):
    claims = [c for c in _items(path) if isinstance(c, Claim)]
    for claim in claims:
        for obj in (claim, *claim.lines):
            for f in fields(obj):
                getattr(obj, f.name)  # AttributeError when the parser left one unset
        # lists of their own, not shared between claims or lines
        assert claim.diagnoses is not claim.hi and claim.lines is not claim.problems
        assert len({id(line.problems) for line in claim.lines}) == len(claim.lines)
    if path.name == "therapy_batch.837":
        assert len(claims) == 22


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_blocks_items_and_providers_have_every_slot_of_their_class(path):
    """HL blocks, their items and rendering providers are built by setting their slots too."""
    items = _items(path)
    objs = [obj for item in items if isinstance(item, HLItem) for obj in (item, item.block)]
    for claim in (c for c in items if isinstance(c, Claim)):
        objs += [p for p in (claim.rendering, *(ln.rendering for ln in claim.lines)) if p]
    for obj in objs:
        for f in fields(obj):
            getattr(obj, f.name)  # AttributeError when the parser left one unset
    for item in items:
        if isinstance(item, HLItem):
            hl = item.block.hl
            assert (item.block.id, item.block.parent, item.block.level) == (
                hl.element(1),
                hl.element(2),
                hl.element(3),
            )
    if path.name == "therapy_batch.837":
        assert any(isinstance(o, Provider) for o in objs)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_subscriber_read_in_one_pass_is_the_plain_reading(path):
    for item in _items(path):
        block = getattr(item, "block", None)
        if block is not None and block.level == "22":
            assert parse.subscriber(block) == _plain_subscriber(block)


D = Delimiters("*", "^", ":", "~")


def _block(*texts: str) -> HLBlock:
    segs = [Segment(t.split("*"), n, None, None, D) for n, t in enumerate(texts, start=1)]
    return HLBlock(segs, "2", "1", "22")


@pytest.mark.parametrize(
    "texts",
    [
        ["HL*2*1*22*0"],  # no SBR, no names
        ["HL*2*1*22*0", "SBR*P", "NM1*IL", "DMG"],  # short segments
        ["HL*2*1*22*0", "DMG*D8*19500101", "SBR*S*01*******CI", "SBR*P*18"],  # DMG before NM1
        [
            "HL*2*1*22*0",
            "SBR*P*18*******MB",
            "NM1*IL*1*ONE*A****MI*X1",
            "DMG*D8*19400101*F",
            "NM1*PR*2*PAYER*****PI*P1",
            "DMG*D8*19990101*M",  # after the payer: not the subscriber's
            "NM1*IL*1*TWO*B****MI*X2",  # a second one: the last wins, as before
        ],
    ],
)
def test_the_subscriber_of_odd_blocks_is_the_plain_reading(texts):
    block = _block(*texts)
    assert parse.subscriber(block) == _plain_subscriber(block)

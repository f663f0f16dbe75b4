"""Apply edits (data from rules) to one claim's segments.

Only the segments an edit names change; every other segment keeps its raw bytes. Deleting a line
removes its whole 2400 loop and renumbers the LX segments after it (TR3: LX01 is sequential from 1
within the claim). When line charges change, CLM02 moves by the same amount, so a balanced claim
stays balanced (TR3 §1.4.4 balancing: CLM02 = sum of SV102).
"""

from __future__ import annotations

from decimal import Decimal

from x12tool.claims import Claim
from x12tool.claims import parse as claim_parse
from x12tool.edi.segment import Segment, format_decimal
from x12tool.rules.base import (
    DeleteLine,
    Edit,
    InsertSegment,
    SetElement,
    SetModifiers,
    SetUnits,
)


def set_element(seg: Segment, index: int, value: str, component: int | None = None) -> Segment:
    fields = list(seg.fields)
    while len(fields) <= index:
        fields.append("")
    if component:
        comps = fields[index].split(seg.delims.component) if fields[index] else []
        while len(comps) < component:
            comps.append("")
        comps[component - 1] = value
        while comps and comps[-1] == "":
            comps.pop()
        fields[index] = seg.delims.component.join(comps)
    else:
        fields[index] = value
    while len(fields) > 1 and fields[-1] == "":
        fields.pop()
    if fields == seg.fields:
        return seg
    new = seg.with_fields(fields)
    new.raw = new.text + seg.suffix if seg.raw is not None else None
    new.position, new.index = seg.position, seg.index
    return new


def _modifiers(seg: Segment, modifiers: tuple[str, ...]) -> Segment:
    comps = seg.components(1)
    head, description = comps[:2], comps[6:]
    mods = list(modifiers)
    if description:
        mods += [""] * (4 - len(mods))
    value = seg.delims.component.join(head + mods + description)
    return set_element(seg, 1, value)


def apply_edits(claim: Claim, edits: list[Edit]) -> list[Segment]:
    """Return the claim's new segment list with ``edits`` applied."""
    segments = list(claim.segments)
    where = {id(seg): i for i, seg in enumerate(segments)}
    charge_delta = Decimal(0)
    deleted: set[int] = set()
    inserts: dict[int, list[Segment]] = {}
    for edit in edits:
        if isinstance(edit, InsertSegment):
            anchor = edit.segment
            new = Segment(list(edit.fields), None, anchor.offset, None, anchor.delims)
            inserts.setdefault(where[id(anchor)], []).append(new)
            continue
        if isinstance(edit, DeleteLine):
            start = where[id(edit.lx)]
            line = next(ln for ln in claim.lines if ln.start == start)
            deleted.update(range(line.start, line.end))
            if line.charge is not None:
                charge_delta -= line.charge
            continue
        i = where.get(id(edit.segment))
        if i is None:
            continue  # a set-level edit (ENV001 on ST/GS): preflight applies it to the header
        seg = segments[i]
        if isinstance(edit, SetElement):
            segments[i] = set_element(seg, edit.element, edit.value, edit.component)
        elif isinstance(edit, SetModifiers):
            segments[i] = _modifiers(seg, edit.modifiers)
        elif isinstance(edit, SetUnits):
            old = claim_parse.parse_decimal(seg.element(2))
            seg = set_element(seg, 2, format_decimal(edit.charge))
            seg = set_element(seg, 3, "UN")
            segments[i] = set_element(seg, 4, format_decimal(edit.units))
            if old is not None:
                charge_delta += edit.charge - old
    if inserts:
        # new segments go before their anchor; indexes into ``segments`` still hold here
        grown: list[Segment] = []
        for n, seg in enumerate(segments):
            grown.extend(inserts.get(n, ()))
            if n not in deleted:
                grown.append(seg)
        segments = grown
    elif deleted:
        segments = [s for n, s in enumerate(segments) if n not in deleted]
    if deleted:
        number = 0
        for n, seg in enumerate(segments):
            if seg.fields[0] == "LX":
                number += 1
                segments[n] = set_element(seg, 1, str(number))
    if charge_delta and claim.charge is not None:
        segments[0] = set_element(segments[0], 2, format_decimal(claim.charge + charge_delta))
    return segments


def reparse(claim: Claim, segments: list[Segment]) -> Claim:
    """The claim model rebuilt from new segments, in the same HL context."""
    new = claim_parse.claim(
        segments,
        claim.envelope,
        claim.billing,
        claim.subscriber_block,
        claim.patient_block,
        claim.billing_provider,
        claim.subscriber,
        claim.patient,
    )
    new.payer_class = claim.payer_class
    return new

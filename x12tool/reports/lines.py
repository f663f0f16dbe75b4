"""Service lines as flat rows (what ``x12tool lines`` prints)."""

from __future__ import annotations

import os
from collections.abc import Iterator

from x12tool.claims import Claim, iter_items
from x12tool.edi import X12Source
from x12tool.edi.envelope_scan import lenient_for
from x12tool.phi import mask_id
from x12tool.refdata import load_refdata

COLUMNS = [
    "file",
    "st",
    "claim_id",
    "payer_class",
    "member_id",
    "line",
    "date",
    "code",
    "modifiers",
    "units",
    "unit_basis",
    "charge",
    "pos",
    "line_control",
    "rendering_npi",
]


def iter_claims(path: str) -> Iterator[Claim]:
    """Every claim of a file, with its payer class set, streaming."""
    ref = load_refdata()
    with X12Source(path) as src:
        for item in iter_items(src.segments(lenient=lenient_for(path)), path):
            if isinstance(item, Claim):
                item.payer_class = ref.payer_class(item.subscriber.filing_indicator)
                yield item


def iter_line_rows(path: str, *, show_phi: bool = False) -> Iterator[dict]:
    name = os.path.basename(path)
    for claim in iter_claims(path):
        member = mask_id(claim.subscriber.member_id, show_phi)
        for line in claim.lines:
            sv1 = line.sv1
            rendering = line.rendering or claim.rendering or claim.billing_provider
            yield {
                "file": name,
                "st": claim.envelope.set_control,
                "claim_id": claim.id,
                "payer_class": claim.payer_class,
                "member_id": member,
                "line": line.lx.element(1),
                "date": line.date_from.isoformat() if line.date_from else "",
                "code": line.code,
                "modifiers": list(line.modifiers),
                "units": sv1.element(4) if sv1 else "",
                "unit_basis": line.unit_basis,
                "charge": sv1.element(2) if sv1 else "",
                "pos": line.place_of_service or claim.place_of_service,
                "line_control": line.line_control,
                "rendering_npi": rendering.npi if rendering else "",
            }

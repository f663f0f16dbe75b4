"""837P loops as a model with references back to their segments."""

from x12tool.claims.model import (
    Claim,
    EnvelopeRef,
    HLBlock,
    Patient,
    Problem,
    Provider,
    ServiceLine,
    Subscriber,
)
from x12tool.claims.stream import (
    ClaimSegments,
    EnvelopeSegment,
    HLItem,
    Item,
    SetHeader,
    SetTrailer,
    iter_items,
)

__all__ = [
    "Claim",
    "ClaimSegments",
    "EnvelopeRef",
    "EnvelopeSegment",
    "HLBlock",
    "HLItem",
    "Item",
    "Patient",
    "Problem",
    "Provider",
    "ServiceLine",
    "SetHeader",
    "SetTrailer",
    "Subscriber",
    "iter_items",
]

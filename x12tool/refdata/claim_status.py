"""claim_status.xml: the 277CA status (STC01) for each preflight outcome and each rule."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # lxml is imported where XML is parsed (xmlload.py)
    from lxml import etree

from .errors import MapError
from .paths import maps_dir
from .xmlload import load_document


@dataclass(frozen=True, slots=True)
class ClaimStatus:
    """One 277CA STC01: category (ECL 507), status (ECL 508), optional entity (element 98)."""

    category: str
    status: str
    entity: str = ""
    action: str = "U"  # STC03: WQ accept, U reject

    @property
    def composite(self) -> tuple[str, ...]:
        return (self.category, self.status) + ((self.entity,) if self.entity else ())


@dataclass(frozen=True)
class ClaimStatusMap:
    outcomes: dict[str, ClaimStatus]  # ready, corrected, held (fallback)
    rules: dict[str, ClaimStatus]

    def for_rule(self, code: str) -> ClaimStatus:
        return self.rules.get(code) or self.outcomes["held"]


@cache
def load_claim_status() -> ClaimStatusMap:
    """maps/claim_status.xml, validated against claim_status.xsd."""
    root = load_document(maps_dir() / "claim_status.xml", "claim_status.xsd")

    def status(el: etree._Element, action: str) -> ClaimStatus:
        return ClaimStatus(el.get("category"), el.get("status"), el.get("entity") or "", action)

    outcomes = {el.get("name"): status(el, el.get("action")) for el in root.iter("outcome")}
    if set(outcomes) != {"ready", "corrected", "held"}:
        raise MapError("claim_status.xml", None, "needs outcomes ready, corrected and held")
    rules = {el.get("code"): status(el, "U") for el in root.iter("rule")}
    return ClaimStatusMap(outcomes, rules)

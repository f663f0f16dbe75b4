"""Short labels for the 835's adjustment group codes, CARCs and RARCs (maps/carc.xml).

The labels are x12tool's own few-word paraphrase of the code meanings in X12's CARC list
(external code source 139) and the CMS-maintained RARC list (source 411), not the lists' text.
A code not in the map is shown as :data:`UNKNOWN`; looking one up never fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from types import MappingProxyType

from .errors import MapError
from .paths import maps_dir
from .xmlload import load_document

UNKNOWN = "code only (not in the shipped list)"
NOTE = (
    "labels are x12tool's own short paraphrase of the code meanings in X12's CARC list (external "
    "code source 139) and the CMS-maintained RARC list (source 411), not the lists' text; "
    "official wording: https://x12.org/codes"
)


@dataclass(frozen=True, slots=True)
class ReasonCode:
    code: str
    label: str
    source: str
    confidence: str


@dataclass(frozen=True)
class ReasonCodes:
    as_of: date
    groups: MappingProxyType  # CAS01 -> ReasonCode
    carcs: MappingProxyType
    rarcs: MappingProxyType

    @staticmethod
    def _get(table, code: str) -> str:
        entry = table.get((code or "").strip().upper())
        return entry.label if entry is not None else UNKNOWN

    def group(self, code: str) -> str:
        return self._get(self.groups, code)

    def carc(self, code: str) -> str:
        """The label of a CARC, given as ``97`` or as ``CO-97`` (the group is ignored)."""
        return self._get(self.carcs, (code or "").rpartition("-")[2])

    def rarc(self, code: str) -> str:
        return self._get(self.rarcs, code)

    def adjustment(self, key: str) -> str:
        """``CO-97`` -> ``contractual obligation: bundled into another service``."""
        grp, sep, carc = (key or "").partition("-")
        if not sep:
            return self.carc(key)
        return f"{self.group(grp)}: {self.carc(carc)}"

    def known(self, key: str) -> bool:
        code = (key or "").rpartition("-")[2].strip().upper()
        return code in self.carcs

    def describe(self) -> dict:
        """What the JSON report says about the labels."""
        return {"as_of": self.as_of.isoformat(), "note": NOTE, "unknown": UNKNOWN}


@cache
def load_reason_codes() -> ReasonCodes:
    """maps/carc.xml, validated against carc.xsd."""
    root = load_document(maps_dir() / "carc.xml", "carc.xsd")

    def table(tag: str) -> MappingProxyType:
        return MappingProxyType(
            {
                el.get("code"): ReasonCode(
                    el.get("code"), el.get("label"), el.get("source"), el.get("confidence")
                )
                for el in root.iterfind(tag)
            }
        )

    groups, carcs, rarcs = table("group"), table("reason"), table("remark")
    if UNKNOWN in {e.label for t in (groups, carcs, rarcs) for e in t.values()}:
        raise MapError("carc.xml", None, f"no label may read {UNKNOWN!r}")
    return ReasonCodes(date.fromisoformat(root.get("as_of")), groups, carcs, rarcs)

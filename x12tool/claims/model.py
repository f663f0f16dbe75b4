"""The 837P claim model: only what the rules read, each part holding the segments it came from.

Loops the model does not use (2010AB, 2320/2330, 2410, 2430, 2440, ...) stay in ``segments`` and
are carried through untouched. Fields that do not parse (CLM02 with letters, a bad date) are
``None`` and a :class:`Problem` says why, so that a rule can report it on the claim instead of
the whole file being refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from x12tool.edi.segment import Segment


@dataclass(slots=True)
class Problem:
    """A value in the claim that could not be read as the TR3 says it should be."""

    segment: Segment
    element: str  # e.g. "CLM02", "SV104", "DTP03"
    message: str


@dataclass(slots=True)
class HLBlock:
    """An HL loop header and the segments of its level (not its children or claims)."""

    segments: list[Segment]
    id: str
    parent: str
    level: str  # 20 billing provider, 22 subscriber, 23 patient

    @property
    def hl(self) -> Segment:
        return self.segments[0]

    def first(self, tag: str, qualifier: str | None = None) -> Segment | None:
        for seg in self.segments:
            if seg.fields[0] == tag and (qualifier is None or seg.element(1) == qualifier):
                return seg
        return None


@dataclass(slots=True)
class Provider:
    """A billing (2010AA), rendering (2310B) or line rendering (2420A) provider."""

    nm1: Segment | None
    prv: Segment | None
    name: str = ""
    npi: str = ""
    taxonomy: str = ""


@dataclass(slots=True)
class Subscriber:
    block: HLBlock
    sbr: Segment | None
    responsibility: str = ""  # SBR01 P/S/T...
    relationship: str = ""  # SBR02 (18 = self)
    filing_indicator: str = ""  # SBR09 claim filing indicator code
    member_id: str = ""  # 2010BA NM109
    last_name: str = ""
    first_name: str = ""
    birth_date: str = ""  # DMG02 as sent
    payer_name: str = ""  # 2010BB NM103
    payer_id: str = ""  # 2010BB NM109


@dataclass(slots=True)
class Patient:
    block: HLBlock
    last_name: str = ""
    first_name: str = ""
    birth_date: str = ""


@dataclass(slots=True)
class EnvelopeRef:
    """Which interchange, group and transaction set a claim sits in."""

    isa: Segment
    gs: Segment
    st: Segment
    set_number: int  # 1-based count of transaction sets in the file

    @property
    def group_control(self) -> str:
        return self.gs.element(6)

    @property
    def set_control(self) -> str:
        return self.st.element(2)


@dataclass(slots=True)
class ServiceLine:
    """One 2400 loop: ``claim.segments[start:end]`` from its LX."""

    start: int
    end: int
    lx: Segment
    number: int | None
    sv1: Segment | None = None
    qualifier: str = ""
    code: str = ""
    modifiers: list[str] = field(default_factory=list)
    charge: Decimal | None = None
    unit_basis: str = ""
    units: Decimal | None = None
    place_of_service: str = ""
    pointers: list[int] = field(default_factory=list)
    dtp: Segment | None = None
    date_from: date | None = None
    date_to: date | None = None
    ref_6r: Segment | None = None
    line_control: str = ""
    rendering: Provider | None = None  # 2420A
    problems: list[Problem] = field(default_factory=list)

    @property
    def date(self) -> date | None:
        return self.date_from


@dataclass(slots=True)
class Claim:
    """One 2300 loop with its 2400 lines, and the HL context it sits under."""

    segments: list[Segment]
    envelope: EnvelopeRef
    billing: HLBlock
    subscriber_block: HLBlock
    patient_block: HLBlock | None
    billing_provider: Provider
    subscriber: Subscriber
    patient: Patient | None
    clm: Segment
    id: str = ""
    charge: Decimal | None = None
    place_of_service: str = ""
    frequency: str = ""
    diagnoses: list[str] = field(default_factory=list)
    hi: list[Segment] = field(default_factory=list)
    rendering: Provider | None = None  # 2310B
    lines: list[ServiceLine] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    payer_class: str = ""

    @property
    def position(self) -> int | None:
        return self.clm.position

    def discipline_provider(self, line: ServiceLine) -> Provider | None:
        """Whose taxonomy says who furnished the line: 2420A, else 2310B, else 2010AA."""
        for prov in (line.rendering, self.rendering, self.billing_provider):
            if prov is not None and prov.taxonomy:
                return prov
        return None

"""The 837P claim model: only what the rules read, each part holding the segments it came from.

Loops the model does not use (2010AB, 2320/2330, 2410, 2430, 2440, ...) stay in ``segments`` and
are carried through untouched. Fields that do not parse (CLM02 with letters, a bad date) are
``None`` and a :class:`Problem` says why, so that a rule can report it on the claim instead of
the whole file being refused.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from x12tool.edi.segment import Segment
from x12tool.values import NEW, Value, value_class

# Dataclasses with slots that write their own __init__ (x12tool/values.py: no methods generated
# at start-up). A field declares its default in __init__ only (a default in the class body
# would clash with its slot); x12tool/claims/parse.py builds claims and lines without
# __init__, setting every slot.


@value_class
class Problem(Value):
    """A value in the claim that could not be read as the TR3 says it should be."""

    __slots__ = ("segment", "element", "message")
    segment: Segment
    element: str  # e.g. "CLM02", "SV104", "DTP03"
    message: str

    def __init__(
        self,
        segment: Segment,
        element: str,
        message: str,
    ) -> None:
        self.segment = segment
        self.element = element
        self.message = message


@value_class
class HLBlock(Value):
    """An HL loop header and the segments of its level (not its children or claims)."""

    __slots__ = ("segments", "id", "parent", "level")
    segments: list[Segment]
    id: str
    parent: str
    level: str  # 20 billing provider, 22 subscriber, 23 patient

    def __init__(
        self,
        segments: list[Segment],
        id: str,
        parent: str,
        level: str,
    ) -> None:
        self.segments = segments
        self.id = id
        self.parent = parent
        self.level = level

    @property
    def hl(self) -> Segment:
        return self.segments[0]

    def first(self, tag: str, qualifier: str | None = None) -> Segment | None:
        for seg in self.segments:
            if seg.fields[0] == tag and (qualifier is None or seg.element(1) == qualifier):
                return seg
        return None


@value_class
class Provider(Value):
    """A billing (2010AA), rendering (2310B) or line rendering (2420A) provider."""

    __slots__ = ("nm1", "prv", "name", "npi", "taxonomy")
    nm1: Segment | None
    prv: Segment | None
    name: str
    npi: str
    taxonomy: str

    def __init__(
        self,
        nm1: Segment | None,
        prv: Segment | None,
        name: str = "",
        npi: str = "",
        taxonomy: str = "",
    ) -> None:
        self.nm1 = nm1
        self.prv = prv
        self.name = name
        self.npi = npi
        self.taxonomy = taxonomy


@value_class
class Subscriber(Value):
    __slots__ = (
        "block",
        "sbr",
        "responsibility",
        "relationship",
        "filing_indicator",
        "member_id",
        "last_name",
        "first_name",
        "birth_date",
        "payer_name",
        "payer_id",
    )
    block: HLBlock
    sbr: Segment | None
    responsibility: str  # SBR01 P/S/T...
    relationship: str  # SBR02 (18 = self)
    filing_indicator: str  # SBR09 claim filing indicator code
    member_id: str  # 2010BA NM109
    last_name: str
    first_name: str
    birth_date: str  # DMG02 as sent
    payer_name: str  # 2010BB NM103
    payer_id: str  # 2010BB NM109

    def __init__(
        self,
        block: HLBlock,
        sbr: Segment | None,
        responsibility: str = "",
        relationship: str = "",
        filing_indicator: str = "",
        member_id: str = "",
        last_name: str = "",
        first_name: str = "",
        birth_date: str = "",
        payer_name: str = "",
        payer_id: str = "",
    ) -> None:
        self.block = block
        self.sbr = sbr
        self.responsibility = responsibility
        self.relationship = relationship
        self.filing_indicator = filing_indicator
        self.member_id = member_id
        self.last_name = last_name
        self.first_name = first_name
        self.birth_date = birth_date
        self.payer_name = payer_name
        self.payer_id = payer_id


@value_class
class Patient(Value):
    __slots__ = ("block", "last_name", "first_name", "birth_date")
    block: HLBlock
    last_name: str
    first_name: str
    birth_date: str

    def __init__(
        self,
        block: HLBlock,
        last_name: str = "",
        first_name: str = "",
        birth_date: str = "",
    ) -> None:
        self.block = block
        self.last_name = last_name
        self.first_name = first_name
        self.birth_date = birth_date


@value_class
class EnvelopeRef(Value):
    """Which interchange, group and transaction set a claim sits in."""

    __slots__ = ("isa", "gs", "st", "set_number")
    isa: Segment
    gs: Segment
    st: Segment
    set_number: int  # 1-based count of transaction sets in the file

    def __init__(
        self,
        isa: Segment,
        gs: Segment,
        st: Segment,
        set_number: int,
    ) -> None:
        self.isa = isa
        self.gs = gs
        self.st = st
        self.set_number = set_number

    @property
    def group_control(self) -> str:
        return self.gs.element(6)

    @property
    def set_control(self) -> str:
        return self.st.element(2)


@value_class
class ServiceLine(Value):
    """One 2400 loop: ``claim.segments[start:end]`` from its LX."""

    __slots__ = (
        "start",
        "end",
        "lx",
        "number",
        "sv1",
        "qualifier",
        "code",
        "modifiers",
        "charge",
        "unit_basis",
        "units",
        "place_of_service",
        "pointers",
        "dtp",
        "date_from",
        "date_to",
        "ref_6r",
        "line_control",
        "rendering",
        "problems",
    )
    start: int
    end: int
    lx: Segment
    number: int | None
    sv1: Segment | None
    qualifier: str
    code: str
    modifiers: list[str]
    charge: Decimal | None
    unit_basis: str
    units: Decimal | None
    place_of_service: str
    pointers: list[int]
    dtp: Segment | None
    date_from: date | None
    date_to: date | None
    ref_6r: Segment | None
    line_control: str
    rendering: Provider | None  # 2420A
    problems: list[Problem]

    def __init__(
        self,
        start: int,
        end: int,
        lx: Segment,
        number: int | None,
        sv1: Segment | None = None,
        qualifier: str = "",
        code: str = "",
        modifiers: list[str] = NEW,
        charge: Decimal | None = None,
        unit_basis: str = "",
        units: Decimal | None = None,
        place_of_service: str = "",
        pointers: list[int] = NEW,
        dtp: Segment | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        ref_6r: Segment | None = None,
        line_control: str = "",
        rendering: Provider | None = None,
        problems: list[Problem] = NEW,
    ) -> None:
        self.start = start
        self.end = end
        self.lx = lx
        self.number = number
        self.sv1 = sv1
        self.qualifier = qualifier
        self.code = code
        self.modifiers = list() if modifiers is NEW else modifiers
        self.charge = charge
        self.unit_basis = unit_basis
        self.units = units
        self.place_of_service = place_of_service
        self.pointers = list() if pointers is NEW else pointers
        self.dtp = dtp
        self.date_from = date_from
        self.date_to = date_to
        self.ref_6r = ref_6r
        self.line_control = line_control
        self.rendering = rendering
        self.problems = list() if problems is NEW else problems

    @property
    def date(self) -> date | None:
        return self.date_from


@value_class
class Claim(Value):
    """One 2300 loop with its 2400 lines, and the HL context it sits under."""

    __slots__ = (
        "segments",
        "envelope",
        "billing",
        "subscriber_block",
        "patient_block",
        "billing_provider",
        "subscriber",
        "patient",
        "clm",
        "id",
        "charge",
        "place_of_service",
        "frequency",
        "diagnoses",
        "hi",
        "rendering",
        "lines",
        "problems",
        "payer_class",
    )
    segments: list[Segment]
    envelope: EnvelopeRef
    billing: HLBlock
    subscriber_block: HLBlock
    patient_block: HLBlock | None
    billing_provider: Provider
    subscriber: Subscriber
    patient: Patient | None
    clm: Segment
    id: str
    charge: Decimal | None
    place_of_service: str
    frequency: str
    diagnoses: list[str]
    hi: list[Segment]
    rendering: Provider | None  # 2310B
    lines: list[ServiceLine]
    problems: list[Problem]
    payer_class: str

    def __init__(
        self,
        segments: list[Segment],
        envelope: EnvelopeRef,
        billing: HLBlock,
        subscriber_block: HLBlock,
        patient_block: HLBlock | None,
        billing_provider: Provider,
        subscriber: Subscriber,
        patient: Patient | None,
        clm: Segment,
        id: str = "",
        charge: Decimal | None = None,
        place_of_service: str = "",
        frequency: str = "",
        diagnoses: list[str] = NEW,
        hi: list[Segment] = NEW,
        rendering: Provider | None = None,
        lines: list[ServiceLine] = NEW,
        problems: list[Problem] = NEW,
        payer_class: str = "",
    ) -> None:
        self.segments = segments
        self.envelope = envelope
        self.billing = billing
        self.subscriber_block = subscriber_block
        self.patient_block = patient_block
        self.billing_provider = billing_provider
        self.subscriber = subscriber
        self.patient = patient
        self.clm = clm
        self.id = id
        self.charge = charge
        self.place_of_service = place_of_service
        self.frequency = frequency
        self.diagnoses = list() if diagnoses is NEW else diagnoses
        self.hi = list() if hi is NEW else hi
        self.rendering = rendering
        self.lines = list() if lines is NEW else lines
        self.problems = list() if problems is NEW else problems
        self.payer_class = payer_class

    @property
    def position(self) -> int | None:
        return self.clm.position

    def discipline_provider(self, line: ServiceLine) -> Provider | None:
        """Whose taxonomy says who furnished the line: 2420A, else 2310B, else 2010AA."""
        for prov in (line.rendering, self.rendering, self.billing_provider):
            if prov is not None and prov.taxonomy:
                return prov
        return None

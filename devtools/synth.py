"""Deterministic generator of synthetic 837P (005010X222A1) outpatient therapy claims.

Standard library only.  Everything is made up: names, member IDs, addresses, NPIs (Luhn-valid
with the 80840 prefix), tax IDs.  Diagnoses are real ICD-10-CM codes (ABK/ABF qualifiers).

Layout of a generated file::

    ISA/GS                         one GS per interchange (``interchanges`` of them)
      ST/BHT, 1000A, 1000B         one ST per ``claims_per_st`` claims
        2000A  HL*20               ONE billing provider per ST (a practice picked per ST)
          2000B HL*22              one subscriber per claim (SBR09 MB ~60 %, MC ~20 %, CI ~20 %)
            [2000C HL*23]          about 30 % of commercial claims: the patient is a spouse/child
            2300 CLM + HI          CLM02 = sum of SV102
              2310B NM1*82 + PRV   rendering therapist with the discipline's NUCC taxonomy
              2400 LX/SV1/DTP*472/REF*6R   1-6 lines, one line per code per date of service

Clinical rules that *clean* claims follow (so a preflight run on them finds nothing to fix):

* units from the visit minutes: the CMS total-time method (Pub 100-04 ch. 5 sec. 20.2) for
  Medicare (MB) and Medicaid (MC); the AMA per-code method for commercial (CI).  Minutes are
  drawn so that no two timed codes on a date share the same ``minutes % 15`` (no "provider's
  choice" ties).  A timed code that earns 0 units stays in the visit log but gets no line.
* GP/GO/GN on every line by discipline (PT/OT/SLP); evaluation codes match the discipline.
* 97530 carries 59 when 97140 is billed the same date (NCCI column 1 97140 / column 2 97530);
  59 appears nowhere else.  Other reported therapy NCCI pairs (97530+97116, 97530+97535,
  PT/OT eval+97140, 97530/97150+re-evaluation, 97150+97110/97530/97535) never share a date.
* Medicare lines furnished by a PTA/OTA carry CQ/CO; other payers only see PT/OT/SLP rows.
* 97010 only on non-Medicare claims (PFS status B, bundled for Medicare).

Defects (``defect_rate`` of the claims get exactly one, from an independent random stream, so
claims without a defect are byte-identical whatever the rate): ``overbilled_units`` (one timed
line +1 unit against the visit minutes), ``missing_gp`` (therapy modifier dropped from one
line), ``clm02_mismatch``, ``ncci_97140_97530_no_59``, ``lone_59`` (59 with no NCCI partner on
the date) and ``units_in_minutes`` (SV103 MJ, SV104 = minutes).

Memory does not grow with ``claims``: segments are written claim by claim, by the product's
own writer (:class:`x12tool.edi.writer.X12Writer`, which also counts SE01/GE01/IEA01); units
come from the product's 8-minute table (:mod:`x12tool.rules.units`). Not part of the wheel.

    python -m devtools.synth --claims 1000 --seed 1 -o file.837 --visits visits.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from typing import BinaryIO, TextIO

from x12tool.edi.delimiters import Delimiters
from x12tool.edi.segment import Segment
from x12tool.edi.writer import X12Writer
from x12tool.rules import units as unit_rules
from x12tool.rules.units import CodeMinutes, table_units

__all__ = [
    "VISIT_HEADER",
    "DEFECT_TYPES",
    "PRICES",
    "BillingProvider",
    "Claim",
    "Clinician",
    "Payer",
    "Person",
    "ClaimWriter",
    "ServiceLine",
    "ama_units",
    "cms_units",
    "fmt_amount",
    "generate",
    "main",
    "make_mbi",
    "make_npi",
    "npi_check_digit",
]

VISIT_HEADER = (
    "claim_id",
    "service_date",
    "cpt",
    "minutes",
    "line_control",
    "discipline",
    "provider_role",
    "functional_activity",
    "medical_necessity",
    "one_on_one",
    "patient_response",
    "plan_of_care",
    "progress_report",
    "note_text",
)

DEFECT_TYPES = (
    "overbilled_units",
    "missing_gp",
    "clm02_mismatch",
    "ncci_97140_97530_no_59",
    "lone_59",
    "units_in_minutes",
)

# 15-minute timed codes used here (cms-rules.md section 2).
TIMED = frozenset(
    {"97110", "97112", "97116", "97140", "97530", "97535", "97035", "97032", "97033", "97750"}
)

# Chargemaster: whole dollars per unit (practices scale these by a factor).
PRICES = {
    "97010": 15,
    "97035": 25,
    "97110": 45,
    "97112": 50,
    "97116": 45,
    "97140": 42,
    "97150": 30,
    "97530": 65,
    "97535": 50,
    "97161": 150,
    "97162": 175,
    "97163": 200,
    "97164": 100,
    "97165": 160,
    "97166": 185,
    "97167": 210,
    "97168": 110,
    "92507": 120,
    "92523": 220,
    "92526": 125,
}

DISCIPLINE_MODIFIER = {"PT": "GP", "OT": "GO", "SLP": "GN"}
ASSISTANT = {"PT": ("PTA", "CQ"), "OT": ("OTA", "CO")}
TAXONOMY = {
    "PT": "225100000X",
    "PTA": "225200000X",
    "OT": "225X00000X",
    "OTA": "224Z00000X",
    "SLP": "235Z00000X",
}

# Same-date pairs never billed together on clean claims (cms-rules.md section 5; any order).
_AVOID_PAIRS = frozenset(
    {
        ("97116", "97530"),
        ("97530", "97535"),
        ("97140", "97161"),
        ("97140", "97162"),
        ("97140", "97163"),
        ("97140", "97165"),
        ("97140", "97166"),
        ("97140", "97167"),
        ("97164", "97530"),
        ("97150", "97164"),
        ("97168", "97530"),
        ("97150", "97168"),
        ("97110", "97150"),
        ("97150", "97530"),
        ("97150", "97535"),
    }
)


def _conflicts(code: str, chosen: list[str]) -> bool:
    return any((min(code, c), max(code, c)) in _AVOID_PAIRS for c in chosen)


# --------------------------------------------------------------------------- unit rules


def cms_units(minutes: dict[str, int]) -> dict[str, int]:
    """CMS total-time method (the product's :func:`x12tool.rules.units.cms_units`); codes in
    code order, so a tie goes to the lower code."""
    items = [CodeMinutes(c, m) for c, m in sorted(minutes.items())]
    return unit_rules.cms_units(items)


def ama_units(minutes: dict[str, int]) -> dict[str, int]:
    """AMA/CPT per-code method: each timed code counted on its own minutes."""
    return {c: table_units(m) for c, m in minutes.items()}


# --------------------------------------------------------------------------- identifiers


def npi_check_digit(base9: str) -> str:
    """Luhn check digit of a 9-digit NPI base, with the 80840 card-issuer prefix."""
    total = 0
    for i, ch in enumerate(reversed("80840" + base9)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def make_npi(base9: str) -> str:
    return base9 + npi_check_digit(base9)


_MBI_ALPHA = "ACDEFGHJKMNPQRTUVWXY"  # MBI letters exclude S, L, O, I, B, Z
_MBI_ALNUM = _MBI_ALPHA + "0123456789"


def make_mbi(rng: random.Random) -> str:
    """Medicare Beneficiary Identifier in the published 11-character format (made up)."""
    d, a, an = "0123456789", _MBI_ALPHA, _MBI_ALNUM
    pattern = ("123456789", a, an, d, a, an, d, a, a, d, d)
    return "".join(rng.choice(p) for p in pattern)


def fmt_amount(cents: int) -> str:
    """X12 R-type amount: no trailing zeros after the decimal point."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    whole, frac = divmod(cents, 100)
    if frac == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{frac:02d}".rstrip("0")


# --------------------------------------------------------------------------- data model


@dataclass
class Person:
    last: str
    first: str
    member_id: str
    address: str
    city: str
    state: str
    zip: str
    dob: str  # CCYYMMDD
    sex: str  # F / M / U
    middle: str = ""


@dataclass
class Clinician:
    last: str
    first: str
    npi: str
    taxonomy: str


@dataclass
class BillingProvider:
    name: str
    npi: str
    tin: str
    taxonomy: str
    address: str
    city: str
    state: str
    zip: str  # ZIP+4, 9 digits (required in 2010AA)


@dataclass
class Payer:
    name: str
    payer_id: str
    sbr09: str  # claim filing indicator: MB, MC, CI, ...


@dataclass
class ServiceLine:
    cpt: str
    modifiers: tuple[str, ...]
    charge_cents: int
    units: int
    dos: str  # CCYYMMDD
    pointers: tuple[int, ...] = (1,)
    unit_basis: str = "UN"
    line_control: str = ""


@dataclass
class Claim:
    claim_id: str
    payer: Payer
    subscriber: Person
    diagnoses: list[str]
    lines: list[ServiceLine]
    patient: Person | None = None  # set -> 2000C loop, SBR02 empty
    relationship: str = "19"  # PAT01 when patient is set: 01 spouse, 19 child
    group_number: str = ""
    rendering: Clinician | None = None
    referring: Clinician | None = None
    total_cents: int | None = None  # None -> sum of line charges
    place_of_service: str = "11"

    @property
    def line_total_cents(self) -> int:
        return sum(ln.charge_cents for ln in self.lines)


def _seg(*elements: str) -> list[str]:
    """The elements of a segment, trailing empty ones dropped."""
    fields = list(elements)
    while len(fields) > 1 and fields[-1] == "":
        fields.pop()
    return fields


class ClaimWriter:
    """Streams an 837P: ISA/GS/ST envelopes with control numbers, through the product's
    :class:`~x12tool.edi.writer.X12Writer` (which sets SE01, GE01 and IEA01 from what it wrote).
    """

    def __init__(
        self,
        out: BinaryIO,
        *,
        line_breaks: bool = True,
        sender_id: str = "THERAPYSUB01",
        receiver_id: str = "CLEARHOUSE01",
        submitter_name: str = "THERAPY BILLING SERVICES",
        submitter_contact: str = "BILLING DESK",
        submitter_phone: str = "5125550100",
        receiver_name: str = "EXAMPLE CLEARINGHOUSE",
        usage: str = "T",
        when: tuple[str, str] = ("20260701", "0800"),
    ) -> None:
        self.delims = Delimiters("*", "^", ":", "~", "\n" if line_breaks else "")
        self.writer = X12Writer(out)
        self.sender_id = sender_id
        self.receiver_id = receiver_id
        self.submitter_name = submitter_name
        self.submitter_contact = submitter_contact
        self.submitter_phone = submitter_phone
        self.receiver_name = receiver_name
        self.usage = usage
        self.ccyymmdd, self.hhmm = when
        self.claims = 0
        self.lines = 0
        self.units = 0
        self.transactions = 0
        self.interchanges = 0
        self._st_ctrl = ""
        self._gs_ctrl = ""
        self._isa_ctrl = ""
        self._hl = 0
        self._bp_hl = 0

    def _write(self, segs: list[list[str]]) -> None:
        for fields in segs:
            self.writer.write(Segment(fields, None, None, None, self.delims))

    def begin_interchange(self, control: int) -> None:
        self._isa_ctrl = f"{control:09d}"
        self._gs_ctrl = str(control)
        yymmdd = self.ccyymmdd[2:]
        isa = (
            f"ISA*00*{'':10}*00*{'':10}*ZZ*{self.sender_id:<15}*ZZ*{self.receiver_id:<15}"
            f"*{yymmdd}*{self.hhmm}*^*00501*{self._isa_ctrl}*0*{self.usage}*:"
        )
        gs = _seg(
            "GS",
            "HC",
            self.sender_id,
            self.receiver_id,
            self.ccyymmdd,
            self.hhmm,
            self._gs_ctrl,
            "X",
            "005010X222A1",
        )
        self._write([isa.split("*"), gs])
        self.interchanges += 1

    def begin_transaction(self, control: int, reference: str) -> None:
        self._st_ctrl = f"{control:04d}"
        self._hl = 0
        self.transactions += 1
        self._write(
            [
                _seg("ST", "837", self._st_ctrl, "005010X222A1"),
                _seg("BHT", "0019", "00", reference, self.ccyymmdd, self.hhmm, "CH"),
                _seg("NM1", "41", "2", self.submitter_name, "", "", "", "", "46", self.sender_id),
                _seg("PER", "IC", self.submitter_contact, "TE", self.submitter_phone),
                _seg("NM1", "40", "2", self.receiver_name, "", "", "", "", "46", self.receiver_id),
            ]
        )

    def billing_provider(self, bp: BillingProvider) -> None:
        self._hl += 1
        self._bp_hl = self._hl
        self._write(
            [
                _seg("HL", str(self._hl), "", "20", "1"),
                _seg("PRV", "BI", "PXC", bp.taxonomy),
                _seg("NM1", "85", "2", bp.name, "", "", "", "", "XX", bp.npi),
                _seg("N3", bp.address),
                _seg("N4", bp.city, bp.state, bp.zip),
                _seg("REF", "EI", bp.tin),
            ]
        )

    def claim(self, c: Claim) -> None:
        sub = c.subscriber
        self._hl += 1
        sub_hl = self._hl
        segs = [
            _seg("HL", str(sub_hl), str(self._bp_hl), "22", "1" if c.patient else "0"),
            _seg(
                "SBR",
                "P",
                "" if c.patient else "18",
                c.group_number,
                "",
                "",
                "",
                "",
                "",
                c.payer.sbr09,
            ),
            _seg("NM1", "IL", "1", sub.last, sub.first, sub.middle, "", "", "MI", sub.member_id),
            _seg("N3", sub.address),
            _seg("N4", sub.city, sub.state, sub.zip),
            _seg("DMG", "D8", sub.dob, sub.sex),
            _seg("NM1", "PR", "2", c.payer.name, "", "", "", "", "PI", c.payer.payer_id),
        ]
        if c.patient:
            pat = c.patient
            self._hl += 1
            segs += [
                _seg("HL", str(self._hl), str(sub_hl), "23", "0"),
                _seg("PAT", c.relationship),
                _seg("NM1", "QC", "1", pat.last, pat.first, pat.middle),
                _seg("N3", pat.address),
                _seg("N4", pat.city, pat.state, pat.zip),
                _seg("DMG", "D8", pat.dob, pat.sex),
            ]
        total = c.line_total_cents if c.total_cents is None else c.total_cents
        segs.append(
            _seg(
                "CLM",
                c.claim_id,
                fmt_amount(total),
                "",
                "",
                f"{c.place_of_service}:B:1",
                "Y",
                "A",
                "Y",
                "Y",
            )
        )
        hi = [f"ABK:{c.diagnoses[0]}"] + [f"ABF:{d}" for d in c.diagnoses[1:12]]
        segs.append(_seg("HI", *hi))
        if c.referring:
            r = c.referring
            segs.append(_seg("NM1", "DN", "1", r.last, r.first, "", "", "", "XX", r.npi))
        if c.rendering:
            r = c.rendering
            segs.append(_seg("NM1", "82", "1", r.last, r.first, "", "", "", "XX", r.npi))
            segs.append(_seg("PRV", "PE", "PXC", r.taxonomy))
        for lx, ln in enumerate(c.lines, 1):
            proc = ":".join(("HC", ln.cpt) + tuple(ln.modifiers))
            segs.append(_seg("LX", str(lx)))
            segs.append(
                _seg(
                    "SV1",
                    proc,
                    fmt_amount(ln.charge_cents),
                    ln.unit_basis,
                    str(ln.units),
                    "",
                    "",
                    ":".join(str(p) for p in ln.pointers),
                )
            )
            segs.append(_seg("DTP", "472", "D8", ln.dos))
            if ln.line_control:
                segs.append(_seg("REF", "6R", ln.line_control))
            if ln.unit_basis == "UN":
                self.units += ln.units
        self._write(segs)
        self.claims += 1
        self.lines += len(c.lines)

    def end_transaction(self) -> None:
        self._write([_seg("SE", "0", self._st_ctrl)])  # SE01 counted by the writer

    def end_interchange(self) -> None:
        self._write([_seg("GE", "0", self._gs_ctrl), _seg("IEA", "0", self._isa_ctrl)])

    def counts(self) -> dict:
        return {
            "claims": self.claims,
            "lines": self.lines,
            "segments": self.writer.segments_written,
            "units": self.units,
            "transactions": self.transactions,
            "interchanges": self.interchanges,
            "bytes": self.writer.bytes_written,
        }


# --------------------------------------------------------------------------- reference pools

_LAST = (
    "ANDERSON ALVAREZ BAKER BENNETT BROOKS CALDWELL CARTER CASTILLO CHAVEZ COLLINS DAVIS DELGADO "
    "EDWARDS ELLIS FISHER FLORES FOSTER GARCIA GRAHAM GREENE GUTIERREZ HALL HARPER HAYES HERNANDEZ "
    "HOLLAND HUGHES JENKINS JOHNSON KELLER KIM LAWSON LOPEZ MARSH MARTINEZ MEYER MILLER MORALES "
    "MURPHY NGUYEN OWENS PARKER PATTERSON PERRY PHILLIPS PRICE QUINN RAMIREZ REYES RICHARDS RIVERA "
    "ROBERTS ROSS SANCHEZ SAUNDERS SHAW SIMMONS STEVENS SULLIVAN TAYLOR TORRES TRAN TURNER VARGAS "
    "WALKER WALLACE WARD WASHINGTON WEBB WHEELER WILSON WOODS YOUNG ZAMORA"
).split()
_FIRST_F = (
    "ALICE ANGELA BARBARA BETTY CAROL CATHERINE DIANA DOLORES DOROTHY ELAINE ELENA EVELYN FRANCES "
    "GLORIA HELEN IRENE JANET JOYCE JUDITH LINDA LORRAINE MARGARET MARIA MARTHA NANCY PATRICIA "
    "PEGGY ROSA RUTH SANDRA SHIRLEY SUSAN TERESA VIRGINIA YOLANDA"
).split()
_FIRST_M = (
    "ALBERT ARTHUR BILLY CARL CHARLES DANIEL DAVID DENNIS DONALD EDWARD ERNEST EUGENE FRANK GARY "
    "GEORGE HAROLD HECTOR HOWARD JAMES JERRY JOSE JUAN KENNETH LARRY LOUIS MANUEL RAYMOND RICHARD "
    "ROBERT ROGER RONALD ROY STANLEY THOMAS WALTER WAYNE"
).split()
_STREETS = (
    "OAK ST|ELM ST|PECAN DR|MESQUITE LN|BLUEBONNET DR|CEDAR AVE|LIVE OAK BLVD|RIVER RD|"
    "HILLCREST DR|MAPLE AVE|SUNSET BLVD|WILLOW WAY|CYPRESS CREEK RD|BRAZOS ST|LAMAR BLVD|"
    "PARK PL|MEADOW LN|RANCH RD|SPRING ST|LAUREL DR"
).split("|")
# city, state, ZIP prefix (3 digits)
_CITIES = (
    ("AUSTIN", "TX", "787"),
    ("ROUND ROCK", "TX", "786"),
    ("HOUSTON", "TX", "770"),
    ("PASADENA", "TX", "775"),
    ("SAN ANTONIO", "TX", "782"),
    ("DALLAS", "TX", "752"),
    ("FORT WORTH", "TX", "761"),
    ("WACO", "TX", "767"),
)

_DX = {
    "PT": (
        "M25561",
        "M25562",
        "M1711",
        "M1712",
        "M1611",
        "M5450",
        "M5416",
        "M542",
        "M25511",
        "M75101",
        "S83511D",
        "S72001D",
        "Z471",
        "Z96651",
        "Z96641",
        "M6281",
        "R262",
        "R2681",
        "Z9181",
    ),
    "OT": (
        "I69351",
        "I69354",
        "S52501D",
        "M19041",
        "G5601",
        "M79641",
        "M25611",
        "Z4789",
        "M6281",
        "R278",
    ),
    "SLP": ("R1312", "R4701", "I69320", "R471"),
}


@dataclass
class _Practice:
    provider: BillingProvider
    disciplines: tuple[tuple[str, int], ...]  # (discipline, weight)
    clinicians: dict[str, tuple[Clinician, ...]]
    factor: float


def _practice(
    name: str,
    npi9: str,
    tin: str,
    taxonomy: str,
    address: str,
    city: str,
    zip9: str,
    disciplines: tuple[tuple[str, int], ...],
    clinicians: list[tuple[str, str, str, str]],
    factor: float,
) -> _Practice:
    by_disc: dict[str, list[Clinician]] = {}
    for disc, last, first, base in clinicians:
        by_disc.setdefault(disc, []).append(Clinician(last, first, make_npi(base), TAXONOMY[disc]))
    bp = BillingProvider(name, make_npi(npi9), tin, taxonomy, address, city, "TX", zip9)
    return _Practice(bp, disciplines, {k: tuple(v) for k, v in by_disc.items()}, factor)


PRACTICES = (
    _practice(
        "CAPITAL CITY PHYSICAL THERAPY PLLC",
        "161234501",
        "742345601",
        "225100000X",
        "4100 N LAMAR BLVD STE 200",
        "AUSTIN",
        "787561234",
        (("PT", 100),),
        [
            ("PT", "HOLLOWAY", "MEGAN", "176543201"),
            ("PT", "PRUITT", "JASON", "176543202"),
            ("PT", "OYELARAN", "TOLU", "176543203"),
        ],
        1.0,
    ),
    _practice(
        "GULF COAST REHAB ASSOCIATES LLC",
        "162345602",
        "761234502",
        "225100000X",
        "9200 KIRBY DR STE 110",
        "HOUSTON",
        "770542210",
        (("PT", 70), ("OT", 22), ("SLP", 8)),
        [
            ("PT", "DUONG", "KEVIN", "177654301"),
            ("PT", "SALAZAR", "ANDREA", "177654302"),
            ("OT", "BRANDT", "HEATHER", "177654303"),
            ("SLP", "OKONKWO", "GRACE", "177654304"),
        ],
        1.1,
    ),
    _practice(
        "ALAMO HAND AND UPPER LIMB THERAPY PC",
        "163456703",
        "743456703",
        "225X00000X",
        "1500 BABCOCK RD STE 300",
        "SAN ANTONIO",
        "782293817",
        (("OT", 100),),
        [
            ("OT", "VILLARREAL", "SOFIA", "178765401"),
            ("OT", "LINDQVIST", "ERIK", "178765402"),
        ],
        0.95,
    ),
    _practice(
        "TRINITY MOVEMENT AND BALANCE CENTER PA",
        "164567804",
        "752567804",
        "225100000X",
        "3300 W 7TH ST STE 410",
        "FORT WORTH",
        "761071122",
        (("PT", 80), ("OT", 20)),
        [
            ("PT", "ABERNATHY", "COLE", "179876501"),
            ("PT", "FIGUEROA", "LUCIA", "179876502"),
            ("OT", "HARTMANN", "RENEE", "179876503"),
        ],
        1.05,
    ),
)

_PAYERS = {
    "MB": (Payer("MEDICARE PART B", "04412", "MB"),),
    "MC": (Payer("LONE STAR MEDICAID PLAN", "77001", "MC"),),
    "CI": (
        Payer("SUMMIT MUTUAL HEALTH", "SMH01", "CI"),
        Payer("PRAIRIE STAR HEALTH PLAN", "PSH22", "CI"),
    ),
}

_TIMED_POOL = {
    "PT": (("97110", 35), ("97140", 20), ("97530", 20), ("97112", 15), ("97116", 7), ("97535", 3)),
    "OT": (("97530", 35), ("97535", 20), ("97110", 20), ("97112", 15), ("97140", 10)),
}
_EVALS = {
    "PT": (("97161", 40), ("97162", 45), ("97163", 15)),
    "OT": (("97165", 40), ("97166", 45), ("97167", 15)),
}
_REEVAL = {"PT": "97164", "OT": "97168"}

_ACTIVITIES = {
    "97530": (
        "sit-to-stand transfers from low surface",
        "floor-to-standing transfer training",
        "lifting and carrying task simulation",
        "reaching and bending in standing for ADLs",
        "stair negotiation with functional load",
        "car transfer simulation",
        "dynamic step-ups with turning",
    ),
    "97110": (
        "LE strengthening with resistance bands",
        "quad sets, SLR and terminal knee extension",
        "scapular stabilization and rotator cuff strengthening",
        "core stabilization progression",
        "ROM exercise for shoulder flexion and abduction",
    ),
    "97112": (
        "static and dynamic balance on foam",
        "tandem stance and single-leg stance",
        "proprioceptive training on rocker board",
        "weight shifting with perturbations",
    ),
    "97116": ("gait training with rolling walker", "gait training with cane on level surfaces"),
    "97140": (
        "soft tissue mobilization to lumbar paraspinals",
        "grade III joint mobilization to knee",
        "manual stretching of hamstrings",
        "scar mobilization",
    ),
    "97535": (
        "dressing training with adaptive equipment",
        "kitchen safety and meal preparation training",
        "bathing and toileting transfer training",
    ),
}
_ASSIST = ("CGA", "SBA", "min A", "mod I", "verbal cues")
_RESPONSE = (
    "tolerated well",
    "mild fatigue, rest breaks provided",
    "improved quality of movement",
    "pain 3/10 after session",
    "good carryover from last visit",
)


# --------------------------------------------------------------------------- generator


def _wchoice(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for value, w in pairs:
        x -= w
        if x < 0:
            return value
    return pairs[-1][0]


def _business_day(d: date) -> date:
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


_START = date(2026, 1, 5)
_SPAN_DAYS = 170  # DOS from early January to late June 2026


def _person(rng: random.Random, member_id: str, age: int, sex: str | None = None) -> Person:
    sex = sex or rng.choice("FM")
    first = rng.choice(_FIRST_F if sex == "F" else _FIRST_M)
    city, state, zp = rng.choice(_CITIES)
    birth = date(2026 - age, 1, 1) + timedelta(days=rng.randrange(365))
    return Person(
        last=rng.choice(_LAST),
        first=first,
        member_id=member_id,
        address=f"{rng.randrange(100, 9900)} {rng.choice(_STREETS)}",
        city=city,
        state=state,
        zip=f"{zp}{rng.randrange(100):02d}",
        dob=birth.strftime("%Y%m%d"),
        sex=sex,
        middle=rng.choice(("", "", "A", "J", "M", "L")),
    )


@dataclass
class _Visit:
    dos: date
    codes: list[str]
    minutes: dict[str, int]
    units: dict[str, int]
    roles: dict[str, str]


def _plan_visit(
    rng: random.Random,
    disc: str,
    method: str,
    budget: int,
    first: bool,
    need_pair: bool,
    non_medicare_pt: bool,
) -> tuple[list[str], dict[str, int], dict[str, int]]:
    """Codes, minutes and units for one visit; every listed code with units > 0 is a line."""
    if disc == "SLP":
        code = "92523" if first else rng.choice(("92507", "92507", "92526"))
        m = rng.randrange(30, 61)
        return [code], {code: m}, {code: 1}
    untimed: list[str] = []
    if need_pair:
        kind = "follow"
    else:
        r = rng.random()
        kind = "eval" if first else ("reeval" if r < 0.05 else "follow")
        if kind == "follow" and rng.random() < 0.04 and budget >= 1:
            return ["97150"], {"97150": rng.randrange(30, 61)}, {"97150": 1}
    if kind == "eval":
        untimed.append(_wchoice(rng, _EVALS[disc]))
    elif kind == "reeval":
        untimed.append(_REEVAL[disc])
    if non_medicare_pt and disc == "PT" and kind == "follow" and rng.random() < 0.15:
        untimed.append("97010")
    room = max(budget - len(untimed), 0)
    for _attempt in range(50):
        chosen: list[str] = ["97140", "97530"] if need_pair else []
        want = rng.choice((1, 2, 2, 3, 3, 3)) if not need_pair else rng.choice((2, 3))
        want = min(want, room) if not need_pair else min(want, max(room, 2))
        tries = 0
        while len(chosen) < want and tries < 30:
            tries += 1
            code = _wchoice(rng, _TIMED_POOL[disc])
            if code in chosen or _conflicts(code, chosen + untimed):
                continue
            chosen.append(code)
        minutes = {c: rng.randrange(5, 39) for c in chosen}
        if method == "CMS" and len({m % 15 for m in minutes.values()}) != len(minutes):
            continue
        units = cms_units(minutes) if method == "CMS" else ama_units(minutes)
        billed = [c for c in chosen if units[c] > 0]
        if need_pair and not (units["97140"] and units["97530"]):
            continue
        if not billed and not untimed:
            continue
        if len(billed) + len(untimed) > budget and not need_pair:
            continue
        codes = untimed + chosen
        all_minutes = dict(minutes)
        all_units = dict(units)
        for u in untimed:
            all_minutes[u] = rng.randrange(10, 16) if u == "97010" else rng.randrange(30, 61)
            all_units[u] = 1
        return codes, all_minutes, all_units
    # Fallback (practically unreachable): a single 97110 session.
    return ["97110"], {"97110": 30}, {"97110": 2}


def _note(rng: random.Random, cpt: str, minutes: int, visit_no: int) -> str:
    if cpt in _ACTIVITIES:
        act = rng.choice(_ACTIVITIES[cpt])
        return (
            f"Visit {visit_no}: {act}, {rng.choice(_ASSIST)}, {rng.randrange(2, 5)}x"
            f"{rng.randrange(6, 16)}; {minutes} min; {rng.choice(_RESPONSE)}"
        )
    if cpt in ("97161", "97162", "97163", "97165", "97166", "97167"):
        return f"Visit {visit_no}: initial evaluation, POC established, goals set; {minutes} min"
    if cpt in ("97164", "97168"):
        return f"Visit {visit_no}: re-evaluation, goals updated; {minutes} min"
    if cpt == "97150":
        return f"Visit {visit_no}: group exercise class, 3 patients; {minutes} min"
    if cpt == "97010":
        return f"Visit {visit_no}: moist heat to low back prior to exercise; {minutes} min"
    if cpt == "92523":
        return f"Visit {visit_no}: speech/language evaluation; {minutes} min"
    return f"Visit {visit_no}: {cpt} treatment, {rng.choice(_RESPONSE)}; {minutes} min"


def _build_claim(
    seed: int, idx: int, practice: _Practice, defect: str | None, drng: random.Random
) -> tuple[Claim, list[tuple], str]:
    rng = random.Random(f"x12tool.synth:{seed}:claim:{idx}")
    claim_id = f"TC{seed % 100:02d}{idx + 1:08d}"
    sbr09 = _wchoice(rng, (("MB", 60), ("MC", 20), ("CI", 20)))
    payer = rng.choice(_PAYERS[sbr09])
    medicare = sbr09 == "MB"
    method = "AMA" if sbr09 == "CI" else "CMS"
    disc = _wchoice(rng, practice.disciplines)
    if (
        defect in ("overbilled_units", "units_in_minutes", "ncci_97140_97530_no_59")
        and disc == "SLP"
    ):
        disc = next(d for d, _ in practice.disciplines if d != "SLP")
    rendering = rng.choice(practice.clinicians[disc])

    # subscriber / patient
    if sbr09 == "MB":
        sub = _person(rng, make_mbi(rng), rng.randrange(65, 93))
    elif sbr09 == "MC":
        sub = _person(rng, f"5{rng.randrange(10**8, 10**9)}", rng.randrange(19, 64))
    else:
        sub = _person(
            rng, f"{payer.payer_id[:3]}{rng.randrange(10**8, 10**9)}", rng.randrange(28, 64)
        )
    patient = None
    relationship = "19"
    group = f"G{rng.randrange(10000, 99999)}" if sbr09 == "CI" else ""
    if sbr09 == "CI" and rng.random() < 0.3:
        if rng.random() < 0.5:
            relationship = "01"
            patient = _person(rng, "", rng.randrange(28, 64), "M" if sub.sex == "F" else "F")
        else:
            patient = _person(rng, "", rng.randrange(6, 18))
        patient.last = sub.last
        patient.address, patient.city, patient.zip = sub.address, sub.city, sub.zip

    # diagnoses
    pool = _DX[disc]
    ndx = rng.choice((1, 2, 2, 3, 3, 4))
    dx: list[str] = []
    while len(dx) < ndx:
        code = rng.choice(pool)
        if code not in dx:
            dx.append(code)
    pointers = (1, 2) if len(dx) >= 2 and rng.random() < 0.6 else (1,)

    # visits
    nvis = _wchoice(rng, (("1", 44), ("2", 34), ("3", 22)))
    nvis = int(nvis)
    dos = _business_day(_START + timedelta(days=rng.randrange(_SPAN_DAYS)))
    visits: list[_Visit] = []
    used = 0
    first_visit_no = 1 if rng.random() < 0.12 else rng.randrange(2, 25)
    for v in range(nvis):
        if v:
            dos = _business_day(dos + timedelta(days=rng.randrange(2, 5)))
        budget = 6 - used - (nvis - v - 1)
        codes, minutes, units = _plan_visit(
            rng,
            disc,
            method,
            budget,
            first=(v == 0 and first_visit_no == 1),
            need_pair=(defect == "ncci_97140_97530_no_59" and v == 0),
            non_medicare_pt=not medicare,
        )
        roles = {}
        for c in codes:
            role = disc
            if medicare and disc in ASSISTANT and c in TIMED and rng.random() < 0.12:
                role = ASSISTANT[disc][0]
            roles[c] = role
        visits.append(_Visit(dos, codes, minutes, units, roles))
        used += sum(1 for c in codes if units[c] > 0)

    # lines
    mod = DISCIPLINE_MODIFIER[disc]
    lines: list[ServiceLine] = []
    line_of: dict[tuple[int, str], ServiceLine] = {}
    for vi, vis in enumerate(visits):
        d8 = vis.dos.strftime("%Y%m%d")
        for c in vis.codes:
            u = vis.units[c]
            if u <= 0:
                continue
            mods = [mod]
            if c == "97530" and vis.units.get("97140", 0) > 0:
                mods.append("59")
            if vis.roles[c] in ("PTA", "OTA"):
                mods.append(ASSISTANT[disc][1])
            price = round(PRICES[c] * practice.factor)
            ln = ServiceLine(c, tuple(mods), price * 100 * u, u, d8, pointers)
            lines.append(ln)
            line_of[(vi, c)] = ln
    for lx, ln in enumerate(lines, 1):
        ln.line_control = f"{claim_id}-{lx}"

    claim = Claim(
        claim_id=claim_id,
        payer=payer,
        subscriber=sub,
        diagnoses=dx,
        lines=lines,
        patient=patient,
        relationship=relationship,
        group_number=group,
        rendering=rendering,
    )

    detail = ""
    if defect:
        defect, detail = _apply_defect(claim, defect, visits, line_of, drng)

    rows = []
    for vi, vis in enumerate(visits):
        for c in vis.codes:
            ln = line_of.get((vi, c))
            is_97530 = c == "97530"
            rows.append(
                (
                    claim_id,
                    vis.dos.isoformat(),
                    c,
                    vis.minutes[c],
                    ln.line_control if ln else "",
                    disc,
                    vis.roles[c],
                    "Y" if is_97530 else "",
                    "Y",
                    "N" if c == "97150" else "Y",
                    "Y",
                    "Y",
                    "Y",
                    _note(rng, c, vis.minutes[c], first_visit_no + vi),
                )
            )
    return claim, rows, (f"{defect}:{detail}" if defect else "")


def _timed_lines(claim: Claim) -> list[ServiceLine]:
    return [ln for ln in claim.lines if ln.cpt in TIMED and ln.unit_basis == "UN"]


def _apply_defect(
    claim: Claim,
    defect: str,
    visits: list[_Visit],
    line_of: dict[tuple[int, str], ServiceLine],
    drng: random.Random,
) -> tuple[str, str]:
    timed = _timed_lines(claim)
    if defect in ("overbilled_units", "units_in_minutes") and not timed:
        defect = "clm02_mismatch"
    if defect == "overbilled_units":
        ln = drng.choice(timed)
        price = ln.charge_cents // ln.units
        ln.units += 1
        ln.charge_cents = price * ln.units
        return (
            defect,
            f"{ln.line_control} {ln.cpt} billed {ln.units} units, visits support {ln.units - 1}",
        )
    if defect == "units_in_minutes":
        ln = drng.choice(timed)
        (vi, code) = next(k for k, v in line_of.items() if v is ln)
        ln.unit_basis = "MJ"
        ln.units = visits[vi].minutes[code]
        return defect, f"{ln.line_control} {ln.cpt} SV103=MJ SV104={ln.units}"
    if defect == "missing_gp":
        ln = drng.choice(claim.lines)
        ln.modifiers = tuple(m for m in ln.modifiers if m not in ("GP", "GO", "GN"))
        return defect, f"{ln.line_control} {ln.cpt} has no therapy modifier"
    if defect == "ncci_97140_97530_no_59":
        ln = line_of[(0, "97530")]
        ln.modifiers = tuple(m for m in ln.modifiers if m != "59")
        return defect, f"{ln.line_control} 97530 with 97140 on {ln.dos}, no 59/X modifier"
    if defect == "lone_59":
        candidates = [ln for ln in claim.lines if "59" not in ln.modifiers and ln.cpt in TIMED]
        ln = drng.choice(candidates or claim.lines)
        mods = list(ln.modifiers)
        mods.insert(1 if mods and mods[0] in ("GP", "GO", "GN") else 0, "59")
        ln.modifiers = tuple(mods[:4])
        return defect, f"{ln.line_control} {ln.cpt}-59 without an NCCI partner on {ln.dos}"
    # clm02_mismatch
    total = claim.line_total_cents
    delta = drng.choice((-1, 1)) * drng.randrange(5, 60) * 100
    if total + delta <= 0:
        delta = abs(delta)
    claim.total_cents = total + delta
    return "clm02_mismatch", f"CLM02 {fmt_amount(total + delta)} != sum SV102 {fmt_amount(total)}"


def generate(
    out: BinaryIO,
    *,
    claims: int,
    seed: int = 0,
    claims_per_st: int = 5000,
    line_breaks: bool = True,
    defect_rate: float = 0.1,
    visits: TextIO | None = None,
    interchanges: int = 1,
    defect_log: TextIO | None = None,
) -> dict:
    """Write ``claims`` synthetic 837P claims to ``out`` (binary) and return counts.

    Returns a dict with ``claims``, ``lines`` (SV1 segments), ``segments`` (all segments, ISA
    to IEA), ``units`` (sum of SV104 on SV103=UN lines), ``transactions``, ``interchanges``,
    ``bytes``, ``visit_rows`` and ``defects`` (count per defect type).
    Claims are spread evenly over ``interchanges`` ISA/IEA envelopes (one GS each), and each
    interchange's claims are split into ST sets of at most ``claims_per_st``.
    ``visits`` receives the visit-log CSV; ``defect_log`` (optional) receives
    ``claim_id,defect,detail`` rows for every defective claim.
    """
    if claims < 1:
        raise ValueError("claims must be >= 1")
    if claims_per_st < 1:
        raise ValueError("claims_per_st must be >= 1")
    interchanges = max(1, min(interchanges, claims))
    writer = ClaimWriter(out, line_breaks=line_breaks)
    vis_csv = csv.writer(visits, lineterminator="\n") if visits is not None else None
    if vis_csv:
        vis_csv.writerow(VISIT_HEADER)
    log_csv = csv.writer(defect_log, lineterminator="\n") if defect_log is not None else None
    if log_csv:
        log_csv.writerow(("claim_id", "defect", "detail"))
    defects = {d: 0 for d in DEFECT_TYPES}
    visit_rows = 0
    idx = 0
    st_no = 0
    base, extra = divmod(claims, interchanges)
    for ic in range(interchanges):
        n_ic = base + (1 if ic < extra else 0)
        writer.begin_interchange(ic + 1)
        done = 0
        st_in_ic = 0
        while done < n_ic:
            n_st = min(claims_per_st, n_ic - done)
            st_in_ic += 1
            st_rng = random.Random(f"x12tool.synth:{seed}:st:{st_no}")
            practice = PRACTICES[st_rng.randrange(len(PRACTICES))]
            writer.begin_transaction(st_in_ic, f"TB{seed % 1000:03d}{st_no + 1:06d}")
            writer.billing_provider(practice.provider)
            for _ in range(n_st):
                drng = random.Random(f"x12tool.synth:{seed}:defect:{idx}")
                defect = None
                if defect_rate > 0 and drng.random() < defect_rate:
                    defect = DEFECT_TYPES[drng.randrange(len(DEFECT_TYPES))]
                claim, rows, tag = _build_claim(seed, idx, practice, defect, drng)
                writer.claim(claim)
                if tag:
                    kind, _, detail = tag.partition(":")
                    defects[kind] += 1
                    if log_csv:
                        log_csv.writerow((claim.claim_id, kind, detail))
                if vis_csv:
                    vis_csv.writerows(rows)
                visit_rows += len(rows)
                idx += 1
            writer.end_transaction()
            st_no += 1
            done += n_st
        writer.end_interchange()
    result = writer.counts()
    result["visit_rows"] = visit_rows
    result["defects"] = defects
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m devtools.synth",
        description="Generate a deterministic synthetic 837P therapy claim file.",
    )
    p.add_argument("--claims", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", required=True, help="837 file to write")
    p.add_argument("--visits", help="also write the visit-log CSV here")
    p.add_argument("--defect-log", help="also write claim_id,defect,detail CSV here")
    p.add_argument("--no-line-breaks", action="store_true", help="no newline after '~'")
    p.add_argument("--claims-per-st", type=int, default=5000)
    p.add_argument("--defect-rate", type=float, default=0.1)
    p.add_argument("--interchanges", type=int, default=1)
    a = p.parse_args(argv)
    vis = open(a.visits, "w", newline="", encoding="utf-8") if a.visits else None
    log = open(a.defect_log, "w", newline="", encoding="utf-8") if a.defect_log else None
    try:
        with open(a.output, "wb") as out:
            counts = generate(
                out,
                claims=a.claims,
                seed=a.seed,
                claims_per_st=a.claims_per_st,
                line_breaks=not a.no_line_breaks,
                defect_rate=a.defect_rate,
                visits=vis,
                interchanges=a.interchanges,
                defect_log=log,
            )
    finally:
        if vis:
            vis.close()
        if log:
            log.close()
    json.dump(counts, sys.stdout, indent=None)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

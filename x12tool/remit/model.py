"""The 835 (005010X221A1) remittance as a model: payment header, claim and service payments.

Loops of the TR3 (ASC X12N 005010X221A1): the header (BPR financial information, TRN
reassociation trace, DTM*405 production date), 1000A payer (N1*PR, REF*2U), 1000B payee
(N1*PE), 2000 header number (LX), 2100 claim payment (CLP, CAS, NM1, MOA/MIA, DTM, AMT),
2110 service payment (SVC, DTM*472/150/151, CAS, REF*6R, AMT*B6, LQ) and the PLB provider
adjustments of the footer. Every object keeps the segment it was read from, so errors and
listings can name the segment position and byte offset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from x12tool.edi.segment import Segment

# CLP02 claim status codes (TR3 2100 CLP02): 4 = denied, 22 = reversal of previous payment.
DENIED_STATUS = "4"
REVERSAL_STATUS = "22"
# Patient cost share (CARC 1 deductible, 2 coinsurance, 3 copay): the payer allowed the line
# but the patient owes it, so a zero payment made of these alone is not a denial.
COST_SHARE = frozenset({("PR", "1"), ("PR", "2"), ("PR", "3")})


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One CAS reason: group (CO/PR/OI/PI/OA), CARC, amount (negative reverses), quantity."""

    group: str
    reason: str
    amount: Decimal
    quantity: str = ""

    @property
    def label(self) -> str:
        return f"{self.group}-{self.reason}"


@dataclass(slots=True)
class RemitHeader:
    """One transaction set's payment: who pays whom, how much, by which check or EFT."""

    st: Segment
    set_number: int  # 1-based count of 835 transaction sets in the file
    handling: str = ""  # BPR01 (C payment + advice, H advice only, I remittance only, ...)
    total: Decimal = Decimal(0)  # BPR02
    credit_debit: str = ""  # BPR03
    method: str = ""  # BPR04 (ACH, CHK, FWT, BOP, NON)
    payment_date: date | None = None  # BPR16
    trace: str = ""  # TRN02: check or EFT trace number
    originator: str = ""  # TRN03: payer's company id (1 + TIN)
    production_date: date | None = None  # DTM*405
    payer_name: str = ""  # 1000A N102
    payer_id: str = ""  # 1000A REF*2U, else N104, else TRN03
    payee_name: str = ""  # 1000B N102
    payee_id: str = ""  # 1000B N104 (NPI when N103 = XX)

    @property
    def payer_key(self) -> str:
        """Who paid, as the remittance names it: REF*2U / N104, else TRN03, else the name."""
        return (self.payer_id or self.originator or self.payer_name).strip().upper()

    @property
    def paid_on(self) -> date | None:
        return self.payment_date or self.production_date


@dataclass(slots=True)
class ServicePayment:
    svc: Segment
    number: int  # 1-based within the claim payment
    qualifier: str = ""
    code: str = ""  # SVC01-2 as adjudicated
    modifiers: tuple[str, ...] = ()
    charge: Decimal = Decimal(0)  # SVC02
    paid: Decimal = Decimal(0)  # SVC03
    units: Decimal | None = None  # SVC05 (paid units; 1 when absent, TR3 note)
    submitted_code: str = ""  # SVC06-2 when the payer changed the code
    submitted_modifiers: tuple[str, ...] = ()
    submitted_units: Decimal | None = None  # SVC07
    date_from: date | None = None  # DTM*472 or DTM*150
    date_to: date | None = None  # DTM*151
    line_control: str = ""  # REF*6R: our REF*6R (or LX) echoed back
    allowed_b6: Decimal | None = None  # AMT*B6
    adjustments: list[Adjustment] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)  # LQ*HE RARCs

    @property
    def billed_code(self) -> str:
        """The code as we sent it (SVC06 when the payer changed it)."""
        return self.submitted_code or self.code

    @property
    def billed_modifiers(self) -> tuple[str, ...]:
        return self.submitted_modifiers if self.submitted_code else self.modifiers

    @property
    def patient_share(self) -> Decimal:
        """Deductible, coinsurance and copay (PR-1/2/3): allowed, but the patient's to pay.
        Other PR reasons (PR-204 not covered, PR-27 after coverage ended) allow nothing."""
        return sum(
            (a.amount for a in self.adjustments if (a.group, a.reason) in COST_SHARE), Decimal(0)
        )

    @property
    def allowed(self) -> tuple[Decimal, str]:
        """(allowed amount, basis): AMT*B6 when the payer sent it, else paid + the patient's
        cost share (PR-1/2/3)."""
        if self.allowed_b6 is not None:
            return self.allowed_b6, "AMT*B6"
        return self.paid + self.patient_share, "paid+PR"


@dataclass(slots=True)
class ClaimPayment:
    clp: Segment
    header: RemitHeader
    claim_id: str = ""  # CLP01: our CLM01 echoed back
    status: str = ""  # CLP02
    charge: Decimal = Decimal(0)  # CLP03
    paid: Decimal = Decimal(0)  # CLP04
    patient_resp: Decimal = Decimal(0)  # CLP05
    filing: str = ""  # CLP06 claim filing indicator (same code list as 837 SBR09)
    payer_control: str = ""  # CLP07 payer claim control number (ICN)
    frequency: str = ""  # CLP09
    member_id: str = ""  # NM1*QC NM109 (patient), else NM1*IL
    rendering: str = ""  # NM1*82 NM109
    statement_from: date | None = None  # DTM*232
    adjustments: list[Adjustment] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)  # MOA/MIA remark codes
    services: list[ServicePayment] = field(default_factory=list)

    @property
    def reversal(self) -> bool:
        return self.status == REVERSAL_STATUS


@dataclass(slots=True)
class ProviderAdjustment:
    """One PLB reason (a PLB segment holds up to six): provider-level, not a claim's."""

    plb: Segment
    header: RemitHeader
    provider: str  # PLB01
    fiscal_date: date | None  # PLB02
    reason: str  # PLB03-1 (e.g. WO, 72, L6, FB, CV)
    reference: str  # PLB03-2
    amount: Decimal  # positive reduces the payment
    seq: int  # 1-based count of PLB reasons in the transaction set


def is_denied(line: ServicePayment, claim: ClaimPayment | None = None) -> bool:
    """A line the payer denied: nothing paid on a charge, for a reason other than the patient's
    cost share (deductible, coinsurance, copay); a line without adjustments of its own counts as
    denied when its claim is (CLP02 = 4). docs/remittance.md, "What counts as denied"."""
    if line.paid > 0 or line.charge <= 0:
        return False
    reasons = [a for a in line.adjustments if a.amount != 0]
    if not reasons:
        return claim is not None and claim.status == DENIED_STATUS
    return any((a.group, a.reason) not in COST_SHARE for a in reasons)

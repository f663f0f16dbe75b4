"""Stream an 835 file into remittance objects, one claim payment at a time.

The same streaming segment reader and envelope checks as the 837 path (``X12Source`` with
``kind="835"``), so a broken 835 gets the same one-line errors and exit code 3, and a 4010
(ISA12 00401) 835 is refused as unsupported. Memory is bounded by the largest claim payment.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation

from x12tool.edi.errors import X12InputError
from x12tool.edi.segment import Segment
from x12tool.edi.source import X12Source
from x12tool.remit.model import (
    Adjustment,
    ClaimPayment,
    ProviderAdjustment,
    RemitHeader,
    ServicePayment,
)

# Segments that close a 2100 claim payment (the next claim, a new 2000 header number, the
# footer's PLB, the trailer).
_CLAIM_ENDS = frozenset({"LX", "TS3", "TS2", "CLP", "PLB", "SE"})

Item = RemitHeader | ClaimPayment | ProviderAdjustment


class _Fail:
    def __init__(self, path: str) -> None:
        self.path = path

    def __call__(self, seg: Segment, message: str) -> X12InputError:
        return X12InputError(
            message, path=self.path, position=seg.position, offset=seg.offset, tag=seg.tag
        )


def _amount(seg: Segment, index: int, fail: _Fail, *, required: bool = True) -> Decimal:
    text = seg.element(index).strip()
    if not text:
        if required:
            raise fail(seg, f"{seg.tag}{index:02d} is empty: expected an amount")
        return Decimal(0)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise fail(seg, f"{seg.tag}{index:02d} is not an amount") from None
    if not value.is_finite():
        raise fail(seg, f"{seg.tag}{index:02d} is not an amount")
    return value


def _date(seg: Segment, index: int, fail: _Fail) -> date | None:
    text = seg.element(index).strip()
    if not text:
        return None
    if len(text) != 8 or not text.isdigit():
        raise fail(seg, f"{seg.tag}{index:02d} is not a CCYYMMDD date")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise fail(seg, f"{seg.tag}{index:02d} is not a valid date") from None


def _adjustments(seg: Segment, fail: _Fail) -> list[Adjustment]:
    """CAS01 group, then up to six (reason, amount, quantity) triples (CAS02-CAS19)."""
    group = seg.element(1).strip().upper()
    if not group:
        raise fail(seg, "CAS01 is empty: expected an adjustment group (CO, PR, OA, PI, CR)")
    out = []
    for i in range(2, 20, 3):
        reason = seg.element(i).strip().upper()
        if not reason:
            continue
        out.append(Adjustment(group, reason, _amount(seg, i + 1, fail), seg.element(i + 2)))
    if not out:
        raise fail(seg, "CAS02 is empty: expected an adjustment reason code")
    return out


def iter_remit(path: str) -> Iterator[Item]:
    """Yield, in file order: each transaction set's :class:`RemitHeader` (once its payer and
    payee are read), its :class:`ClaimPayment` objects and its :class:`ProviderAdjustment`s."""
    fail = _Fail(path)
    with X12Source(path, kind="835") as src:
        comp = src.delims.component
        header: RemitHeader | None = None
        header_out = False
        claim: ClaimPayment | None = None
        service: ServicePayment | None = None
        party = ""  # the N1 loop we are in: PR or PE
        sets = 0
        plb_seq = 0
        for seg in src.segments():
            tag = seg.tag
            if tag == "ST":
                sets += 1
                header, header_out, claim, service, party, plb_seq = (
                    RemitHeader(seg, sets),
                    False,
                    None,
                    None,
                    "",
                    0,
                )
                continue
            if header is None:
                continue  # ISA, GS, GE, IEA
            if tag in _CLAIM_ENDS:
                if not header_out:
                    header_out = True
                    yield header
                if claim is not None:
                    yield claim
                    claim = service = None
            if tag == "BPR":
                header.handling = seg.element(1)
                header.total = _amount(seg, 2, fail)
                header.credit_debit = seg.element(3)
                header.method = seg.element(4)
                header.payment_date = _date(seg, 16, fail)
            elif tag == "TRN" and not header.trace:
                header.trace = seg.element(2)
                header.originator = seg.element(3)
            elif tag == "DTM" and claim is None and seg.element(1) == "405":
                header.production_date = _date(seg, 2, fail)
            elif tag == "N1" and claim is None:
                party = seg.element(1)
                if party == "PR":
                    header.payer_name = seg.element(2)
                    header.payer_id = header.payer_id or seg.element(4)
                elif party == "PE":
                    header.payee_name = seg.element(2)
                    header.payee_id = seg.element(4)
            elif tag == "REF" and claim is None and party == "PR" and seg.element(1) == "2U":
                header.payer_id = seg.element(2)  # payer identification number beats N104
            elif tag == "CLP":
                claim = ClaimPayment(
                    clp=seg,
                    header=header,
                    claim_id=seg.element(1).strip(),
                    status=seg.element(2).strip(),
                    charge=_amount(seg, 3, fail),
                    paid=_amount(seg, 4, fail),
                    patient_resp=_amount(seg, 5, fail, required=False),
                    filing=seg.element(6).strip().upper(),
                    payer_control=seg.element(7).strip(),
                    frequency=seg.element(9).strip(),
                )
                if not claim.claim_id:
                    raise fail(seg, "CLP01 is empty: expected the claim's CLM01")
                service = None
            elif claim is not None:
                if tag == "SVC":
                    parts = seg.element(1).split(comp)
                    sub = seg.element(6).split(comp) if seg.element(6) else []
                    service = ServicePayment(
                        svc=seg,
                        number=len(claim.services) + 1,
                        qualifier=parts[0].strip(),
                        code=(parts[1] if len(parts) > 1 else "").strip().upper(),
                        modifiers=tuple(m.strip().upper() for m in parts[2:6] if m.strip()),
                        charge=_amount(seg, 2, fail),
                        paid=_amount(seg, 3, fail),
                        units=_amount(seg, 5, fail) if seg.element(5).strip() else None,
                        submitted_code=(sub[1] if len(sub) > 1 else "").strip().upper(),
                        submitted_modifiers=tuple(m.strip().upper() for m in sub[2:6] if m.strip()),
                        submitted_units=_amount(seg, 7, fail) if seg.element(7).strip() else None,
                    )
                    claim.services.append(service)
                elif tag == "CAS":
                    (service or claim).adjustments.extend(_adjustments(seg, fail))
                elif tag == "DTM":
                    qual = seg.element(1)
                    if service is not None:
                        if qual in ("472", "150"):
                            service.date_from = _date(seg, 2, fail)
                        elif qual == "151":
                            service.date_to = _date(seg, 2, fail)
                    elif qual == "232":
                        claim.statement_from = _date(seg, 2, fail)
                elif tag == "REF" and service is not None and seg.element(1) == "6R":
                    service.line_control = seg.element(2).strip()
                elif tag == "AMT" and service is not None and seg.element(1) == "B6":
                    service.allowed_b6 = _amount(seg, 2, fail)
                elif tag == "LQ" and service is not None and seg.element(1) == "HE":
                    service.remarks.append(seg.element(2).strip().upper())
                elif tag == "NM1" and service is None:
                    who = seg.element(1)
                    if who == "QC" or (who == "IL" and not claim.member_id):
                        claim.member_id = seg.element(9).strip()
                    elif who == "82":
                        claim.rendering = seg.element(9).strip()
                elif tag in ("MOA", "MIA"):
                    # MOA03-07 / MIA05, MIA20-24: claim-level remark codes (RARCs).
                    slots = range(3, 8) if tag == "MOA" else (5, 20, 21, 22, 23)
                    claim.remarks.extend(
                        seg.element(i).strip().upper() for i in slots if seg.element(i).strip()
                    )
            if tag == "PLB":
                provider, fiscal = seg.element(1), _date(seg, 2, fail)
                for i in range(3, 15, 2):
                    ident = seg.element(i)
                    if not ident.strip():
                        continue
                    parts = ident.split(comp)
                    plb_seq += 1
                    yield ProviderAdjustment(
                        plb=seg,
                        header=header,
                        provider=provider,
                        fiscal_date=fiscal,
                        reason=parts[0].strip().upper(),
                        reference=(parts[1] if len(parts) > 1 else "").strip(),
                        amount=_amount(seg, i + 1, fail),
                        seq=plb_seq,
                    )
            elif tag == "SE":
                header = None

"""The 277CA claim acknowledgment (005010X214) of one input: every claim accepted or rejected.

One 277 transaction set per 837 transaction set (RFI 2145: the relation is 1:1), in one HN group
per input group, in one interchange per input interchange (docs/acknowledgments.md):

- 2000A/2100A information source: the input's receiver (1000B), as ``NM1*AY`` (x12tool stands
  where the clearinghouse will); 2200A its trace and dates;
- 2000B/2100B information receiver: the input's submitter (1000A); 2200B ``TRN*2`` = the 837
  BHT03, the batch's receipt status and totals (QTY 90/AA, AMT YU/YY: counts of claims, sums of
  CLM02; only non-zero ones are written);
- 2000C/2100C billing provider (2010AA), ``TRN*1`` = the input's HL01 of that provider, its
  totals (QTY QA/QC, AMT YU/YY);
- 2000D/2100D patient (2010CA if present, else the subscriber 2010BA, with the subscriber's
  member id), 2200D ``TRN*2`` = CLM01 exactly as sent, STC, ``REF*D9`` only when the 837 sent
  one, ``DTP*472`` the claim's service dates;
- 2220D, for a rejected claim only, every service line a holding finding names: SVC (SV101,
  SV102, SV104 as sent), its STC, ``REF*FJ`` = the 837 ``REF*6R`` line item control number,
  DTP*472.

Statuses come from maps/claim_status.xml: claims that go (ready or corrected) get the outcome
status (A1:19:40, received), held claims get each holding rule's status (STC01, then STC10 and
STC11), with the rule codes and messages in STC12 so a biller sees them in the PM system.
pyx12's 277 map requires STC02 in 2220D (the TR3 leaves it unused), so it is filled with the
date (acknowledgments.md §2.4).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import chain, groupby

from x12tool.edi.envelope_sets import EnvelopeScan, SetScan
from x12tool.refdata import ClaimStatus, ClaimStatusMap, load_claim_status
from x12tool.reports.ack_book import AckBook, Totals
from x12tool.reports.ack_x12 import (
    AckNumbers,
    SegmentOut,
    amount,
    clean,
    composite,
    ge,
    gs,
    iea,
    isa,
)

VERSION = "005010X214"
TEXT_MAX = 264  # STC12 (element 933) maximum length


def _stc(status: ClaimStatus) -> str:
    return composite(*status.composite)


def _counts(out: SegmentOut, totals: Totals, accepted_code: str, rejected_code: str) -> None:
    if totals.accepted:
        out.seg("QTY", accepted_code, str(totals.accepted))
    if totals.rejected:
        out.seg("QTY", rejected_code, str(totals.rejected))
    if totals.accepted:
        out.seg("AMT", "YU", amount(totals.accepted_amount))
    if totals.rejected:
        out.seg("AMT", "YY", amount(totals.rejected_amount))


def _name(fields: list[str] | None, qualifier: str, fallback_id_type: str) -> list[str]:
    """NM1 of a provider or party: NM102-NM105, NM108, NM109 of the input's segment."""
    kind, last, first, middle, id_type, ident = fields or ["2", "", "", "", "", ""]
    kind = kind if kind in ("1", "2") else "2"
    return [
        "NM1",
        qualifier,
        kind,
        clean(last, 60) or "UNKNOWN",
        clean(first, 35) if kind == "1" else "",
        clean(middle, 25) if kind == "1" else "",
        "",
        "",
        clean(id_type, 2) or fallback_id_type,
        clean(ident, 80),
    ]


def _statuses(records: list[list[str]], smap: ClaimStatusMap) -> list[ClaimStatus]:
    seen: dict[tuple, ClaimStatus] = {}
    for code, _ in records:
        st = smap.for_rule(code)
        seen.setdefault(st.composite, st)
    return list(seen.values())[:3] or [smap.outcomes["held"]]


def _claim(out: SegmentOut, rec: dict, hl: int, parent: int, day: str, smap: ClaimStatusMap):
    out.seg("HL", str(hl), str(parent), "PT")
    last, first, member = rec["patient"]
    out.seg(
        "NM1",
        "QC",
        "1",
        clean(last, 60) or "UNKNOWN",
        clean(first, 35),
        "",
        "",
        "",
        "MI" if clean(member) else "",
        clean(member, 80),
    )
    out.seg("TRN", "2", clean(rec["id"], 50))
    charge = amount(Decimal(rec["charge"]))
    if rec["status"] != "held":
        status = smap.outcomes[rec["status"]]
        text = ""
        if rec["fixed"]:
            text = "x12tool corrected " + " ".join(rec["fixed"])
        out.seg(
            "STC",
            _stc(status),
            day,
            status.action,
            charge,
            *[""] * 5,
            "",
            "",
            clean(text, TEXT_MAX),
        )
    else:
        statuses = _statuses(rec["findings"], smap)
        extra = [_stc(s) for s in statuses[1:]] + ["", ""]
        text = "; ".join(f"{code} {message}" for code, message in rec["findings"])
        out.seg(
            "STC",
            _stc(statuses[0]),
            day,
            "U",
            charge,
            *[""] * 5,
            extra[0],
            extra[1],
            clean(text, TEXT_MAX),
        )
    if rec["d9"]:
        out.seg("REF", "D9", clean(rec["d9"], 50))
    low, high = rec["dates"]
    if low and high and low != high:
        out.seg("DTP", "472", "RD8", f"{low}-{high}")
    else:
        out.seg("DTP", "472", "D8", low or day)
    for line in rec["lines"]:
        svc = composite(*line["svc"][:6])
        out.seg(
            "SVC", svc, clean(line["charge"], 18) or "0", "", "", "", "", clean(line["units"], 15)
        )
        statuses = _statuses([[c, ""] for c in line["codes"]], smap)
        extra = [_stc(s) for s in statuses[1:]] + ["", ""]
        out.seg("STC", _stc(statuses[0]), day, "U", *[""] * 6, extra[0], extra[1])
        if line["control"]:
            out.seg("REF", "FJ", clean(line["control"], 50))
        if line["dtp"]:
            qual, value = line["dtp"]
            if qual in ("D8", "RD8") and value:
                out.seg("DTP", "472", qual, clean(value, 35))


def _set(
    out: SegmentOut,
    s: SetScan,
    st02: str,
    ref: str,
    records: Iterable[dict],
    book: AckBook,
    set_number: int,
    numbers: AckNumbers,
    smap: ClaimStatusMap,
) -> Iterator[str]:
    day = numbers.now.strftime("%Y%m%d")
    out.start_set("ST", "277", st02, VERSION)
    out.seg("BHT", "0085", "08", ref, day, numbers.now.strftime("%H%M"), "TH")
    out.seg("HL", "1", "", "20", "1")
    receiver = s.header_segment("NM1", "40")
    out.seg(
        *_name([receiver.element(i) for i in (2, 3, 4, 5, 8, 9)] if receiver else None, "AY", "46")
    )
    out.seg("TRN", "1", ref)
    out.seg("DTP", "050", "D8", day)
    out.seg("DTP", "009", "D8", day)
    out.seg("HL", "2", "1", "21", "1")
    submitter = s.header_segment("NM1", "41")
    nm1 = _name(
        [submitter.element(i) for i in (2, 3, 4, 5, 8, 9)] if submitter else None, "41", "46"
    )
    nm1[8] = "46"
    out.seg(*nm1)
    bht = s.header_segment("BHT")
    out.seg("TRN", "2", clean(bht.element(3), 50) if bht is not None else "0")
    totals = book.sets.get(set_number, Totals())
    received = smap.outcomes["ready"]
    out.seg("STC", _stc(received), day, "WQ", amount(totals.total_amount))
    _counts(out, totals, "90", "AA")
    hl = 2
    for provider, claims in groupby(records, key=lambda r: r["provider"]):
        hl += 1
        parent = hl
        first = next(claims)
        out.seg("HL", str(parent), "2", "19", "1")
        out.seg(*_name(first["billing"], "85", "XX"))
        out.seg("TRN", "1", clean(provider, 50) or "0")
        ptotals = book.providers.get((set_number, provider), Totals())
        out.seg("STC", _stc(received), "", "WQ", amount(ptotals.total_amount))
        _counts(out, ptotals, "QA", "QC")
        for rec in chain([first], claims):  # streamed: never a provider's claims in a list
            hl += 1
            _claim(out, rec, hl, parent, day, smap)
            yield out.drain()  # a claim at a time: memory stays flat however large the set
    out.end_set(st02)
    yield out.drain()


def render_277(scan: EnvelopeScan, book: AckBook, numbers: AckNumbers) -> Iterator[str]:
    """The 277CA file's text, in pieces (one per transaction set), claims streamed from the book."""
    smap = load_claim_status()
    records = _Peek(iter(book))
    set_number = 0
    for ic in scan.interchanges:
        control = numbers.next(ic.isa.element(13))
        groups = []
        for g in ic.groups:
            sets = []
            for s in g.sets:
                set_number += 1
                # a set with claims (a 277CA needs one) that the 999 does not reject: a rejected
                # set takes all its claims down, and they get no 277CA (acknowledgments.md §0)
                if set_number in book.sets and not s.codes:
                    sets.append((s, set_number))
            if sets:
                groups.append((g, sets))
        if not groups:
            continue
        yield isa(ic.isa, control, numbers.now)
        yield gs("HN", groups[0][0].gs, control, numbers.now, VERSION)
        n = 0
        for _g, sets in groups:
            for s, number in sets:
                n += 1
                out = SegmentOut()
                st02 = f"{n:04d}"
                ref = f"X12T{control:09d}{n:04d}"
                yield from _set(
                    out, s, st02, ref, records.take(number), book, number, numbers, smap
                )
        yield ge(n, control)
        yield iea(1, control)


class _Peek:
    """The book's records with a look at the next one (records come in file order)."""

    def __init__(self, it: Iterator[dict]) -> None:
        self.it = it
        self.head = next(it, None)

    def take(self, set_number: int) -> Iterator[dict]:
        # records of earlier sets not answered here (a set the 999 rejects, ENV002) are passed
        while self.head is not None and self.head["set"] < set_number:
            self.head = next(self.it, None)
        while self.head is not None and self.head["set"] == set_number:
            rec = self.head
            self.head = next(self.it, None)
            yield rec

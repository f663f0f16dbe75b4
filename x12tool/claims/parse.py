"""Build claim-model objects from the segments of one loop (TR3 005010X222A1 loop layout)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import islice

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
from x12tool.edi.delimiters import Delimiters
from x12tool.edi.segment import Segment

# HI composites that carry diagnoses (TR3 2300 HI, Health Care Diagnosis Code): ICD-10 ABK
# principal / ABF other, and ICD-9 BK / BF in old files. Other HI segments (BG condition codes,
# BP anesthesia, ...) are not diagnoses and do not count for SV107 pointers.
DIAGNOSIS_QUALIFIERS = frozenset({"ABK", "ABF", "BK", "BF"})


def _other_separator(element: str) -> str:
    """The character between a diagnosis qualifier and its code when it is not ISA16's
    (``BK>7215`` in a file whose component separator is ``:``), else ''."""
    for qualifier in ("ABK", "ABF", "BK", "BF"):
        if element.startswith(qualifier) and len(element) > len(qualifier) + 1:
            sep = element[len(qualifier)]
            if not sep.isalnum() and not sep.isspace():
                return sep
    return ""


def is_digits(text: str) -> bool:
    """ASCII 0-9 only: str.isdigit() is also true for '²' and other Unicode digits, which X12
    (ASCII) never means and int() refuses."""
    return text.isascii() and text.isdigit()


# Values already read: charges, units and dates repeat across the lines of a file, and Decimal
# and date objects are immutable, so the same text can share one object. Bounded: cleared when
# full, so memory stays flat whatever the file size.
_MEMO_MAX = 8192
_decimals: dict[str, Decimal | None] = {}
_UNREAD = object()  # not in a memo (whose values can be None)
_dates: dict[str, date | None] = {}
# SV107 texts read without a problem, as the pointers they hold, by component separator
# (ISA16: "1:2" holds two pointers in one file and is no pointer in another)
_pointers: dict[str, dict[str, tuple[int, ...]]] = {}
# SV1 and HI segments read without a problem, as the values read from them, by their text
# (``Segment._raw``, the first part of ``raw``: a read segment's text without its terminator,
# else the whole raw, which holds one; a procedure billed alike, a claim's diagnoses, repeat
# across a file; read without joining raw), for each
# set of delimiters (the element separator and terminator say where the text's elements and
# end are, ISA16 its components). Bounded as the others, smaller: a whole segment's text and
# values weigh more than a number's (a 100,000-claim run's peak memory stays that of 1,000).
_TEXT_MEMO_MAX = 1024
_sv1s: dict[tuple[str, str, str], dict[str, tuple]] = {}
_his: dict[tuple[str, str, str], dict[str, tuple[str, ...]]] = {}
# DTP*472 segments of a D8 date read without a problem, as that date, by their text
_dtps: dict[tuple[str, str, str], dict[str, date]] = {}


def _memo(table: dict[tuple[str, str, str], dict], delims: Delimiters) -> dict:
    """``table``'s memo for segments of these delimiters (emptied when full)."""
    key = (delims.element, delims.component, delims.segment)
    memo = table.get(key)
    if memo is None:
        if len(table) >= 16:
            table.clear()
        memo = table[key] = {}
    elif len(memo) >= _TEXT_MEMO_MAX:
        memo.clear()
    return memo


def _memos(delims: Delimiters) -> tuple[dict, dict, dict]:
    """The HI, SV1 and DTP memos for segments of these delimiters (:func:`_memo` of each),
    looked up together: once a claim."""
    key = (delims.element, delims.component, delims.segment)
    his = _his.get(key)
    sv1s = _sv1s.get(key)
    dtps = _dtps.get(key)
    if (
        his is None
        or sv1s is None
        or dtps is None
        or len(his) >= _TEXT_MEMO_MAX
        or len(sv1s) >= _TEXT_MEMO_MAX
        or len(dtps) >= _TEXT_MEMO_MAX
    ):
        return _memo(_his, delims), _memo(_sv1s, delims), _memo(_dtps, delims)
    return his, sv1s, dtps


def parse_decimal(text: str) -> Decimal | None:
    # get() rather than try: a claim's total (CLM02) is mostly new, and a KeyError raised
    # and caught costs more than the lookup
    got = _decimals.get(text, _UNREAD)
    if got is not _UNREAD:
        return got
    got = _parse_decimal(text)
    if len(_decimals) >= _MEMO_MAX:
        _decimals.clear()
    _decimals[text] = got
    return got


def _parse_decimal(text: str) -> Decimal | None:
    # X12 "R" data type: optional sign, digits, optional decimal point; no exponent, no commas.
    if not text or not _is_r(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _is_r(text: str) -> bool:
    body = text[1:] if text[0] in "+-" else text
    if not body or body.count(".") > 1:
        return False
    return is_digits(body.replace(".", "", 1))


def parse_d8(text: str) -> date | None:
    try:
        return _dates[text]
    except KeyError:
        pass
    got = _parse_d8(text)
    if len(_dates) >= _MEMO_MAX:
        _dates.clear()
    _dates[text] = got
    return got


def _parse_d8(text: str) -> date | None:
    if len(text) != 8 or not is_digits(text):
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def billing_provider(block: HLBlock) -> Provider:
    prv = block.first("PRV")
    nm1 = block.first("NM1", "85")
    return Provider(
        nm1=nm1,
        prv=prv,
        name=nm1.element(3) if nm1 else "",
        npi=nm1.element(9) if nm1 and nm1.element(8) == "XX" else "",
        taxonomy=prv.element(3) if prv and prv.element(2) == "PXC" else "",
    )


def subscriber(block: HLBlock) -> Subscriber:
    sbr = None  # the first SBR
    last = first = member = birth = payer_name = payer_id = ""
    in_2010ba = False
    # elements read from the field list (as Segment.element() gives them), values gathered in
    # locals and the Subscriber built once with them: one block a claim
    for seg in block.segments:
        f = seg.fields
        tag = f[0]
        if tag == "NM1":
            n = len(f)
            qual = f[1] if n > 1 else ""
            in_2010ba = qual == "IL"
            if in_2010ba:
                last = f[3] if n > 3 else ""
                first = f[4] if n > 4 else ""
                member = f[9] if n > 9 else ""
            elif qual == "PR":
                payer_name = f[3] if n > 3 else ""
                payer_id = f[9] if n > 9 else ""
        elif tag == "DMG":
            if in_2010ba:
                birth = f[2] if len(f) > 2 else ""
        elif tag == "SBR" and sbr is None:
            sbr = seg
    if sbr is None:
        return Subscriber(block, None, "", "", "", member, last, first, birth, payer_name, payer_id)
    f = sbr.fields
    n = len(f)
    return Subscriber(
        block,
        sbr,
        f[1] if n > 1 else "",
        f[2] if n > 2 else "",
        f[9] if n > 9 else "",
        member,
        last,
        first,
        birth,
        payer_name,
        payer_id,
    )


def patient(block: HLBlock) -> Patient:
    pat = Patient(block=block)
    for seg in block.segments:
        if seg.fields[0] == "NM1" and seg.element(1) == "QC":
            pat.last_name = seg.element(3)
            pat.first_name = seg.element(4)
        elif seg.fields[0] == "DMG":
            pat.birth_date = seg.element(2)
    return pat


def _rendering(nm1: Segment) -> Provider:
    """A rendering provider (2310B, 2420A) from its NM1*82, its PRV not read yet."""
    f = nm1.fields
    n = len(f)
    # elements as Segment.element() gives them, the slots set here (every one, as
    # Provider(...) would, without its __init__ frame): once a claim or line that has one
    prov = object.__new__(Provider)
    prov.nm1 = nm1
    prov.prv = None
    prov.name = f[3] if n > 3 else ""
    prov.npi = f[9] if n > 9 and f[8] == "XX" else ""
    prov.taxonomy = ""
    return prov


def claim(
    segments: list[Segment],
    envelope: EnvelopeRef,
    billing: HLBlock,
    subscriber_block: HLBlock,
    patient_block: HLBlock | None,
    billing_prov: Provider,
    sub: Subscriber,
    pat: Patient | None,
) -> Claim:
    clm = segments[0]
    f = clm.fields
    n = len(f)
    # CLM01, CLM02 and CLM05 as Segment.element() and components() give them
    charge_text = f[2] if n > 2 else ""
    charge = parse_decimal(charge_text)
    c05 = (f[5] if n > 5 else "").split(clm.delims.component)
    # the claim's slots set here, every one (as Claim(...) would): the class's call (its
    # __init__ frame, its default factories) costs more than the stores, once a claim
    c = object.__new__(Claim)
    c.segments = segments
    c.envelope = envelope
    c.billing = billing
    c.subscriber_block = subscriber_block
    c.patient_block = patient_block
    c.billing_provider = billing_prov
    c.subscriber = sub
    c.patient = pat
    c.clm = clm
    c.id = f[1] if n > 1 else ""
    c.charge = charge
    c.place_of_service = c05[0]
    c.frequency = c05[2] if len(c05) > 2 else ""
    c.diagnoses = []
    c.hi = []
    c.rendering = None
    c.lines = []
    c.problems = []
    c.payer_class = ""
    if charge is None:
        c.problems.append(Problem(clm, "CLM02", f"total charge {charge_text!r} is not a number"))

    # 2300 proper ends at the first LX. Within it, 2310B (NM1*82 + PRV*PE) is the claim's
    # rendering provider, but only before any 2320 SBR: after SBR, NM1s belong to 2330x.
    in_2320 = False
    current: Provider | None = None
    first_lx = len(segments)
    his, sv1s, dtps = _memos(clm.delims)
    # from the segment after the CLM (which none of the tags below is)
    for i, seg in enumerate(islice(segments, 1, None), 1):
        f = seg.fields
        tag = f[0]
        if tag == "LX":
            first_lx = i
            break
        if tag == "HI":
            # the CLM's delimiters' memo, unless this HI has others (never, read from a file)
            memo = his if seg.delims is clm.delims else _memo(_his, seg.delims)
            known = memo.get(seg._raw)
            if known is not None:
                if known:
                    c.hi.append(seg)
                    c.diagnoses.extend(known)
                continue
            had = len(c.problems)
            codes = []
            for n, el in enumerate(f[1:], start=1):
                parts = el.split(seg.delims.component)
                if len(parts) >= 2 and parts[0] in DIAGNOSIS_QUALIFIERS:
                    codes.append(parts[1])
                elif len(parts) == 1:
                    other = _other_separator(el)
                    if other:
                        c.problems.append(
                            Problem(
                                seg,
                                f"HI{n:02d}",
                                f"diagnosis {el!r} is written with {other!r} between qualifier "
                                f"and code, but this file's component separator (ISA16) is "
                                f"{seg.delims.component!r}, so the claim has no readable diagnosis",
                            )
                        )
            if codes:
                c.hi.append(seg)
                c.diagnoses.extend(codes)
            if len(c.problems) == had and seg._raw is not None:
                memo[seg._raw] = tuple(codes)
        elif tag == "SBR":
            in_2320 = True
            current = None
        elif tag == "NM1":
            current = None
            # NM101, PRV02 and PRV03 as Segment.element() gives them
            if len(f) > 1 and f[1] == "82" and not in_2320:
                current = c.rendering = _rendering(seg)
        elif tag == "PRV" and current is not None and len(f) > 2 and f[2] == "PXC":
            current.prv = seg
            current.taxonomy = f[3] if len(f) > 3 else ""
    if first_lx < len(segments):
        # the memos of the CLM's delimiters, which its lines have (else their own)
        same = segments[first_lx].delims is clm.delims
        _read_lines(segments, first_lx, c.lines, memos=(sv1s, dtps) if same else None)
    return c


def service_line(segments: list[Segment], start: int, end: int) -> ServiceLine:
    """The 2400 loop ``segments[start:end]`` (from its LX)."""
    lines: list[ServiceLine] = []
    _read_lines(segments, start, lines, end, split=False)
    return lines[0]


# LX01 as written for the first lines of a claim ("1".."99", no leading zero): its number
# without the calls of the general reading (every line of a file)
_LX_NUMBERS = {str(n): n for n in range(1, 100)}


def _read_lines(
    segments: list[Segment],
    start: int,
    out: list[ServiceLine],
    end: int | None = None,
    split: bool = True,
    memos: tuple[dict, dict] | None = None,
) -> None:
    """Append to ``out`` the 2400 loops of ``segments[start:end]`` (``start``: an LX), each
    ending at the next LX (with ``split``) or at ``end``.

    One pass over the claim's line segments, each line's values gathered in locals and its
    :class:`ServiceLine` built once with all of them: this runs for every segment of every
    line of the file (elements are read from the field list, as Segment.element() gives them).
    An SV1 read before (its text in the memo) gives its values without being read again.
    """
    if end is None:
        end = len(segments)
    dates = _dates
    lx = segments[start]
    # (``memos``: the SV1 and DTP memos of these segments' delimiters, when the caller has them)
    if memos is None:
        sv1s = _memo(_sv1s, lx.delims)
        dtps = _memo(_dtps, lx.delims)
    else:
        sv1s, dtps = memos
    new = object.__new__
    i = start + 1
    while True:
        num = lx.fields[1] if len(lx.fields) > 1 else ""
        # The usual 2400 loop, LX SV1 DTP REF*6R up to the next LX (or the claim's end), whose
        # SV1 and DTP were read before (their texts in the memos): its values taken straight
        # from them, as the general loop below takes them (most lines of a file; the others
        # go that loop's way). tests/claims/test_lines.py compares the two.
        # The memos are looked up first: a text found in one is an SV1 (a DTP*472 of a D8
        # date) of these delimiters, as only such texts go in (a text gives its fields).
        day = None
        j = i + 3
        if split and j <= end:
            s1 = segments[i]
            known = sv1s.get(s1._raw)
            if known is not None:
                s2 = segments[i + 1]
                day = dtps.get(s2._raw)
                if day is not None:
                    s3 = segments[i + 2]
                    f3 = s3.fields
                    if not (
                        f3[0] == "REF"
                        and len(f3) > 2
                        and f3[1] == "6R"
                        and (j == end or segments[j].fields[0] == "LX")
                    ):
                        day = None
        # the line's slots set here, every one (as ServiceLine(...) would): the class's call
        # (its __init__ frame, its default factories) costs more than the stores
        line = new(ServiceLine)
        if day is not None:
            # the memo's values stored straight into the line's slots
            (
                line.qualifier,
                line.code,
                mods,
                line.charge,
                line.unit_basis,
                line.units,
                line.place_of_service,
                ptrs,
            ) = known
            line.modifiers = list(mods)  # fresh lists: a line's own
            line.pointers = list(ptrs)
            line.sv1 = s1
            line.dtp = s2
            line.date_from = line.date_to = day
            line.ref_6r = s3
            line.line_control = f3[2]
            line.rendering = None
            line.problems = []
            i = j
        else:
            # 2400 proper runs until the first sub-loop: 2410 LIN, 2420x NM1, 2430 SVD, 2440 LQ.
            in_2400 = True
            sub = "2400"
            current: Provider | None = None
            rendering: Provider | None = None
            sv1 = dtp = ref_6r = None
            qualifier = code = unit_basis = place = line_control = ""
            modifiers: list[str] = []
            pointers: list[int] = []
            charge = units = date_from = date_to = None
            problems: list[Problem] = []
            for i in range(i, end):  # noqa: B020 - i goes on after the loop
                seg = segments[i]
                f = seg.fields
                tag = f[0]
                if in_2400:
                    if tag == "SV1":
                        if sv1 is None:
                            sv1 = seg
                            known = sv1s.get(seg._raw)
                            if known is None:
                                known = _read_sv1(seg, f, problems)
                                if not problems and seg._raw is not None:
                                    sv1s[seg._raw] = known
                            qualifier, code, mods, charge, unit_basis, units, place, ptrs = known
                            # fresh lists: a line's own
                            if mods:
                                modifiers = list(mods)
                            pointers = list(ptrs)
                        continue
                    if tag == "DTP":
                        if dtp is None:
                            # a DTP*472 of a D8 date read before, by its text
                            day = dtps.get(seg._raw)
                            if day is not None:
                                dtp = seg
                                date_from = date_to = day
                            elif len(f) > 1 and f[1] == "472":
                                dtp = seg
                                # a D8 date read before: as _read_dtp reads it
                                day = dates.get(f[3]) if len(f) > 3 and f[2] == "D8" else None
                                if day is not None:
                                    date_from = date_to = day
                                else:
                                    date_from, date_to = _read_dtp(seg, problems)
                                if date_from is not None and f[2] == "D8" and seg._raw is not None:
                                    dtps[seg._raw] = date_from
                        continue
                    if tag == "REF":
                        if ref_6r is None and len(f) > 1 and f[1] == "6R":
                            ref_6r = seg
                            line_control = f[2] if len(f) > 2 else ""
                        continue
                if tag == "LX" and split:
                    break
                if tag == "LIN":
                    sub = "2410"
                    in_2400 = False
                elif tag == "NM1":
                    sub = "2420"
                    in_2400 = False
                    current = None
                    if len(f) > 1 and f[1] == "82":  # NM101 as Segment.element() gives it
                        current = rendering = _rendering(seg)
                elif tag == "SVD":
                    sub = "2430"
                    in_2400 = False
                elif tag == "LQ":
                    sub = "2440"
                    in_2400 = False
                elif sub == "2420" and tag == "PRV" and current is not None and f[2:3] == ["PXC"]:
                    current.prv = seg
                    current.taxonomy = f[3] if len(f) > 3 else ""
            else:
                i = end  # the last line ends with the segments
            line.sv1 = sv1
            line.qualifier = qualifier
            line.code = code
            line.modifiers = modifiers
            line.charge = charge
            line.unit_basis = unit_basis
            line.units = units
            line.place_of_service = place
            line.pointers = pointers
            line.dtp = dtp
            line.date_from = date_from
            line.date_to = date_to
            line.ref_6r = ref_6r
            line.line_control = line_control
            line.rendering = rendering
            line.problems = problems
        line.start = start
        line.end = i
        line.lx = lx
        try:  # the usual LX01 texts, else as is_digits() and int() read it
            line.number = _LX_NUMBERS[num]
        except KeyError:
            line.number = int(num) if num.isascii() and num.isdigit() else None
        out.append(line)
        if i >= end:
            return
        start = i
        lx = segments[i]
        i += 1


def _read_sv1(seg: Segment, f: list[str], problems: list[Problem]) -> tuple:
    """An SV1's values: (SV101-1 qualifier, SV101-2 code, the modifiers SV101-3..6 (tuple),
    SV102 charge, SV103 unit basis, SV104 units, SV105 place of service, SV107 pointers
    (tuple)), a problem for each that does not read."""
    if len(f) < 8:
        f = f + [""] * (8 - len(f))
    sep = seg.delims.component
    comps = f[1].split(sep)
    # SV101-3..6 are the four modifier slots; SV101-7 is a description.
    modifiers = tuple(filter(None, comps[2:6])) if len(comps) > 2 else ()
    try:
        charge = _decimals[f[2]]
    except KeyError:
        charge = parse_decimal(f[2])
    if charge is None:
        problems.append(Problem(seg, "SV102", f"line charge {f[2]!r} is not a number"))
    try:
        units = _decimals[f[4]]
    except KeyError:
        units = parse_decimal(f[4])
    if units is None:
        problems.append(Problem(seg, "SV104", f"unit count {f[4]!r} is not a number"))
    pointers = _read_pointers(seg, f[7], sep, problems)
    return (
        comps[0],
        comps[1] if len(comps) > 1 else "",
        modifiers,
        charge,
        f[3],
        units,
        f[5],
        tuple(pointers),
    )


def _read_pointers(seg: Segment, text: str, sep: str, problems: list[Problem]) -> list[int]:
    """SV107's diagnosis pointers (a fresh list), a problem for each that is not one."""
    memo = _pointers.get(sep)
    if memo is None:
        memo = _pointers[sep] = {}
    known = memo.get(text)
    if known is not None:
        return list(known)
    had = len(problems)
    pointers = []
    for p in text.split(sep) if text else []:
        if is_digits(p):
            pointers.append(int(p))
        elif p:
            problems.append(
                Problem(
                    seg,
                    "SV107",
                    f"diagnosis pointer {p!r} is not a diagnosis position (a whole number from "
                    "1 to 12, such as 1)",
                )
            )
    if len(problems) == had:  # only pointers read without a problem are kept
        if len(memo) >= _MEMO_MAX:
            memo.clear()
        memo[text] = tuple(pointers)
    return pointers


def _read_dtp(seg: Segment, problems: list[Problem]) -> tuple[date | None, date | None]:
    f = seg.fields
    fmt = f[2] if len(f) > 2 else ""
    value = f[3] if len(f) > 3 else ""
    date_from = date_to = None
    if fmt == "D8":
        date_from = date_to = parse_d8(value)
    elif fmt == "RD8" and "-" in value:
        a, b = value.split("-", 1)
        date_from, date_to = parse_d8(a), parse_d8(b)
    if date_from is None:
        problems.append(
            Problem(seg, "DTP03", f"service date {value!r} ({fmt}) is not a valid date")
        )
    return date_from, date_to

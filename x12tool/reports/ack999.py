"""The 999 implementation acknowledgment (005010X231A1) of one input, and the TA1.

What it says (docs/acknowledgments.md; research/acknowledgments.md §1):

- one AK1 per functional group (AK102 = the group's GS06) and one AK2/IK5 per transaction set
  (AK202 = its ST02);
- an IK3 (segment ID, position in the set with ST = 1, error code) for every segment pyx12 found
  in error, with ``CTX*CLM01:<id>`` naming the claim it sits in, and an IK4 (element position,
  data element reference number, error code, the bad value) for each element error. The issues
  are pyx12's own, from the chunked run (x12tool.edi.ig maps every chunk's line back to the
  file's segment), so the 999 lists exactly what IG001 reports, whatever the number of chunks;
- IK5: ``A`` when the set has no error; ``E`` (accepted, errors noted) when it has segment
  errors: x12tool holds the claims they belong to and rejects those on the 277CA (status 684,
  RFI 1575), the other claims of the set go; ``R`` for envelope errors of the set (trailer
  missing, ST/SE control numbers or SE01 count wrong, not an 837P) or a segment that made
  x12tool refuse the file;
- AK9: ``A``/``E`` when every set was accepted (``E`` when one had errors), ``P`` when some were
  rejected, ``R`` when all were or the group's own envelope is wrong (AK905: GE missing, GS06/GE02
  disagree, GE01 wrong, group or version not supported), and for every group of a file x12tool
  refused (exit 3): nothing of that file goes, whatever its other sets' IK5 say;
- a TA1 (after the ISA) when the interchange envelope is wrong (IEA missing, IEA02 or IEA01
  wrong): a TA1-only interchange when no group could be read.

pyx12.error_999 is not used: it writes X231 (not A1) labels, never IK303/CTX or ``E``/``P``,
drops HL/LX errors, and would write one 999 per chunk (acknowledgments.md §1.5).
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict

from x12tool.edi.envelope_sets import EnvelopeScan, GroupScan, SetScan
from x12tool.edi.errors import X12InputError
from x12tool.edi.ig import IgIssue
from x12tool.reports.ack_x12 import AckNumbers, SegmentOut, clean, composite, ge, gs, iea, isa

VERSION = "005010X231A1"
# pyx12's sequence checks report these internal codes on HL01/LX01; the 999 has no code of its
# own for them: the segment has a data element error (IK304 8), the element an invalid value.
SEQUENCE_CODES = {"HL1": ("1", "628"), "HL2": ("2", "734"), "LX": ("1", "554")}
SEGMENT_CODES = frozenset("1 2 3 4 5 6 7 8 I4 I6 I7 I8 I9".split())
ELEMENT_CODES = frozenset("1 2 3 4 5 6 7 8 9 10 12 13 I6 I9 I10 I11 I12 I13".split())
# IK404 copies the bad value; not for segments that carry a person's name, id, address, birth
# date or phone (the 999 is routed like a report, not like a claim file).
PERSON_SEGMENTS = frozenset({"NM1", "N3", "N4", "DMG", "PER", "REF"})
_ELEMENT = re.compile(r"^[A-Z0-9]{2,3}?(\d{2})(?:-(\d+))?$")


def _ik4(issue: IgIssue) -> tuple[str, ...]:
    m = _ELEMENT.match(issue.element)
    pos = str(int(m.group(1))) if m else "1"
    where = composite(pos, m.group(2) or "") if m else pos
    code = issue.code if issue.code in ELEMENT_CODES else "7"
    value = "" if issue.tag in PERSON_SEGMENTS else clean(issue.value, 99)
    return ("IK4", where, issue.ref, code, value)


def _set_errors(s: SetScan, issues: list[IgIssue], claims: dict[int, str], out: SegmentOut):
    """IK3/CTX/IK4 loops of one set; returns True when any was written."""
    by_index: dict[int, list[IgIssue]] = defaultdict(list)
    for issue in issues:
        by_index[issue.index].append(issue)
    wrote = False
    for index in sorted(by_index):
        group = by_index[index]
        tag = clean(group[0].tag, 3) or "ST"
        pos = str(s.position(index))
        ctx = claims.get(index)
        loops: list[tuple[str, list[tuple[str, ...]]]] = []
        elements = [i for i in group if i.element]
        for issue in group:
            if issue.element:
                continue
            if issue.code in SEQUENCE_CODES:
                ele, ref = SEQUENCE_CODES[issue.code]
                loops.append(("8", [("IK4", ele, ref, "7", clean(issue.value, 99))]))
            else:
                loops.append((issue.code if issue.code in SEGMENT_CODES else "8", []))
        if elements:
            loops.append(("8", [_ik4(i) for i in elements]))
        for code, ik4s in loops:
            out.seg("IK3", tag, pos, "", code)
            if ctx:
                out.seg("CTX", composite("CLM01", ctx))
            for ik4 in ik4s:
                out.seg(*ik4)
            wrote = True
    return wrote


def _refusal_in(s: SetScan, refusal: X12InputError | None) -> tuple[str, int] | None:
    """The segment that made x12tool refuse the file, when it lies inside this set's body."""
    if refusal is None or refusal.offset is None or refusal.tag in (None, "SE", "ST"):
        return None
    if refusal.position is None or s.st.position is None or s.st.offset is None:
        return None
    end = s.se.offset if s.se is not None and s.se.offset is not None else None
    if refusal.offset < s.st.offset or (end is not None and refusal.offset > end):
        return None
    if end is None and s.codes == ["2"]:
        return None  # a truncated set: the missing trailer says it
    return refusal.tag, refusal.position - s.st.position + 1


def _group(
    out: SegmentOut,
    g: GroupScan,
    issues: list[IgIssue],
    claims: dict[int, str],
    refusal: X12InputError | None,
) -> None:
    out.seg("AK1", clean(g.gs.element(1), 2), clean(g.gs.element(6), 9), clean(g.gs.element(8)))
    group_codes = list(g.codes)
    for i in issues:
        last = g.last_index or (g.sets[-1].last_index if g.sets else g.first_index)
        if i.level == "gs" and g.first_index <= i.index <= last and i.code not in group_codes:
            group_codes.append(i.code)
    accepted = 0
    results = []
    segment_issues = sorted((i for i in issues if not i.level), key=lambda i: i.index)
    keys = [i.index for i in segment_issues]
    if g.supported:
        for s in g.sets:
            lo = bisect.bisect_left(keys, s.first_index)
            own = segment_issues[lo : bisect.bisect_right(keys, s.last_index)]
            codes = list(s.codes)
            for i in issues:
                if i.level == "st" and s.contains(i.index) and i.code not in codes:
                    codes.append(i.code)
            out.seg(
                "AK2", clean(s.st.element(1), 3), clean(s.st.element(2), 9), clean(s.st.element(3))
            )
            wrote = _set_errors(s, own, claims, out)
            refused = _refusal_in(s, refusal)
            if refused is not None:
                out.seg("IK3", clean(refused[0], 3), str(refused[1]), "", "8")
                codes.append("5")
            if codes:
                result = "R"
            elif wrote:
                result, codes = "E", ["5"]
            else:
                result = "A"
            out.seg("IK5", result, *list(dict.fromkeys(codes))[:5])
            results.append(result)
            accepted += result != "R"
    received = len(g.sets)
    if refusal is not None or group_codes or not results or accepted == 0:
        # x12tool refuses a file whole (exit 3): nothing of it goes, so every group is rejected;
        # the IK5s still say which set carried the error.
        ak901 = "R"
    elif accepted < received:
        ak901 = "P"
    else:
        ak901 = "E" if "E" in results else "A"
    included = g.ge.element(1) if g.ge is not None and g.ge.element(1).isdigit() else str(received)
    out.seg(
        "AK9",
        ak901,
        included,
        str(received),
        str(accepted if ak901 != "R" else 0),
        *group_codes[:5],
    )


def render_999(
    scan: EnvelopeScan,
    issues: list[IgIssue],
    numbers: AckNumbers,
    *,
    claims: dict[int, str] | None = None,
    refusal: X12InputError | None = None,
) -> str:
    """The acknowledgment file's text: one interchange per input interchange."""
    claims = claims or {}
    now = numbers.now
    parts = []
    for ic in scan.interchanges:
        control = numbers.next(ic.isa.element(13))
        parts.append(isa(ic.isa, control, now))
        ta1 = ic.ta1 or ("024" if not ic.groups else "")
        isa_issue = next((i for i in issues if i.level == "isa" and len(i.code) == 3), None)
        if not ta1 and isa_issue is not None:
            ta1 = isa_issue.code
        if ta1:
            parts.append(
                "TA1*"
                + "*".join(
                    [
                        clean(ic.isa.element(13), 9),
                        clean(ic.isa.element(9), 6),
                        clean(ic.isa.element(10), 4),
                        "R",
                        ta1,
                    ]
                )
                + "~\n"
            )
        if ic.groups:
            parts.append(gs("FA", ic.groups[0].gs, control, now, VERSION))
            for n, g in enumerate(ic.groups, 1):
                out = SegmentOut()
                st02 = f"{n:04d}"
                out.start_set("ST", "999", st02, VERSION)
                _group(out, g, issues, claims, refusal)
                out.end_set(st02)
                parts.append(out.text())
            parts.append(ge(len(ic.groups), control))
        parts.append(iea(1 if ic.groups else 0, control))
    return "".join(parts)

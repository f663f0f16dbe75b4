"""The report model: what every report of a run says, built once as plain data.

One input file's report is a :class:`FileReport`: its head (:func:`report_head`: the file, its
counts and money, notes, transaction-set records, the visit log, the outputs written) and its
claim records (:func:`claim_record`, each with its finding records), streamed through a
:class:`~x12tool.reports.spool.ClaimSpool` so a 100,000-claim file never sits in memory. The
JSON report is these records as they are; the text, CSV, HTML and worklist writers read the
same records, so no report says what the JSON does not. Member ids are masked here, once.

The acknowledgments read the run's pyx12 issues and one :func:`ack_record` per claim: the 277CA
must name the patient, so those records are unmasked and kept apart (reports/ack_book.py).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import field
from decimal import Decimal, InvalidOperation
from json.encoder import encode_basestring_ascii
from typing import TYPE_CHECKING, NamedTuple, Protocol

from x12tool.claims import Claim
from x12tool.edi.segment import Segment
from x12tool.fixes.loop import HELD, ClaimOutcome
from x12tool.money import ClaimMoney, MoneyTotals, fmt
from x12tool.phi import mask_id
from x12tool.reports.spool import MONEY, ClaimSpool, record_flags
from x12tool.rules.base import Finding, Severity
from x12tool.rules.env002_set_trailer import message as env002_message
from x12tool.values import NEW, Value, value_class

if TYPE_CHECKING:  # an annotation only: a --no-ig run does not import pyx12's side
    from x12tool.edi.ig import IgIssue


class FileReport(NamedTuple):
    """One input's report: the head and its claim records (iterate for dicts, in file order)."""

    head: dict
    claims: ClaimSpool


@value_class  # a dataclass writing its own __init__ (x12tool/values.py)
class FileSummary(Value):
    """What a report says about one file as a whole; the run fills it while claims settle."""

    claims: int = 0
    ready: int = 0
    corrected: int = 0
    held: int = 0
    findings: dict[str, int] = field(default_factory=lambda: {"error": 0, "warning": 0, "info": 0})
    money: MoneyTotals = field(default_factory=MoneyTotals)  # x12tool.money, docs/money.md
    ig: bool = False
    notes: list[str] = field(default_factory=list)
    ig_file_issues: list[IgIssue] = field(default_factory=list)
    structural: list[dict] = field(default_factory=list)  # StructuralLog records
    sets: list[dict] = field(default_factory=list)  # transaction sets with set-level findings

    def __init__(
        self,
        claims: int = 0,
        ready: int = 0,
        corrected: int = 0,
        held: int = 0,
        findings: dict[str, int] = NEW,
        money: MoneyTotals = NEW,
        ig: bool = False,
        notes: list[str] = NEW,
        ig_file_issues: list[IgIssue] = NEW,
        structural: list[dict] = NEW,
        sets: list[dict] = NEW,
    ) -> None:
        self.claims = claims
        self.ready = ready
        self.corrected = corrected
        self.held = held
        self.findings = {"error": 0, "warning": 0, "info": 0} if findings is NEW else findings
        self.money = MoneyTotals() if money is NEW else money
        self.ig = ig
        self.notes = [] if notes is NEW else notes
        self.ig_file_issues = [] if ig_file_issues is NEW else ig_file_issues
        self.structural = [] if structural is NEW else structural
        self.sets = [] if sets is NEW else sets

    def as_dict(self) -> dict:
        """The counts (the report's ``summary``; also each input's line of ``--format jsonl``)."""
        return {
            "claims": self.claims,
            "ready": self.ready,
            "corrected": self.corrected,
            "held": self.held,
            "findings": dict(self.findings),
            "money": self.money.as_dict(),
        }


class RunBasis(Protocol):
    """What a report names about the run's setup (the preflight session gives it)."""

    @property
    def money_basis(self) -> str: ...

    @property
    def money_detail(self) -> str: ...

    def visit_log_info(self) -> dict | None: ...


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        # 64 KB reads: a 1 MB buffer at the end of a large run was a new memory peak
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def report_head(
    path: str,
    summary: FileSummary,
    basis: RunBasis,
    *,
    outputs: dict[str, str] | None = None,
    worklist: str | None = None,
) -> dict:
    """The head of one file's report. ``outputs`` (what preflight wrote, relative to its folder)
    makes it a preflight report, which always lists structural changes and transaction sets;
    check's (no outputs) lists sets only when there are some. The key orders are those of the
    reports earlier versions wrote, kept so that reports stay byte for byte the same."""
    head = {
        "file": os.path.basename(path),
        "sha256": sha256_file(path),
        "summary": summary.as_dict(),
        "ig": summary.ig,
        "notes": list(summary.notes) + [f"pyx12: {i.message}" for i in summary.ig_file_issues],
    }
    info = basis.visit_log_info()
    visit_log = {**info, "path": os.path.basename(info["path"])} if info is not None else None
    if outputs is None:
        head["money_basis"] = basis.money_basis
        head["money_detail"] = basis.money_detail
        if summary.sets:
            # set-level findings (ENV001, envelope/header IG001), listed once on their set
            head["transaction_sets"] = list(summary.sets)
        if visit_log is not None:
            head["visit_log"] = visit_log
        return head
    head["structural_changes"] = list(summary.structural)
    head["transaction_sets"] = list(summary.sets)
    if visit_log is not None:
        head["visit_log"] = visit_log
    head["outputs"] = dict(outputs)
    head["money_basis"] = basis.money_basis
    head["money_detail"] = basis.money_detail
    if worklist is not None:
        head["worklist"] = worklist
    return head


# --- finding and claim records ------------------------------------------------------------------


def _finding(
    code: str,
    severity: str,
    message: str,
    *,
    segment: str | None,
    resolution: str,
    position: int | None = None,
    offset: int | None = None,
    line: int | None = None,
    fix: dict | None = None,
    pyx12: dict | None = None,
) -> dict:
    """Every finding record has these keys, in this order (docs/report.schema.json)."""
    record = {
        "code": code,
        "severity": severity,
        "message": message,
        "segment": segment,
        "position": position,
        "offset": offset,
        "line": line,
        "fix": fix,
        "resolution": resolution,
    }
    if pyx12 is not None:
        record["pyx12"] = pyx12
    return record


def finding_record(f: Finding, resolution: str, money: ClaimMoney | None = None) -> dict:
    """A finding as the reports list it; ``money``: its claim's money step (the dollar effect)."""
    record = _finding(
        f.code,
        f.severity.value,
        f.message,
        segment=f.segment.tag if f.segment is not None else None,
        position=f.position,
        offset=f.offset,
        line=f.line,
        fix=(
            {
                "applicability": f.fix.applicability.value,
                "description": f.fix.describe(),
                "edits": [e.describe() for e in f.fix.edits],
            }
            if f.fix
            else None
        ),
        resolution=resolution,
        pyx12=f.extra.get("pyx12"),
    )
    got = money.effect_of(f) if money is not None else None
    if got is not None:
        record["money"] = fmt(got[1])
        record["money_effect"] = got[0]
    return record


def claim_record(o: ClaimOutcome, show_phi: bool, money: ClaimMoney | None = None) -> dict:
    """One settled claim: status, findings (fixed ones first), the segments it changed."""
    records = _finding_records(o, money) if o.fixed or o.findings else []
    changes = []
    if o.changed:
        for before, after in o.changed_segments():
            changes.append(_change((before or after).position, before, after))
    c = o.original
    record = {
        "id": c.id,
        "status": o.status,
        "payer_class": c.payer_class,
        "st": c.envelope.set_control,
        "position": c.position,
        "offset": c.clm.offset,
        "member_id": mask_id(c.subscriber.member_id, show_phi),
        "charge": c.clm.element(2),
        "findings": records,
        "changes": changes,
    }
    if money is not None:
        record["money"] = money.as_dict()
    return record


def claim_record_text(
    o: ClaimOutcome, show_phi: bool, money: ClaimMoney | None = None
) -> tuple[str, int]:
    """``json.dumps(claim_record(o, show_phi, money))`` and its :func:`record_flags`, as the
    spool and the check workers take a record. Nine claims in ten have no finding and no
    change: their record is written from a template, without the dicts; the others are
    encoded as they always were."""
    if o.fixed or o.findings or o.final is not o.original or money is None:
        record = claim_record(o, show_phi, money)
        return json.dumps(record), record_flags(record)
    c = o.original
    clm = c.clm
    position = clm.position
    offset = clm.offset
    if type(position) is not int or type(offset) is not int:
        record = claim_record(o, show_phi, money)  # as read, both are ints; anything else is
        return json.dumps(record), record_flags(record)  # json.dumps's to write
    member = c.subscriber.member_id
    masked = _MASKED.get(member) if not show_phi else None
    if masked is None:
        masked = mask_id(member, show_phi)
        if not show_phi and len(_MASKED) < 4096:  # bounded: a member's claims come together
            _MASKED[member] = masked
    try:
        # claim_record's keys in its order, as json.dumps writes them (", " and ": " between);
        # its texts through json's own encoder (ASCII, escaped), as json.dumps's go
        text = (
            f'{{"id": {encode_basestring_ascii(c.id)}, '
            f'"status": {encode_basestring_ascii(o.status)}, '
            f'"payer_class": {encode_basestring_ascii(c.payer_class)}, '
            f'"st": {encode_basestring_ascii(c.envelope.st.element(2))}, '
            f'"position": {position}, "offset": {offset}, '
            f'"member_id": {encode_basestring_ascii(masked)}, '
            f'"charge": {encode_basestring_ascii(clm.element(2))}, '
            f'"findings": [], "changes": [], "money": {money.as_json()}}}'
        )
    except TypeError:  # a value that is not text where the reader gives text: json.dumps's
        record = claim_record(o, show_phi, money)
        return json.dumps(record), record_flags(record)
    return text, MONEY  # a money record, no findings, no changes


# member id -> its masked form (mask_id), for the records of the member's claims
_MASKED: dict[str, str] = {}


def _finding_records(o: ClaimOutcome, money: ClaimMoney | None) -> list[dict]:
    """A claim's finding records, fixed ones first, then in segment order."""
    applied = o.status != HELD
    records = [finding_record(f, "fixed" if applied else "fixable", money) for f in o.fixed]
    for f in o.findings:
        records.append(finding_record(f, "fixable" if f.fix else "open", money))
    # the line's date and procedure code (the worklist's columns, reports/NAME.worklist.csv)
    lines = {ln.number: ln for ln in o.original.lines if ln.number is not None}
    for r in records:
        line = lines.get(r["line"]) if r["line"] is not None else None
        if line is not None:
            r["date"] = line.date_from.isoformat() if line.date_from else None
            r["procedure_code"] = line.code or None
    records.sort(key=lambda r: (r["position"] or 0, r["code"]))
    return records


def _change(position: int | None, before: Segment | None, after: Segment | None) -> dict:
    return {
        "position": position,
        "before": before.text if before is not None else None,
        "after": after.text if after is not None else None,
    }


# --- transaction-set records --------------------------------------------------------------------


def set_record(sets: list[dict], st: Segment) -> dict:
    """The record of the transaction set ``st`` opens (made on first use): its set-level
    findings and changes, listed once however many claims the set holds."""
    rec = next((r for r in sets if r["offset"] == st.offset), None)
    if rec is None:
        rec = {"st": st.element(2), "position": st.position, "offset": st.offset}
        rec.update(findings=[], changes=[])
        sets.append(rec)
    return rec


def set_change(before: Segment, after: Segment) -> dict:
    """A set-level fix (ENV001 on ST03 or GS08), as the set record lists it."""
    return _change(before.position, before, after)


def hold_set(sets: list[dict], st: Segment, se_text: str, reason: str) -> None:
    """ENV002 first on the set's record: the set is held whole for its wrong trailer."""
    rec = set_record(sets, st)
    rec["held"] = True
    rec["trailer"] = se_text
    rec["findings"].insert(
        0,
        _finding(
            "ENV002",
            "error",
            env002_message(st.element(2), reason)
            + "; every claim of the set is held as it came, the other sets go on.",
            segment="SE",
            resolution="open",
        ),
    )


def list_ig_issues(sets: list[dict], st: Segment, issues: list[IgIssue]) -> None:
    """pyx12's envelope and set-header errors, once each on the set's record (in IG001's
    words, with pyx12's own beside them)."""
    from x12tool.rules.ig001_implementation_guide import plain  # --ig runs only: 17 patterns

    rec = set_record(sets, st)
    known = {(f.get("pyx12") or {}).get("message") for f in rec["findings"]}
    for issue in issues:
        if issue.message in known:
            continue
        rec["findings"].append(
            _finding(
                "IG001",
                "error",
                plain(issue.tag, issue.element, issue.message),
                segment=issue.tag or None,
                resolution="open",
                pyx12={
                    "code": issue.code,
                    "segment": issue.tag,
                    "element": issue.element,
                    "message": issue.message,
                    "file_segment": issue.index,
                },
            )
        )


# --- acknowledgment records ---------------------------------------------------------------------
# The 277CA must name the patient and the member id (TR3 005010X214 loop 2100D), which the
# reports mask: these records are kept apart (reports/ack_book.py), never in a report or a log.


def _charge(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return Decimal(0)
    return value if value.is_finite() else Decimal(0)


def _service_dates(claim: Claim) -> tuple[str, str]:
    """The claim's service dates (2400 DTP*472) as CCYYMMDD from and to, as sent."""
    lows, highs = [], []
    for line in claim.lines:
        if line.dtp is None:
            continue
        value = line.dtp.element(3)
        low, _, high = value.partition("-")
        if len(low) == 8 and low.isdigit():
            lows.append(low)
            highs.append(high if len(high) == 8 and high.isdigit() else low)
    return (min(lows), max(highs)) if lows else ("", "")


def ack_record(outcome: ClaimOutcome) -> dict:
    """One claim as the 277CA answers it: accepted (with what was fixed) or rejected, with the
    findings that hold it and the service lines they name."""
    claim = outcome.original
    accepted = outcome.status != HELD
    final = outcome.final if accepted else claim
    amount = _charge(final.clm.element(2))
    key = claim.envelope.set_number
    holding = [f for f in outcome.findings if f.severity is Severity.ERROR]
    sub = claim.subscriber
    who = claim.patient if claim.patient is not None else sub
    nm1 = claim.billing_provider.nm1
    d9 = next(
        (
            s.element(2)
            for s in claim.segments
            if s.tag == "REF" and s.element(1) == "D9" and s.position is not None
        ),
        "",
    )
    lines = []
    if not accepted:
        flagged = {f.line for f in holding if f.line is not None}
        for line in claim.lines:
            if line.number not in flagged or line.sv1 is None:
                continue
            lines.append(
                {
                    "number": line.number,
                    "svc": line.sv1.components(1),
                    "charge": line.sv1.element(2),
                    "units": line.sv1.element(4),
                    "control": line.line_control,
                    "dtp": [line.dtp.element(2), line.dtp.element(3)] if line.dtp else None,
                    "codes": [f.code for f in holding if f.line == line.number],
                }
            )
    low, high = _service_dates(claim)
    return {
        "set": key,
        "provider": claim.billing.id,
        "billing": [nm1.element(i) for i in (2, 3, 4, 5, 8, 9)] if nm1 is not None else None,
        "patient": [who.last_name, who.first_name, sub.member_id],
        "id": claim.id,
        "charge": str(amount),
        "status": outcome.status,
        "d9": d9,
        "dates": [low, high],
        "findings": [[f.code, f.message] for f in holding],
        "fixed": sorted({f.code for f in outcome.fixed}) if accepted else [],
        "lines": lines,
    }

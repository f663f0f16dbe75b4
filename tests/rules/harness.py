"""Rule cases as data (sqlfluff-style): fragments wrapped into a full 837P interchange.

A case file ``tests/rules/cases/<CODE>.toml`` has ``rule = "<CODE>"`` and ``[[cases]]`` tables:

- ``claim``: the 2300 loop and its 2400 loops (CLM ... ), one segment per line, ``~`` terminated.
  Several claims may follow each other; each starts with CLM.
- ``payer`` (SBR09, default ``MB``), ``payer_id`` (default ``00952``), ``taxonomy`` (billing
  provider PRV, default ``225100000X``), ``member`` (default ``MEMBER001``).
- ``visits``: optional visit-log CSV text. ``profiles``: optional user profile XML text.
- ``ptp`` / ``mue``: optional CMS-layout PTP (tab-delimited) / MUE (CSV) text, imported into a
  temporary NCCI store the case's rules then use (as ``--maps-db`` would).
- ``expect``: the findings of this rule, as ``"CODE"`` or ``"CODE@LX"`` strings, in order.
- ``fix``: applicability of the expected findings' fixes (``safe``/``unsafe``/``none``): one
  value for all of them, or a list with one value per finding, in order.
- ``after``: optional claim text after the fix loop run with this rule alone (``unsafe = true``
  to apply unsafe fixes), or ``"held"`` when the claim must be held.
- ``severity``: optional expected severity of the findings: one value for all, or a list.
- ``remit``: optional 835 claim payments (CLP ... segments, one a line) from payer 00952,
  wrapped into a full 835 and imported into a temporary ledger the case's rules read (DEN001).
- ``label``: optional GS08/ST03 of the wrapping interchange (set-level rules such as ENV001).
- ``trailer``: optional SE elements after ``SE*`` (e.g. ``"99*0001"``) in place of the right
  count and control number (ENV002: the case is read as preflight reads it, the set held).
- ``ytd``: optional year-to-date amounts CSV text (``member_id,year,group,amount``, the
  ``--ytd``/``ledger import`` layout) the case's rules use as the beneficiary's amounts before
  the run (KX rules). Without it ledger rules see only the case's own lines.
- ``sent``: optional list of claim texts, each sent by preflight in an earlier file (recorded
  in a temporary SQLite ledger before the case runs; DUP001). A text equal to ``claim`` makes
  a file identical to the case's own: a rerun of the same file.
- ``auths``: optional prior-authorization CSV text (the ``x12tool auth import`` layout),
  imported into a temporary SQLite ledger the case's rules read (AUTH rules).
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from x12tool.claims import Claim, iter_items
from x12tool.edi import X12Source
from x12tool.edi.envelope_scan import broken_trailers
from x12tool.edi.ig import validate as ig_validate
from x12tool.fixes import settle_claim
from x12tool.refdata import load_refdata
from x12tool.rules.base import Finding, Rule
from x12tool.rules.context import RuleContext
from x12tool.rules.engine import check_claim
from x12tool.visits import VisitLog

CASES = Path(__file__).parent / "cases"

HEADER = (
    "ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *260301*1200*^*00501"
    "*000000001*0*T*:~\n"
    "GS*HC*SUBMITTER*RECEIVER*20260301*1200*1*X*005010X222A1~\n"
    "ST*837*0001*005010X222A1~\n"
    "BHT*0019*00*BATCH1*20260301*1200*CH~\n"
    "NM1*41*2*EXAMPLE THERAPY*****46*SUBMITTER~\n"
    "PER*IC*BILLING DESK*TE*5555550100~\n"
    "NM1*40*2*RECEIVER*****46*RECEIVER~\n"
    "HL*1**20*1~\n"
    "PRV*BI*PXC*{taxonomy}~\n"
    "NM1*85*2*EXAMPLE THERAPY*****XX*1234567893~\n"
    "N3*100 MAIN ST~\n"
    "N4*SPRINGFIELD*IL*627010000~\n"
    "REF*EI*123456789~\n"
    "HL*2*1*22*0~\n"
    "SBR*P*18*******{payer}~\n"
    "NM1*IL*1*DOE*JANE****MI*{member}~\n"
    "N3*200 OAK ST~\n"
    "N4*SPRINGFIELD*IL*627020000~\n"
    "DMG*D8*19500101*F~\n"
    "NM1*PR*2*PAYER*****PI*{payer_id}~\n"
)


@dataclass
class Case:
    rule: str
    name: str
    claim: str
    payer: str = "MB"
    payer_id: str = "00952"
    taxonomy: str = "225100000X"
    member: str = "MEMBER001"
    visits: str | None = None
    profiles: str | None = None
    ptp: str | None = None
    mue: str | None = None
    expect: list[str] = field(default_factory=list)
    fix: str | list[str] | None = None
    after: str | None = None
    unsafe: bool = False
    severity: str | list[str] | None = None
    ytd: str | None = None
    sent: list[str] = field(default_factory=list)
    remit: str | None = None
    label: str | None = None  # GS08/ST03 of the wrapping interchange (default 005010X222A1)
    message: list[str] = field(default_factory=list)  # texts every finding's message contains
    auths: str | None = None
    trailer: str | None = None  # SE01*SE02 in place of the right ones (ENV002)


def load_cases(path: Path) -> list[Case]:
    data = tomllib.loads(path.read_text())
    rule = data["rule"]
    return [Case(rule=rule, **case) for case in data.get("cases", [])]


def all_case_files() -> list[Path]:
    return sorted(CASES.glob("*.toml"))


def interchange(case: Case) -> str:
    claim = "\n".join(line.strip() for line in case.claim.strip().splitlines() if line.strip())
    head = HEADER.format(
        taxonomy=case.taxonomy, payer=case.payer, member=case.member, payer_id=case.payer_id
    )
    if case.label is not None:
        head = head.replace("005010X222A1", case.label)
    body = head + claim + "\n"
    count = body.count("~") - 2  # segments from ST on (ISA and GS are not counted)
    se = case.trailer if case.trailer is not None else f"{count + 1}*0001"
    return body + f"SE*{se}~\nGE*1*1~\nIEA*1*000000001~\n"


REMIT_HEADER = (
    "ISA*00*          *00*          *ZZ*PAYER          *ZZ*SUBMITTER      *260901*1200*^*00501"
    "*000000001*0*T*:~\n"
    "GS*HP*PAYER*SUBMITTER*20260901*1200*1*X*005010X221A1~\n"
    "ST*835*0001~\n"
    "BPR*H*0*C*NON************20260901~\n"
    "TRN*1*CASE0001*1999999999~\n"
    "N1*PR*CASE PAYER~\n"
    "N3*1 PAYER WAY~\n"
    "N4*ANYTOWN*IL*627010000~\n"
    "REF*2U*00952~\n"
    "PER*BL*PROVIDER SERVICES*TE*8005550100~\n"
    "N1*PE*EXAMPLE THERAPY*XX*1234567893~\n"
    "LX*1~\n"
)


def remittance(case: Case) -> str:
    body = "\n".join(ln.strip() for ln in (case.remit or "").strip().splitlines() if ln.strip())
    text = REMIT_HEADER + body + "\n"
    count = text.count("~") - 2
    return text + f"SE*{count + 1}*0001~\nGE*1*1~\nIEA*1*000000001~\n"


def remit_history(case: Case, ref, tmp: Path):
    """The denial patterns of a ledger holding the case's 835 (DEN001)."""
    from x12tool.ledger.store import open_store
    from x12tool.remit.analytics import DenialHistory
    from x12tool.remit.store import RemitImporter

    path = tmp / f"{case.name}.835"
    path.write_text(remittance(case), encoding="latin-1")
    spec = str(tmp / f"{case.name}.ledger.sqlite")
    with open_store(spec) as store:
        RemitImporter(store, ref).import_file(str(path))
    return DenialHistory(open_store(spec, create=False))


def ncci_index(case: Case, ref, tmp: Path):
    if not case.ptp and not case.mue:
        return None
    from x12tool.ncci import NcciIndex, NcciStore
    from x12tool.ncci.importers import import_mue, import_ptp

    store = NcciStore(tmp / f"{case.name}.sqlite")
    if case.ptp:
        ptp = tmp / f"{case.name}.ptp.txt"
        ptp.write_text(case.ptp.strip("\n") + "\n")
        import_ptp(store, [ptp])
    if case.mue:
        mue = tmp / f"{case.name}.mue.csv"
        mue.write_text(case.mue.strip() + "\n")
        import_mue(store, mue)
    return NcciIndex(ref, store)


@dataclass
class Run:
    claims: list[Claim]
    findings: list[list[Finding]]
    ctx: RuleContext


def run_case(case: Case, rule: type[Rule], tmp: Path) -> Run:
    x12 = tmp / f"{case.name}.x12"
    x12.write_text(interchange(case), encoding="latin-1")
    profiles = None
    if case.profiles:
        profiles = tmp / f"{case.name}.profiles.xml"
        profiles.write_text(case.profiles)
    visits = None
    if case.visits:
        vpath = tmp / f"{case.name}.csv"
        vpath.write_text(case.visits.strip() + "\n")
        visits = VisitLog(vpath)
    ref = load_refdata(profiles)
    ctx = RuleContext(ref=ref, visits=visits, ncci=ncci_index(case, ref, tmp))
    if case.ytd:
        from x12tool.ledger import open_ledger

        ytd = tmp / f"{case.name}.ytd.csv"
        ytd.write_text(case.ytd.strip() + "\n")
        ctx.ledger = open_ledger(ytd=str(ytd), enabled=False)
    if case.remit:
        ctx.denials = remit_history(case, ref, tmp)
    if case.auths:
        from x12tool.ledger import open_ledger
        from x12tool.ledger.auths import read_authorizations
        from x12tool.ledger.store import open_store

        apath = tmp / f"{case.name}.auths.csv"
        apath.write_text(case.auths.strip() + "\n")
        lpath = tmp / f"{case.name}.ledger.sqlite"
        with open_store(str(lpath)) as store:
            store.import_auths(read_authorizations(apath), apath.name)
        ctx.ledger = open_ledger(str(lpath))
    from x12tool.ledger import Ledger

    if case.sent:
        ctx.ledger = sent_ledger(case, ctx, tmp)
        ctx.ledger.begin_file(str(x12), ctx, [rule()])
    elif "ledger" in rule.needs:
        # As process_file does: the ledger pre-pass sees every claim of the file first.
        ctx.ledger = ctx.ledger or Ledger()
        ctx.ledger.begin_file(str(x12), ctx, [rule()])
    if visits is not None:
        # As process_file does: the beneficiary's day across the file's claims.
        from x12tool.rules.daypool import prepare_file

        prepare_file(str(x12), ctx)
    claims, findings = [], []
    # IG001 reads pyx12's issues for the claim; run the validator as preflight would.
    issues = ig_validate(str(x12)) if rule.code == "IG001" else None
    # A set with a wrong trailer is read as preflight reads it (ENV002): held, not refused.
    broken = broken_trailers(str(x12))
    lenient = (lambda st, se: st.offset in broken) if broken else None
    with X12Source(x12) as src:
        for item in iter_items(src.segments(lenient=lenient), str(x12)):
            if isinstance(item, Claim):
                bad = broken.get(item.envelope.st.offset)
                ctx.broken_set = (bad[0], bad[2]) if bad is not None else None
                claims.append(item)
                if issues is not None:
                    first, last = item.segments[0].index, item.segments[-1].index
                    ctx.ig_issues = [i for i in issues if first <= i.index <= last]
                findings.append(check_claim(item, [rule()], ctx))
    return Run(claims, findings, ctx)


def sent_ledger(case: Case, ctx: RuleContext, tmp: Path):
    """A SQLite ledger in which preflight sent each of ``case.sent`` in a file of its own."""
    from types import SimpleNamespace

    from x12tool.ledger import open_ledger

    db = tmp / f"{case.name}.ledger.sqlite"
    for n, text in enumerate(case.sent):
        earlier = tmp / f"{case.name}.sent{n}.x12"
        earlier.write_text(interchange(dataclasses.replace(case, claim=text)), encoding="latin-1")
        ledger = open_ledger(str(db), write=True)
        scope = ledger.begin_file(str(earlier), ctx, [], write=True)
        with X12Source(earlier) as src:
            for item in iter_items(src.segments(), str(earlier)):
                if isinstance(item, Claim):
                    scope.record(SimpleNamespace(status="ready", final=item))
        ledger.end_file(commit=True)
        ledger.close()
    return open_ledger(str(db))


def settle(case: Case, rule: type[Rule], run: Run):
    return [settle_claim(c, [rule()], run.ctx, unsafe=case.unsafe) for c in run.claims]


def claim_text(claim: Claim) -> str:
    return "\n".join(seg.text + seg.delims.segment for seg in claim.segments)


def normalize(text: str) -> str:
    return "\n".join(line.strip() for line in text.strip().splitlines() if line.strip())

"""Sent claims for the remittance tests: an 837 (the rule-case envelope) recorded in a ledger as
preflight records what it sends."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rules.harness import Case, interchange

from x12tool.claims import Claim, iter_items
from x12tool.edi import X12Source
from x12tool.ledger.facts import claim_facts
from x12tool.ledger.store import open_store
from x12tool.refdata import load_refdata
from x12tool.rules.context import RuleContext

D1, D2, D3 = date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)


def line(code: str, mods: str = "GP", charge: str = "40", units: str = "1", day=D1, ref6r=""):
    text = f"LX*{{n}}~\nSV1*HC:{code}:{mods}*{charge}*UN*{units}***1~\nDTP*472*D8*{day:%Y%m%d}~\n"
    if ref6r:
        text += f"REF*6R*{ref6r}~\n"
    return text


def claim(claim_id: str, *lines: str, frequency: str = "1") -> str:
    total = sum(float(ln.split("SV1*")[1].split("*")[1]) for ln in lines)
    body = f"CLM*{claim_id}*{total:g}***11:B:{frequency}*Y*A*Y*Y~\nHI*ABK:M25561~\n"
    return body + "".join(ln.replace("{n}", str(i)) for i, ln in enumerate(lines, 1))


def write_837(path: Path, *claims: str, payer_id: str = "00952", member="MEMBER001") -> Path:
    case = Case(
        rule="DEN001", name=path.stem, claim="".join(claims), payer_id=payer_id, member=member
    )
    path.write_text(interchange(case), encoding="latin-1")
    return path


def record_sent(spec: str, path: Path) -> int:
    """Record every claim of ``path`` as sent (what preflight does for a ready claim)."""
    ctx = RuleContext(ref=load_refdata(None))
    n = 0
    with open_store(spec) as store, X12Source(path) as src:
        store.begin()
        for item in iter_items(src.segments(), str(path)):
            if isinstance(item, Claim):
                n += store.record_claim(claim_facts(item, ctx), path.name)
        store.commit()
    return n

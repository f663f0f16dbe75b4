"""Helpers for the ledger tests: 837P files of one beneficiary's PT visits, reports, stores."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from rules.harness import Case, interchange

MEMBER = "MEMBER001"
UNIT = "29.06"  # 97110 x 1 GP, national PFS 2026 estimated allowed (one line per date)


def weekdays(start: date, n: int) -> list[date]:
    out, d = [], start
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def claim_text(claim_id: str, day: date, *, frequency: str = "1", kx: bool = False) -> str:
    mods = "GP:KX" if kx else "GP"
    return (
        f"CLM*{claim_id}*40***11:B:{frequency}*Y*A*Y*Y~\n"
        "HI*ABK:M25561~\n"
        "LX*1~\n"
        f"SV1*HC:97110:{mods}*40*UN*1***1~\n"
        f"DTP*472*D8*{day:%Y%m%d}~\n"
    )


def write_837(path: Path, claims: list[tuple[str, date]], *, member: str = MEMBER, **kw) -> Path:
    """One claim per (claim id, date): 97110 x 1 GP, Medicare Part B."""
    body = "".join(claim_text(cid, day, **kw) for cid, day in claims)
    case = Case(rule="KX001", name=path.stem, claim=body, member=member)
    path.write_text(interchange(case), encoding="latin-1")
    return path


def write_ytd(path: Path, amount: str, *, member: str = MEMBER, year: int = 2026) -> Path:
    path.write_text(f"member_id,year,group,amount\n{member},{year},PT_SLP,{amount}\n")
    return path


def kx_claims(out_dir: Path, name: str) -> list[str]:
    """Claim ids with a KX001 finding in out_dir/reports/NAME.json."""
    doc = json.loads((out_dir / "reports" / f"{name}.json").read_text())
    return [c["id"] for c in doc["claims"] if any(f["code"] == "KX001" for f in c["findings"])]


def codes_of(out_dir: Path, name: str) -> dict[str, list[str]]:
    doc = json.loads((out_dir / "reports" / f"{name}.json").read_text())
    return {c["id"]: sorted({f["code"] for f in c["findings"]}) for c in doc["claims"]}

"""Build 835 (005010X221A1) files for the tests: one payer, one check, claims as data.

A claim is ``Clp(claim_id, status, lines, ...)``; a line is ``Svc(code, mods, charge, paid,
units, day, cas=[("CO", "97", "40.00")], lq=["M15"], ref6r=..., b6=...)``. Amounts are strings
so the file shows exactly what the test meant. SE01 is counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

PAYER_ID = "00952"  # REF*2U; the harness 837 sends NM1*PR ... PI*00952


@dataclass
class Svc:
    code: str
    mods: tuple[str, ...] = ("GP",)
    charge: str = "40.00"
    paid: str = "30.00"
    units: str = "1"
    day: date = date(2026, 3, 2)
    cas: list[tuple[str, str, str]] = field(default_factory=list)
    lq: list[str] = field(default_factory=list)
    ref6r: str = ""
    b6: str | None = None


@dataclass
class Clp:
    claim_id: str
    status: str = "1"
    lines: list[Svc] = field(default_factory=list)
    icn: str = ""
    member: str = "MEMBER001"
    filing: str = "MB"
    cas: list[tuple[str, str, str]] = field(default_factory=list)

    def totals(self) -> tuple[Decimal, Decimal, Decimal]:
        charge = sum((Decimal(s.charge) for s in self.lines), Decimal(0))
        paid = sum((Decimal(s.paid) for s in self.lines), Decimal(0))
        pr = sum((Decimal(a) for s in self.lines for g, _r, a in s.cas if g == "PR"), Decimal(0))
        return charge, paid, pr


def _cas(cas) -> list[str]:
    return [f"CAS*{g}*{r}*{a}~" for g, r, a in cas]


def remit_text(
    claims: list[Clp],
    *,
    paid_on: date = date(2026, 4, 1),
    trace: str = "CHK1001",
    payer_id: str = PAYER_ID,
    control: str = "000000101",
) -> str:
    total = sum((c.totals()[1] * (-1 if c.status == "22" else 1) for c in claims), Decimal(0))
    bpr = f"BPR*I*{total:.2f}*C*CHK" if total > 0 else "BPR*H*0*C*NON"
    body = [
        f"{bpr}************{paid_on:%Y%m%d}~",
        f"TRN*1*{trace}*1999999999~",
        f"DTM*405*{paid_on:%Y%m%d}~",
        "N1*PR*MEDICARE PART B TEST MAC~",
        "N3*1 PAYER WAY~",
        "N4*ANYTOWN*IL*627010000~",
        f"REF*2U*{payer_id}~",
        "PER*BL*PROVIDER SERVICES*TE*8005550100~",
        "N1*PE*EXAMPLE THERAPY*XX*1234567893~",
        "LX*1~",
    ]
    for n, c in enumerate(claims, 1):
        charge, paid, pr = c.totals()
        sign = -1 if c.status == "22" else 1
        icn = c.icn or f"ICN{n:04d}"
        body.append(
            f"CLP*{c.claim_id}*{c.status}*{charge * sign:.2f}*{paid * sign:.2f}"
            f"*{pr * sign or 0:.2f}*{c.filing}*{icn}*11*1~"
        )
        body += _cas(c.cas)
        body.append(f"NM1*QC*1*DOE*JANE****MI*{c.member}~")
        for s in c.lines:
            mods = ":".join((s.code, *s.mods))
            body.append(
                f"SVC*HC:{mods}*{Decimal(s.charge) * sign:.2f}*{Decimal(s.paid) * sign:.2f}"
                f"**{s.units}~"
            )
            body.append(f"DTM*472*{s.day:%Y%m%d}~")
            body += [f"CAS*{g}*{r}*{Decimal(a) * sign:.2f}~" for g, r, a in s.cas]
            if s.ref6r:
                body.append(f"REF*6R*{s.ref6r}~")
            if s.b6 is not None:
                body.append(f"AMT*B6*{Decimal(s.b6) * sign:.2f}~")
            body += [f"LQ*HE*{r}~" for r in s.lq]
    seg_count = len(body) + 2
    head = (
        "ISA*00*          *00*          *ZZ*PAYER          *ZZ*SUBMITTER      *260401*1200*^*"
        f"00501*{control}*0*P*:~\n"
        f"GS*HP*PAYER*SUBMITTER*{paid_on:%Y%m%d}*1200*{int(control)}*X*005010X221A1~\n"
        "ST*835*0001~\n"
    )
    tail = f"SE*{seg_count}*0001~\nGE*1*{int(control)}~\nIEA*1*{control}~\n"
    return head + "\n".join(body) + "\n" + tail


def write_remit(path: Path, claims: list[Clp], **kw) -> Path:
    path.write_text(remit_text(claims, **kw), encoding="latin-1")
    return path

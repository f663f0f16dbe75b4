"""The worked example of docs/remittance.md: five sent claims, two remittances, one unmatched.

Sent (payer 00952, Medicare Part B, member MEMBER001):
  C1  97110 GP x1 $40 (REF*6R C1L1), 97530 GP x1 $45         2026-03-02
  C2  97140 GP x1 $40, 97530 GP 59 x1 $45                    2026-03-03
  C3  97110 GP x6 $240                                       2026-03-04
  C4  97750 GP x1 $50                                        2026-03-02
  C5  97110 GP x1 $40                                        2026-03-02
First remittance (check CHK1001, 2026-04-01):
  C1  97110 paid 30 (CO-45 10, REF*6R C1L1); 97530 paid 35 (CO-45 10, AMT*B6 35)
  C2  97140 paid 30 (CO-45 10); 97530 paid 0 (CO-97 45, LQ M15)       -> 97530 denied
  C3  97110 x6 paid 120 (CO-151 80, CO-45 40)                          -> paid, 2 units cut
  C4  97750 paid 0 (PR-204 50)                                         -> denied
  C5  97110 paid 30 (CO-45 10), ICN5
  ZZ999 97110 paid 20 (CO-45 20): never sent through preflight         -> unmatched
Second remittance (EFT EFT2002, 2026-05-01):
  C5  reversal of ICN5 (CLP02 22, negative amounts), then re-payment ICN5B:
      paid 25 (PR-2 5, CO-45 10)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from remit.build import Clp, Svc, write_remit
from remit.common import D2, D3, claim, line, write_837

SENT = (
    claim("C1", line("97110", charge="40", ref6r="C1L1"), line("97530", charge="45")),
    claim("C2", line("97140", charge="40", day=D2), line("97530", "GP:59", "45", day=D2)),
    claim("C3", line("97110", charge="240", units="6", day=D3)),
    claim("C4", line("97750", charge="50")),
    claim("C5", line("97110", charge="40")),
)

FIRST = [
    Clp(
        "C1",
        lines=[
            Svc("97110", charge="40", paid="30", cas=[("CO", "45", "10")], ref6r="C1L1"),
            Svc("97530", charge="45", paid="35", cas=[("CO", "45", "10")], b6="35"),
        ],
    ),
    Clp(
        "C2",
        lines=[
            Svc("97140", charge="40", paid="30", day=D2, cas=[("CO", "45", "10")]),
            Svc("97530", ("GP", "59"), "45", "0", day=D2, cas=[("CO", "97", "45")], lq=["M15"]),
        ],
    ),
    Clp(
        "C3",
        lines=[
            Svc(
                "97110",
                charge="240",
                paid="120",
                units="6",
                day=D3,
                cas=[("CO", "151", "80"), ("CO", "45", "40")],
            ),
        ],
    ),
    Clp("C4", status="4", lines=[Svc("97750", charge="50", paid="0", cas=[("PR", "204", "50")])]),
    Clp("C5", icn="ICN5", lines=[Svc("97110", charge="40", paid="30", cas=[("CO", "45", "10")])]),
    Clp("ZZ999", lines=[Svc("97110", charge="40", paid="20", cas=[("CO", "45", "20")])]),
]

SECOND = [
    Clp(
        "C5",
        status="22",
        icn="ICN5",
        lines=[Svc("97110", charge="40", paid="30", cas=[("CO", "45", "10")])],
    ),
    Clp(
        "C5",
        icn="ICN5B",
        lines=[Svc("97110", charge="40", paid="25", cas=[("PR", "2", "5"), ("CO", "45", "10")])],
    ),
]


def write_all(folder: Path) -> tuple[Path, Path, Path]:
    sent = write_837(folder / "sent.837", *SENT)
    first = write_remit(folder / "first.835", FIRST)
    second = write_remit(
        folder / "second.835",
        SECOND,
        paid_on=date(2026, 5, 1),
        trace="EFT2002",
        control="000000102",
    )
    return sent, first, second

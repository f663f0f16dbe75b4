"""The held-claims worklist: ``reports/NAME.worklist.csv``, one row per reason a claim is held.

For billers working through held claims in a spreadsheet: every held claim (no cap, unlike the
HTML page), each finding that holds it (severity error) with the line's date and procedure code,
what to do, and the dollars at risk. ``claim_at_risk`` is on the claim's first row only, so the
column sums to the file's "at risk" total.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from x12tool.reports.model import FileReport
from x12tool.reports.spool import HELD, select

COLUMNS = [
    "claim_id",
    "service_date",
    "line",
    "procedure_code",
    "rule",
    "what_to_do",
    "fix",
    "dollars_at_risk",
    "claim_at_risk",
]


def write_worklist(out: TextIO, records: Iterable[dict]) -> int:
    """Write the worklist; returns the number of held claims in it."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    claims = 0
    # only the held claims' records are decoded (a spool knows which they are)
    for rec in select(records, HELD):
        claims += 1
        reasons = [f for f in rec["findings"] if f["severity"] == "error"] or [None]
        claim_risk = (rec.get("money") or {}).get("at_risk", "")
        for n, f in enumerate(reasons):
            row = {"claim_id": rec["id"], "claim_at_risk": claim_risk if n == 0 else ""}
            if f is None:  # held by an error in its billing-provider or subscriber loop
                row["what_to_do"] = "held with its loop: see the report"
            else:
                fix = f.get("fix") or {}
                row.update(
                    service_date=f.get("date") or "",
                    line=f["line"] if f.get("line") is not None else "",
                    procedure_code=f.get("procedure_code") or "",
                    rule=f["code"],
                    what_to_do=f["message"],
                    fix=(
                        f"{fix['applicability']}: {fix['description']}"
                        + (
                            " (only with --unsafe-fixes)"
                            if fix["applicability"] == "unsafe"
                            else ""
                        )
                        if fix
                        else ""
                    ),
                    dollars_at_risk=f.get("money", "")
                    if f.get("money_effect") == "at_risk"
                    else "",
                )
            writer.writerow(row)
    return claims


class Worklist:
    """The worklist of one input (preflight writes one per input, beside its other reports)."""

    def __init__(self, out: TextIO, *, many: bool = False) -> None:
        self.out = out

    def add(self, report: FileReport) -> None:
        write_worklist(self.out, report.claims)

    def close(self) -> None:
        pass

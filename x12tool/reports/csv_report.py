"""``check --format csv``: one row per finding of every claim, for a spreadsheet."""

from __future__ import annotations

import csv
from typing import TextIO

from x12tool.reports.model import FileReport

COLUMNS = [
    "file",
    "claim_id",
    "status",
    "code",
    "severity",
    "segment",
    "position",
    "line",
    "message",
    "fix",
    "resolution",
]


class CsvReport:
    """The rows of each input under one header (written with the first input's rows, so a run
    whose every input is refused writes nothing)."""

    def __init__(self, out: TextIO, *, many: bool = False) -> None:
        self.out = out
        self.writer: csv.DictWriter | None = None

    def add(self, report: FileReport) -> None:
        if self.writer is None:
            self.writer = csv.DictWriter(self.out, fieldnames=COLUMNS, lineterminator="\n")
            self.writer.writeheader()
        name = report.head["file"]
        for rec in report.claims:
            for f in rec["findings"]:
                self.writer.writerow(
                    {
                        "file": name,
                        "claim_id": rec["id"],
                        "status": rec["status"],
                        "code": f["code"],
                        "severity": f["severity"],
                        "segment": f["segment"],
                        "position": f["position"],
                        "line": f["line"],
                        "message": f["message"],
                        "fix": f["fix"]["applicability"] if f["fix"] else "",
                        "resolution": f["resolution"],
                    }
                )

    def close(self) -> None:
        pass

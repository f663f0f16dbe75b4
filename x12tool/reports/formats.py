"""The report writers by format name; each consumes :class:`~x12tool.reports.model.FileReport`s.

A writer is made for one output stream: ``add(report)`` once per input, in order, then
``close()``. ``many``: the run has several inputs (the JSON report is then an array).
"""

from __future__ import annotations

from typing import Protocol, TextIO

from x12tool.reports.csv_report import CsvReport
from x12tool.reports.html_report import HtmlPage
from x12tool.reports.json_report import JsonReport
from x12tool.reports.model import FileReport
from x12tool.reports.text_report import TextReport
from x12tool.reports.worklist import Worklist


class ReportWriter(Protocol):
    def add(self, report: FileReport) -> None: ...

    def close(self) -> None: ...


WRITERS = {
    "text": TextReport,
    "json": JsonReport,
    "csv": CsvReport,
    "html": HtmlPage,
    "worklist": Worklist,
}


def report_writer(fmt: str, out: TextIO, *, many: bool = False) -> ReportWriter:
    return WRITERS[fmt](out, many=many)


def write_report(fmt: str, out: TextIO, report: FileReport) -> None:
    """One input's report in one format (preflight's files beside the outputs)."""
    writer = report_writer(fmt, out)
    writer.add(report)
    writer.close()

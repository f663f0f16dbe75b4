"""The report writers by format name; each consumes :class:`~x12tool.reports.model.FileReport`s.

A writer is made for one output stream: ``add(report)`` once per input, in order, then
``close()``. ``many``: the run has several inputs (the JSON report is then an array).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from x12tool.reports.model import FileReport


class ReportWriter(Protocol):
    def add(self, report: FileReport) -> None: ...

    def close(self) -> None: ...


# The format names; each format's writer is imported when a run asks for it: a run writes one
# or two formats, and the others cost start-up time (the HTML page imports lxml.html, the
# worklist and CSV writers their own tables).
WRITERS = ("text", "json", "csv", "html", "worklist")


def writer_class(fmt: str) -> type:
    if fmt == "text":
        from x12tool.reports.text_report import TextReport

        return TextReport
    if fmt == "json":
        from x12tool.reports.json_report import JsonReport

        return JsonReport
    if fmt == "csv":
        from x12tool.reports.csv_report import CsvReport

        return CsvReport
    if fmt == "html":
        from x12tool.reports.html_report import HtmlPage

        return HtmlPage
    if fmt == "worklist":
        from x12tool.reports.worklist import Worklist

        return Worklist
    raise KeyError(fmt)


def report_writer(fmt: str, out: TextIO, *, many: bool = False) -> ReportWriter:
    return writer_class(fmt)(out, many=many)


def write_report(fmt: str, out: TextIO, report: FileReport) -> None:
    """One input's report in one format (preflight's files beside the outputs)."""
    writer = report_writer(fmt, out)
    writer.add(report)
    writer.close()

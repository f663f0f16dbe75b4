"""The JSON report (schema: docs/report.schema.json)."""

from __future__ import annotations

import json
from typing import TextIO

from x12tool import __version__
from x12tool.reports.model import FileReport
from x12tool.reports.spool import ClaimSpool


def write_json(out: TextIO, head: dict, spool: ClaimSpool) -> None:
    """Write ``head`` (file, sha256, summary, ...) with ``claims`` streamed from the spool."""
    doc = {"file": head["file"], "sha256": head["sha256"], "tool_version": __version__}
    doc.update({k: v for k, v in head.items() if k not in doc})
    text = json.dumps(doc, indent=2)
    out.write(text[:-2] + ',\n  "claims": [')
    for n, text in enumerate(spool.texts()):
        out.write(",\n    " if n else "\n    ")
        out.write(text)
    out.write("\n  ]\n}\n" if spool.count else "]\n}\n")


class JsonReport:
    """One document for one input; an array of them for several (``many``), streamed: each
    input's document is written as it comes."""

    def __init__(self, out: TextIO, *, many: bool = False) -> None:
        self.out = out
        self.many = many
        self.written = 0

    def add(self, report: FileReport) -> None:
        if self.many:
            self.out.write(",\n" if self.written else "[\n")
        write_json(self.out, *report)
        self.written += 1

    def close(self) -> None:
        if self.many and self.written:
            self.out.write("]\n")

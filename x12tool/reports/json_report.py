"""The JSON report (schema: docs/report.schema.json)."""

from __future__ import annotations

import json
from typing import TextIO

from x12tool import __version__
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

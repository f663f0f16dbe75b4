"""pyx12 validation of an 835 against its own map (835.5010.X221.A1).

pyx12 4.0.0 writes no usable 999 for an 835 (it stops after AK1: edi-anchors research, and the
public corpus notes), so the verdict comes from its return value and the error list of its
JSON report, never from the 999. Two of its errors are known false positives and are dropped,
each for a stated reason:

* "Loop FOOTER exceeded max count" on a PLB that follows a PLB: the TR3 lets PLB repeat
  (max use > 1), pyx12's map does not;
* ST03 "Implementation Convention Reference" errors: pyx12's map marks ST03 *Not Used*, while
  payers commonly send ``005010X221A1`` there.

pyx12 is given a normalized copy (one segment a line, each terminated), so its ``cur_line`` is
our file-wide segment index.
"""

from __future__ import annotations

import os
import tempfile

from x12tool.edi.ig import IgIssue, parse_json, pyx12_document, quiet_pyx12
from x12tool.edi.reader import open_segments


def _normalized(path: str, out) -> dict[int, str]:
    reader, fh = open_segments(path)
    tags: dict[int, str] = {}
    with fh:
        term = reader.delims.segment
        for seg in reader:
            out.write(seg.text + term + "\n")
            tags[seg.index] = seg.tag
    return tags


def validate_835(path: str) -> tuple[bool, list[IgIssue], int]:
    """(valid, issues kept, number of known false positives dropped)."""
    quiet_pyx12()

    fd, tmp = tempfile.mkstemp(prefix="x12tool-835-", suffix=".txt")
    try:
        with os.fdopen(fd, "w", encoding="latin-1", newline="") as out:
            tags = _normalized(path, out)
        try:
            with open(tmp, encoding="latin-1", newline="") as src:
                ok, report = pyx12_document(src)
        except Exception as exc:  # pyx12 raises EngineError and others on input it rejects
            return False, [IgIssue(0, "", "", "pyx12", f"pyx12 could not validate: {exc}")], 0
    finally:
        os.unlink(tmp)
    kept, dropped = [], 0
    for line, tag, element, code, message, value, *_ in parse_json(report):
        if tag == "PLB" and "FOOTER exceeded max count" in message and tags.get(line - 1) == "PLB":
            dropped += 1
            continue
        if element.startswith("ST03") or (tag == "ST" and "ST03" in message):
            dropped += 1
            continue
        kept.append(IgIssue(line, tag, element, code, message, value))
    return (bool(ok) or (not kept and dropped > 0)), kept, dropped

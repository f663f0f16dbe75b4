"""Implementation-guide validation (SNIP 1-2) through pyx12, made safe to call.

pyx12 4.0.0 crashes on a UTF-8 BOM, reports every indented segment, drops a last segment with no
terminator, only knows GS08 ``005010X222A1`` and logs every error to stderr
(``shared/research/edi-anchors.md`` D.1, D.6). So we never hand it the user's file: we write a
normalized copy (one segment per line, A2 label read as A1, terminator added) to a temporary file
and give pyx12 that. Segment numbering is unchanged by the copy, so pyx12's ``cur_line`` is our
file-wide segment index.
"""

from __future__ import annotations

import io
import json
import logging
import os
import tempfile
from dataclasses import dataclass

from x12tool.edi.reader import SegmentReader


@dataclass(frozen=True, slots=True)
class IgIssue:
    index: int  # file-wide segment index (1-based); 0 when pyx12 names no segment
    tag: str  # segment id, '' for interchange-level problems
    element: str  # e.g. "CLM05-1", '' when the segment as a whole is wrong
    code: str  # pyx12 error code (999 IK4/IK3 or TA1 code)
    message: str
    value: str = ""


def _quiet_pyx12() -> None:
    log = logging.getLogger("pyx12")
    if not any(isinstance(h, logging.NullHandler) for h in log.handlers):
        log.addHandler(logging.NullHandler())
    log.propagate = False


def normalized_copy(path: str, dest) -> None:
    """Write ``path`` to the text stream ``dest`` in the form pyx12 reads reliably."""
    with open(path, "rb") as fh:
        reader = SegmentReader(fh, path)
        term = reader.delims.segment
        for seg in reader:
            fields = seg.fields
            tag = fields[0]
            if tag == "GS" and len(fields) > 8 and fields[8] == "005010X222A2":
                fields = fields[:8] + ["005010X222A1"] + fields[9:]
            elif tag == "ST" and len(fields) > 3 and fields[3] == "005010X222A2":
                fields = fields[:3] + ["005010X222A1"] + fields[4:]
            dest.write(reader.delims.element.join(fields))
            dest.write(term)
            if term != "\n":
                dest.write("\n")


def validate(path: str) -> list[IgIssue]:
    """Validate ``path`` against the 837P TR3 with pyx12; never raises for bad input."""
    _quiet_pyx12()
    import pyx12.params
    import pyx12.x12n_document

    fd, tmp = tempfile.mkstemp(prefix="x12tool-ig-", suffix=".x12")
    try:
        with os.fdopen(fd, "w", encoding="latin-1", newline="") as out:
            normalized_copy(path, out)
        fjson = io.StringIO()
        try:
            with open(tmp, encoding="latin-1", newline="") as src:
                pyx12.x12n_document.x12n_document(
                    param=pyx12.params.params(),
                    src_file=src,
                    fd_997=io.StringIO(),
                    fd_html=None,
                    fd_json=fjson,
                )
        except Exception as exc:  # pyx12 raises EngineError and others on input it rejects
            return [IgIssue(0, "", "", "pyx12", f"pyx12 could not validate the file: {exc}")]
        return list(_issues(fjson.getvalue()))
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _issues(text: str):
    try:
        doc = json.loads(text) if text.strip() else {}
    except ValueError:
        yield IgIssue(0, "", "", "pyx12", "pyx12 produced an unreadable error report")
        return
    for ic in doc.get("interchanges", []):
        for e in ic.get("errors", []):
            yield IgIssue(
                ic.get("cur_line") or 0, "ISA", "", str(e.get("err_cde", "")), e.get("err_str", "")
            )
        for g in ic.get("groups", []):
            for e in g.get("errors", []):
                yield IgIssue(
                    g.get("cur_line") or 0,
                    "GS",
                    "",
                    str(e.get("err_cde", "")),
                    e.get("err_str", ""),
                )
            for t in g.get("transactions", []):
                for e in t.get("errors", []):
                    yield IgIssue(
                        t.get("cur_line") or 0,
                        "ST",
                        "",
                        str(e.get("err_cde", "")),
                        e.get("err_str", ""),
                    )
                for s in t.get("segments", []):
                    line = s.get("cur_line") or 0
                    tag = s.get("seg_id", "")
                    for e in s.get("errors", []):
                        yield IgIssue(
                            line,
                            tag,
                            "",
                            str(e.get("err_cde", "")),
                            e.get("err_str", ""),
                            str(e.get("err_val") or ""),
                        )
                    for el in s.get("elements", []):
                        name = f"{tag}{int(el.get('ele_pos') or 0):02d}"
                        if el.get("subele_pos"):
                            name += f"-{el['subele_pos']}"
                        for e in el.get("errors", []):
                            yield IgIssue(
                                line,
                                tag,
                                name,
                                str(e.get("err_cde", "")),
                                e.get("err_str", ""),
                                str(e.get("err_val") or ""),
                            )

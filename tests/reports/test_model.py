"""The report model: one head builder for check and preflight, records every writer reads."""

from __future__ import annotations

import csv
import io
import json

from x12tool.edi.delimiters import Delimiters
from x12tool.edi.ig import IgIssue
from x12tool.edi.segment import Segment
from x12tool.reports.formats import report_writer
from x12tool.reports.model import (
    FileReport,
    FileSummary,
    hold_set,
    list_ig_issues,
    report_head,
    set_record,
)
from x12tool.reports.spool import ClaimSpool


class Basis:
    money_basis = "national"
    money_detail = ""

    def __init__(self, visit_log: dict | None = None) -> None:
        self.info = visit_log

    def visit_log_info(self) -> dict | None:
        return self.info


def _input(tmp_path, name: str = "a.837") -> str:
    path = tmp_path / name
    path.write_bytes(b"ISA*whatever~")
    return str(path)


def _st(offset: int, control: str = "0001") -> Segment:
    return Segment(["ST", "837", control], 3, offset, None, Delimiters("*", "^", ":", "~"))


def _spool(*records: dict) -> ClaimSpool:
    spool = ClaimSpool()
    for rec in records:
        spool.add(rec)
    return spool


def _claim(claim_id: str, *codes: str) -> dict:
    findings = [
        {"code": c, "severity": "error", "segment": "SV1", "position": 9, "line": 1,
         "message": f"{c} says so", "fix": None, "resolution": "open"}
        for c in codes
    ]  # fmt: skip
    return {"id": claim_id, "status": "held" if codes else "ready", "payer_class": "medicare",
            "st": "0001", "position": 5, "member_id": "***", "findings": findings,
            "changes": []}  # fmt: skip


def test_check_head_leaves_out_empty_lists_and_names_no_outputs(tmp_path):
    path = _input(tmp_path)
    summary = FileSummary(claims=2, ready=2, ig=True, notes=["a BOM before the ISA"])
    summary.ig_file_issues.append(IgIssue(0, "ISA", "", "1", "bad ISA"))
    head = report_head(path, summary, Basis({"path": "/x/visits.csv", "rows": 3, "problems": []}))
    assert list(head) == [
        "file", "sha256", "summary", "ig", "notes", "money_basis", "money_detail", "visit_log",
    ]  # fmt: skip
    assert head["file"] == "a.837" and len(head["sha256"]) == 64
    assert head["notes"] == ["a BOM before the ISA", "pyx12: bad ISA"]
    assert head["visit_log"]["path"] == "visits.csv"  # the folder is not the report's business
    assert head["summary"]["claims"] == 2 and head["summary"]["money"]["at_risk"] == "0.00"
    set_record(summary.sets, _st(10))
    assert report_head(path, summary, Basis())["transaction_sets"] == summary.sets


def test_preflight_head_lists_every_set_its_outputs_and_the_worklist(tmp_path):
    path = _input(tmp_path)
    summary = FileSummary(claims=1, held=1)
    head = report_head(
        path, summary, Basis(), outputs={"held": "held/a.837"}, worklist="a.837.worklist.csv"
    )
    assert list(head) == [
        "file", "sha256", "summary", "ig", "notes", "structural_changes", "transaction_sets",
        "outputs", "money_basis", "money_detail", "worklist",
    ]  # fmt: skip
    assert head["transaction_sets"] == [] and head["outputs"] == {"held": "held/a.837"}
    assert "worklist" not in report_head(path, summary, Basis(), outputs={})


def test_a_set_is_listed_once_with_env002_first_and_each_pyx12_issue_once():
    sets: list[dict] = []
    st = _st(100, "0007")
    issue = IgIssue(3, "GS", "GS08", "7", "bad version")
    list_ig_issues(sets, st, [issue])
    list_ig_issues(sets, st, [issue])  # the next claim of the set: already listed
    hold_set(sets, st, "SE*9*0007~", "SE01 says 9 segments, the set has 12")
    assert len(sets) == 1
    rec = sets[0]
    assert [f["code"] for f in rec["findings"]] == ["ENV002", "IG001"]
    assert rec["held"] is True and rec["trailer"] == "SE*9*0007~" and rec["st"] == "0007"
    assert rec["findings"][1]["pyx12"]["message"] == "bad version"
    assert list(rec["findings"][0]) == list(rec["findings"][1])[:-1]  # one finding shape


def test_json_of_several_inputs_is_one_array_streamed_input_by_input():
    out = io.StringIO()
    writer = report_writer("json", out, many=True)
    writer.add(FileReport({"file": "a", "sha256": "0"}, _spool(_claim("A1", "TU001"))))
    first = out.getvalue()
    writer.add(FileReport({"file": "b", "sha256": "1"}, _spool()))
    writer.close()
    assert first.startswith("[\n{") and '"A1"' in first  # written before the second came
    docs = json.loads(out.getvalue())
    assert [d["file"] for d in docs] == ["a", "b"]
    assert [c["id"] for c in docs[0]["claims"]] == ["A1"] and docs[1]["claims"] == []
    empty = io.StringIO()
    report_writer("json", empty, many=True).close()
    assert empty.getvalue() == ""  # every input refused: no half document


def test_csv_has_one_header_and_a_row_per_finding_of_every_input():
    out = io.StringIO()
    writer = report_writer("csv", out, many=True)
    writer.add(FileReport({"file": "a"}, _spool(_claim("A1", "TU001", "MOD001"), _claim("A2"))))
    writer.add(FileReport({"file": "b"}, _spool(_claim("B1", "KX001"))))
    writer.close()
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["file"], r["claim_id"], r["code"]) for r in rows] == [
        ("a", "A1", "TU001"), ("a", "A1", "MOD001"), ("b", "B1", "KX001"),
    ]  # fmt: skip
    assert out.getvalue().count("claim_id") == 1
    nothing = io.StringIO()
    report_writer("csv", nothing).close()
    assert nothing.getvalue() == ""

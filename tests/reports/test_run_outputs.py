"""What the commands print comes from the same report model as the files they write."""

from __future__ import annotations

import json
import shutil

from conftest import SAMPLE

BATCH = SAMPLE / "therapy_batch.837"
VISITS = SAMPLE / "therapy_visits.csv"


def test_preflight_html_page_is_the_report_page_built_from_the_records(tmp_path, cli):
    out = tmp_path / "out"
    r = cli("preflight", BATCH, "--visits", VISITS, "--out-dir", out, "--no-ledger",
            "--format", "html")  # fmt: skip
    assert r.returncode == 1, r.stderr
    assert r.stdout == (out / "reports" / "therapy_batch.837.html").read_text()
    report = json.loads((out / "reports" / "therapy_batch.837.json").read_text())
    held = [c["id"] for c in report["claims"] if c["status"] == "held"]
    assert held and all(f"<code>{c}</code>" in r.stdout for c in held)


def test_preflight_html_of_two_inputs_is_one_page_with_a_section_each(tmp_path, cli):
    second = tmp_path / "second.837"
    shutil.copy(BATCH, second)
    out = tmp_path / "out"
    r = cli("preflight", BATCH, second, "--visits", VISITS, "--out-dir", out, "--no-ledger",
            "--no-ig", "--format", "html")  # fmt: skip
    assert r.returncode == 1, r.stderr
    assert r.stdout.count("<!DOCTYPE html>") == 1
    assert "<title>x12tool report: therapy_batch.837, second.837</title>" in r.stdout
    assert r.stdout.count('<section class="file">') == 2


def test_check_csv_of_a_refused_and_a_good_input(tmp_path, cli):
    junk = tmp_path / "junk.837"
    junk.write_text("not a claim file\n")
    r = cli("check", junk, BATCH, "--visits", VISITS, "--no-ledger", "--no-ig",
            "--format", "csv")  # fmt: skip
    assert r.returncode == 3, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("file,claim_id,status,code")
    assert len(lines) > 1 and all(ln.startswith("therapy_batch.837,") for ln in lines[1:])
    assert "junk.837" in r.stderr


def test_html_when_no_input_can_be_read(tmp_path, cli):
    junk = tmp_path / "junk.837"
    junk.write_text("not a claim file\n")
    r = cli("check", junk, "--no-ledger", "--format", "html")
    assert r.returncode == 3 and r.stdout == ""  # check: no page without a report
    r = cli("preflight", junk, "--out-dir", tmp_path / "out", "--no-ledger", "--format", "html")
    assert r.returncode == 3
    assert r.stdout.startswith("<!DOCTYPE html>") and '<section class="file">' not in r.stdout


def test_reports_from_the_spool_are_the_reports_from_the_records(tmp_path, cli):
    """The HTML page, worklist and text report read from a spool decode only the records
    they print (by the spool's flags, found in the texts as the template makes them): the
    same files as from every record as a dict, where the flags come from the dicts."""
    import io

    from x12tool.reports.formats import write_report
    from x12tool.reports.model import FileReport
    from x12tool.reports.spool import MONEY, ClaimSpool, record_flags

    out = tmp_path / "out"
    r = cli("preflight", BATCH, "--visits", VISITS, "--out-dir", out, "--no-ledger", "--no-ig")
    assert r.returncode == 1, r.stderr
    doc = json.loads((out / "reports" / "therapy_batch.837.json").read_text())
    records = doc.pop("claims")
    # a held claim without findings (a set held for its trailer) and a plain ready one
    records.append({**records[0], "id": "X1", "status": "held", "findings": [], "changes": []})
    records.append({**records[0], "id": "X2", "status": "ready", "findings": [], "changes": []})
    assert {"held", "corrected", "ready"} <= {c["status"] for c in records}
    for fmt in ("html", "worklist", "text"):
        spool = ClaimSpool()
        try:
            for rec in records:
                flags = record_flags(rec)
                # the template's records carry MONEY alone, whatever their status
                spool.add_text(json.dumps(rec), flags if flags & ~MONEY else flags & MONEY)
            from_spool, from_list = io.StringIO(), io.StringIO()
            write_report(fmt, from_spool, FileReport(doc, spool))
            write_report(fmt, from_list, FileReport(doc, records))
        finally:
            spool.close()
        assert from_spool.getvalue() == from_list.getvalue()
        if fmt == "worklist":
            assert "X1," in from_spool.getvalue()

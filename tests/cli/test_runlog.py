"""A result for every input: --format jsonl / --log lines validate against the documented schema."""

from __future__ import annotations

import json

import jsonschema
import pytest
from conftest import ROOT, SAMPLE, SYNTHETIC

from x12tool import exitcodes
from x12tool.cli import main

SCHEMA = json.loads((ROOT / "docs" / "run-log.schema.json").read_text())
BATCH = SAMPLE / "therapy_batch.837"


def run(capsys, *args) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def lines_of(text: str) -> list[dict]:
    records = [json.loads(line) for line in text.splitlines()]
    for record in records:
        jsonschema.validate(record, SCHEMA)
    return records


def test_preflight_jsonl_has_a_line_per_input_refused_included_and_totals(tmp_path, capsys):
    junk = tmp_path / "junk.837"
    junk.write_text("hello\n")
    log = tmp_path / "run.log"
    code, out, err = run(
        capsys, "preflight", BATCH, SYNTHETIC, junk, "--out-dir", tmp_path / "out",
        "--no-ig", "--no-ledger", "--visits", SAMPLE / "therapy_visits.csv",
        "--format", "jsonl", "--log", log,
    )  # fmt: skip
    assert code == exitcodes.INPUT, err
    records = lines_of(out)
    assert [r["type"] for r in records] == ["input", "input", "input", "totals"]
    batch, one, refused, totals = records
    assert batch["status"] == "held" and batch["counts"] == {
        "claims": 22,
        "ready": 9,
        "corrected": 8,
        "held": 5,
    }
    assert set(batch["outputs"]) == {"ready", "held", "json", "txt", "html", "worklist"}
    assert one["status"] == "all-held" and "ready" not in one["outputs"]
    assert refused["status"] == "refused" and refused["exit"] == exitcodes.INPUT
    assert refused["meaning"] == "refused" and "not an X12 interchange" in refused["reason"]
    assert refused["sha256"] and refused["counts"] is None and refused["outputs"] == {}
    assert totals["inputs"] == 3 and totals["held"] == 6 and totals["exit"] == exitcodes.INPUT
    assert totals["by_status"] == {"held": 1, "all-held": 1, "refused": 1}
    assert log.read_text() == out  # --log gets the same lines
    # --log appends; with the text format stdout stays text
    code, out, _ = run(
        capsys, "preflight", SYNTHETIC, "--out-dir", tmp_path / "out", "--no-ig", "--no-ledger",
        "--log", log,
    )  # fmt: skip
    assert code == exitcodes.HELD and not out.startswith("{")
    assert len(lines_of(log.read_text())) == 6


def test_outbox_jsonl_validates_including_uploads(tmp_path, capsys):
    box = tmp_path / "box"
    box.mkdir()
    (box / "a.837").write_bytes(BATCH.read_bytes())
    (box / "b.txt").write_text("junk\n")
    code, out, _ = run(
        capsys, "outbox", box, "--no-ig", "--no-ledger", "--format", "jsonl", "--min-age", "0",
        "--upload-cmd", "false {file}",
    )  # fmt: skip
    assert code == exitcodes.UPLOAD
    records = lines_of(out)
    assert [r["type"] for r in records] == ["input", "input", "upload", "totals"]
    assert records[2]["ok"] is False and records[-1]["uploads_failed"] == 1
    assert records[-1]["meaning"] == "upload-failed"

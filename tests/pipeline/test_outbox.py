"""``x12tool outbox DIR`` and the out-dir lock: nothing sent twice, lost, or retried forever."""

from __future__ import annotations

import json
import os
import shlex
import sys
import time

import pytest
from conftest import SAMPLE, SYNTHETIC

from x12tool import exitcodes
from x12tool.cli import main
from x12tool.pipeline import outbox as outbox_mod
from x12tool.pipeline.lock import FolderLock

BATCH = SAMPLE / "therapy_batch.837"
VISITS = SAMPLE / "therapy_visits.csv"
BASE = ["--no-ig", "--no-ledger", "--visits", str(VISITS)]
NOW = ["--min-age", "0"]  # take files written a moment ago (the default waits 10 s)


def run(capsys, *args) -> tuple[int, str, str]:
    """x12tool in this process (fast): exit code, stdout, stderr."""
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def tree(folder) -> dict[str, bytes]:
    found = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as fh:
                found[os.path.relpath(path, folder)] = fh.read()
    return found


def visible(folder, sub) -> list[str]:
    path = os.path.join(folder, sub)
    return sorted(n for n in os.listdir(path) if not n.startswith("."))


@pytest.fixture
def box(tmp_path):
    box = tmp_path / "outbox"
    box.mkdir()
    (box / "batch.837").write_bytes(BATCH.read_bytes())  # partly held
    (box / "one.837").write_bytes(SYNTHETIC.read_bytes())  # all held
    (box / "junk.837").write_text("not a claim file\n")  # refused
    return box


def copy_cmd(dest) -> str:
    """An upload command that copies the file to ``dest`` (a stand-in for sftp)."""
    code = "import shutil,sys; shutil.copy(sys.argv[1], sys.argv[2])"
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)} {{file}} {shlex.quote(str(dest))}"


def test_outbox_routes_every_file_once_and_never_again(box, capsys):
    code, out, err = run(capsys, "outbox", box, *BASE, *NOW, "--format", "jsonl")
    assert code == exitcodes.INPUT, err  # a refused input wins over held claims
    lines = [json.loads(x) for x in out.splitlines()]
    by_file = {r["file"]: r for r in lines if r["type"] == "input"}
    assert by_file["batch.837"]["status"] == "held"
    assert by_file["one.837"]["status"] == "all-held"
    assert by_file["junk.837"]["status"] == "refused" and by_file["junk.837"]["reason"]
    assert lines[-1]["type"] == "totals" and lines[-1]["inputs"] == 3
    assert visible(box, "upload") == ["batch.837"]
    assert visible(box, "held") == ["batch.837", "one.837"]
    assert visible(box, "refused") == ["junk.837"]
    day = visible(box, "archive")[0]
    assert visible(box, f"archive/{day}") == ["batch.837", "one.837"]
    assert visible(box, ".") == sorted(["archive", "held", "refused", "reports", "sent", "upload"])
    assert os.listdir(box / ".work") == []
    assert "junk.837" in err and len(err.strip().splitlines()) == 1
    # The all-held file is not retried: a second run finds nothing to do and exits 0.
    before = tree(box)
    code, out, err = run(capsys, "outbox", box, *BASE, *NOW)
    assert code == exitcodes.OK, err
    assert out == "" and err == ""
    assert {k: v for k, v in tree(box).items() if "sqlite" not in k} == {
        k: v for k, v in before.items() if "sqlite" not in k
    }
    # The same content again under another name is archived, never preflighted or sent again.
    (box / "again.837").write_bytes(BATCH.read_bytes())
    code, out, _ = run(capsys, "outbox", box, *BASE, *NOW)
    assert code == exitcodes.OK
    assert "again.837: duplicate" in out and "batch.837" in out
    assert visible(box, "upload") == ["batch.837"]
    assert "again.837" in visible(box, f"archive/{day}")


def test_the_log_file_in_the_folder_is_not_an_input(box, capsys):
    log = box / "x12tool.jsonl"
    run(capsys, "outbox", box, *BASE, *NOW, "--log", log)
    code, out, _ = run(capsys, "outbox", box, *BASE, *NOW, "--log", log)
    assert code == exitcodes.OK and out == ""
    assert len(log.read_text().splitlines()) == 5  # 3 inputs + totals, then totals


def test_pattern_leaves_other_files_alone(box, capsys):
    (box / "notes.txt").write_text("call the clearinghouse\n")
    code, out, _ = run(capsys, "outbox", box, *BASE, *NOW, "--pattern", "b*.837")
    assert code == exitcodes.HELD
    assert out.startswith("batch.837: held") and len(out.splitlines()) == 1
    assert (box / "notes.txt").exists() and (box / "junk.837").exists()


def test_same_name_later_gets_a_distinct_output_name(box, capsys):
    run(capsys, "outbox", box, *BASE, *NOW)
    data = BATCH.read_bytes().replace(b"SEED-97530", b"SEED-97531")
    (box / "batch.837").write_bytes(data)  # tomorrow's export, same name, other content
    code, out, _ = run(capsys, "outbox", box, *BASE, *NOW)
    assert code == exitcodes.HELD
    uploads = visible(box, "upload")
    assert len(uploads) == 2 and "batch.837" in uploads
    assert (box / "upload" / "batch.837").read_bytes() != (box / "upload" / uploads[0]).read_bytes()


def test_second_run_exits_at_once_naming_the_lock_holder(box, capsys):
    with FolderLock(str(box)):
        code, out, err = run(capsys, "outbox", box, *BASE, *NOW)
    assert code == exitcodes.LOCKED
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert f"pid {os.getpid()}" in err and "since" in err
    assert (box / "batch.837").exists()  # untouched


def test_failed_upload_stays_and_is_retried(box, tmp_path, capsys):
    code, _, err = run(capsys, "outbox", box, *BASE, *NOW, "--upload-cmd", "false {file}")
    assert code == exitcodes.UPLOAD, err
    assert "upload failed" in err
    assert visible(box, "upload") == ["batch.837"] and visible(box, "sent") == []
    remote = tmp_path / "remote"
    remote.mkdir()
    code, out, err = run(capsys, "outbox", box, *BASE, *NOW, "--upload-cmd", copy_cmd(remote))
    assert code == exitcodes.OK, err
    assert visible(box, "upload") == [] and visible(box, "sent") == ["batch.837"]
    assert (remote / "batch.837").read_bytes() == (box / "sent" / "batch.837").read_bytes()
    # sent files are not uploaded again
    (remote / "batch.837").unlink()
    code, _, _ = run(capsys, "outbox", box, *BASE, *NOW, "--upload-cmd", copy_cmd(remote))
    assert code == exitcodes.OK and not (remote / "batch.837").exists()


def test_upload_cmd_needs_the_file_placeholder(box, capsys):
    code, _, err = run(capsys, "outbox", box, *BASE, *NOW, "--upload-cmd", "sftp host")
    assert code == exitcodes.USAGE and "{file}" in err


def test_killed_run_is_finished_by_the_next_without_a_second_copy(box, capsys, monkeypatch):
    real = outbox_mod.run_preflight

    def killed_after_outputs(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt  # the run dies after writing, before recording or archiving

    monkeypatch.setattr(outbox_mod, "run_preflight", killed_after_outputs)
    code, _, _ = run(capsys, "outbox", box, *BASE, *NOW)
    assert code != exitcodes.OK  # (Click reports an interrupt as "aborted")
    assert visible(box, ".work") == ["batch.837"]  # claimed, not lost
    monkeypatch.setattr(outbox_mod, "run_preflight", real)
    code, out, err = run(capsys, "outbox", box, *BASE, *NOW)
    assert code == exitcodes.INPUT, err
    assert visible(box, ".work") == []
    assert visible(box, "upload") == ["batch.837"]  # same name reused, no duplicate
    day = visible(box, "archive")[0]
    assert visible(box, f"archive/{day}") == ["batch.837", "one.837"]


def test_dry_run_changes_nothing(box, capsys):
    before = tree(box)
    code, out, _ = run(
        capsys, "outbox", box, *BASE, *NOW, "--dry-run", "--upload-cmd", "true {file}"
    )
    assert code == exitcodes.INPUT
    assert "batch.837: would-process: 22 claims" in out
    assert "junk.837: would-refuse" in out
    assert tree(box) == before


def test_preflight_refuses_same_named_inputs_before_writing(tmp_path, capsys):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "x.837").write_bytes(SYNTHETIC.read_bytes())
    out_dir = tmp_path / "out"
    code, _, err = run(
        capsys, "preflight", tmp_path / "a/x.837", tmp_path / "b/x.837", "--out-dir", out_dir,
        "--no-ig", "--no-ledger",
    )  # fmt: skip
    assert code == exitcodes.USAGE and "two inputs are named x.837" in err
    assert not out_dir.exists()


def test_preflight_waits_for_or_refuses_a_locked_out_dir(tmp_path, capsys):
    out_dir = tmp_path / "out"
    with FolderLock(str(out_dir)):
        code, out, err = run(
            capsys, "preflight", SYNTHETIC, "--out-dir", out_dir, "--no-ig", "--no-ledger",
            "--lock-wait", "0.3",
        )  # fmt: skip
    assert code == exitcodes.LOCKED
    assert f"pid {os.getpid()}" in err and len(err.strip().splitlines()) == 1
    assert sorted(os.listdir(out_dir)) == [".x12tool.lock"]
    code, _, _ = run(capsys, "preflight", SYNTHETIC, "--out-dir", out_dir, "--no-ig", "--no-ledger")
    assert code == exitcodes.HELD


def test_claims_sent_before_come_back_held_as_dup001(box, tmp_path, capsys):
    """With a ledger, the same claims in a file with other bytes are held, not sent again."""
    ledger = tmp_path / "ledger.sqlite"
    with_ledger = ["--no-ig", "--ledger", ledger, "--visits", VISITS, *NOW]
    run(capsys, "outbox", box, *with_ledger)
    sent_before = (box / "upload" / "batch.837").read_bytes()
    again = (
        BATCH.read_bytes()
        .replace(b"*000000310*", b"*000000311*")
        .replace(b"IEA*1*000000310~", b"IEA*1*000000311~")
    )  # another interchange control number
    assert again != BATCH.read_bytes()
    (box / "batch-resent.837").write_bytes(again)
    code, out, err = run(capsys, "outbox", box, *with_ledger, "--format", "jsonl")
    assert code == exitcodes.HELD, err
    record = json.loads(out.splitlines()[0])
    assert record["status"] == "all-held"
    assert record["counts"]["ready"] == record["counts"]["corrected"] == 0
    assert visible(box, "upload") == ["batch.837"]
    assert (box / "upload" / "batch.837").read_bytes() == sent_before
    report = json.loads((box / "reports" / "batch-resent.837.json").read_text())
    dup = [f for c in report["claims"] for f in c["findings"] if f["code"] == "DUP001"]
    assert len(dup) == 17  # every claim that went the first time
    assert all("batch.837" in f["message"] for f in dup)


def test_worklist_lists_every_held_claim_and_the_html_links_it(tmp_path, capsys, monkeypatch):
    import csv

    from x12tool.reports import html_report

    monkeypatch.setattr(html_report, "MAX_LISTED", 2)  # the page lists only part
    out_dir = tmp_path / "out"
    code, _, err = run(capsys, "preflight", BATCH, "--out-dir", out_dir, *BASE)
    assert code == exitcodes.HELD, err
    reports = out_dir / "reports"
    rows = list(csv.DictReader((reports / "therapy_batch.837.worklist.csv").open()))
    report = json.loads((reports / "therapy_batch.837.json").read_text())
    held = [c for c in report["claims"] if c["status"] == "held"]
    assert len(held) == 5
    assert {r["claim_id"] for r in rows} == {c["id"] for c in held}
    assert list(rows[0]) == [
        "claim_id", "service_date", "line", "procedure_code", "rule", "what_to_do", "fix",
        "dollars_at_risk", "claim_at_risk",
    ]  # fmt: skip
    for row in rows:
        assert row["rule"] and row["what_to_do"] and row["service_date"].startswith("2026-")
        assert row["procedure_code"]
    at_risk = sum(float(r["claim_at_risk"] or 0) for r in rows)
    assert round(at_risk, 2) == float(report["summary"]["money"]["at_risk"])
    assert report["worklist"] == "therapy_batch.837.worklist.csv"
    page = (reports / "therapy_batch.837.html").read_text()
    assert 'href="therapy_batch.837.worklist.csv"' in page
    # A rerun that holds nothing removes the old worklist.
    clean = tmp_path / "therapy_batch.837"
    clean.write_bytes((out_dir / "ready" / "therapy_batch.837").read_bytes())
    code, _, _ = run(capsys, "preflight", clean, "--out-dir", out_dir, *BASE)
    assert code == exitcodes.OK
    assert not (reports / "therapy_batch.837.worklist.csv").exists()


def test_a_file_still_being_written_waits_for_the_next_run(box, capsys):
    code, out, _ = run(capsys, "outbox", box, *BASE)  # default --min-age 10
    assert code == exitcodes.OK and out == ""
    assert sorted(visible(box, ".")) == sorted(
        [
            "archive",
            "batch.837",
            "held",
            "junk.837",
            "one.837",
            "refused",
            "reports",
            "sent",
            "upload",
        ]
    )
    old = time.time() - 60
    os.utime(box / "one.837", (old, old))
    code, out, _ = run(capsys, "outbox", box, *BASE)
    assert code == exitcodes.HELD and out.startswith("one.837: all-held")
    assert (box / "batch.837").exists()


def test_outbox_writes_acknowledgments_beside_its_reports(box, capsys):
    from reports.test_acks import pyx12_errors

    (box / "one.837").unlink()
    (box / "junk.837").unlink()
    code, _, err = run(capsys, "outbox", box, *BASE, *NOW, "--ack", "999,277ca")
    assert code == exitcodes.HELD, err
    reports = box / "reports"
    for name in ("batch.837.999", "batch.837.277ca"):
        assert (reports / name).is_file()
        assert stat_mode(reports / name) == 0o600
        assert pyx12_errors(reports / name) == []


def stat_mode(path) -> int:
    return os.stat(path).st_mode & 0o777

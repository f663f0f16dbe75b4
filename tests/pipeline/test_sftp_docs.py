"""docs/sftp.md as a vendor runs it: the cron entry (with its x12tool.toml) and the plain
script, end to end, with a fake ``sftp`` on PATH: two runs at once, a failing upload."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import jsonschema
import pytest
from conftest import ROOT, SAMPLE, SYNTHETIC

DOC = (ROOT / "docs" / "sftp.md").read_text()
SCHEMA = json.loads((ROOT / "docs" / "run-log.schema.json").read_text())
BATCH = SAMPLE / "therapy_batch.837"

FAKE_SFTP = """#!/bin/sh
# fake sftp -b - HOST: reads "put SRC DEST" lines from stdin, copies SRC into $FAKE_REMOTE
[ "$1" = "-b" ] && [ "$2" = "-" ] || { echo "fake sftp: expected -b -" >&2; exit 2; }
touch "$FAKE_REMOTE/.started"
if [ -n "$FAKE_SFTP_HOLD" ]; then  # wait (up to 30 s) until the test lets the upload go on
  n=0; while [ ! -e "$FAKE_REMOTE/.go" ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n+1)); done
fi
if [ -e "$FAKE_REMOTE/.fail" ]; then echo "Connection closed" >&2; exit 255; fi
while read -r cmd src dest; do
  [ "$cmd" = "put" ] || continue
  cp "$src" "$FAKE_REMOTE/" || exit 1
  basename "$src" >> "$FAKE_REMOTE/.puts"
done
"""


def block(lang: str, n: int = 0) -> str:
    return re.findall(rf"```{lang}\n(.*?)```", DOC, re.S)[n]


@pytest.fixture
def world(tmp_path):
    """/srv/claims as a temp folder, x12tool and a fake sftp on PATH."""
    base = tmp_path / "claims"
    (base / "emr").mkdir(parents=True)
    (base / "emr" / "visits-latest.csv").write_bytes((SAMPLE / "therapy_visits.csv").read_bytes())
    remote = tmp_path / "remote"
    remote.mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sftp").write_text(FAKE_SFTP)
    (bin_dir / "x12tool").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m x12tool "$@"\n')
    for tool in ("sftp", "x12tool"):
        os.chmod(bin_dir / tool, 0o755)
    env = dict(os.environ)
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env['PATH']}",
        PYTHONPATH=str(ROOT),
        FAKE_REMOTE=str(remote),
        FAKE_SFTP_HOLD="",
    )
    return base, remote, env


def sub(text: str, base) -> str:
    return text.replace("/srv/claims", str(base))


def puts(remote) -> list[str]:
    path = remote / ".puts"
    return path.read_text().split() if path.exists() else []


def wait_for(path, timeout=30.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def start(command: str, env, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        ["/bin/sh", "-c", command], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, **kw,
    )  # fmt: skip


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def concurrent(command: str, env, remote) -> tuple[tuple, tuple]:
    """Two runs at once: the second starts while the first is inside its upload."""
    held = dict(env, FAKE_SFTP_HOLD="1")
    first = start(command, held)
    wait_for(remote / ".started")
    second = finish(start(command, env))
    (remote / ".go").touch()
    return finish(first), second


def test_documented_cron_entry(world):
    base, remote, env = world
    cron = block("cron").strip()
    command = sub(cron.split(None, 5)[5], base)  # the command after the five time fields
    (base / "x12tool.toml").write_text(sub(block("toml"), base))
    outbox = base / "outbox"
    outbox.mkdir()
    (outbox / "batch.837").write_bytes(BATCH.read_bytes())
    (outbox / "one.837").write_bytes(SYNTHETIC.read_bytes())  # all claims held
    old = time.time() - 60  # exported a minute ago (outbox waits 10 s for files being written)
    for path in outbox.iterdir():
        os.utime(path, (old, old))
    # 1. the clearinghouse is down: exit 6, nothing lost, the ready file waits in upload/
    (remote / ".fail").touch()
    code, out, err = finish(start(command, env))
    assert code == 6, err
    assert "batch.837: upload failed" in err and "Connection closed" in err
    assert "one.837: all-held" in out
    assert sorted(os.listdir(outbox / "upload")) == ["batch.837"]
    # 2. two cron runs at once: one uploads, the other exits 5 at once naming the holder
    (remote / ".fail").unlink()
    (remote / ".started").unlink()
    (code_a, out_a, err_a), (code_b, out_b, err_b) = concurrent(command, env, remote)
    assert code_a == 0, err_a
    assert code_b == 5 and "locked by another x12tool run (pid" in err_b, (
        out_a,
        err_a,
        out_b,
        err_b,
    )
    assert len(err_b.strip().splitlines()) == 1 and out_b == ""
    assert puts(remote) == ["batch.837"]
    assert sorted(os.listdir(outbox / "sent")) == ["batch.837"]
    # 3. an idle run prints nothing (cron mails nothing); the held file is not re-alerted.
    # (The same content dropped again is archived, never sent: tests/pipeline/test_outbox.py.)
    code, out, err = finish(start(command, env))
    assert (code, out, err) == (0, "", "")
    log = [json.loads(x) for x in (base / "log" / "x12tool.jsonl").read_text().splitlines()]
    for record in log:
        jsonschema.validate(record, SCHEMA)
    assert [r["exit"] for r in log if r["type"] == "totals"] == [6, 0, 0]


def test_documented_plain_script(world, tmp_path):
    base, remote, env = world
    script = tmp_path / "upload.sh"
    script.write_text(sub(block("bash"), base))
    drop = base / "drop"
    drop.mkdir()
    (drop / "batch.837").write_bytes(BATCH.read_bytes())
    (drop / "one.837").write_bytes(SYNTHETIC.read_bytes())  # all claims held
    (drop / "junk.837").write_text("not x12\n")
    command = f"bash {script}"
    (remote / ".fail").touch()
    code, _, err = finish(start(command, env))
    assert code == 6, err
    assert "upload of" in err and puts(remote) == []
    assert os.listdir(drop) == []  # every input claimed
    assert sorted(os.listdir(base / "archive")) == ["batch.837", "one.837"]
    assert os.listdir(base / "refused") == ["junk.837"]
    (remote / ".fail").unlink()
    (remote / ".started").unlink()
    (code_a, _, err_a), (code_b, _, err_b) = concurrent(command, env, remote)
    assert code_a == 0, err_a
    assert code_b == 5 and "busy" in err_b
    assert puts(remote) == ["batch.837"]
    code, _, err = finish(start(command, env))
    assert code == 0, err
    assert puts(remote) == ["batch.837"]  # not sent twice, the all-held file not retried
    assert len(os.listdir(base / "sent")) == 1

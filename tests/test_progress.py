"""A progress line for big files on a terminal; nothing when stderr is a pipe."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys

from conftest import ROOT

from devtools.synth import generate
from x12tool.cli.progress import Progress


def big_file(tmp_path):
    path = tmp_path / "big.837"
    with open(path, "wb") as fh:
        generate(fh, claims=7000, seed=4)  # about 4.3 MB
    assert path.stat().st_size >= 4 * 1024 * 1024
    return path


def run(args, *, tty: bool):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "x12tool", *map(str, args)]
    if not tty:
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
        return r.returncode, r.stderr
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=secondary, stdin=subprocess.DEVNULL, env=env
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(primary, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=300)
    os.close(primary)
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace")


def test_progress_on_a_terminal_only(tmp_path):
    path = big_file(tmp_path)
    code, err = run(
        ["check", path, "--no-ig", "--format", "json", "-o", tmp_path / "r.json"], tty=True
    )
    assert code in (0, 1)
    assert "claims/s" in err and "%" in err
    code, err = run(
        ["check", path, "--no-ig", "--format", "json", "-o", tmp_path / "r.json"], tty=False
    )
    assert code in (0, 1)
    assert err == ""


def test_small_files_and_pipes_get_no_progress(tmp_path):
    small = tmp_path / "s.837"
    with open(small, "wb") as fh:
        generate(fh, claims=10, seed=1)
    p = Progress(str(small), io.StringIO())
    assert not p.enabled
    out = io.StringIO()
    p = Progress(str(small), out, force=True)
    got = []
    tick = p.wrap(got.append)
    tick({"offset": 10})
    p.done()
    assert got == [{"offset": 10}] and "claims/s" in out.getvalue()

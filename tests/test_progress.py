"""A progress line for big files on a terminal; nothing when stderr is a pipe."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys

import pytest
from conftest import ROOT

from devtools.synth import generate
from x12tool.cli.progress import Progress

# The CLI with the progress threshold lowered, so that the default run can show the line on a
# small file (the slow test keeps the real threshold and a file above it).
LOWERED = (
    "import sys, x12tool.cli.progress as p; p.MIN_BYTES = int(sys.argv.pop(1)); "
    "from x12tool.cli import main; main()"
)


def big_file(tmp_path, claims: int = 7000, least: int = 4 * 1024 * 1024):
    path = tmp_path / "big.837"
    with open(path, "wb") as fh:
        generate(fh, claims=claims, seed=4)  # 7,000 claims: about 4.3 MB
    assert path.stat().st_size >= least
    return path


def run(args, *, tty: bool, min_bytes: int | None = None):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "x12tool", *map(str, args)]
    if min_bytes is not None:
        cmd = [sys.executable, "-c", LOWERED, str(min_bytes), *map(str, args)]
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


def progress_on_a_terminal_only(path, min_bytes: int | None) -> None:
    out = path.parent / "r.json"
    args = ["check", path, "--no-ig", "--format", "json", "-o", out]
    code, err = run(args, tty=True, min_bytes=min_bytes)
    assert code in (0, 1)
    assert "claims/s" in err and "%" in err
    code, err = run(args, tty=False, min_bytes=min_bytes)
    assert code in (0, 1)
    assert err == ""


def test_progress_on_a_terminal_only(tmp_path):
    """A 300-claim file over a threshold lowered to 64 KB."""
    progress_on_a_terminal_only(big_file(tmp_path, 300, 64 * 1024), min_bytes=64 * 1024)


def test_below_the_threshold_a_terminal_gets_no_progress(tmp_path):
    path = big_file(tmp_path, 300, 64 * 1024)
    code, err = run(["check", path, "--no-ig", "-o", tmp_path / "r.txt"], tty=True)
    assert code in (0, 1)
    assert err == ""


@pytest.mark.slow
def test_progress_on_a_terminal_only_with_the_real_threshold(tmp_path):
    progress_on_a_terminal_only(big_file(tmp_path), min_bytes=None)


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

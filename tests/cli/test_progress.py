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


class Terminal(io.StringIO):
    """One row of a terminal, as the user sees it: text overwrites from the cursor, "\\r" takes
    the cursor back to the first column, ESC[2K blanks the row."""

    def __init__(self) -> None:
        super().__init__()
        self.row: list[str] = []
        self.col = 0

    def write(self, s: str) -> int:
        i = 0
        while i < len(s):
            if s.startswith("\x1b[2K", i):
                self.row = [" "] * self.col
                i += 4
                continue
            ch = s[i]
            assert ch not in "\n\x1b", f"unexpected {ch!r}: the line must stay on its row"
            if ch == "\r":
                self.col = 0
            elif self.col < len(self.row):
                self.row[self.col] = ch
                self.col += 1
            else:
                self.row.append(ch)
                self.col += 1
            i += 1
        return super().write(s)

    @property
    def screen(self) -> str:
        return "".join(self.row).rstrip()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def progress(tmp_path, size: int = 64 * 1024):
    path = tmp_path / "big.837"
    path.write_bytes(b"x" * size)
    clock, term = Clock(), Terminal()
    p = Progress(str(path), term, force=True, clock=clock)
    return p, p.wrap(lambda record: None), clock, term


def test_the_rate_counts_from_the_files_first_claim_not_from_before(tmp_path):
    """100 s pass before the first claim (ledger pre-pass, IG workers starting); then 64
    claims come in one second: the line says 64 claims/s, not 65 / 101 s."""
    p, tick, clock, term = progress(tmp_path)
    clock.now = 100.0
    tick({"offset": 100})
    assert term.screen.endswith("1 claims  ? claims/s")  # one claim: no rate yet
    for i in range(1, 65):
        clock.now = 100.0 + i / 64  # exact in binary: redraws fall on 0.25 s exactly
        tick({"offset": 100 + i * 500})
    assert term.screen.endswith(" 65 claims  64 claims/s"), term.screen
    assert f"{(100 + 64 * 500) * 100 // (64 * 1024):3d}%" in term.screen
    p.done()
    assert term.screen == ""


def test_a_shorter_line_leaves_nothing_of_the_longer_one(tmp_path):
    p, tick, clock, term = progress(tmp_path)
    tick({"offset": 0})
    for i in range(1, 2001):
        clock.now = i / 2000
        tick({"offset": 10})
    long = term.screen
    assert long.endswith(" 2,001 claims  2,000 claims/s"), long
    clock.now = 1000.0  # a long wait: the rate drops to 2 claims/s, the line gets shorter
    tick({"offset": 20})
    assert term.screen.endswith(" 2,002 claims  2 claims/s"), term.screen
    assert len(term.screen) < len(long)
    assert term.screen == p.line(20, clock.now)  # nothing of the longer line is left
    assert term.getvalue().count("\n") == 0


def test_the_line_fits_a_narrow_terminal(tmp_path):
    """A line wider than the terminal wraps and "\\r" cannot take back its upper row: the file
    name is shortened, then the line."""
    p, tick, clock, term = progress(tmp_path)
    p.name = "a-very-long-vendor-upload-name-2026-03-02-batch-0001.837"
    p._columns = lambda: 72
    tick({"offset": 0})
    assert len(term.screen) <= 71 and term.screen.startswith("...")
    assert term.screen.endswith(
        "batch-0001.837 [------------------------]   0%  1 claims  ? claims/s"
    )
    p._columns = lambda: 30
    clock.now = 1.0
    tick({"offset": 0})
    assert len(term.screen) <= 29

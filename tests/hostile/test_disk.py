"""A full disk or an unwritable output folder: one clear line, an exit code, and the input and
earlier outputs left exactly as they were (no half-written or temp file behind).

Root ignores permission bits, so "unwritable" is made with a regular file where the folder
should be, and a full disk by making the file system calls fail in-process with ENOSPC.
"""

from __future__ import annotations

import errno
import os
import shutil

import pytest
from conftest import SAMPLE, run_cli

from hostile.conftest import RESULTS, written_files
from x12tool.cli import main

BATCH = SAMPLE / "therapy_batch.837"
VISITS = SAMPLE / "therapy_visits.csv"


def error_lines(err: str) -> list[str]:
    """stderr without the visit log's stats line (printed after reading it, before any error)."""
    return [ln for ln in err.splitlines() if not ln.startswith("x12tool: visit log ")]


OUTCOMES: list[dict] = []
RESULTS["disk"] = OUTCOMES


def snapshot(folder) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder`` (hidden ones too): bytes and mtime."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in written_files(folder)
    }


def run_main(capsys, *args) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    cap = capsys.readouterr()
    return exc.value.code, cap.out, cap.err


@pytest.fixture
def earlier(tmp_path):
    """An input and the outputs of an earlier, successful run."""
    src = tmp_path / "in" / BATCH.name
    src.parent.mkdir()
    shutil.copy(BATCH, src)
    out = tmp_path / "out"
    r = run_cli("preflight", src, "--visits", VISITS, "--out-dir", out, "--no-ig")
    assert r.returncode == 1, r.stderr
    return src, out


def record(situation: str, code: int, err: str, tmp_path) -> None:
    OUTCOMES.append(
        {"situation": situation, "exit": code, "message": err.strip().replace(str(tmp_path), "…")}
    )


def test_out_dir_is_a_file(tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("not a folder\n")
    r = run_cli("preflight", BATCH, "--out-dir", blocker)
    assert r.returncode == 2
    assert len(r.stderr.splitlines()) == 1 and "Traceback" not in r.stderr
    assert "is a file" in r.stderr
    assert blocker.read_text() == "not a folder\n"
    record("--out-dir is an existing regular file", r.returncode, r.stderr, tmp_path)


@pytest.mark.parametrize("command", ["preflight", "fix", "check"])
def test_output_under_a_regular_file(tmp_path, command):
    blocker = tmp_path / "blocker"
    blocker.write_text("x\n")
    target = blocker / "sub"
    args = {
        "preflight": ("preflight", BATCH, "--out-dir", target, "--no-ig"),
        "fix": ("fix", BATCH, "-o", target / "fixed.837", "--no-ig"),
        "check": ("check", BATCH, "-o", target / "report.txt", "--no-ig"),
    }[command]
    before = BATCH.read_bytes()
    r = run_cli(*args)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert "cannot write" in lines[0] and str(blocker) in lines[0]
    assert "crash report" not in lines[0]
    assert BATCH.read_bytes() == before and blocker.read_text() == "x\n"
    record(f"`{command}` output path under a regular file", r.returncode, r.stderr, tmp_path)


class FullDisk:
    """A file object whose writes fail with ENOSPC once ``room`` bytes are used."""

    def __init__(self, fh, room: int) -> None:
        self._fh, self._room = fh, room

    def write(self, data) -> int:
        if len(data) > self._room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room -= len(data)
        return self._fh.write(data)

    def __getattr__(self, name):
        return getattr(self._fh, name)


def _enospc(*_a, **_k):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("where", ["write", "fsync", "first-rename"])
def test_full_disk_keeps_input_and_earlier_outputs(earlier, monkeypatch, capsys, where, tmp_path):
    src, out = earlier
    before_in = src.read_bytes()
    before_out = snapshot(out)
    assert {"ready/therapy_batch.837", "held/therapy_batch.837"} <= set(before_out)
    import x12tool.preflight.atomic as atomic

    if where == "write":
        real = os.fdopen
        monkeypatch.setattr(atomic.os, "fdopen", lambda *a, **k: FullDisk(real(*a, **k), 2048))
    elif where == "fsync":
        monkeypatch.setattr(atomic.os, "fsync", _enospc)
    else:
        monkeypatch.setattr(atomic.os, "replace", _enospc)
    code, stdout, err = run_main(capsys, "preflight", src, "--visits", VISITS, "--out-dir", out)
    monkeypatch.undo()
    assert code == 4
    assert len(error_lines(err)) == 1 and "Traceback" not in err, err
    assert "No space left on device" in err and "nothing was written" in err
    assert src.read_bytes() == before_in
    assert snapshot(out) == before_out  # same files, same bytes, not even touched; no temp file
    record(
        f"disk full ({where}) on a rerun over earlier outputs",
        code,
        "\n".join(error_lines(err)),
        tmp_path,
    )


OUTPUTS_PY = (
    "x12tool/preflight/outputs.py renames ready/ into place (AtomicFile.commit) before the "
    "held file is validated and renamed: a failure there leaves the new ready/ next to the "
    "old held/ and report"
)


def test_a_failure_after_the_first_rename_keeps_earlier_outputs(earlier, monkeypatch, capsys):
    """The billing system re-exports the same file name with other claims; the rerun fails at
    the second rename (held/): the folder must still hold the earlier run, not a mix."""
    src, out = earlier
    text = src.read_text()
    # drop the last claim of the second ST (COMM-1 is ready): a different batch, same name
    src.write_text(text.replace("CLM*COMM-1*", "CLM*COMM-2*"))
    before_out = snapshot(out)
    import x12tool.preflight.atomic as atomic

    real, calls = os.replace, {"n": 0}

    def second_fails(a, b):
        calls["n"] += 1
        if calls["n"] == 2:
            _enospc()
        return real(a, b)

    monkeypatch.setattr(atomic.os, "replace", second_fails)
    code, _out, err = run_main(capsys, "preflight", src, "--visits", VISITS, "--out-dir", out)
    monkeypatch.undo()
    assert code == 4 and len(error_lines(err)) == 1
    after = snapshot(out)
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before_out.items()}


def test_held_output_failing_revalidation_writes_nothing(tmp_path, monkeypatch, capsys):
    """Exit 4 says 'nothing was written'; the ready file must then not be there either."""
    import x12tool.preflight.outputs as outputs
    from x12tool.preflight.validate import OutputValidationError

    real = outputs.validate_output

    def held_fails(path, *, claims, pyx12, label, **kw):
        if label == "held":
            raise OutputValidationError("held output: simulated re-validation failure")
        return real(path, claims=claims, pyx12=pyx12, label=label, **kw)

    monkeypatch.setattr(outputs, "validate_output", held_fails)
    out = tmp_path / "out"
    code, _o, err = run_main(
        capsys, "preflight", BATCH, "--visits", VISITS, "--out-dir", out, "--no-ig"
    )
    assert code == 4 and "nothing was written" in err
    assert written_files(out) == []

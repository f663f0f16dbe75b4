"""pyx12 validation in chunks on both cores gives the same findings as one run."""

from __future__ import annotations

import io

from conftest import SYNTHETIC

from devtools.synth import generate
from x12tool.edi import ig
from x12tool.edi.ig_chunks import split


def defective(tmp_path, claims: int = 120, per_st: int = 60):
    buf = io.BytesIO()
    generate(buf, claims=claims, seed=5, claims_per_st=per_st, defect_rate=0)
    text = buf.getvalue().decode("latin-1")
    # implementation-guide errors pyx12 must report: bad POS, impossible dates
    lines = text.split("~\n")
    n = 0
    for i, seg in enumerate(lines):
        if seg.startswith("CLM*"):
            n += 1
            if n % 7 == 0:
                lines[i] = seg.replace("*11:B:1*", "*00:B:1*")
        if seg.startswith("DTP*472*D8*") and i % 13 == 0:
            lines[i] = "DTP*472*D8*20261345"
    path = tmp_path / "bad.837"
    path.write_bytes("~\n".join(lines).encode("latin-1"))
    return path


def test_chunks_cut_inside_a_transaction_set_are_valid_interchanges(tmp_path):
    path = tmp_path / "ok.837"
    with open(path, "wb") as fh:
        generate(fh, claims=90, seed=2, claims_per_st=90, defect_rate=0)
    chunks = split(str(path), str(tmp_path), 20)
    assert len(chunks) >= 4  # one 90-claim set cut between subscriber loops
    for chunk in chunks:
        assert ig.run_pyx12(chunk.path) == [], chunk.path
    # every original segment index appears in some chunk
    covered = set()
    for chunk in chunks:
        for _, first, count in chunk.runs:
            covered.update(range(first, first + count))
    total = path.read_bytes().count(b"~")
    assert covered >= set(range(1, total + 1)) - {total - 1, total}  # GE/IEA are rewritten


def test_parallel_findings_equal_serial_findings(tmp_path, monkeypatch):
    path = defective(tmp_path)
    serial = ig.validate(str(path), workers=1)
    assert len(serial) >= 10
    monkeypatch.setattr(ig, "PARALLEL_MIN_CLAIMS", 0)
    monkeypatch.setattr(ig, "_chunk_size", lambda p, w: 25)
    parallel = ig.validate(str(path), workers=2)
    assert parallel == serial
    assert {i.tag for i in serial} >= {"CLM", "DTP"}
    # indices point at the right segments of the user's file
    segs = path.read_bytes().decode("latin-1").split("~\n")
    for issue in serial:
        assert segs[issue.index - 1].startswith(issue.tag)


def test_pyx12_quirks_do_not_reach_it(tmp_path):
    data = SYNTHETIC.read_bytes()
    variants = {
        "bom": b"\xef\xbb\xbf" + data,
        "a2": data.replace(b"005010X222A1", b"005010X222A2"),
        "unterminated": data.rstrip(b"\n")[:-1],
        "indented": data.replace(b"~\n", b"~\n   "),
    }
    for name, body in variants.items():
        p = tmp_path / f"{name}.x12"
        p.write_bytes(body)
        assert ig.validate(str(p)) == [], name


def test_a_worker_warm_map_is_used_once_and_gives_the_same_findings(tmp_path, monkeypatch):
    # Workers load the maps when they start (ig._warm_worker) and hand each preloaded map to
    # pyx12 once; findings must not depend on whether a chunk got a preloaded map.
    import pyx12.map_if

    monkeypatch.setattr(pyx12.map_if, "load_map_file", pyx12.map_if.load_map_file)
    monkeypatch.setattr(ig, "_warm", {})
    path = defective(tmp_path, claims=40, per_st=40)
    chunks = split(str(path), str(tmp_path), 20)
    assert len(chunks) >= 2
    cold = [ig.run_pyx12(c.path) for c in chunks]
    assert any(cold)
    ig._warm_worker()
    assert set(ig._warm) == set(ig.WARM_MAPS)
    warm = [ig.run_pyx12(c.path) for c in chunks]
    assert ig._warm == {}  # each preloaded map went to exactly one run
    assert warm == cold
    assert [ig.run_pyx12(c.path) for c in chunks] == cold


def test_the_chunk_cutter_counts_segments_as_the_reader_does(tmp_path):
    # pyx12's cur_line is mapped back through these indices: the light scanner of ig_chunks must
    # number segments exactly as SegmentReader does on every layout the reader accepts.
    from x12tool.edi.ig_chunks import _bodies
    from x12tool.edi.reader import SegmentReader

    data = SYNTHETIC.read_bytes()
    variants = {
        "as is": data,
        "no breaks": data.replace(b"~\n", b"~"),
        "crlf": data.replace(b"~\n", b"~\r\n"),
        "indented": data.replace(b"~\n", b"~\n    "),
        "bom": b"\xef\xbb\xbf" + data,
        "unterminated": data.rstrip(b"\n")[:-1] + b"  \n",
        "newline terminator": data.replace(b"~\n", b"\n"),
    }
    for name, raw in variants.items():
        path = tmp_path / "v.837"
        path.write_bytes(raw)
        with open(path, "rb") as fh:
            expected = [(s.index, s.delims.join(s.fields)) for s in SegmentReader(fh, str(path))]
        with open(path, "rb") as fh:
            _, bodies = _bodies(fh, str(path))
            assert list(bodies) == expected, name


def test_chunk_folders_of_killed_runs_are_removed_by_the_next_run(tmp_path, monkeypatch):
    import os
    import subprocess
    import sys
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    dead = tmp_path / f"{ig.FOLDER_PREFIX}{int(gone.stdout)}-abc"
    alive = tmp_path / f"{ig.FOLDER_PREFIX}{os.getppid()}-def"  # the test runner's parent
    other = tmp_path / "x12tool-ig-notapid"
    for folder in (dead, alive, other):
        folder.mkdir()
        (folder / "chunk.x12").write_text("ISA*...")
    path = tmp_path / "ok.837"
    with open(path, "wb") as fh:
        generate(fh, claims=5, seed=2, claims_per_st=5, defect_rate=0)
    assert ig.validate(str(path), workers=1) == []
    assert not dead.exists()
    assert alive.exists() and other.exists()
    # and the run's own folder is gone when it ends
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("x12tool-ig-")) == [
        alive.name,
        other.name,
    ]

"""pyx12 validation in chunks on both cores gives the same findings as one run."""

from __future__ import annotations

import io
import re

import pytest
from conftest import SYNTHETIC, public_files

from devtools.synth import generate
from x12tool.edi import X12InputError, X12Source, ig
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
            _, bodies, _ = _bodies(fh, str(path))
            assert list(bodies) == expected, name


def test_chunk_folders_of_killed_runs_are_removed_by_the_next_run(private_tempdir):
    import os

    tmp_path, gone = private_tempdir
    dead = tmp_path / f"{ig.FOLDER_PREFIX}{gone}-abc"
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


# ------------------------------------------------ IG001 = pyx12 on the whole file in one process

_LABELS = re.compile(r"005010X222(A2)?(?![A0-9])")


def reference(path, tmp_path) -> set:
    """pyx12 4.0.0 on the whole file in one process, given the file as edi-anchors.md D.1
    normalizes it: the bytes before the ISA (BOM) dropped, indentation after a line break
    dropped, the A2 and pre-errata 837P labels read as A1, a last segment without its
    terminator terminated (x12tool's outputs terminate it); nothing else changed."""
    text = path.read_bytes().decode("latin-1")
    text = text[text.find("ISA") :]
    if not text.rstrip().endswith(text[105]):
        text = text.rstrip() + text[105]
    text = re.sub(r"(\r\n|\r|\n)[ \t]+", r"\1", text)
    text = _LABELS.sub("005010X222A1", text)
    whole = tmp_path / "whole.x12"
    whole.write_bytes(text.encode("latin-1"))
    return set(ig.run_pyx12(str(whole)))


def ours(path, chunk_claims: int | None = None) -> set:
    if chunk_claims is None:
        issues = ig.validate(str(path), workers=1)
    else:
        old = ig._chunk_size
        ig._chunk_size = lambda p, w: chunk_claims
        try:
            issues = ig.validate(str(path), workers=1)
        finally:
            ig._chunk_size = old
    return {(i.index, i.tag, i.element, i.code, i.message, i.value, i.ref, i.level) for i in issues}


def defects(tmp_path, claims: int = 24, per_st: int = 12) -> dict:
    """Generated files with the defects chunking once hid from pyx12."""
    buf = io.BytesIO()
    generate(buf, claims=claims, seed=11, claims_per_st=per_st, defect_rate=0)
    base = buf.getvalue().decode("latin-1")

    def hl(text, fn):
        return re.sub(r"HL\*(\d+)\*(\d*)\*(\d+)\*(\d)", lambda m: fn(*m.groups()), text)

    variants = {
        "hl from 63": hl(
            base, lambda a, p, lvl, c: f"HL*{int(a) + 62}*{int(p) + 62 if p else ''}*{lvl}*{c}"
        ),
        "wrong parents": hl(
            base,
            lambda a, p, lvl, c: f"HL*{a}*{int(p) + 1 if p and int(a) % 3 == 0 else p}*{lvl}*{c}",
        ),
        "wrong child codes": hl(
            base, lambda a, p, lvl, c: f"HL*{a}*{p}*{lvl}*{'1' if c == '0' else '0'}"
        ),
        "wrong levels": hl(
            base,
            lambda a, p, lvl, c: (
                f"HL*{a}*{p}*{'23' if lvl == '22' and int(a) % 4 == 0 else lvl}*{c}"
            ),
        ),
        "leading spaces": base.replace("~\nNM1", "~ \nNM1"),
        "trailing spaces": base.replace("*UN*", "*UN *").replace("~\nN3*", "~\nN3*1 MAIN ST  *"),
        "se count": base.replace("~\nSE*", "~\nSE*9", 1),
    }
    out = {}
    for name, text in variants.items():
        assert text != base, name
        p = tmp_path / (name.replace(" ", "_") + ".837")
        p.write_bytes(text.encode("latin-1"))
        out[name] = p
    return out


def combined_defects(tmp_path):
    """One file, two transaction sets of six claims, every defect in it (the fast form)."""
    buf = io.BytesIO()
    generate(buf, claims=12, seed=11, claims_per_st=6, defect_rate=0)
    text = buf.getvalue().decode("latin-1")
    head, first, second = text.split("~\nST*837*")
    first = re.sub(
        r"HL\*(\d+)\*(\d*)\*",
        lambda m: f"HL*{int(m[1]) + 62}*{int(m[2]) + 62 if m[2] else ''}*",
        first,
    )  # HLs from 63
    first = first.replace("*22*0~", "*22*1~", 2)  # wrong child code
    first = first.replace("~\nNM1", "~ \nNM1", 3)  # leading spaces
    second = re.sub(
        r"HL\*(\d+)\*1\*22", lambda m: f"HL*{m[1]}*{2 if int(m[1]) > 4 else 1}*22", second
    )  # wrong parents
    second = second.replace("*UN*", "*UN *", 2)  # trailing space inside an element
    second = second.replace("~\nSE*", "~\nSE*9", 1)  # SE count
    path = tmp_path / "defects.837"
    path.write_bytes("~\nST*837*".join([head, first, second]).encode("latin-1"))
    return path


def test_ig001_equals_single_process_pyx12_on_generated_defects(tmp_path):
    path = combined_defects(tmp_path)
    want = reference(path, tmp_path)
    codes = {w[3] for w in want}
    assert {"HL1", "HL2", "4"} <= codes  # HL count, HL parent, SE count
    assert any("leading space" in w[4] for w in want)
    assert ours(path) == want
    # cut inside both transaction sets: the pieces renumber their HLs; findings must not change
    assert ours(path, chunk_claims=4) == want


# one of each shape: X222 label + BOM + indentation + 2 sets, no last terminator, HL errors in
# 2 sets, a bad component separator, 2 interchanges
FAST_PUBLIC = [
    "oopfactory__Example1_2_And_3_Combined.txt",
    "oopfactory__ST1309-XX.txt",
    "ims__x12_complex.txt",
    "lfh__demo.example6.837",
    "ims__x12_multiple_isa.txt",
]


@pytest.mark.parametrize("name", FAST_PUBLIC)
def test_ig001_equals_single_process_pyx12_on_public_files(name, tmp_path):
    path = [p for p in public_files() if p.name == name][0]
    assert ours(path) == reference(path, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("path", public_files(), ids=lambda p: p.name)
def test_ig001_equals_pyx12_exhaustive(path, tmp_path):
    try:
        X12Source(path).close()
    except X12InputError:
        pytest.skip("refused as a whole (exit 3): no IG001")
    want = reference(path, tmp_path)
    sizes = (None, 1, 2, 3, 7, 50) if path.stat().st_size < 100_000 else (None, 300)
    for size in sizes:
        assert ours(path, size) == want, size


@pytest.mark.slow
def test_ig001_equals_pyx12_on_each_defect_exhaustive(tmp_path):
    for name, defect in defects(tmp_path, claims=30, per_st=10).items():
        want = reference(defect, tmp_path)
        assert want, name
        for size in (None, 1, 2, 3, 7):
            assert ours(defect, size) == want, (name, size)

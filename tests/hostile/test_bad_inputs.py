"""Every case of the hostile corpus through ``x12tool preflight`` and ``x12tool check``, run as a
user runs them (``python -X dev -m x12tool``): exit code, one-line message, what was written.

Refused inputs (exit 3): exactly one line on stderr naming the file, the segment position and
byte offset where there is one, and nothing at all under the output folder. Accepted inputs
(exit 0/1): nothing on stderr, the ready file passes pyx12, the held file re-reads, and every
claim of the input is in exactly one of them (CLM segments counted in and out, and in the
report). The results feed the table in docs/reliability.md.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import run_cli

from hostile.conftest import count_claims, leaks, written_files
from hostile.make_corpus import Case, build, build_big
from x12tool.edi.ig import validate as ig_validate
from x12tool.preflight.validate import validate_output

CASES = build(Path("/nonexistent"), write=False)
NAMES = [c.name for c in CASES]

# Every input the issue lists, by corpus name (the 200 MB one is test_two_hundred_megabytes).
REQUIRED = {
    "empty file": ["empty"],
    "random bytes": ["random_bytes"],
    "text that is not X12": ["not_x12_text"],
    "ISA shorter / longer than 106 bytes": ["isa_105_bytes", "isa_107_bytes"],
    "wrong ISA separators": ["isa16_equals_element_sep", "isa_separator_not_used_in_body"],
    "missing IEA / GE / SE": ["missing_iea", "missing_ge", "missing_se", "missing_gs"],
    "mismatched control numbers": ["iea02_mismatch", "ge02_mismatch", "se02_mismatch"],
    "wrong SE01": ["se01_wrong"],
    "segment terminator inside data": ["terminator_in_data", "terminator_in_name"],
    "missing final terminator": ["missing_final_terminator"],
    "truncated mid-segment": ["truncated_mid_segment"],
    "UTF-8 BOM": ["utf8_bom"],
    "UTF-16": ["utf16"],
    "CR/LF and LF line breaks": ["crlf", "lf"],
    "4010, 835 and 270": ["version_4010", "transaction_835", "transaction_270"],
    "51 service lines": ["service_lines_51"],
    "CLM02 with letters": ["clm02_letters"],
    "SV104 negative / zero / fractional": ["sv104_negative", "sv104_zero", "sv104_fractional"],
    "HL parent that does not exist": ["hl_parent_missing"],
    "nested HL loops out of order": ["hl_out_of_order"],
}

# Known bugs outside the files this suite may fix (x12tool/edi/**): strict xfail, see the
# report in docs/reliability.md ("Known bugs").
PHI_XFAIL: dict[str, str] = {}

# Refused inputs that the tool mishandles (wrong exit code, more than one line, a crash).
REFUSE_XFAIL: dict[str, str] = {}

# Timing-dependent failures: xfail(strict=False), and the docs table shows a fixed text for
# them so that it stays the same from run to run.
FLAKY: dict[str, str] = {}

# Accepted inputs that end wrongly (a crash, claims in the wrong output).
ACCEPT_XFAIL: dict[str, str] = {}

# Bugs this suite found and that are fixed (each case above now guards it):
# - a chunk file of the pyx12 stage left open when the reader raised mid-file (terminator_*);
# - the reader quoted the start of a bad segment in its error, a name when '~' fell inside
#   NM103 (terminator_in_name);
# - the pyx12 chunker indexed the GS of a file without one: a crash instead of exit 3
#   (missing_gs);
# - 'LX~' (no LX01) held as it came, then the held file failed our own re-validation; now
#   STR001 renumbers it (lx01_missing);
# - int() of a non-ASCII digit ('²') in LX01 (lx01_superscript_digit, found by atheris);
# - ready/ renamed into place before held/ was validated (test_disk.py).


def _xfail(names, reasons):
    marks = {n: pytest.mark.xfail(strict=True, reason=r) for n, r in reasons.items()}
    marks.update({n: pytest.mark.xfail(strict=False, reason=r) for n, r in FLAKY.items()})
    return [pytest.param(n, marks=marks[n]) if n in marks else n for n in names]


@dataclass
class Run:
    case: Case
    out: Path
    preflight: object  # subprocess.CompletedProcess
    check: object
    sha_before: str
    sha_after: str


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line(text: str, case: Case) -> str:
    """stderr as shown in the docs: the corpus folder left out, so the table is stable."""
    return text.strip().replace(str(case.path.parent) + os.sep, "")


def written_summary(run: Run) -> str:
    files = written_files(run.out)
    if not files:
        return "nothing"
    parts = []
    name = run.case.path.name
    for kind in ("ready", "held"):
        p = run.out / kind / name
        if p.exists():
            parts.append(f"{kind}/ ({count_claims(p)} claims)")
    reports = [p for p in files if p.parent.name == "reports"]
    if reports:
        parts.append(f"{len(reports)} reports")
    report = run.out / "reports" / (name + ".json")
    if report.exists():
        doc = json.loads(report.read_text())
        codes = sorted({f["code"] for c in doc["claims"] for f in c["findings"]})
        if codes:
            parts.append("findings " + ", ".join(codes))
    return "; ".join(parts)


@pytest.fixture(scope="session")
def runs(corpus, tmp_path_factory, results) -> dict[str, Run]:
    base = tmp_path_factory.mktemp("bad-out")

    def one(case: Case) -> Run:
        before = _sha(case.path)
        out = base / case.name
        pre = run_cli("preflight", case.path, "--out-dir", out)
        chk = run_cli("check", case.path)
        return Run(case, out, pre, chk, before, _sha(case.path))

    with ThreadPoolExecutor(max_workers=4) as pool:
        done = {r.case.name: r for r in pool.map(one, corpus)}
    rows = []
    for case in corpus:
        r = done[case.name]
        message = one_line(r.preflight.stderr, case) or r.preflight.stdout.split(" -> ")[0]
        row = {
            "case": case.name,
            "input": case.description,
            "preflight": r.preflight.returncode,
            "check": r.check.returncode,
            "message": message,
            "written": written_summary(r),
        }
        if case.name in FLAKY:
            row.update(
                preflight="3 or 4",
                check="3 or 4",
                message="timing-dependent: exit 3 with the one-line message, or exit 4 with a "
                "crash report (see Known bugs)",
            )
        rows.append(row)
    results["bad_inputs"] = rows
    return done


def test_the_corpus_covers_every_input_the_issue_lists():
    listed = [n for names in REQUIRED.values() for n in names]
    assert sorted(set(listed) - set(NAMES)) == []
    assert len(set(NAMES)) == len(NAMES)


def test_the_corpus_is_deterministic(tmp_path):
    a = {c.name: c.path.read_bytes() for c in build(tmp_path / "a")}
    b = {c.name: c.path.read_bytes() for c in build(tmp_path / "b")}
    assert a == b


def _plain(data: bytes) -> bytes:
    """Segments only: BOM and line breaks after terminators left out."""
    return data.removeprefix(b"\xef\xbb\xbf").replace(b"~\r\n", b"~").replace(b"~\n", b"~")


def _no_traceback(run: Run) -> None:
    for proc in (run.preflight, run.check):
        assert "Traceback" not in proc.stderr
        assert "Traceback" not in proc.stdout


@pytest.mark.parametrize(
    "name", _xfail([c.name for c in CASES if c.expect == "refuse"], REFUSE_XFAIL)
)
def test_refused_input_exit_3_one_line_nothing_written(runs, name):
    run = runs[name]
    case = run.case
    _no_traceback(run)
    for proc in (run.preflight, run.check):
        assert proc.returncode == 3, proc.stderr
        lines = proc.stderr.splitlines()
        assert len(lines) == 1, proc.stderr
        line = lines[0]
        assert line.startswith(f"x12tool: {case.path}: "), line
        assert case.needle in line, line
        if case.offset is not None:
            assert f"byte {case.offset}:" in line or f"byte {case.offset} " in line, line
        if case.position is not None:
            assert f"segment {case.position}" in line, line
    assert "nothing written" in run.preflight.stderr
    assert run.preflight.stdout == ""
    assert written_files(run.out) == []
    assert run.sha_before == run.sha_after


@pytest.mark.parametrize(
    "name", _xfail([c.name for c in CASES if c.expect == "accept"], ACCEPT_XFAIL)
)
def test_accepted_input_conserves_claims_and_outputs_revalidate(runs, name):
    run = runs[name]
    case = run.case
    _no_traceback(run)
    assert run.preflight.returncode == case.exit_code, run.preflight.stderr
    assert run.check.returncode == case.exit_code, run.check.stderr
    assert run.preflight.stderr == "" and run.check.stderr == ""
    fname = case.path.name
    ready, held = run.out / "ready" / fname, run.out / "held" / fname
    report = json.loads((run.out / "reports" / (fname + ".json")).read_text())
    s = report["summary"]
    n_in = count_claims(case.path)
    n_ready = count_claims(ready) if ready.exists() else 0
    n_held = count_claims(held) if held.exists() else 0
    # every claim is in exactly one output, and the report says so
    assert n_in == n_ready + n_held == s["claims"]
    assert n_ready == s["ready"] + s["corrected"] and n_held == s["held"]
    assert (s["held"] > 0) == (case.exit_code == 1)
    if case.held is not None:
        assert s["held"] == case.held
    assert ready.exists() == (n_ready > 0) and held.exists() == (n_held > 0)
    if ready.exists():
        assert ig_validate(str(ready)) == []
    if held.exists():
        # a set held for its wrong trailer (ENV002) keeps it: allowed for that set only
        trailers = {
            (t["st"], t["trailer"]) for t in report.get("transaction_sets", []) if t.get("held")
        }
        validate_output(
            str(held), claims=n_held, pyx12=False, label="held", check_lx=False, trailers=trailers
        )
        if case.held_ig_clean:
            assert ig_validate(str(held)) == []
    if case.same_as:
        twin = runs[case.same_as]
        for kind in ("ready", "held"):
            mine = (run.out / kind / fname).read_bytes()
            theirs = (twin.out / kind / twin.case.path.name).read_bytes()
            assert _plain(mine) == _plain(theirs), kind
            if b"\r\n" in case.path.read_bytes():
                assert mine.count(b"~\r\n") == mine.count(b"~")  # the input's line breaks kept
    for p in written_files(run.out):
        assert not p.name.startswith("."), p  # no temp file left behind
        assert p.stat().st_mode & 0o077 == 0, p
    assert run.sha_before == run.sha_after


@pytest.mark.parametrize("name", _xfail(NAMES, PHI_XFAIL))
def test_no_member_id_name_or_birth_date_in_any_output(runs, name):
    run = runs[name]
    texts = [run.preflight.stdout, run.preflight.stderr, run.check.stdout, run.check.stderr]
    texts += [p.read_text() for p in written_files(run.out) if p.parent.name == "reports"]
    found = sorted({v for t in texts for v in leaks(t, run.case.phi)})
    assert found == []


@pytest.mark.slow
def test_two_hundred_megabytes_of_one_repeated_claim(tmp_path):
    """Streamed to disk; the clean file passes through byte for byte in bounded memory."""
    big = build_big(tmp_path / "big.837")
    assert big.path.stat().st_size > 190 * 1024 * 1024
    out = tmp_path / "out"
    r = run_cli(
        "preflight",
        big.path,
        "--out-dir",
        out,
        "--no-ig",
        env={"PYTHONMALLOC": "malloc"},
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    ready = out / "ready" / big.path.name
    assert not (out / "held" / big.path.name).exists()
    with open(big.path, "rb") as a, open(ready, "rb") as b:
        while True:
            x, y = a.read(1 << 22), b.read(1 << 22)
            assert x == y
            if not x:
                break

"""The re-read of an output before it is moved into place (structure only, no claim model)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from x12tool.preflight.validate import OutputValidationError, validate_output

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "sample" / "therapy_batch.837"


def variant(tmp_path, text: str) -> str:
    p = tmp_path / "out.837"
    p.write_bytes(text.encode("latin-1"))
    return str(p)


def sample() -> str:
    return SAMPLE.read_bytes().decode("latin-1")


def test_the_sample_passes_with_its_claim_count_and_is_left_as_it_was(tmp_path):
    claims = len(re.findall(r"(?:^|~)\s*CLM\*", sample()))
    assert claims == 22
    path = variant(tmp_path, sample())
    assert validate_output(path, claims=claims, pyx12=False, label="ready") is None
    assert validate_output(path, claims=claims, pyx12=True, label="ready") is None
    assert Path(path).read_bytes() == SAMPLE.read_bytes()


def test_pyx12_findings_are_refused_only_when_pyx12_is_asked_for(tmp_path):
    text = sample()
    clm = re.search(r"CLM\*[^~]*\*11:B:1\*", text)
    bad = variant(tmp_path, text.replace(clm.group(0), clm.group(0).replace("11:B:1", "00:B:1")))
    validate_output(bad, claims=22, pyx12=False, label="ready")  # structure is fine
    with pytest.raises(OutputValidationError, match=r"ready output fails 837P validation \(pyx12"):
        validate_output(bad, claims=22, pyx12=True, label="ready")


def test_a_claim_count_that_does_not_match_is_refused(tmp_path):
    with pytest.raises(OutputValidationError, match="holds 22 claims; 23 were written"):
        validate_output(variant(tmp_path, sample()), claims=23, pyx12=False, label="ready")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("LX*2~", "LX*3~", "has LX 3 where 2 belongs"),
        ("LX*2~", "LX*~", "has LX blank where 2 belongs"),
        ("LX*2~", "LX*²~", "where 2 belongs"),
    ],
)
def test_lx_out_of_sequence_is_refused(tmp_path, old, new, message):
    text = sample()
    assert old in text
    with pytest.raises(OutputValidationError, match=message):
        validate_output(
            variant(tmp_path, text.replace(old, new, 1)), claims=22, pyx12=False, label="ready"
        )


def test_lx_is_not_checked_when_asked_not_to(tmp_path):
    path = variant(tmp_path, sample().replace("LX*2~", "LX*3~", 1))
    with pytest.raises(OutputValidationError, match="has LX 3 where 2 belongs"):
        validate_output(path, claims=22, pyx12=False, label="held")
    assert validate_output(path, claims=22, pyx12=False, label="held", check_lx=False) is None
    # the claim count is still checked
    with pytest.raises(OutputValidationError, match="holds 22 claims; 15 were written"):
        validate_output(path, claims=15, pyx12=False, label="held", check_lx=False)


def test_a_broken_hl_parent_or_envelope_count_is_refused(tmp_path):
    text = sample()
    hl = re.search(r"HL\*(\d+)\*(\d+)\*22\*", text)
    bad_parent = text.replace(hl.group(0), f"HL*{hl.group(1)}*99*22*", 1)
    with pytest.raises(OutputValidationError, match="does not re-read: .*parent"):
        validate_output(variant(tmp_path, bad_parent), claims=22, pyx12=False, label="ready")
    se = re.search(r"SE\*(\d+)\*", text)
    bad_count = text.replace(se.group(0), f"SE*{int(se.group(1)) + 1}*", 1)
    with pytest.raises(OutputValidationError, match="does not re-read"):
        validate_output(variant(tmp_path, bad_count), claims=22, pyx12=False, label="ready")


def _full_passes(path: str, claims: int, check_lx: bool) -> bool:
    from x12tool.preflight.validate import _full_read

    try:
        return _full_read(path, label="x", check_lx=check_lx, lenient=None) == claims
    except OutputValidationError:
        return False


def _mutations(text: str):
    """The sample laid out otherwise, and broken in ways the re-read must refuse."""
    se = re.search(r"SE\*(\d+)\*", text)
    ge = re.search(r"GE\*(\d+)\*", text)
    hl = re.search(r"HL\*(\d+)\*(\d+)\*22\*", text)
    yield "as it is", text
    yield "no line breaks", text.replace("~\n", "~")
    yield "CRLF", text.replace("~\n", "~\r\n")
    yield "a blank line", text.replace("~\n", "~\n\n", 3)
    yield "indented segment", text.replace("~\nNM1", "~\n  NM1", 1)
    yield "a tab in data", text.replace("NM1*", "NM1*\t", 1)
    yield "last segment unterminated", text.rstrip("\n").rstrip("~")
    yield "text after the end", text + "junk"
    yield "empty segment", text.replace("~\nDTP", "~\n~\nDTP", 1)
    yield "not a tag", text.replace("~\nDTP", "~\ndtp", 1)
    yield "a four-letter tag", text.replace("~\nDTP", "~\nDTPX", 1)
    yield "segment between SE and GE", text.replace("~\nGE*", "~\nREF*X*1~\nGE*", 1)
    yield "SE01 off by one", text.replace(se.group(0), f"SE*{int(se.group(1)) + 1}*", 1)
    yield "GE01 off by one", text.replace(ge.group(0), f"GE*{int(ge.group(1)) + 1}*", 1)
    yield "a segment more", text.replace("~\nDTP", "~\nREF*X*1~\nDTP", 1)
    yield "a segment less", re.sub(r"~\nDTP[^~]*", "", text, count=1)
    yield "HL parent", text.replace(hl.group(0), f"HL*{hl.group(1)}*99*22*", 1)
    yield "LX out of sequence", text.replace("LX*2~", "LX*3~", 1)
    yield "a CLM less", text.replace("~\nCLM*", "~\nCLX*", 1)
    yield "no IEA", text[: text.rindex("IEA*")]
    isa = text[: text.index("~") + 1]
    yield "ISA inside a set", text.replace("~\nDTP", "~\n" + isa + "\nDTP", 1)
    # the HL hierarchy and the claims' place in it (the lean read checks them itself)
    hl20 = re.search(r"HL\*(\d+)\*\*20\*", text)
    hl23 = re.search(r"HL\*(\d+)\*(\d+)\*23\*", text)
    yield "HL level 24", text.replace(hl.group(0), f"HL*{hl.group(1)}*{hl.group(2)}*24*", 1)
    yield "HL without a level", text.replace(hl.group(0), f"HL*{hl.group(1)}*{hl.group(2)}~", 1)
    yield "billing HL with a parent", text.replace(hl20.group(0), f"HL*{hl20.group(1)}*1*20*", 1)
    if hl23 is not None:
        yield "patient HL parent", text.replace(hl23.group(0), f"HL*{hl23.group(1)}*99*23*", 1)
        yield (
            "patient HL under a billing HL",
            text.replace(hl23.group(0), f"HL*{hl23.group(1)}*{hl20.group(1)}*23*", 1),
        )
    yield "subscriber HL renumbered", text.replace(hl.group(0), f"HL*77*{hl.group(2)}*22*", 1)
    yield "CLM before the first HL", text.replace("~\nHL*", "~\nCLM*X*1~\nHL*", 1)
    yield (
        "CLM right after the billing HL",
        re.sub(r"(HL\*\d+\*\*20\*1~\n)", r"\1CLM*X*1~\n", text, count=1),
    )
    yield "LX without a number", text.replace("LX*1~", "LX~", 1)
    yield "LX with a leading zero", text.replace("LX*1~", "LX*01~", 1)
    yield "LX with more elements", text.replace("LX*1~", "LX*1*X~", 1)
    yield "an LXX segment", text.replace("LX*2~", "LXX*2~", 1)


# files the full read passes that the lean read must take itself (not hand over)
LEAN_LAYOUTS = (
    "as it is",
    "no line breaks",
    "CRLF",
    "LX with a leading zero",
    "LX with more elements",
)


@pytest.mark.parametrize("check_lx", [True, False])
def test_the_lean_re_read_passes_only_what_the_full_one_passes(tmp_path, check_lx):
    """validate_output's lean re-read (x12tool/preflight/reread.py) builds only the segments
    the checks look at; a file it passes must pass the full re-read, and the usual layouts
    (with or without line breaks) must take it."""
    from x12tool.preflight.reread import lean_pass

    text = sample()
    assert text.count("~\n") > 100
    lean_taken = set()
    for n, (name, mutated) in enumerate(_mutations(text)):
        path = tmp_path / f"m{n}.837"
        path.write_bytes(mutated.encode("latin-1"))
        for claims in (22, 21):
            lean = lean_pass(str(path), claims=claims, check_lx=check_lx, lenient=None)
            full = _full_passes(str(path), claims, check_lx)
            assert not lean or full, (name, claims)
            if lean:
                lean_taken.add(name)
            if full and claims == 22 and name in LEAN_LAYOUTS:
                assert lean, name
    assert {"as it is", "no line breaks", "CRLF"} <= lean_taken
    if not check_lx:
        assert "LX out of sequence" in lean_taken


@pytest.mark.parametrize("chunk", [5, 64, 997])
def test_the_lean_re_read_takes_files_read_in_any_chunks(tmp_path, monkeypatch, chunk):
    """Chunks that end inside a segment or between a terminator and its line break."""
    from x12tool.preflight import reread

    monkeypatch.setattr(reread, "CHUNK", chunk)
    for eol in ("\n", "\r\n", ""):
        path = variant(tmp_path, sample().replace("~\n", "~" + eol))
        assert reread.lean_pass(path, claims=22, check_lx=True, lenient=None), (chunk, eol)
        assert not reread.lean_pass(path, claims=21, check_lx=True, lenient=None)

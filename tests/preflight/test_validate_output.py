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

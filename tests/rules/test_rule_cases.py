"""Every rule's case file, run by one harness (tests/rules/harness.py)."""

from __future__ import annotations

import pytest

from rules.harness import all_case_files, claim_text, load_cases, normalize, run_case, settle
from x12tool.rules.registry import get_rule

CASES = [(path.stem, case) for path in all_case_files() for case in load_cases(path)]


def per_finding(expected: str | list[str], flat: list) -> list[str]:
    """A case's ``fix``/``severity``: one value for every finding, or a list, one per finding."""
    if isinstance(expected, str):
        return [expected] * len(flat)
    assert len(expected) == len(flat), f"{len(expected)} values for {len(flat)} findings"
    return list(expected)


@pytest.mark.parametrize("code,case", CASES, ids=[f"{c}-{k.name}" for c, k in CASES])
def test_rule_case(code, case, tmp_path):
    rule = get_rule(case.rule)
    assert rule is not None, f"no rule {case.rule}"
    run = run_case(case, rule, tmp_path)
    got = [f"{f.code}@{f.line}" if f.line else f.code for fs in run.findings for f in fs]
    want = [e if "@" in e else e for e in case.expect]
    # "CODE" without a line matches a finding with or without one
    assert [g if "@" in w else g.split("@")[0] for g, w in zip(got, want, strict=False)] == [
        w for w in want
    ][: len(got)] and len(got) == len(want), f"findings {got}, expected {want}"
    flat = [f for fs in run.findings for f in fs]
    if case.fix is not None:
        got = [f.fix.applicability.value if f.fix else "none" for f in flat]
        assert got == per_finding(case.fix, flat), f"fix applicability {got}"
    if case.severity is not None:
        got = [f.severity.value for f in flat]
        assert got == per_finding(case.severity, flat), f"severities {got}"
    for f in flat:
        assert f.message and "\n" not in f.message
        for text in case.message:
            assert text in f.message, f"{text!r} not in {f.message!r}"
        assert f.segment is not None and f.position is not None
    if case.after is not None:
        outcomes = settle(case, rule, run)
        if case.after.strip() == "held":
            assert all(o.status == "held" for o in outcomes)
        else:
            text = "\n".join(claim_text(o.final) for o in outcomes)
            assert normalize(text) == normalize(case.after)

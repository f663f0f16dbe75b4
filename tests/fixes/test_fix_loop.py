"""The fix loop's own findings: FIX001 when fixes do not settle (they undo each other, or still
apply after the pass limit), FIX002 when they would leave a claim with no service line; and
fixes that edit the same element in one pass."""

from __future__ import annotations

import pytest
from rules.harness import Case, interchange, run_case, settle

from x12tool.claims import Claim, iter_items
from x12tool.edi import X12Source
from x12tool.fixes import settle_claim
from x12tool.fixes.loop import MAX_PASSES
from x12tool.refdata import load_refdata
from x12tool.rules.base import Applicability, Fix, Rule, SetElement, Severity
from x12tool.rules.context import RuleContext
from x12tool.rules.registry import get_rule


def test_a_claim_whose_only_line_is_unsupported_is_held_not_emptied(tmp_path):
    case = Case(
        rule="TU001",
        name="only_line_under_8_minutes",
        claim="""
CLM*UNDER8*60***11:B:1*Y*A*Y*Y~
HI*ABK:M25561~
LX*1~
SV1*HC:97110:GP*60*UN*1***1~
DTP*472*D8*20260302~
""",
        visits="claim_id,service_date,cpt,minutes\nUNDER8,2026-03-02,97110,5\n",
    )
    rule = get_rule("TU001")
    run = run_case(case, rule, tmp_path)
    (outcome,) = settle(case, rule, run)
    assert outcome.status == "held"
    assert outcome.final is outcome.original  # held claims go out as they came
    assert [f.code for f in outcome.findings][-1] == "FIX002"


def test_deleting_one_of_two_lines_still_goes(tmp_path):
    case = Case(
        rule="TU001",
        name="one_of_two",
        claim="""
CLM*TWO*125***11:B:1*Y*A*Y*Y~
HI*ABK:M25561~
LX*1~
SV1*HC:97110:GP*60*UN*1***1~
DTP*472*D8*20260302~
LX*2~
SV1*HC:97530:GP*65*UN*1***1~
DTP*472*D8*20260303~
""",
        visits="claim_id,service_date,cpt,minutes\nTWO,2026-03-02,97110,5\nTWO,2026-03-03,97530,15\n",
    )
    rule = get_rule("TU001")
    run = run_case(case, rule, tmp_path)
    (outcome,) = settle(case, rule, run)
    assert outcome.status == "corrected"
    assert [ln.code for ln in outcome.final.lines] == ["97530"]


# --- the loop's edge cases, with fake rules on a hand-built claim ------------------------------

CLAIM = """
CLM*EDGE*100***11:B:1*Y*A*Y*Y~
HI*ABK:M25561*ABK:M6281*ABK:R262~
LX*1~
SV1*HC:97110:GP*100*UN*2***1~
DTP*472*D8*20260302~
"""


def edge_claim(tmp_path) -> Claim:
    path = tmp_path / "edge.x12"
    path.write_text(interchange(Case(rule="ZZ", name="edge", claim=CLAIM)), encoding="latin-1")
    with X12Source(path) as src:
        (claim,) = [i for i in iter_items(src.segments(), str(path)) if isinstance(i, Claim)]
    return claim


def fake_rule(code: str, want, severity: Severity = Severity.WARNING) -> Rule:
    """A rule with a safe fix that sets SV107 (the pointers) to ``want(SV107)`` unless None."""

    class Fake(Rule):
        name = "test.fake"
        fix = Applicability.SAFE

        def check(self, claim, ctx):
            for line in claim.lines:
                old = line.sv1.element(7)
                new = want(old)
                if new is not None:
                    edit = SetElement(line.sv1, 7, new)
                    yield self.finding(
                        ctx, f"SV107 {old} -> {new}", line=line, fix=Fix(self.fix, (edit,))
                    )

    Fake.code, Fake.severity = code, severity
    return Fake()


def settle_with(claim: Claim, rules: list[Rule]):
    # A context of its own each time: the active-rule cache is keyed by the rule list's id.
    return settle_claim(claim, rules, RuleContext(ref=load_refdata()))


def pointers(claim: Claim) -> str:
    (line,) = claim.lines
    return line.sv1.element(7)


def test_fixes_that_undo_each_other_are_fix001_and_the_claim_is_held(tmp_path):
    """ZZA sets SV107 1 -> 2, ZZB sets it back: pass 2 brings the claim back to where it
    started. The fixes never settle, so the claim is held unchanged with FIX001, although the
    fake rules' own findings are only warnings."""
    claim = edge_claim(tmp_path)
    rules = [
        fake_rule("ZZA", lambda v: "2" if v == "1" else None),
        fake_rule("ZZB", lambda v: "1" if v == "2" else None),
    ]
    outcome = settle_with(claim, rules)
    assert outcome.status == "held"
    assert outcome.final is outcome.original and not outcome.changed
    assert outcome.fixed == []
    codes = [f.code for f in outcome.findings]
    assert codes == ["ZZA", "FIX001"], codes  # the original claim's findings, then FIX001
    stuck = outcome.findings[-1].message
    assert "ZZA, ZZB" in stuck and "pass 2 brought the claim back to an earlier state" in stuck


def test_a_fix_that_changes_nothing_is_fix001(tmp_path):
    """A fix that sets SV107 to the value it has: the next check finds the same thing again."""
    claim = edge_claim(tmp_path)
    outcome = settle_with(claim, [fake_rule("ZZA", lambda v: v)])
    assert outcome.status == "held" and not outcome.changed
    assert [f.code for f in outcome.findings] == ["ZZA", "FIX001"]
    assert "pass 1 changed nothing" in outcome.findings[-1].message


def count_up_to(last: int):
    return lambda v: str(int(v) + 1) if int(v) < last else None


def test_fixes_that_settle_in_the_last_pass_go(tmp_path):
    """SV107 counts 1 -> 1 + MAX_PASSES, one step a pass: settled in exactly MAX_PASSES."""
    claim = edge_claim(tmp_path)
    outcome = settle_with(claim, [fake_rule("ZZA", count_up_to(1 + MAX_PASSES))])
    assert outcome.status == "corrected", [f.message for f in outcome.findings]
    assert pointers(outcome.final) == str(1 + MAX_PASSES)
    assert len(outcome.fixed) == MAX_PASSES and outcome.findings == []


def test_fixes_still_applying_after_the_pass_limit_are_fix001(tmp_path):
    claim = edge_claim(tmp_path)
    outcome = settle_with(claim, [fake_rule("ZZA", count_up_to(2 + MAX_PASSES))])
    assert outcome.status == "held" and outcome.final is outcome.original
    assert outcome.fixed == []
    assert [f.code for f in outcome.findings] == ["ZZA", "FIX001"]
    assert f"{MAX_PASSES} passes" in outcome.findings[-1].message
    assert pointers(outcome.final) == "1"


def add_pointer(n: str):
    return lambda v: None if n in v.split(":") else f"{v}:{n}"


@pytest.mark.parametrize("order", [("ZZA", "ZZB"), ("ZZB", "ZZA")])
def test_two_fixes_of_one_element_in_one_pass_one_waits_for_the_next(tmp_path, order):
    """ZZA adds pointer 2 to SV107, ZZB pointer 3. Applied together on the same element, the
    second edit would overwrite the first; so one is deferred to the next pass, where its rule
    sees the first's result. The winner is the same whatever the rules' order (findings are
    ordered by segment, then code)."""
    claim = edge_claim(tmp_path)
    made = {"ZZA": fake_rule("ZZA", add_pointer("2")), "ZZB": fake_rule("ZZB", add_pointer("3"))}
    outcome = settle_with(claim, [made[c] for c in order])
    assert outcome.status == "corrected"
    assert pointers(outcome.final) == "1:2:3"
    assert [f.code for f in outcome.fixed] == ["ZZA", "ZZB"]
    assert [f.message for f in outcome.fixed] == ["SV107 1 -> 1:2", "SV107 1:2 -> 1:2:3"]
    # only the SV1 changed; every other segment is the very object that came in
    ((before, after),) = outcome.changed_segments()
    assert before.tag == "SV1" and after.text.endswith("*1:2:3")

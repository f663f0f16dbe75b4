"""The fix loop's own findings: FIX002 when fixes would leave a claim with no service line."""

from __future__ import annotations

from rules.harness import Case, run_case, settle

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

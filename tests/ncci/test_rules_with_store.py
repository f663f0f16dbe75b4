"""An imported CMS-layout PTP/MUE file changes what the rules say, the way the file says."""

from __future__ import annotations

import pytest
from rules.harness import Case, interchange

from ncci.common import MUE, PTP_CSV
from x12tool.claims import Claim, iter_items
from x12tool.edi import X12Source
from x12tool.ncci import NcciIndex
from x12tool.ncci.importers import import_mue, import_ptp
from x12tool.rules.context import RuleContext
from x12tool.rules.engine import check_claim
from x12tool.rules.registry import get_rule


def line(n, code, mods="", units=1, day="20260302"):
    sv1 = "HC:" + ":".join([code, "GP", *[m for m in mods.split(":") if m]])
    return f"LX*{n}~\nSV1*{sv1}*{65 * units}*UN*{units}***1~\nDTP*472*D8*{day}~"


def run(tmp_path, lines, codes, index=None, payer="MB"):
    case = Case(
        rule="",
        name="t",
        payer=payer,
        claim="CLM*T1*100***11:B:1*Y*A*Y*Y~\nHI*ABK:M25561~\n" + "\n".join(lines),
    )
    path = tmp_path / "claim.x12"
    path.write_text(interchange(case), encoding="latin-1")
    from x12tool.refdata import load_refdata

    ctx = RuleContext(ref=load_refdata(), ncci=index)
    rules = [get_rule(c)() for c in codes]
    with X12Source(path) as src:
        claims = [c for c in iter_items(src.segments(), str(path)) if isinstance(c, Claim)]
    return [(f.code, f.line) for f in check_claim(claims[0], rules, ctx)], ctx


@pytest.fixture
def ptp_index(ref, store):
    import_ptp(store, [PTP_CSV])
    return NcciIndex(ref, store)


@pytest.fixture
def mue_index(ref, store):
    import_mue(store, MUE)
    return NcciIndex(ref, store)


RULES = ["NCCI001", "NCCI002", "NCCI003", "MOD004", "MOD005"]


def test_imported_pair_makes_ncci001_fire(tmp_path, ptp_index):
    lines = [line(1, "97530"), line(2, "97116")]
    assert run(tmp_path, lines, RULES)[0] == []  # curated: 97530/97116 ships disabled
    assert run(tmp_path, lines, RULES, ptp_index)[0] == [("NCCI001", 2)]
    bypassed = [line(1, "97530"), line(2, "97116", "59")]
    assert run(tmp_path, bypassed, RULES, ptp_index)[0] == []
    # ...and the 59 that MOD004 flags with the curated set has a partner in the imported table
    assert run(tmp_path, bypassed, RULES)[0] == [("MOD004", 2)]


def test_imported_table_replaces_curated(tmp_path, ptp_index):
    lines = [line(1, "97161"), line(2, "97140")]
    assert run(tmp_path, lines, RULES)[0] == [("NCCI001", 2)]  # curated 97161/97140
    assert run(tmp_path, lines, RULES, ptp_index)[0] == []  # not in the imported file


def test_imported_indicator_0(tmp_path, ptp_index):
    lines = [line(1, "97110"), line(2, "97750", "59")]
    assert run(tmp_path, lines, RULES, ptp_index)[0] == [("NCCI002", 2)]


def test_message_names_pair_date_and_table(tmp_path, ptp_index):
    case = Case(
        rule="",
        name="m",
        claim="CLM*T1*100***11:B:1*Y*A*Y*Y~\nHI*ABK:M25561~\n"
        + "\n".join([line(1, "97140"), line(2, "97530")]),
    )
    path = tmp_path / "m.x12"
    path.write_text(interchange(case), encoding="latin-1")
    from x12tool.refdata import load_refdata

    ctx = RuleContext(ref=load_refdata(), ncci=ptp_index)
    with X12Source(path) as src:
        claim = next(c for c in iter_items(src.segments(), str(path)) if isinstance(c, Claim))
    (f,) = check_claim(claim, [get_rule("NCCI001")()], ctx)
    assert "97140/97530" in f.message and "2026-03-02" in f.message
    assert "CMS PTP table 2026Q1" in f.message and "documentation" in f.message


def test_mue_mai2_sums_lines_of_the_date(tmp_path, mue_index):
    two_lines = [line(1, "97530", units=3), line(2, "97530", units=2)]
    assert run(tmp_path, two_lines, ["NCCI003"])[0] == []  # no MUE table, no finding
    assert run(tmp_path, two_lines, ["NCCI003"], mue_index)[0] == [("NCCI003", 1)]
    four = [line(1, "97530", units=2), line(2, "97530", units=2)]
    assert run(tmp_path, four, ["NCCI003"], mue_index)[0] == []
    # two dates are counted apart
    apart = [line(1, "97530", units=3), line(2, "97530", units=2, day="20260303")]
    assert run(tmp_path, apart, ["NCCI003"], mue_index)[0] == []


def test_mue_mai3_sums_too(tmp_path, mue_index):
    lines = [line(1, "97110", units=4), line(2, "97110", units=3)]
    assert run(tmp_path, lines, ["NCCI003"], mue_index)[0] == [("NCCI003", 1)]


def test_mue_mai1_per_line(tmp_path, mue_index):
    ok = [line(1, "97035", units=2), line(2, "97035", "59", units=2)]
    assert run(tmp_path, ok, ["NCCI003"], mue_index)[0] == []
    over = [line(1, "97035", units=3)]
    assert run(tmp_path, over, ["NCCI003"], mue_index)[0] == [("NCCI003", 1)]
    # extra units of an MAI-1 code on a separate line with 59 are not a lone 59
    assert run(tmp_path, ok, ["MOD004"], mue_index)[0] == []


def test_mue_value_zero(tmp_path, mue_index):
    assert run(tmp_path, [line(1, "97014")], ["NCCI003"], mue_index)[0] == [("NCCI003", 1)]


def test_mue_applies_to_commercial_by_default(tmp_path, mue_index):
    # commercial (CI) keeps ncci_medicare = true in the shipped profiles: MUE applies
    lines = [line(1, "97530", units=5)]
    assert run(tmp_path, lines, ["NCCI003"], mue_index, payer="CI")[0] == [("NCCI003", 1)]

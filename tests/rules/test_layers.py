"""The shape the rules live in: services through typed interfaces, immutable findings, each
rule's dollar effect on the rule, and the small CLI promises (rules listing, --version, help)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from x12tool import __version__
from x12tool.claims import Claim, iter_items
from x12tool.cli import cli
from x12tool.edi import X12Source
from x12tool.fixes.loop import settle_claim
from x12tool.ledger import Ledger
from x12tool.money.effects import Pricer
from x12tool.preflight.money import claim_money
from x12tool.preflight.session import open_session
from x12tool.refdata import load_refdata
from x12tool.rules.base import Finding, Rule, Severity
from x12tool.rules.context import RuleContext
from x12tool.rules.engine import check_claim
from x12tool.rules.registry import all_rules
from x12tool.rules.services import IG, LEDGER, SERVICES

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "fixtures" / "sample" / "therapy_batch.837"
VISITS = ROOT / "fixtures" / "sample" / "therapy_visits.csv"


def _claims(path: Path) -> list[Claim]:
    with X12Source(path) as src:
        return [c for c in iter_items(src.segments(), str(path)) if isinstance(c, Claim)]


def test_rules_declare_known_services():
    for rule in all_rules():
        assert rule.needs <= SERVICES, f"{rule.code} needs unknown services {rule.needs}"
    needs = {r.code: r.needs for r in all_rules()}
    # the rules that read the ledger say so (the ledger pre-pass runs only for them)
    assert {c for c, n in needs.items() if LEDGER in n} >= {"KX001", "KX002", "KX003", "DOC002"}
    assert IG in needs["IG001"]


def test_session_without_ig_drops_the_rules_that_need_it():
    with_ig = open_session(ig=True, no_ledger=True)
    without = open_session(ig=False, no_ledger=True)
    assert any(IG in r.needs for r in with_ig.rules)
    assert not any(IG in r.needs for r in without.rules)
    assert isinstance(without.ctx.pricing, Pricer) and without.ledger is without.ctx.ledger


def test_context_defaults_are_built_once():
    ctx = RuleContext(ref=load_refdata())
    assert ctx.pricer() is ctx.pricer()
    assert ctx.ncci_lookup() is ctx.ncci_lookup()
    assert ctx.ncci_lookup().ptp_source == "the curated NCCI pair set"
    assert ctx.ncci is None and ctx.ledger is None  # defaults are not passed off as the caller's


def test_run_only_ledger_scope_without_a_session_ledger():
    ctx = RuleContext(ref=load_refdata())
    scope = ctx.ledger_scope()
    assert scope is ctx.ledger_scope() and not scope.has_store
    ledger = Ledger()
    ctx.ledger = ledger
    assert ctx.ledger_scope() is ledger.scope()


def test_findings_are_immutable():
    f = Finding("TU001", Severity.ERROR, "x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.message = "y"  # type: ignore[misc]


def test_money_is_a_record_beside_the_findings():
    """The sample's settled claims: every dollar effect comes from the finding's own rule (or
    the default for FIX00x) and sits in ClaimMoney, keyed by the finding it is about."""
    session = open_session(visits=str(VISITS), no_ledger=True)
    by_code = {r.code: r for r in session.rules}
    seen = set()
    for claim in _claims(SAMPLE):
        o = settle_claim(claim, session.rules, session.ctx)
        m = claim_money(o, session.ctx.pricer(), by_code)
        for f in list(o.fixed) + list(o.findings):
            got = m.effect_of(f)
            if got is not None:
                seen.add((f.code, got[0]))
                assert sum(1 for x in m.effects if x == id(f)) == 1
        assert set(m.by_rule) <= {f.code for f in list(o.fixed) + list(o.findings)}
    # TU001 prices its own overbilling; held errors default to at_risk
    assert ("TU001", "overbilling_avoided") in seen
    assert any(effect == "at_risk" for _, effect in seen)


class _Custom(Rule):
    """A rule with its own dollar effect."""

    code = "ZZZ001"
    name = "test.custom"
    severity = Severity.WARNING

    def money_effect(self, finding, priced):
        return "underbilled", priced.billed.total


def test_a_rule_owns_its_dollar_effect():
    session = open_session(no_ledger=True)
    claim = _claims(SAMPLE)[0]
    o = settle_claim(claim, [], session.ctx)
    f = Finding("ZZZ001", Severity.WARNING, "x", segment=claim.clm)
    o.findings.append(f)
    m = claim_money(o, session.ctx.pricer(), {"ZZZ001": _Custom()})
    assert m.effect_of(f) == ("underbilled", m.allowed_as_billed)
    assert m.underbilled == m.allowed_as_billed > 0


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="x12tool")


def test_rules_listing_fits_100_columns_with_whole_summaries():
    r = _run("rules")
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert max(len(x) for x in lines) <= 100
    text = " ".join(x.strip() for x in lines)
    for rule in all_rules():
        summary = rule.summary()
        assert summary.endswith("."), f"{rule.code}: summary is not a whole sentence"
        assert summary in text, f"{rule.code}: summary cut in the listing"


def test_rules_json():
    r = _run("rules", "--format", "json")
    assert r.exit_code == 0
    records = json.loads(r.output)
    assert [x["code"] for x in records] == [rule.code for rule in all_rules()]
    tu001 = next(x for x in records if x["code"] == "TU001")
    assert tu001["fix"] == "safe" and tu001["needs"] == ["visits"]
    assert set(tu001) == {"code", "name", "severity", "fix", "needs", "summary"}


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version(flag):
    r = _run(flag)
    assert r.exit_code == 0 and __version__ in r.output


def test_help_exit_codes_match_the_readme():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Exit codes", 1)[1]
    table = dict(re.findall(r"^\| (\d) \| ([^|]+) \|", section, re.M))
    assert sorted(table) == ["0", "1", "2", "3", "4", "5", "6"]
    helped = dict(re.findall(r"^\s+(\d)  (.+)$", _run("--help").output, re.M))
    assert sorted(helped) == sorted(table)

    def head(text: str) -> str:  # the meaning before its details
        return re.split(r"[:(,]", text.replace("`", ""))[0].strip()

    for code, meaning in table.items():
        assert head(helped[code]) == head(meaning), code


def test_user_facing_text_names_no_internal_files():
    internal = re.compile(r"maps/\w+\.xml|cms-rules\.md|edi-anchors\.md|docs/\w+\.md")
    for rule in all_rules():
        assert not internal.search(rule.doc()), rule.code
    for args in (
        ["--help"],
        ["maps", "--help"],
        ["ledger", "--help"],
        ["check", "--help"],
        ["preflight", "--help"],
        ["outbox", "--help"],
        ["config", "--help"],
    ):
        assert not internal.search(_run(*args).output), args


class _CountingVisits:
    """The session's visit log, with the claims asked for recorded."""

    def __init__(self, log):
        self.log, self.asked = log, []

    def for_claim(self, claim_id):
        self.asked.append(claim_id)
        return self.log.for_claim(claim_id)

    def __getattr__(self, name):
        return getattr(self.log, name)


def test_a_claims_visit_rows_are_joined_once_per_claim_state():
    """Every rule reads a line's rows; the claim's rows are fetched once per claim object
    (a fix makes a new one), and each line's rows are worked out once and then looked up."""
    session = open_session(visits=str(VISITS), no_ledger=True)
    ctx = session.ctx
    counting = ctx.visits = _CountingVisits(session.visits)
    claims = _claims(SAMPLE)
    for claim in claims:
        check_claim(claim, session.rules, ctx)
    assert counting.asked == [c.id for c in claims]
    claim = next(c for c in claims if len(c.lines) > 2 and ctx.visit_rows(c))
    joined = [ctx.rows_for_line(claim, line) for line in claim.lines]
    assert all(
        ctx.rows_for_line(claim, ln) is rows for ln, rows in zip(claim.lines, joined, strict=True)
    )
    assert any(joined)
    # The same claim read again (as the fix loop reparses it): joined anew, with equal rows.
    again = next(c for c in _claims(SAMPLE) if c.id == claim.id)
    asked = len(counting.asked)
    assert [ctx.rows_for_line(again, line) for line in again.lines] == joined
    assert len(counting.asked) == asked + 1

"""A claim's ledger facts are learned once per claim state: the pre-pass's facts serve the check
of the same claim, a corrected claim is learned anew, and recording reuses what was observed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ledger.common import claim_text, weekdays, write_837
from x12tool.claims import Claim, iter_items
from x12tool.edi import X12Source
from x12tool.ledger import facts as facts_mod
from x12tool.ledger.amounts import read_amounts
from x12tool.ledger.facts import claim_facts, claim_state
from x12tool.ledger.scope import FileScope
from x12tool.ledger.view import Ledger
from x12tool.refdata import load_refdata
from x12tool.rules.context import RuleContext

DAYS = weekdays(date(2026, 3, 2), 3)


@pytest.fixture(scope="module")
def ref():
    return load_refdata()


def claims_of(path) -> list[Claim]:
    with X12Source(str(path)) as src:
        return [i for i in iter_items(src.segments(), str(path)) if isinstance(i, Claim)]


def scope_of(path, ref, tmp_path) -> tuple[FileScope, RuleContext]:
    """A read-only scope with --ytd amounts (so the pre-pass runs), its file pre-passed."""
    ytd = tmp_path / "ytd.csv"
    ytd.write_text("member_id,year,group,amount\nMEMBER001,2026,PT_SLP,100.00\n")
    ctx = RuleContext(ref=ref)
    ctx.ledger = Ledger(None, read_amounts(str(ytd)))
    scope = FileScope(ctx.ledger, ctx, str(path))
    scope.prepass(str(path))
    return scope, ctx


def counting(monkeypatch) -> list:
    """Calls of claim_facts from the scope (the claims it learned)."""
    seen = []

    def counted(claim, ctx):
        seen.append(claim.id)
        return claim_facts(claim, ctx)

    monkeypatch.setattr("x12tool.ledger.scope.claim_facts", counted)
    return seen


def test_the_check_reads_the_prepass_facts_of_an_unchanged_claim(ref, tmp_path, monkeypatch):
    path = write_837(tmp_path / "a.837", [(f"A{i}", d) for i, d in enumerate(DAYS)])
    scope, ctx = scope_of(path, ref, tmp_path)
    prepassed = {c.claim_id: c for c in scope.run_claims("MEMBER001")}
    seen = counting(monkeypatch)
    for claim in claims_of(path):  # the check's own reading of the file
        ctx.profile = None
        got = scope.observe(claim)
        assert got is prepassed[claim.id]
        assert ctx.profile is not None and ctx.profile.kx_applies  # set as claim_facts sets it
        assert got == claim_facts(claim, ctx)
    assert seen == []
    assert [p.before for p in scope.kx_positions(prepassed["A2"]).values()] == [10000 + 2 * 2906]


def test_a_changed_claim_is_learned_anew(ref, tmp_path, monkeypatch):
    path = write_837(tmp_path / "a.837", [(f"A{i}", d) for i, d in enumerate(DAYS)])
    scope, _ctx = scope_of(path, ref, tmp_path)
    # The same claims, the second with 2 units: what a fix pass hands the rules.
    two = claim_text("A1", DAYS[1]).replace("*UN*1*", "*UN*2*")
    changed = tmp_path / "b.837"
    changed.write_text(
        path.read_text(encoding="latin-1").replace(claim_text("A1", DAYS[1]), two),
        encoding="latin-1",
    )
    old, new = claims_of(path)[1], claims_of(changed)[1]
    assert old.clm.index == new.clm.index and claim_state(old) != claim_state(new)
    seen = counting(monkeypatch)
    got = scope.observe(new)
    assert seen == ["A1"]
    assert got.lines[0].units == Decimal(2) and got.lines[0].cents > 2906
    assert scope.run_claims("MEMBER001")[1] is got  # replaces the pre-pass's facts


def test_the_digest_covers_the_subscriber_and_billing_provider(ref, tmp_path):
    a = claims_of(write_837(tmp_path / "a.837", [("A0", DAYS[0])]))[0]
    b = claims_of(write_837(tmp_path / "b.837", [("A0", DAYS[0])], member="MEMBER002"))[0]
    assert [s.text for s in a.segments] == [s.text for s in b.segments]
    assert claim_state(a) != claim_state(b)
    again = claims_of(tmp_path / "a.837")[0]
    assert claim_state(a) == claim_state(again)


def test_recording_reuses_the_facts_observed_for_the_claim(ref, tmp_path, monkeypatch):
    path = write_837(tmp_path / "a.837", [(f"A{i}", d) for i, d in enumerate(DAYS)])
    ctx = RuleContext(ref=ref)
    scope = FileScope(Ledger(None), ctx)  # no pre-pass: the run's claims as checked
    first, second, _third = claims_of(path)
    seen = counting(monkeypatch)
    observed = scope.observe(first)
    assert scope.facts_of(first) is observed
    other = scope.facts_of(second)  # not observed: learned, and not added to the run's lines
    assert seen == ["A0", "A1"]
    assert other == claim_facts(second, ctx)
    assert [c.claim_id for c in scope.run_claims("MEMBER001")] == ["A0"]


def test_discipline_of_modifier_sets(ref):
    class Line:
        def __init__(self, *mods):
            self.modifiers = list(mods)

    assert facts_mod.discipline_of(Line("GP"), ref) == "PT"
    assert facts_mod.discipline_of(Line("GO", "KX"), ref) == "OT"
    assert facts_mod.discipline_of(Line("GP", "GO"), ref) is None  # two disciplines
    assert facts_mod.discipline_of(Line("GP", "GP"), ref) == "PT"
    assert facts_mod.discipline_of(Line(), ref) is None
    assert facts_mod.discipline_of(Line("GN"), ref) == "SLP"

"""The rules' fast paths (a claim a rule cannot fire on is passed over early) give the answers
of the computation they stand in for, on the bundled sample and generated claims with the
generator's defects: the engine's quiet rules and bound checks, the code flags, COD001's units
set, MOD003's claim-level assistant test, TU007's discipline, and the NCCI pairs looked up per
set of codes (``pairs_between``) against ``pairs_for`` asked per two codes and date."""

from __future__ import annotations

import io
from dataclasses import replace
from decimal import Decimal
from itertools import combinations
from pathlib import Path

import pytest

from devtools.synth import generate
from tests.ncci.common import PTP
from tests.rules.test_rule_caches import hit_values
from x12tool.claims import Claim, iter_items
from x12tool.edi import X12Source
from x12tool.edi.delimiters import Delimiters
from x12tool.ncci import NcciIndex, NcciStore
from x12tool.ncci.importers import import_ptp
from x12tool.refdata import load_refdata
from x12tool.rules import cod001_malformed as cod001
from x12tool.rules import tu007_untimed_unit_limit as tu007
from x12tool.rules.codeflags import ALWAYS_THERAPY, MEDICARE_SPECIAL, UNTIMED_LIMIT, any_line
from x12tool.rules.context import RuleContext
from x12tool.rules.daypool import prepare_file
from x12tool.rules.engine import _order, check_claim
from x12tool.rules.mod003_assistant_modifier import MOD003
from x12tool.rules.ncci_hits import pair_hits
from x12tool.rules.registry import all_rules, select_rules
from x12tool.rules.therapy import line_discipline
from x12tool.visits import VisitLog

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "fixtures" / "sample"


def claims_of(path: str) -> list[Claim]:
    with X12Source(path) as src:
        return [c for c in iter_items(src.segments(), path) if isinstance(c, Claim)]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[tuple[str, str]]:
    """(837 path, visit log path): the sample, and generated claims with many defects."""
    tmp = tmp_path_factory.mktemp("fast")
    raw, log = io.BytesIO(), io.StringIO()
    generate(raw, claims=400, seed=11, visits=log, defect_rate=0.4)
    path, visits = tmp / "gen.837", tmp / "gen.csv"
    path.write_bytes(malformed(raw.getvalue().decode("latin-1")).encode("latin-1"))
    visits.write_text(log.getvalue())
    return [
        (str(SAMPLE / "therapy_batch.837"), str(SAMPLE / "therapy_visits.csv")),
        (str(path), str(visits)),
    ]


# SV1 shapes COD001 reports (and a few it does not), put on every 7th service line
SHAPES = [
    "SV1*HC:9711:GP*60*UN*1***1",
    "SV1*HC:97110:gp*60*UN*1***1",
    "SV1*HC:97110:GP*60*UN*1.5***1",
    "SV1*HC:97110:GP*-60*UN*1***1",
    "SV1*HC:97110:GP:59:KX:XU:CQ*60*UN*1***1",
    "SV1*ZZ:97110:GP*60*UN*2***1",
    "SV1*HC:97110:GP*60*MJ*38***1",
    "SV1*HC:97110:GP*60*UN*0***1",
    "SV1*HC:97110:GP*60*XX*1***1",
    "SV1*HC:97110:GP*60*UN*1.0***1",
    "SV1*HC::GP*60*UN*1***1",
]


def malformed(text: str) -> str:
    out, n = [], 0
    for seg in text.split("~"):
        if seg.lstrip().startswith("SV1*"):
            n += 1
            if n % 7 == 0:
                seg = seg[: len(seg) - len(seg.lstrip())] + SHAPES[n // 7 % len(SHAPES)]
        out.append(seg)
    return "~".join(out)


def context(path: str, visits: str, ref=None) -> RuleContext:
    ctx = RuleContext(ref=ref or load_refdata(SAMPLE / "payer_profiles.xml"))
    ctx.visits = VisitLog(visits)
    prepare_file(path, ctx)
    return ctx


def as_values(findings) -> list[tuple]:
    return [
        (f.code, f.severity, f.message, f.position, f.line, f.fix and f.fix.describe(), f.extra)
        for f in findings
    ]


def test_code_flags_answer_as_the_code_map():
    ref = load_refdata()
    codes = [*ref.codes, "", "9711", "XXXXX", "97110 ", " 97161", "g0283", "97014\n"]
    tests = [
        (ALWAYS_THERAPY, lambda i: i.always_therapy),
        (UNTIMED_LIMIT, lambda i: not i.timed and i.unit_limit is not None),
        (MEDICARE_SPECIAL, lambda i: i.replacement or i.bundled),
    ]
    for flag, test in tests:
        for _ in range(2):  # the second pass reads what the first one kept
            for code in codes:
                info = ref.code(code)
                assert flag(ref, code) == (info is not None and bool(test(info))), code
        assert any(flag(ref, c) for c in codes) and not all(flag(ref, c) for c in codes)
    lines = [type("Line", (), {"code": c})() for c in ("97110", "97530")]
    assert not any_line(UNTIMED_LIMIT, ref, lines)
    assert any_line(UNTIMED_LIMIT, ref, [*lines, type("Line", (), {"code": "97161 "})()])


def test_engine_agrees_with_every_rule_in_turn(files):
    """check_claim (quiet rules left out per profile, bound checks, empty answers not
    extended) against every enabled rule asked in turn, each on its own context."""
    rules = select_rules()
    for path, visits in files:
        fast, slow = context(path, visits), context(path, visits)
        seen = 0
        for claim in claims_of(path):
            got = as_values(check_claim(claim, rules, fast))
            slow.for_claim(claim)
            want = [f for r in rules if slow.enabled(r) for f in r.check(claim, slow)]
            want.sort(key=_order)
            assert got == as_values(want), claim.id
            seen += len(got)
        assert seen > 10
        # the shipped profiles ask for no prior authorization: AUTH rules are not called
        assert not any(r.code.startswith("AUTH") for r in fast.active(rules))


def test_quiet_rules_find_nothing(files):
    ref = load_refdata(SAMPLE / "payer_profiles.xml")
    profiles = [None, *ref.profiles.values()]
    path, visits = files[1]
    claims = claims_of(path)
    quiet = 0
    for rule in select_rules():
        for profile in profiles:
            if not rule.quiet(profile):
                continue
            quiet += 1
            ctx = context(path, visits, ref)
            for claim in claims:
                ctx.for_claim(claim)
                ctx.profile = profile
                assert list(rule.check(claim, ctx)) == [], (rule.code, profile and profile.name)
    assert quiet > 10
    # with its setting on, no rule is quiet
    on = replace(
        ref.profiles["medicare_b"],
        prior_auth=True,
        unit_caps=(("97530", 2),),
        required_modifiers=(("GP", "all"),),
        plan_of_care=True,
    )
    assert not any(r.quiet(on) for r in all_rules())


def test_cod001_fast_path_agrees_with_the_shape_tests(files):
    rule = cod001.COD001()
    found = 0
    for path, visits in files:
        ctx = context(path, visits)
        for fresh in (True, False):  # the sets empty, then filled by the first pass
            if fresh:
                cod001._GOOD_CODES.clear()
                cod001._GOOD_MODIFIERS.clear()
                cod001._GOOD_UNITS.clear()
                cod001._GOOD_SV1.clear()
            for claim in claims_of(path):
                ctx.for_claim(claim)
                got = as_values(rule.check(claim, ctx))
                assert got == as_values(rule._all(claim, ctx)), claim.id
                found += len(got)
    assert found > 5
    # an SV1 text is known good only with the separators that split it
    colon = Delimiters(element="*", repetition="^", component=":", segment="~")
    other = Delimiters(element="*", repetition="^", component=">", segment="~")
    cod001._good_sv1(colon).add("SV1*HC:97110:GP*60*UN*1***1~")
    assert "SV1*HC:97110:GP*60*UN*1***1~" not in cod001._good_sv1(other)
    # texts are kept without their terminator (Segment._raw), so each terminator has its own
    assert cod001._good_sv1(colon) is cod001._good_sv1(replace(colon, line_break="\n"))
    assert cod001._good_sv1(colon) is not cod001._good_sv1(replace(colon, segment="\n"))
    for units in ("1", "1.0", "2", "0", "-1", "1.5", "0.0", "10"):
        u = Decimal(units)
        assert cod001._units_ok(u) == (u > 0 and u == u.to_integral_value())
        assert (u in cod001._GOOD_UNITS) == (u > 0 and u == u.to_integral_value())


def test_mod003_claim_test_agrees_with_every_line(files):
    """Where MOD003 checks CQ/CO is missing, the claim-level test (an assistant's visit row or
    taxonomy) passes over no line _missing would report, with the line's rows asked or not."""
    rule = MOD003()
    applies = replace(load_refdata().profiles["medicare_b"], name="cq", cq_co_applies=True)
    reported = 0
    for path, visits in files:
        ctx = context(path, visits)
        for claim in claims_of(path):
            ctx.for_claim(claim)
            ctx.profile = applies
            facts = rule._ref_facts(ctx)
            want = []
            for line in claim.lines:
                if line.sv1 is not None and facts["assistant"].isdisjoint(line.modifiers):
                    found = rule._missing(claim, line, ctx, facts, True)
                    if found is not None:
                        want.append(found)
            got = [f for f in rule.check(claim, ctx) if "missing_modifier" in f.extra]
            assert as_values(got) == as_values(want), claim.id
            reported += len(got)
    assert reported > 5


def test_tu007_discipline_agrees_with_line_discipline(files):
    lines = 0
    for path, visits in files:
        ctx = context(path, visits)
        for claim in claims_of(path):
            ctx.for_claim(claim)
            for line in claim.lines:
                assert tu007._discipline(claim, line, ctx) == line_discipline(claim, line, ctx)
                lines += 1
    assert lines > 1000


class PairsForOnly:
    """An NCCI lookup that answers pairs_for alone (as a caller's own lookup may)."""

    def __init__(self, index):
        self.index = index

    def pairs_for(self, a, b, day, profile=None):
        return self.index.pairs_for(a, b, day, profile)


@pytest.mark.parametrize("with_store", [False, True])
def test_pairs_per_code_set_agree_with_pairs_per_date(files, tmp_path, with_store):
    ref = load_refdata(SAMPLE / "payer_profiles.xml")
    store = None
    if with_store:
        store = NcciStore(tmp_path / "maps.sqlite")
        import_ptp(store, [PTP])
    index = NcciIndex(ref, store)
    hits = 0
    for path, _visits in files:
        by_set = RuleContext(ref=ref, ncci=index)
        by_date = RuleContext(ref=ref, ncci=PairsForOnly(index))
        for claim in claims_of(path):
            by_set.for_claim(claim)
            by_date.for_claim(claim)
            got = hit_values(pair_hits(claim, by_set))
            assert got == hit_values(pair_hits(claim, by_date)), claim.id
            hits += len(got)
    assert hits > 20
    # pairs_for is pairs_between in force on the date
    days = sorted({ln.date_from for c in claims_of(files[1][0]) for ln in c.lines})
    codes = sorted(ref.codes)[:40]
    for profile in (None, *ref.profiles.values()):
        for a, b in combinations(codes, 2):
            for day in days[:: max(1, len(days) // 5)]:
                assert index.pairs_for(a, b, day, profile) == [
                    p for p in index.pairs_between(a, b, profile) if p.active_on(day)
                ]
    if store is not None:
        store.close()


def test_mod004_keeps_the_suspicious_modifiers_of_the_profile_it_was_asked_for(files):
    """MOD004 keeps the last profile's 59/X set: with claims alternating between two profiles
    whose accepted bypass modifiers differ (one takes GP, on nearly every line), each claim
    gets what a new rule object, with nothing kept, gives."""
    from x12tool.rules.mod004_bypass_no_partner import MOD004

    medicare = load_refdata().profiles["medicare_b"]
    profiles = (medicare, replace(medicare, name="gp", bypass_modifiers=frozenset({"59", "GP"})))
    rule = MOD004()
    reported = [0, 0]
    for path, visits in files:
        ctx = context(path, visits)
        for n, claim in enumerate(claims_of(path)):
            ctx.for_claim(claim)
            ctx.profile = profiles[n % 2]
            got = as_values(rule.check(claim, ctx))
            assert got == as_values(MOD004().check(claim, ctx)), claim.id
            reported[n % 2] += len(got)
    assert reported[1] > reported[0] > 0

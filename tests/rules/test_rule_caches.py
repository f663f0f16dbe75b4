"""The run-level caches the rule bodies read (COD001's shape sets, the NCCI pairs of ncci_hits)
give the answers of the computation they stand in for: the regexes, and ``pairs_for`` asked
afresh, whatever the order the profiles of a file come in."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

from devtools.synth import generate
from x12tool.claims import Claim, iter_items
from x12tool.edi import X12Source
from x12tool.refdata import load_refdata
from x12tool.rules import cod001_malformed as cod001
from x12tool.rules.context import RuleContext
from x12tool.rules.ncci_hits import (
    DEFAULT_BYPASS,
    bypass_modifiers,
    pair_hits,
    suspicious_modifiers,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "fixtures" / "sample" / "therapy_batch.837"


def regex_well_formed(line) -> bool:
    """COD001's shape test as it read before the caches: the regexes on every line."""
    units, basis = line.units, line.unit_basis
    return bool(
        line.code
        and line.qualifier in cod001.QUALIFIERS
        and cod001.CODE_SHAPE.match(line.code)
        and len(line.modifiers) < cod001.MAX_MODIFIERS
        and all(cod001.MODIFIER_SHAPE.match(m) for m in line.modifiers)
        and basis in cod001.UNIT_BASES
        and (units is None or basis != "UN" or (units > 0 and units == units.to_integral_value()))
        and (line.charge is None or line.charge >= 0)
    )


def test_cod001_shape_sets_answer_as_the_regexes():
    from decimal import Decimal

    codes = ["97110", "9711", "97110\n", "g0283", "G0283", "0001U", "0001u", "A1234", "", "971100"]
    mods = [[], ["GP"], ["gp"], ["GP", "59"], ["G"], ["GP\n"], ["GP", "KX", "59", "XU"], ["1A"]]
    lines = [
        SimpleNamespace(
            code=code,
            qualifier=qual,
            modifiers=m,
            unit_basis=basis,
            units=units,
            charge=Decimal("10"),
        )
        for code in codes
        for qual in ("HC", "ZZ")
        for m in mods
        for basis in ("UN", "MJ")
        for units in (None, Decimal("1"), Decimal("1.5"), Decimal("0"))
    ]
    # twice: the second pass reads the sets the first one filled
    for _ in range(2):
        assert [cod001._well_formed(ln) for ln in lines] == [regex_well_formed(ln) for ln in lines]


def claims_of(data: bytes, tmp_path, name: str) -> list[Claim]:
    path = tmp_path / name
    path.write_bytes(data)
    with X12Source(path) as src:
        return [c for c in iter_items(src.segments(), str(path)) if isinstance(c, Claim)]


def pairs_fresh(claim, ref, profile):
    """pair_hits on a new context (no run cache), as plain values."""
    ctx = RuleContext(ref=ref)
    ctx.profile = profile
    return hit_values(pair_hits(claim, ctx)), suspicious_modifiers(ctx)


def hit_values(hits):
    return [
        (h.pair.column1, h.pair.column2, h.day, [id(x) for x in h.col1], [id(x) for x in h.col2])
        for h in hits
    ]


def test_ncci_run_caches_agree_with_fresh_lookups(tmp_path):
    ref = load_refdata()
    buf = io.BytesIO()
    generate(buf, claims=300, seed=7)
    claims = claims_of(SAMPLE.read_bytes(), tmp_path, "sample.837")
    claims += claims_of(buf.getvalue(), tmp_path, "gen.837")
    ctx = RuleContext(ref=ref)
    found = {}
    # twice over, one context, each claim under its payer's profile and under one that turns
    # the Medicare edits off and accepts XU only: the profiles alternate from claim to claim
    # and the caches stay warm, and each must keep its own answers
    for _ in range(2):
        for claim in claims:
            ctx.for_claim(claim)
            own = ctx.profile
            off = replace(own, name="off", ncci_medicare=False, bypass_modifiers=frozenset({"XU"}))
            for profile in (own, off, own):
                ctx.profile = profile
                got = hit_values(pair_hits(claim, ctx))
                found[profile.name] = found.get(profile.name, 0) + len(got)
                assert (got, suspicious_modifiers(ctx)) == pairs_fresh(claim, ref, profile)
                assert suspicious_modifiers(ctx) == (
                    DEFAULT_BYPASS | bypass_modifiers(ctx) | ref.bypass_modifiers
                )
    # the files have pairs under the payers' profiles, and none with the edits off
    assert found["off"] == 0 and sum(found.values()) > 0


def test_pairs_of_a_date_kept_per_code_set_and_date():
    """_CodePairs.on keeps the pairs in force per (codes, date): a pair that starts, or ends,
    between two dates of the same codes is in force on the dates it covers only, however often
    and in whatever order the dates are asked."""
    from datetime import date

    from x12tool.refdata import NcciPair
    from x12tool.rules.ncci_hits import _CodePairs

    def pair(pid, effective, deleted, indicator="1"):
        return NcciPair(pid, "97140", "97530", indicator, effective, deleted, "t", "high", True)

    starts = pair("a", date(2026, 3, 1), None)
    ends = pair("b", None, date(2026, 3, 1))
    na = pair("c", None, None, indicator="9")

    class Index:
        asked = 0

        def pairs_between(self, a, b, profile):
            Index.asked += 1
            return [starts, ends, na] if (a, b) == ("97140", "97530") else []

    cp = _CodePairs(Index(), None)
    billed = frozenset({"97530", "97140 "})  # as billed: normalised when learnt
    before, after = date(2026, 2, 27), date(2026, 3, 2)
    for _ in range(2):
        for day in (after, before, after):
            got = cp.on(billed, day)
            assert got == [[p for p in (starts, ends, na) if p.active_on(day)]]
    assert cp.on(billed, before) == [[ends]] and cp.on(billed, after) == [[starts]]
    assert cp.on(frozenset({"97110", "97140"}), after) == []
    assert Index.asked == 2  # one lookup per code set, whatever the dates

"""pair_hits's screen (a claim that bills at most one code of the lookup's pairs has none) gives
the pairs of the date-by-date walk it stands in front of: on the sample and generated claims,
changed so that codes are billed in odd spellings, under the shipped profiles and under
profiles with their own pairs, with and without an imported PTP table (where the lookup cannot
list its codes and the walk runs as before)."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from ncci.common import PTP

from devtools.synth import generate
from rules.test_rule_screens import changed_claims, claims_of
from x12tool.claims.model import Provider
from x12tool.money.pricing import normal_code
from x12tool.ncci import NcciIndex, NcciStore
from x12tool.ncci.importers import import_ptp
from x12tool.refdata import load_refdata
from x12tool.rules.context import RuleContext
from x12tool.rules.ncci_hits import _add_hits, _pairs_cache, _provider, index_for, pair_hits

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "fixtures" / "sample" / "therapy_batch.837"
PROFILES = """<?xml version="1.0" encoding="UTF-8"?>
<profiles schema_version="1">
  <profile name="no_medicare" extends="commercial">
    <match payer_id="NOM"/>
    <ncci_medicare value="false"/>
    <extra_pair id="p-97110-97530" column1="97110" column2="97530" modifier_indicator="1"/>
  </profile>
  <profile name="strict" extends="commercial">
    <match payer_id="STRICT"/>
    <enable_pair id="commercial-97140-97530-no-bypass"/>
  </profile>
</profiles>
"""
CODES = ["97140", "97530", "97110", "97161", "97116", "97535", "97164", "97150", "97750"]


def walked_hits(claim, ctx):
    """pair_hits as it was before the screen: every date's codes looked up."""
    days = {}
    for line in claim.lines:
        if line.date_from is not None and line.code:
            days.setdefault(line.date_from, []).append(line)
    hits = []
    code_pairs = _pairs_cache(ctx, index_for(ctx))
    for day in sorted(days):
        day_lines = days[day]
        billed = frozenset(ln.code for ln in day_lines)
        if len(day_lines) < 2 or len(billed) < 2:
            continue
        found = code_pairs.on(billed, day)
        if found:
            by_code = {}
            for ln in day_lines:
                by_code.setdefault(normal_code(ln.code), []).append(ln)
            one = all(ln.rendering is None for ln in day_lines)
            for pairs in found:
                _add_hits(hits, claim, day, day_lines, by_code, pairs, one)
    return hits


@pytest.fixture(scope="module")
def claims(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pairs")
    rnd = random.Random(78)
    out = claims_of(SAMPLE.read_bytes(), tmp / "sample.837")
    buf = io.BytesIO()
    generate(buf, claims=150, seed=78, defect_rate=0.3)
    out += claims_of(buf.getvalue(), tmp / "gen.837")
    changed = claims_of(buf.getvalue(), tmp / "changed.837")
    changed_claims(changed, rnd)
    for claim in changed:
        for line in claim.lines:
            roll = rnd.random()
            if roll < 0.25:
                line.code = rnd.choice(CODES)
            elif roll < 0.3:
                # odd spellings normalise to a pair's code
                line.code = rnd.choice([" 97140", "97530 ", "97116", "g0283", ""])
            if rnd.random() < 0.15:
                # a 2420A: another NPI, or the claim's own; on a line that can pair or not
                # (only the lines that can pair decide whether a date has one provider)
                npi = rnd.choice(["1999999999", claim.rendering.npi if claim.rendering else ""])
                line.rendering = Provider(None, None, "LINE", npi)
    return out + changed


def as_tuples(hits):
    return [(h.pair, h.day, h.col1, h.col2) for h in hits]


@pytest.mark.parametrize("ptp", [False, True], ids=["curated", "ptp-table"])
def test_pair_hits_gives_the_walks_pairs(claims, tmp_path, ptp):
    ref = load_refdata(_profiles(tmp_path))
    ncci = None
    if ptp:
        store = NcciStore(tmp_path / "maps.sqlite")
        import_ptp(store, [PTP])
        ncci = NcciIndex(ref, store)
    profiles = [None, *(ref.profile(n) for n in ("medicare_b", "commercial", "no_medicare"))]
    profiles.append(ref.profile("strict"))
    found = screened = mixed = two_providers = 0
    pair_codes = {c for p in ref.ncci_pairs() for c in (p.column1, p.column2)}
    for profile in profiles:
        ctx = RuleContext(ref=ref, ncci=ncci)
        for claim in claims:
            ctx.profile = profile
            want = walked_hits(claim, ctx)
            got = pair_hits(claim, ctx)
            assert as_tuples(got) == as_tuples(want), (claim.id, profile and profile.name)
            found += len(got)
            for h in got:
                if any(ln.rendering is not None for ln in claim.lines if ln.date_from == h.day):
                    mixed += 1
            # a date whose lines of a pair's codes have two providers (_add_hits cuts them)
            days = {}
            for ln in claim.lines:
                if ln.date_from is not None and normal_code(ln.code) in pair_codes:
                    days.setdefault(ln.date_from, set()).add(_provider(claim, ln))
            two_providers += any(len(p) > 1 for p in days.values())
        screened += _pairs_cache(ctx, index_for(ctx)).paired is not None
    assert found > 20
    # hits on dates with a 2420A, and dates whose pair codes two providers billed
    assert mixed and two_providers
    # the screen is taken with the curated pairs only; an imported table has no code list
    # for the profiles that read the Medicare pairs (no_medicare reads its own pairs alone)
    assert screened == (1 if ptp else len(profiles))


def test_pair_codes_hold_every_code_of_a_pair(tmp_path):
    ref = load_refdata(_profiles(tmp_path))
    index = NcciIndex(ref)
    codes = sorted(set(CODES) | {p.column1 for p in ref.ncci_pairs()} | {"97010", "G0283"})
    for name in (None, "medicare_b", "commercial", "no_medicare", "strict"):
        profile = ref.profile(name) if name else None
        listed = index.pair_codes(profile)
        for a in codes:
            for b in codes:
                if index.pairs_between(a, b, profile):
                    assert a in listed and b in listed, (name, a, b)
    store = NcciStore(tmp_path / "maps.sqlite")
    import_ptp(store, [PTP])
    with_table = NcciIndex(ref, store)
    assert with_table.pair_codes(None) is None
    assert with_table.pair_codes(ref.profile("no_medicare")) == {"97110", "97530"}


def _profiles(tmp: Path) -> Path:
    path = tmp / "profiles.xml"
    path.write_text(PROFILES)
    return path

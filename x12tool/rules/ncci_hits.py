"""Which NCCI pairs a claim's lines hit: shared by NCCI001/002, MOD004/005."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from x12tool.claims import Claim, ServiceLine
from x12tool.money.pricing import normal_code
from x12tool.refdata import NcciPair
from x12tool.rules.context import RuleContext
from x12tool.rules.services import NcciLookup

DEFAULT_BYPASS = frozenset({"59", "XE", "XS", "XP", "XU"})
X_MODIFIERS = frozenset({"XE", "XS", "XP", "XU"})


def index_for(ctx: RuleContext) -> NcciLookup:
    """The run's NCCI lookups (curated pairs only when the caller gave none)."""
    return ctx.ncci_lookup()


def bypass_modifiers(ctx: RuleContext) -> frozenset[str]:
    """Modifiers that bypass an indicator-1 edit for the claim's payer."""
    if ctx.profile is not None:
        return ctx.profile.bypass_modifiers
    return ctx.ref.bypass_modifiers or DEFAULT_BYPASS


def suspicious_modifiers(ctx: RuleContext) -> frozenset[str]:
    """59 and the X modifiers, whatever the payer accepts as a bypass (the union is made once
    per profile and reference data, not on every claim)."""
    profile, ref = ctx.profile, ctx.ref
    got = _SUSPICIOUS.get((id(profile), id(ref)))
    if got is None or got[0] is not profile or got[1] is not ref:
        if len(_SUSPICIOUS) >= 64:
            _SUSPICIOUS.clear()
        union = DEFAULT_BYPASS | bypass_modifiers(ctx) | ref.bypass_modifiers
        got = _SUSPICIOUS[(id(profile), id(ref))] = (profile, ref, union)
    return got[2]


# (id(profile), id(ref)) -> (profile, ref, suspicious modifiers): the objects are kept with
# their answer, so an id cannot be taken by another object while its entry lives.
_SUSPICIOUS: dict[tuple[int, int], tuple] = {}


# run_state owner of this module's run-level caches
_STATE = "ncci_hits"
# Pairs in force by (code, code, date), per NCCI lookup and profile: a file bills the same
# few code pairs on the same dates over and over. Cleared when it grows past this.
_PAIRS_MAX = 65536


def _run_cache(ctx: RuleContext, name: str, owner: object) -> dict:
    """A run-level cache of this module, by id(profile) -> (profile, value): a new one when
    ``owner`` (the reference data, the NCCI lookup) is not the one it was made for, since the
    values are its answers. Profiles alternate from claim to claim, so each keeps its own."""
    state = ctx.run_state(_STATE, {})
    got = state.get(name)
    if got is None or got[0] is not owner:
        got = state[name] = (owner, {})
    return got[1]


def _pairs_cache(ctx: RuleContext, index: NcciLookup) -> dict:
    """The run's answers of ``index.pairs_for`` for the current profile, by (a, b, date)."""
    per_profile = _run_cache(ctx, "pairs", index)
    profile = ctx.profile
    got = per_profile.get(id(profile))
    if got is None or got[0] is not profile:
        got = per_profile[id(profile)] = (profile, {})
    cache = got[1]
    if len(cache) >= _PAIRS_MAX:
        cache.clear()
    return cache


def has_bypass(line: ServiceLine, ctx: RuleContext) -> bool:
    mods = bypass_modifiers(ctx)
    return any(m in mods for m in line.modifiers)


def _provider(claim: Claim, line: ServiceLine) -> str:
    for prov in (line.rendering, claim.rendering, claim.billing_provider):
        if prov is not None and prov.npi:
            return prov.npi
    return ""


@dataclass
class PairHit:
    """One NCCI pair in force on one date of a claim, with the lines of each column."""

    pair: NcciPair
    day: date
    col1: list[ServiceLine] = field(default_factory=list)
    col2: list[ServiceLine] = field(default_factory=list)


def lines_by_date(claim: Claim) -> dict[date, list[ServiceLine]]:
    days: dict[date, list[ServiceLine]] = defaultdict(list)
    for line in claim.lines:
        if line.date_from is not None and line.code:
            days[line.date_from].append(line)
    return days


def pair_hits(claim: Claim, ctx: RuleContext) -> list[PairHit]:
    """Every pair in force between two codes billed on the same date of the claim.

    Same provider too: lines whose rendering NPIs (2420A, else 2310B, else billing) differ are
    not paired. Cached per claim for the run.
    """
    memo = ctx.claim_memo(claim)
    key = ("ncci_hits", id(ctx.profile))
    cached = memo.get(key)
    if cached is not None:
        return cached
    hits: list[PairHit] = []
    if len(claim.lines) < 2:
        memo[key] = hits  # one line pairs with nothing
        return hits
    days: dict[date, list[ServiceLine]] = {}
    for line in claim.lines:
        if line.date_from is not None and line.code:
            got = days.get(line.date_from)
            if got is None:
                days[line.date_from] = [line]
            else:
                got.append(line)
    index = None
    for day in sorted(days):
        lines = days[day]
        if len(lines) < 2:
            continue  # a line alone on its date pairs with nothing
        by_code: dict[str, list[ServiceLine]] = {}
        for ln in lines:
            code = normal_code(ln.code)
            got = by_code.get(code)
            if got is None:
                by_code[code] = [ln]
            else:
                got.append(ln)
        if len(by_code) < 2:
            continue  # one code on the date: no pair (pairs_for of a code with itself is none)
        if index is None:
            index = index_for(ctx)
            pairs_cache = _pairs_cache(ctx, index)
        codes = sorted(by_code)
        for i, a in enumerate(codes):
            for b in codes[i + 1 :]:
                pairs = pairs_cache.get((a, b, day))
                if pairs is None:
                    pairs = pairs_cache[(a, b, day)] = index.pairs_for(a, b, day, ctx.profile)
                for pair in pairs:
                    c1 = by_code[pair.column1]
                    c2 = by_code[pair.column2]
                    if all(ln.rendering is None for ln in lines):
                        # no 2420A on the date: every line is the claim's provider's
                        hits.append(PairHit(pair, day, list(c1), list(c2)))
                        continue
                    prov1 = {_provider(claim, ln) for ln in c1}
                    c2 = [ln for ln in c2 if _provider(claim, ln) in prov1]
                    c1 = [
                        ln for ln in c1 if _provider(claim, ln) in {_provider(claim, x) for x in c2}
                    ]
                    if c1 and c2:
                        hits.append(PairHit(pair, day, c1, c2))
    memo[key] = hits
    return hits


def line_numbers(lines: list[ServiceLine]) -> str:
    nums = [str(ln.number) for ln in lines if ln.number is not None]
    return ("line " if len(nums) == 1 else "lines ") + ", ".join(nums)

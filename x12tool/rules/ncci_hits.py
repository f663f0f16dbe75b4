"""Which NCCI pairs a claim's lines hit: shared by NCCI001/002, MOD004/005."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from operator import attrgetter

from x12tool.claims import Claim, ServiceLine
from x12tool.money.pricing import normal_code
from x12tool.refdata import NcciPair
from x12tool.rules.context import RuleContext
from x12tool.rules.services import NcciLookup
from x12tool.values import NEW, Value, value_class

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
# Entries of a _CodePairs cache (per NCCI lookup and profile): cleared when it grows past this.
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


def _pairs_cache(ctx: RuleContext, index: NcciLookup) -> _CodePairs:
    """The run's answers of ``index`` for the current profile."""
    profile = ctx.profile
    last = _LAST
    if last[0] is ctx and last[1] is index:
        per_profile = last[2]
    else:
        per_profile = _run_cache(ctx, "pairs", index)
        last[:] = (ctx, index, per_profile)
    got = per_profile.get(id(profile))
    if got is None or got[0] is not profile:
        got = per_profile[id(profile)] = (profile, _CodePairs(index, profile))
    return got[1]


# (ctx, NCCI lookup, its caches by profile) of the last claim that looked pairs up: the next
# claim is mostly of the same run, and finding the caches in the run state is a good part of a
# claim's lookups. The objects are held, so none of their ids can be reused.
_LAST: list = [None, None, None]


class _CodePairs:
    """The NCCI pairs in force between the codes of one date, for one lookup and profile,
    cached for the run: a file bills the same few codes on the same dates over and over.

    The codes of a date are taken as billed: the set is normalised (normal_code, as pairs_for
    compares codes) once, when first seen. A lookup with ``pairs_between`` (NcciIndex) is then
    asked once per set of codes, whatever the date: most code sets have no pair at all, and
    those that have keep their pairs' date windows to test. Any other lookup is asked
    ``pairs_for`` per two codes and date."""

    __slots__ = ("index", "profile", "between", "by_codes", "by_day", "on_day", "paired", "codes")

    def __init__(self, index: NcciLookup, profile) -> None:
        self.index = index
        self.profile = profile
        self.between = getattr(index, "pairs_between", None)
        # codes as billed -> (the normal codes, sorted; with pairs_between: the pairs between
        # two of them, any date, in code order)
        self.by_codes: dict[frozenset[str], tuple] = {}
        # (code, code, date) -> pairs_for, for a lookup without pairs_between
        self.by_day: dict[tuple[str, str, date], list[NcciPair]] = {}
        # (codes as billed, date) -> on()'s answer, for the code sets with a pair on some date
        self.on_day: dict[tuple[frozenset[str], date], list[list[NcciPair]]] = {}
        # Every code of a pair the lookup can give for the profile (pair_codes), when it can
        # list them (not with an imported PTP table): a claim that bills at most one of them
        # (most claims, with the curated pairs) has no pair on any date. ``paired``: code as
        # billed -> its normal code when it is one of them, else "".
        listed = getattr(index, "pair_codes", None) if self.between is not None else None
        self.codes: frozenset[str] | None = listed(profile) if listed is not None else None
        self.paired: dict[str, str] | None = {} if self.codes is not None else None

    def learn_paired(self, code: str) -> str:
        """``paired``'s answer for a code as billed (``paired`` is not None)."""
        paired = self.paired
        if len(paired) >= _PAIRS_MAX:
            paired.clear()
        normal = normal_code(code)
        got = paired[code] = normal if normal in self.codes else ""
        return got

    def on(self, billed: frozenset[str], day: date) -> list[list[NcciPair]]:
        """``pairs_for(a, b, day, profile)`` of every two codes of a date (``billed``: the
        codes as billed; a and b normal codes, sorted, a before b), in that order, leaving out
        the empty ones."""
        got = self.by_codes.get(billed)
        if got is None:
            got = self._learn(billed)
        if self.between is None:
            return self._each(got[0], day)
        if not got[1]:
            return []  # no pair between these codes on any date (most dates)
        # the pairs in force on the date: the same code sets come back on the same dates
        key = (billed, day)
        out = self.on_day.get(key)
        if out is None:
            if len(self.on_day) >= _PAIRS_MAX:
                self.on_day.clear()
            out = []
            for pairs in got[1]:
                in_force = [p for p in pairs if p.active_on(day)]
                if in_force:
                    out.append(in_force)
            self.on_day[key] = out  # read only: callers iterate it
        return out

    def _learn(self, billed: frozenset[str]) -> tuple:
        if len(self.by_codes) >= _PAIRS_MAX:
            self.by_codes.clear()
        codes = sorted({normal_code(c) for c in billed})
        found = []
        if self.between is not None:
            for i, a in enumerate(codes):
                for b in codes[i + 1 :]:
                    pairs = self.between(a, b, self.profile)
                    if pairs:
                        found.append(pairs)
        got = self.by_codes[billed] = (codes, tuple(found))
        return got

    def _each(self, codes: list[str], day: date) -> list[list[NcciPair]]:
        cache = self.by_day
        if len(cache) >= _PAIRS_MAX:
            cache.clear()
        out = []
        for i, a in enumerate(codes):
            for b in codes[i + 1 :]:
                key = (a, b, day)
                pairs = cache.get(key)
                if pairs is None:
                    pairs = cache[key] = self.index.pairs_for(a, b, day, self.profile)
                if pairs:
                    out.append(pairs)
        return out


def has_bypass(line: ServiceLine, ctx: RuleContext) -> bool:
    mods = bypass_modifiers(ctx)
    return any(m in mods for m in line.modifiers)


def _provider(claim: Claim, line: ServiceLine) -> str:
    for prov in (line.rendering, claim.rendering, claim.billing_provider):
        if prov is not None and prov.npi:
            return prov.npi
    return ""


# A dataclass with slots writing its own __init__ (x12tool/values.py).
@value_class
class PairHit(Value):
    """One NCCI pair in force on one date of a claim, with the lines of each column."""

    __slots__ = ("pair", "day", "col1", "col2")
    pair: NcciPair
    day: date
    col1: list[ServiceLine]
    col2: list[ServiceLine]

    def __init__(
        self,
        pair: NcciPair,
        day: date,
        col1: list[ServiceLine] = NEW,
        col2: list[ServiceLine] = NEW,
    ) -> None:
        self.pair = pair
        self.day = day
        self.col1 = [] if col1 is NEW else col1
        self.col2 = [] if col2 is NEW else col2


def lines_by_date(claim: Claim) -> dict[date, list[ServiceLine]]:
    days: dict[date, list[ServiceLine]] = defaultdict(list)
    for line in claim.lines:
        if line.date_from is not None and line.code:
            days[line.date_from].append(line)
    return days


def pair_hits(claim: Claim, ctx: RuleContext) -> list[PairHit]:
    """Every pair in force between two codes billed on the same date of the claim.

    Same provider too: lines whose rendering NPIs (2420A, else 2310B, else billing) differ are
    not paired. Worked out once per claim object and profile (NCCI001/002 and MOD004/005 each
    ask), the lookups of code pairs cached for the run.
    """
    memo = ctx.claim_memo(claim)
    profile = ctx.profile
    cached = memo.get(_MEMO)
    if cached is not None and cached[0] is profile:
        return cached[1]
    hits = _pair_hits(claim, ctx, profile)
    memo[_MEMO] = (profile, hits)
    return hits


# claim_memo key of pair_hits: (profile, hits)
_MEMO = "ncci_hits"


def _pair_hits(claim: Claim, ctx: RuleContext, profile) -> list[PairHit]:
    lines = claim.lines
    if len(lines) < 2:
        return []  # one line pairs with nothing
    code_pairs = _pairs_cache(ctx, index_for(ctx))
    paired = code_pairs.paired
    if paired is not None:
        # Two different codes that can pair, whatever their dates, or no pair at all.
        first = None
        for line in lines:
            code = line.code
            normal = paired.get(code)
            if normal is None:
                normal = code_pairs.learn_paired(code)
            if normal:
                if first is None:
                    first = normal
                elif normal != first:
                    break
        else:
            return []
        return _listed_hits(claim, lines, code_pairs)
    days: dict[date, list[ServiceLine]] = {}
    shared = False  # some date has two lines: without one there is nothing to pair
    for line in lines:
        day = line.date_from
        if day is not None and line.code:
            got = days.get(day)
            if got is None:
                days[day] = [line]
            else:
                got.append(line)
                shared = True
    if not shared:
        return []
    hits: list[PairHit] = []
    for day in sorted(days) if len(days) > 1 else days:
        day_lines = days[day]
        if len(day_lines) < 2:
            continue  # a line alone on its date pairs with nothing
        billed = frozenset(map(_CODE, day_lines))
        if len(billed) < 2:
            continue  # one code on the date: no pair (pairs_for of a code with itself is none)
        found = code_pairs.on(billed, day)
        if found:
            by_code: dict[str, list[ServiceLine]] = {}
            for ln in day_lines:
                by_code.setdefault(normal_code(ln.code), []).append(ln)
            # no 2420A on the date: every line is the claim's provider's
            one_provider = all(ln.rendering is None for ln in day_lines)
            for pairs in found:
                _add_hits(hits, claim, day, day_lines, by_code, pairs, one_provider)
    return hits


_CODE = attrgetter("code")


def _listed_hits(claim: Claim, lines: list[ServiceLine], code_pairs: _CodePairs) -> list[PairHit]:
    """:func:`_pair_hits` when the lookup lists every code a pair can have (``paired``): a
    pair is between two of those codes, so only their lines are taken, by date, each with
    its normal code from ``paired`` (no other line can be in a hit, and leaving the others
    out of a date's codes leaves its pairs and their order as they were); a date with fewer
    than two such codes is passed over without a lookup."""
    paired = code_pairs.paired
    days: dict[date, list[tuple[str, ServiceLine]]] = {}
    for line in lines:
        normal = paired.get(line.code)
        if normal is None:
            normal = code_pairs.learn_paired(line.code)
        if normal:
            day = line.date_from
            if day is not None:
                got = days.get(day)
                if got is None:
                    days[day] = [(normal, line)]
                else:
                    got.append((normal, line))
    hits: list[PairHit] = []
    for day in sorted(days) if len(days) > 1 else days:
        day_lines = days[day]
        if len(day_lines) < 2:
            continue  # a line alone on its date pairs with nothing
        by_code: dict[str, list[ServiceLine]] = {}
        for normal, ln in day_lines:
            got = by_code.get(normal)
            if got is None:
                by_code[normal] = [ln]
            else:
                got.append(ln)
        if len(by_code) < 2:
            continue  # one code on the date: no pair
        found = code_pairs.on(frozenset(by_code), day)
        if found:
            # no 2420A on the date's lines that can pair: each is the claim's provider's
            one_provider = True
            for _, ln in day_lines:
                if ln.rendering is not None:
                    one_provider = False
                    break
            for pairs in found:
                _add_hits(hits, claim, day, None, by_code, pairs, one_provider)
    return hits


def _add_hits(hits, claim, day, lines, by_code, pairs, one_provider: bool) -> None:
    """The hits of the pairs in force between two codes of one date (``one_provider``: no
    line of the date has a 2420A)."""
    for pair in pairs:
        c1 = by_code[pair.column1]
        c2 = by_code[pair.column2]
        if one_provider:
            hits.append(PairHit(pair, day, list(c1), list(c2)))
            continue
        prov1 = {_provider(claim, ln) for ln in c1}
        c2 = [ln for ln in c2 if _provider(claim, ln) in prov1]
        c1 = [ln for ln in c1 if _provider(claim, ln) in {_provider(claim, x) for x in c2}]
        if c1 and c2:
            hits.append(PairHit(pair, day, c1, c2))


def line_numbers(lines: list[ServiceLine]) -> str:
    nums = [str(ln.number) for ln in lines if ln.number is not None]
    return ("line " if len(nums) == 1 else "lines ") + ", ".join(nums)

"""Therapy facts about a claim that several rules share: disciplines and timed-minute groups."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import islice
from typing import NamedTuple

from x12tool.claims import Claim, ServiceLine
from x12tool.claims.scan import member_key
from x12tool.rules.context import RuleContext
from x12tool.rules.units import supported_of, table_units, units_match
from x12tool.visits import VisitRow

CENT = Decimal("0.01")
ROLE_DISCIPLINE = {"PT": "PT", "PTA": "PT", "OT": "OT", "OTA": "OT", "SLP": "SLP"}
MAX_MODIFIERS = 4  # SV101-3..SV101-6 (TR3 005010X222A1 SV1)


def day(line) -> str:
    return line.date_from.isoformat() if line.date_from else "(no service date)"


def provider_loop(claim, line, prov) -> str:
    if prov is line.rendering:
        return "2420A rendering provider"
    if prov is claim.rendering:
        return "2310B rendering provider"
    return "2010AA billing provider"


def discipline_evidence(claim, line, ctx) -> list[tuple[str, str]]:
    """(source, discipline) pairs saying who furnished a line, strongest source first.

    The code's discipline lock (CR 10176), an assistant modifier (CQ -> PT, CO -> OT), the
    visit log rows of the line (discipline, else provider role), and the taxonomy of the most
    specific provider that has one (2420A, else 2310B, else 2010AA). Therapy modifiers are not
    evidence here: they are what the rules using this check.
    """
    ref = ctx.ref
    out: list[tuple[str, str]] = []
    info = ref.code(line.code)
    if info is not None and info.discipline:
        out.append((f"{line.code}'s discipline lock (CR 10176)", info.discipline))
    for mod in line.modifiers:
        if mod in ref.assistant_modifiers:
            disc = ref.modifier(mod).discipline
            if disc:
                out.append((f"modifier {mod}", disc))
    for row in ctx.rows_for_line(claim, line):
        disc = row.discipline or ROLE_DISCIPLINE.get(row.provider_role, "")
        if disc:
            out.append((f"visit log row {row.row}", disc))
    prov = claim.discipline_provider(line)
    if prov is not None:
        disc = ref.taxonomy_discipline(prov.taxonomy)[0]
        if disc:
            out.append((f"{provider_loop(claim, line, prov)} taxonomy {prov.taxonomy}", disc))
    return out


def modifier_for(ctx, discipline: str) -> str:
    return next(m for m, d in ctx.ref.therapy_modifiers.items() if d == discipline)


def describe(evidence: list[tuple[str, str]]) -> str:
    return ", ".join(f"{src} says {disc}" for src, disc in evidence)


def modifier_disciplines(line: ServiceLine, ctx: RuleContext) -> list[str]:
    """Disciplines named by the line's therapy modifiers (GP -> PT, GO -> OT, GN -> SLP)."""
    return [ctx.ref.therapy_modifiers[m] for m in line.modifiers if m in ctx.ref.therapy_modifiers]


def taxonomy_discipline(claim: Claim, line: ServiceLine, ctx: RuleContext) -> str | None:
    prov = claim.discipline_provider(line)
    return ctx.ref.taxonomy_discipline(prov.taxonomy)[0] if prov else None


def line_discipline(claim: Claim, line: ServiceLine, ctx: RuleContext) -> str | None:
    """Who furnished the line: its therapy modifier, else the visit log, else the code's
    discipline lock, else the rendering/billing provider's taxonomy."""
    return _discipline(claim, line, ctx, ctx.rows_for_line(claim, line))


def _discipline(claim, line, ctx, rows) -> str | None:
    """:func:`line_discipline` with the line's visit rows at hand."""
    mods = ctx.ref.therapy_modifiers
    found = [mods[m] for m in line.modifiers if m in mods]
    if len(found) == 1:
        return found[0]
    for row in rows:
        if row.discipline:
            return row.discipline
    info = ctx.ref.code(line.code)
    if info is not None and info.discipline:
        return info.discipline
    return taxonomy_discipline(claim, line, ctx)


def timed_lines(claim: Claim, ctx: RuleContext) -> list[ServiceLine]:
    """The claim's lines of timed codes, in claim order: worked out once per claim object (a
    fix makes a new one) for the rules and the day's walk that each start from them."""
    memo = ctx.claim_memo(claim)
    got = memo.get("timed_lines")
    return got if got is not None else _timed_lines(claim, ctx, memo)


def _timed_lines(claim: Claim, ctx: RuleContext, memo: dict) -> list[ServiceLine]:
    """:func:`timed_lines` worked out, into the claim's ``memo`` (its caller has it at hand)."""
    ref = ctx.ref
    codes = ref.codes
    got = []
    for ln in claim.lines:
        # ref.code(ln.code), its usual answer inline: codes arrive normalized
        info = codes.get(ln.code)
        if info is None and ln.code:
            info = ref.code(ln.code)
        if info is not None and info.timed:
            got.append(ln)
    memo["timed_lines"] = got
    return got


def scaled_charge(line: ServiceLine, units: Decimal) -> Decimal | None:
    """The line charge at the line's own unit price for ``units`` units."""
    if line.charge is None or not line.units:
        return None
    return (line.charge / line.units * units).quantize(CENT, rounding=ROUND_HALF_UP)


def billed_units(line: ServiceLine) -> int | None:
    """SV104 as a whole number of units (UN basis), or None when it is not one."""
    if line.unit_basis != "UN" or line.units is None:
        return None
    return whole_units(line.units)


def whole_units(units: Decimal) -> int | None:
    """``units`` as a whole number, or None when it is not one (a fraction, negative, NaN).

    Remembered by value: the reader shares one Decimal per SV104 text, whose hash it keeps,
    so a lookup costs a fifth of the three Decimal operations it saves on every timed line
    of every claim. Bounded like the reader's own memo."""
    try:
        got = _WHOLE.get(units, _MISSING)
    except TypeError:  # a signalling NaN cannot be hashed: the comparison below raises
        return _whole(units)
    if got is _MISSING:
        got = _whole(units)
        if len(_WHOLE) >= 4096:
            _WHOLE.clear()
        _WHOLE[units] = got
    return got


def _whole(units: Decimal) -> int | None:
    if units != units.to_integral_value() or units < 0:
        return None
    return int(units)


_WHOLE: dict[Decimal, int | None] = {}
_MISSING = object()


class PeerLine(NamedTuple):
    """A timed line of another claim of the beneficiary's day."""

    code: str
    number: int  # the line's index in its claim (file order within the claim)
    units: int | None  # None: not a whole number of units (MJ, fractional)
    documented: bool  # the visit log has minutes for it


class DayPart(NamedTuple):
    """Another claim's part of one beneficiary's day (one date, one discipline): its timed lines
    and the timed minutes its visit-log rows document. ``seq`` orders the parts: the CLM
    segment's index for a claim of this file, -1 for lines the ledger says were sent earlier
    (``source`` then names the file they went in)."""

    claim_id: str
    seq: int
    source: str
    day: date
    discipline: str | None
    lines: tuple[PeerLine, ...]
    minutes: tuple[tuple[str, int], ...]  # (code, minutes) of its timed rows

    def where(self) -> str:
        return (
            f"claim {self.claim_id} (sent in {self.source})"
            if self.source
            else (f"claim {self.claim_id}")
        )


_NONE: frozenset[str] = frozenset()


class TimedGroup:
    """Timed services of one beneficiary's day (date and discipline), billed and documented.

    ``lines``/``rows`` are the claim being checked; ``peers`` the other claims of the same
    beneficiary, date and discipline (this file's, and with a ledger those sent earlier).

    A flat record: :func:`_build_groups` fills the claim's own part in its one pass over the
    lines and rows, and :meth:`_close` adds the peers' and works out the day's sums (minutes,
    units, codes) once the group is complete, so the readers below only look values up (the
    walk was ~12 % of ``check``'s time when each sum was a pass of its own).
    """

    __slots__ = (
        "day",
        "discipline",
        "all_lines",
        "all_rows",
        "_lines",
        "_rows",
        "unknown",
        "unreadable",
        "peers",
        "own_units",
        "own_min",
        "day_minutes",
        "day_billed",
        "undocumented_codes",
        "_supported",
    )

    def __init__(self, day: date, discipline: str | None) -> None:
        self.day = day
        self.discipline = discipline
        # The group's lines and rows in the order they went in; :attr:`lines` and :attr:`rows`
        # split them by code when first read (most groups make no verdict and are never split).
        self.all_lines: list[ServiceLine] = []
        self.all_rows: list[VisitRow] = []
        self._lines: dict[str, list[ServiceLine]] | None = None
        self._rows: dict[str, list[VisitRow]] | None = None
        # Most days have none of these: an empty tuple until the first one goes in (a list).
        self.unknown: list[ServiceLine] | tuple = ()  # billed, no minutes documented
        self.unreadable: list[ServiceLine] | tuple = ()  # MJ, fractional, negative
        self.peers: list[DayPart] | tuple = ()
        # This claim's whole units per code (0 for a line that is not whole units) and its
        # rows' minutes per code, in the order lines and rows went in.
        self.own_units: dict[str, int] = {}
        self.own_min: dict[str, int] = {}
        # The day's sums (every claim of the day), final once _close has run: insertion order
        # is the order reports name codes in, this claim's first, then the peers' in their
        # order. Until peers join, they are the claim's own.
        self.day_minutes = self.own_min  # its keys are ``codes()``
        self.day_billed = self.own_units  # its keys are ``billed_codes()``
        # codes with a line of unknown minutes (none, the usual day: a shared empty set)
        self.undocumented_codes: set[str] | frozenset[str] = _NONE
        self._supported: dict[str, dict[str, int]] | None = None

    @property
    def lines(self) -> dict[str, list[ServiceLine]]:
        """This claim's lines of the day by code (codes in the order of ``own_units``)."""
        got = self._lines
        if got is None:
            got = self._lines = _by_code(self.all_lines)
        return got

    @property
    def rows(self) -> dict[str, list[VisitRow]]:
        """This claim's timed rows of the day by code (codes in the order of ``own_min``)."""
        got = self._rows
        if got is None:
            got = {}
            for r in self.all_rows:
                by = got.get(r.cpt)
                if by is None:
                    got[r.cpt] = [r]
                else:
                    by.append(r)
            self._rows = got
        return got

    def _add_row(self, r: VisitRow) -> None:
        """A timed row of this claim no line took (a line's rows go in inline, in the build)."""
        cpt = r.cpt
        self.all_rows.append(r)
        self.own_min[cpt] = self.own_min.get(cpt, 0) + r.minutes

    def _close(self) -> None:
        """The day's sums, once the peers are in (nothing changes the group after this)."""
        undocumented = _NONE
        if self.unknown or self.unreadable:
            undocumented = {ln.code for ln in self.unknown}
            for ln in self.unreadable:
                undocumented.add(ln.code)
        if self.peers:
            if undocumented is _NONE:
                undocumented = set()
            minutes = dict(self.own_min)
            billed = dict(self.own_units)
            for p in self.peers:
                for c, m in p.minutes:
                    minutes[c] = minutes.get(c, 0) + m
                for pl in p.lines:
                    billed[pl.code] = billed.get(pl.code, 0) + (pl.units or 0)
                    if not pl.documented or pl.units is None:
                        undocumented.add(pl.code)
            self.day_minutes = minutes
            self.day_billed = billed
        # else alone on its day (the usual claim): the day's sums are the claim's own.
        self.undocumented_codes = undocumented

    def own_minutes(self, code: str) -> int:
        return self.own_min.get(code, 0)

    def minutes(self, code: str) -> int:
        """The day's documented minutes of ``code`` (every claim of the day)."""
        return self.day_minutes.get(code, 0)

    def own_billed(self, code: str) -> int:
        return self.own_units.get(code, 0)

    def billed(self, code: str) -> int:
        """Units of ``code`` billed on the day (every claim of the day)."""
        return self.day_billed.get(code, 0)

    def codes(self) -> list[str]:
        """Timed codes with minutes documented on the day, first seen first."""
        return list(self.day_minutes)

    def billed_codes(self) -> list[str]:
        return list(self.day_billed)

    def missing(self) -> list[str]:
        """Where the day's minutes are incomplete: codes billed without minutes, lines whose
        units are not a whole number or span several dates (this claim and the other claims of
        the day)."""
        out = [f"{ln.code} (line {ln.number})" for ln in self.unknown]
        out += [f"{ln.code} (line {ln.number}, units not of one date)" for ln in self.unreadable]
        for p in self.peers:
            out += [
                f"{pl.code} on {p.where()}"
                for pl in p.lines
                if not pl.documented or pl.units is None
            ]
        return list(dict.fromkeys(out))

    def undocumented(self) -> set[str] | frozenset[str]:
        """Codes of the day with a line whose minutes are unknown (this claim's or a peer's):
        a line without minutes, or units not a whole number or not of one date. The set is
        shared, callers must not change it."""
        return self.undocumented_codes

    def complete(self, method: str) -> bool:
        """CMS pools the day's minutes: a line without minutes leaves the total unknown."""
        if method == "cms":
            return not self.undocumented_codes
        return True

    def supported(self, method: str) -> dict[str, int]:
        """Units per code the day's minutes support (complete days; see :meth:`caps`)."""
        cache = self._supported
        if cache is None:
            cache = self._supported = {}
        else:
            got = cache.get(method)
            if got is not None:
                return got
        minutes = self.day_minutes
        if len(minutes) == 1:
            # One code: CMS gives it its full units plus one for a remainder of 8 or more,
            # which is the 8-minute table, as AMA does (a test holds the two equal).
            ((c, m),) = minutes.items()
            got = {c: table_units(m)}
        else:
            got = supported_of(minutes, self.day_billed, method)
        cache[method] = got
        return got

    def caps(self) -> dict[str, int]:
        """When the day's total is unknown: what each code's own minutes can support at most
        (its full 15-minute units plus one from the remainder, CMS §20.2)."""
        return {c: -(-m // 15) for c, m in self.day_minutes.items()}


def _by_code(lines: list[ServiceLine]) -> dict[str, list[ServiceLine]]:
    got: dict[str, list[ServiceLine]] = {}
    for ln in lines:
        by = got.get(ln.code)
        if by is None:
            got[ln.code] = [ln]
        else:
            by.append(ln)
    return got


def _build_groups(claim: Claim, ctx: RuleContext, memo: dict | None = None) -> list[TimedGroup]:
    """The claim's timed lines and timed visit rows by date and discipline (no peers), in one
    pass over the lines and one over the rows no line took (``memo``: the claim's, when the
    caller has it)."""
    if memo is None:
        memo = ctx.claim_memo(claim)
    lines = memo.get("timed_lines")
    if lines is None:
        lines = _timed_lines(claim, ctx, memo)
    if not lines and not ctx.visit_rows(claim):
        return []  # no timed line and no row: no day to judge
    ref = ctx.ref
    mods = ref.therapy_modifiers
    code_info = ref.code
    whole = _WHOLE
    new = object.__new__
    groups: dict[tuple[date, str | None], TimedGroup] = {}
    matched: set[int] = set()
    g: TimedGroup | None = None
    g_day = g_disc = None
    g_units = g_min = {}
    g_lines = g_rows = []

    # every timed line's rows with one call (those DOC001 and the ledger's facts looked up
    # already are remembered by the join)
    for ln, rows in zip(lines, ctx.rows_for_lines(claim, lines)):  # noqa: B905 - one each
        day = ln.date_from
        if not day:
            continue
        # The line's discipline as _discipline() has it, inline: its one therapy modifier,
        # else the visit log, else the code's lock, else the provider's taxonomy.
        modifiers = ln.modifiers
        if len(modifiers) == 1:
            disc = mods.get(modifiers[0])  # (the usual line: its one modifier, GP/GO/GN)
        else:
            disc = None
            n = 0
            for m in modifiers:
                d = mods.get(m)
                if d is not None:
                    disc = d
                    n += 1
            if n != 1:
                disc = None
        if disc is None:  # not one therapy modifier
            for r in rows:
                if r.discipline:
                    disc = r.discipline
                    break
            else:
                info = code_info(ln.code)
                if info is not None and info.discipline:
                    disc = info.discipline
                else:
                    disc = taxonomy_discipline(claim, ln, ctx)
        if g is None or g_day != day or g_disc != disc:
            # (most lines are of the previous line's day and discipline)
            key = (day, disc)
            g = groups.get(key)
            if g is None:
                # TimedGroup(day, disc), its slots set here: the class's call (its __init__
                # frame) cost as much as the stores (tests/rules/test_timed_facts.py compares)
                g = groups[key] = new(TimedGroup)
                g.day = day
                g.discipline = disc
                g.all_lines = []
                g.all_rows = []
                g._lines = g._rows = None
                g.unknown = g.unreadable = g.peers = ()
                g.own_units = g.day_billed = {}
                g.own_min = g.day_minutes = {}
                g.undocumented_codes = _NONE
                g._supported = None
            g_day, g_disc = g.day, g.discipline
            g_lines, g_units, g_rows, g_min = g.all_lines, g.own_units, g.all_rows, g.own_min
        u = ln.units  # billed_units(ln), inline, with whole_units's memo
        if ln.unit_basis != "UN" or u is None:
            units = None
        else:
            try:
                units = whole.get(u, _MISSING)
            except TypeError:  # a signalling NaN: whole_units raises as before
                units = whole_units(u)
            if units is _MISSING:
                units = whole_units(u)
        code = ln.code
        g_lines.append(ln)
        g_units[code] = g_units.get(code, 0) + (units or 0)
        if units is None or (ln.date_to is not None and ln.date_to != day):
            # Not whole units, or units over a date range (TU008): the day cannot judge them.
            if g.unreadable:
                g.unreadable.append(ln)
            else:
                g.unreadable = [ln]
        if not rows:
            if g.unknown:
                g.unknown.append(ln)
            else:
                g.unknown = [ln]
            continue
        for r in rows:
            rid = id(r)
            if rid not in matched:
                matched.add(rid)
                g_rows.append(r)  # _add_row, inline
                cpt = r.cpt
                g_min[cpt] = g_min.get(cpt, 0) + r.minutes
    # Documented timed services with no billed line still count toward the day's total. The
    # lines' rows are the claim's own, so when they took every row there is nothing left.
    all_rows = ctx.visit_rows(claim)
    if len(matched) != len(all_rows):
        # the disciplines of the claim's dated timed lines: each made a group of its own
        claim_disciplines = set()
        for _day, d in groups:
            if d:
                claim_disciplines.add(d)
        for r in all_rows:
            if id(r) in matched:
                continue
            info = code_info(r.cpt)
            if info is None or not info.timed:
                continue
            disc = _unmatched_discipline(r, info, claim_disciplines)
            key = (r.service_date, disc)
            g = groups.get(key)
            if g is None:
                g = groups[key] = TimedGroup(r.service_date, disc)
            g._add_row(r)
    out = list(groups.values())
    n = len(out)
    if n == 2:
        # sorted() with its key call per group, for the usual two (a stable sort: equal keys
        # keep their order)
        a, b = out
        if (b.day, b.discipline or "") < (a.day, a.discipline or ""):
            out = [b, a]
    elif n > 2:
        out.sort(key=_group_order)
    return out


def _unmatched_discipline(r: VisitRow, info, line_disciplines: set) -> str | None:
    """The discipline of a timed visit row no line took: its own, else its code's lock, else
    the one discipline of the claim's dated timed lines (``line_disciplines``), else the row's
    own empty value (its day is then one of no discipline)."""
    disc = r.discipline
    if not disc:
        if info.discipline:
            return info.discipline
        if len(line_disciplines) == 1:
            return next(iter(line_disciplines))
    return disc


def _group_order(g: TimedGroup) -> tuple:
    return (g.day, g.discipline or "")


def day_parts(claim: Claim, ctx: RuleContext, source: str = "") -> list[DayPart]:
    """The claim's parts of its beneficiary's days, as other claims of the day see them."""
    out = []
    index = {id(ln): i for i, ln in enumerate(claim.lines)}
    for g in _build_groups(claim, ctx):
        unknown = {id(ln) for ln in g.unknown}
        lines = tuple(
            PeerLine(code, index[id(ln)], billed_units(ln), id(ln) not in unknown)
            for code, lns in g.lines.items()
            for ln in lns
        )
        minutes = tuple(g.own_min.items())
        out.append(DayPart(claim.id, claim.clm.index, source, g.day, g.discipline, lines, minutes))
    return out


def _peers_of():
    """daypool.peers_of, imported on first use (daypool builds its pool from this module's
    day_parts) and kept: an import statement on every claim cost as much as a group."""
    global _PEERS_OF
    if _PEERS_OF is None:
        from x12tool.rules.daypool import peers_of

        _PEERS_OF = peers_of
    return _PEERS_OF


_PEERS_OF = None
# ctx.run_state key of the day pool (x12tool.rules.daypool: {"pool": DayPool | None, ...})
DAYPOOL = "daypool"


def timed_groups(claim: Claim, ctx: RuleContext) -> list[TimedGroup]:
    """The claim's beneficiary-days: its timed lines and rows by date and discipline, with the
    other claims of the same beneficiary, date and discipline (``x12tool.rules.daypool``).

    Only meaningful with a visit log; the result is cached for the claim being checked.
    """
    memo = ctx.claim_memo(claim)
    cached = memo.get("timed_groups")
    return cached if cached is not None else _timed_groups(claim, ctx, memo)


def _timed_groups(claim: Claim, ctx: RuleContext, memo: dict) -> list[TimedGroup]:
    """:func:`timed_groups` worked out, into the claim's ``memo``."""
    result = _build_groups(claim, ctx, memo)
    if not result:
        memo["timed_groups"] = result
        return result  # no timed line or row: nothing for the day's other claims to join
    # daypool.peers_of's own first answer, read here: with no claim pooled for the file and
    # no ledger (nearly every run) no claim has a peer, and the call is not made
    state = ctx._run_state.get(DAYPOOL)
    pool = None if state is None else state["pool"]
    if (pool is None or not pool.members) and ctx.ledger is None:
        peers = None
    else:
        peers = (_PEERS_OF or _peers_of())(claim, ctx)
    if peers:
        by_key = {(g.day, g.discipline): g for g in result}
        for part in peers:
            g = by_key.get((part.day, part.discipline))
            if g is None:
                continue  # a day of the other claim this claim has nothing on
            if g.peers:
                g.peers.append(part)
            else:
                g.peers = [part]
    for g in result:
        if g.peers or g.unknown or g.unreadable:
            g._close()
        # else (the usual group) _close has nothing to add: the day's sums are the claim's own
        # and no code is undocumented, as the group was made
    memo["timed_groups"] = result
    return result


def timed_clean(claim: Claim, ctx: RuleContext) -> bool:
    """Whether the claim is the usual one (:func:`_clean`): no verdict, no day shared with
    another claim, no timed line without minutes and no timed minutes left unbilled, so
    TU001, TU002, TU005 and TU006 have nothing to say and its groups are never built.
    Worked out once for the claim being checked; False says only that the groups must tell."""
    memo = ctx.claim_memo(claim)
    got = memo.get("timed_clean")
    return got if got is not None else _clean(claim, ctx, memo)


def _clean(claim: Claim, ctx: RuleContext, memo: dict) -> bool:
    """:func:`timed_clean` worked out, into the claim's ``memo`` (with, when True, its empty
    :func:`verdicts`).

    The claim's timed lines and rows in one pass each, as flat per-day lists (codes, minutes,
    units): none of the groups' objects, dicts per code or joins per line. A claim is clean
    when nothing can pool it with another claim (no ledger store, its beneficiary not in the
    file's day pool); every dated timed line has one therapy modifier (its discipline), whole
    units of its one date and a line control that one row of its code carries (the join's
    answer for such a line is that row: ``RuleContext.rows_for_line``); no two lines of one
    code share a day; the rows no line took are not timed or, as in :func:`_build_groups`,
    join their day; and every day bills what its minutes support, a code documented and not
    billed supporting no unit (TU005). Anything else (a claim in twenty in the benchmark
    files) is left to the groups, which reach the same answers for these claims
    (tests/rules/test_timed_clean.py compares the two)."""
    memo["timed_clean"] = False  # until the walk below gets to its end
    if ctx.visits is None:
        return False
    if ctx.ledger is not None and ctx.ledger_scope().has_store:
        return False  # lines sent earlier may share the day (daypool.ledger_parts)
    state = ctx._run_state.get(DAYPOOL)
    if state is not None:
        pool = state["pool"]
        if pool is not None and pool.members:
            key = member_key(claim.subscriber.member_id, claim.subscriber.payer_id)
            if key and key in pool.members:
                return False  # the beneficiary has other claims in the file: peers_of's
    all_rows = ctx.visit_rows(claim)
    # the claim's rows by line control; a line takes its control's row (popped: a second
    # line of the control finds none and gives up, as its rows would be shared)
    by_control = {}
    loose = False  # a row without a line control
    for r in all_rows:
        control = r.line_control
        if control:
            if control in by_control:
                return False  # one control on two rows: a line's rows are several
            by_control[control] = r
        else:
            loose = True
    ref = ctx.ref
    codes_info = ref.codes
    mods = ref.therapy_modifiers
    whole = _WHOLE
    days: dict[tuple, tuple[list, list, list]] = {}
    taken = 0
    g_day = g_disc = None
    codes = mins = units = ()
    # The claim's timed lines (_timed_lines's test inline, in the same pass: the list is
    # made only for a claim the groups judge, and read by no rule for a clean one)
    for ln in claim.lines:
        code = ln.code
        info = codes_info.get(code)  # ref.code(code), its usual answer inline
        if info is None and code:
            info = ref.code(code)
        if info is None or not info.timed:
            continue
        day = ln.date_from
        if not day:
            continue  # no day to judge (as in _build_groups)
        control = ln.line_control
        if not control:
            return False
        r = by_control.pop(control, None)
        if r is None:
            return False  # no row of its control: the join looks by code and date
        if r.cpt != code:
            return False
        modifiers = ln.modifiers
        if len(modifiers) == 1:
            disc = mods.get(modifiers[0])
            if disc is None:
                return False
        else:
            disc = None
            for m in modifiers:
                d = mods.get(m)
                if d is not None:
                    if disc is not None:
                        return False  # two therapy modifiers
                    disc = d
            if disc is None:
                return False
        if ln.date_to is not None and ln.date_to != day:
            return False
        u = ln.units
        if ln.unit_basis != "UN" or u is None:
            return False
        try:
            n = whole.get(u, _MISSING)
        except TypeError:  # a signalling NaN
            return False
        if n is _MISSING:
            n = whole_units(u)
        if n is None:
            return False
        taken += 1
        if day != g_day or disc != g_disc:
            key = (day, disc)
            got = days.get(key)
            if got is None:
                got = days[key] = ([], [], [])
            codes, mins, units = got
            g_day, g_disc = day, disc
        if code in codes:
            return False  # one code on two lines of the day (TU004's): the groups share it
        codes.append(code)
        mins.append(r.minutes)
        units.append(n)
    if taken != len(all_rows):
        # The rows no line took count toward their day when their code is timed, as in
        # _build_groups (a few minutes documented and not billed, often): a code billed on
        # the day gets their minutes, another code goes in with no units, which the check
        # below holds to supporting none (else TU005 has a finding, and the groups make it).
        # Without a row of no control, those rows are the ones left in ``by_control``, in
        # the claim's order (most are rows of untimed lines).
        line_days = len(days)  # the days of the claim's dated timed lines come first
        line_disciplines = None  # their disciplines, when a row needs them
        for r in all_rows if loose else by_control.values():
            control = r.line_control
            if control and control not in by_control:
                continue  # a line's
            cpt = r.cpt
            info = codes_info.get(cpt)
            if info is None and cpt:
                info = ref.code(cpt)
            if info is None or not info.timed:
                continue
            disc = r.discipline  # _unmatched_discipline(r, info, line_disciplines), inline
            if not disc:
                if info.discipline:
                    disc = info.discipline
                else:
                    if line_disciplines is None:
                        line_disciplines = {d for _day, d in islice(days, line_days)}
                    if len(line_disciplines) == 1:
                        disc = next(iter(line_disciplines))
            key = (r.service_date, disc)
            got = days.get(key)
            if got is None:
                got = days[key] = ([], [], [])
            codes, mins, units = got
            if cpt in codes:
                mins[codes.index(cpt)] += r.minutes
            else:
                codes.append(cpt)
                mins.append(r.minutes)
                units.append(0)
    method = ctx.profile.unit_method
    for _codes, mins, units in days.values():
        if len(mins) == 1:
            m = mins[0]
            if units[0] != (0 if m < 8 else (m + 7) // 15):  # table_units(m)
                return False
        elif not units_match(mins, units, method):
            return False
    memo["verdicts"] = []
    memo["timed_clean"] = True
    return True


def built_timed_groups(claim: Claim, ctx: RuleContext) -> list[TimedGroup] | None:
    """:func:`timed_groups` when a rule has already worked them out for the claim being
    checked, else None (for a rule that can do without them: building them reads the
    ledger and other claims' visit rows)."""
    return ctx.claim_memo(claim).get("timed_groups")


class Verdict(NamedTuple):
    """One timed code of one beneficiary-day, as the claim being checked must bill it."""

    group: TimedGroup
    code: str
    lines: list[ServiceLine]  # this claim's lines of the code
    billed: int  # this claim's units of the code
    allowed: int  # what this claim may bill of it after the day's units are shared out
    day_billed: int  # the day's units of the code (every claim)
    day_allowed: int  # what the day's minutes support for the code (or its cap)
    partial: bool  # the day's total is unknown: ``day_allowed`` is the code's own cap
    others: list[DayPart]  # the other claims of the day billing the code

    def describe_others(self) -> str:
        return ", ".join(dict.fromkeys(p.where() for p in self.others))


# Verdict's fields in order, without the NamedTuple's Python-level __new__ (one per timed code
# of every claim).
_new_verdict = tuple.__new__


def _share(g: TimedGroup, code: str, seq: int, allowed: int) -> int:
    """What the checked claim (file order ``seq``) may bill of ``code`` when the day's claims
    together may bill ``allowed``: units over the limit come off the latest lines (this file's
    claims after the earlier-sent ones, then file order, then line order); units under it go to
    the latest line of this file."""
    entries = [
        (p.seq, pl.number, pl.units or 0, False)
        for p in g.peers
        for pl in p.lines
        if pl.code == code
    ]
    entries += [(seq, i, billed_units(ln) or 0, True) for i, ln in enumerate(g.lines[code])]
    entries.sort(key=lambda e: (e[0], e[1]))
    own = sum(e[2] for e in entries if e[3])
    total = sum(e[2] for e in entries)
    if total > allowed:
        excess = total - allowed
        for _seq, _n, units, mine in reversed(entries):
            take = min(units, excess)
            excess -= take
            if mine:
                own -= take
            if not excess:
                break
    elif total < allowed and entries and entries[-1][3]:
        own += allowed - total
    return own


def verdicts(claim: Claim, ctx: RuleContext) -> list[Verdict]:
    """A :class:`Verdict` for every timed code the claim bills on a day whose minutes are
    documented, where the units it may bill are not the units it bills (the common walk of
    TU001, TU002 and PAY001, which read nothing else; cached for the claim being checked).

    Read from the claim's :func:`timed_groups`, whose sums are final: most codes bill what
    the minutes support and make no verdict (a Verdict for each was a third of the walk)."""
    if ctx.visits is None:
        return []
    memo = ctx.claim_memo(claim)
    cached = memo.get("verdicts")
    if cached is not None:
        return cached
    groups = memo.get("timed_groups")
    if groups is None:
        if memo.get("timed_clean") is None and _clean(claim, ctx, memo):
            return memo["verdicts"]  # the usual claim: no verdict, no group built
        groups = _timed_groups(claim, ctx, memo)
    out = []
    method = ctx.profile.unit_method
    seq = claim.clm.index
    for g in groups:
        minutes = g.day_minutes
        if not minutes:
            continue  # no minutes documented for the day (no code of the day has minutes)
        # A code with a line of unknown minutes has no cap of its own either.
        undocumented = g.undocumented_codes
        own_units = g.own_units
        peers = g.peers
        if not peers and not undocumented:
            # The usual day: alone on its day, every line's minutes known; the day's units
            # are the claim's own.
            if len(minutes) == 1:
                # One code documented: its units are the 8-minute table's (supported()'s
                # one-code answer) and any other code billed has no limit, without a dict.
                ((c, m),) = minutes.items()
                own = own_units.get(c)  # (the codes of own_units are those of g.lines)
                if own is None:
                    continue
                allowed = 0 if m < 8 else (m + 7) // 15  # table_units(m)
                if own != allowed:
                    out.append(
                        _new_verdict(
                            Verdict, (g, c, g.lines[c], own, allowed, own, allowed, False, [])
                        )
                    )
                continue
            # g.supported(method), its work inline: worked out once, here, for every day (TU005
            # reads it again on a day with a code documented and not billed)
            limits = g._supported
            if limits is None:
                limits = supported_of(minutes, own_units, method)
                g._supported = {method: limits}
            else:
                limits = g.supported(method)
            if limits == own_units:
                continue  # every code billed as its minutes support (most days)
            # (own_units has the codes of g.lines, in order: the lines split by code only for
            # a verdict)
            for code, own in own_units.items():
                allowed = limits.get(code)
                if allowed is None:
                    continue
                if own != allowed:
                    out.append(
                        _new_verdict(
                            Verdict, (g, code, g.lines[code], own, allowed, own, allowed, False, [])
                        )
                    )
            continue
        partial = method == "cms" and bool(undocumented)  # not g.complete(method)
        day_units = g.day_billed
        limits = None if partial else g.supported(method)
        for code, lines in g.lines.items():
            if code in undocumented:
                continue
            if partial:
                m = minutes.get(code)
                if m is None:
                    continue
                day_allowed = -(-m // 15)  # caps(): its own minutes' most
                day_billed = day_units[code]
                if day_billed <= day_allowed:
                    continue
            else:
                day_allowed = limits.get(code)
                if day_allowed is None:
                    continue
                day_billed = day_units[code]
            own = own_units[code]
            if peers:
                allowed = _share(g, code, seq, day_allowed)
                if own == allowed:
                    continue
                others = [p for p in peers if any(pl.code == code for pl in p.lines)]
            else:
                if own == day_allowed:
                    continue
                allowed, others = day_allowed, []
            out.append(
                _new_verdict(
                    Verdict,
                    (g, code, lines, own, allowed, day_billed, day_allowed, partial, others),
                )
            )
    memo["verdicts"] = out
    return out

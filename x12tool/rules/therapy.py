"""Therapy facts about a claim that several rules share: disciplines and timed-minute groups."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from x12tool.claims import Claim, ServiceLine
from x12tool.rules.context import RuleContext
from x12tool.rules.units import CodeMinutes, supported_units
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
    mods = modifier_disciplines(line, ctx)
    if len(mods) == 1:
        return mods[0]
    for row in ctx.rows_for_line(claim, line):
        if row.discipline:
            return row.discipline
    info = ctx.ref.code(line.code)
    if info is not None and info.discipline:
        return info.discipline
    return taxonomy_discipline(claim, line, ctx)


def scaled_charge(line: ServiceLine, units: Decimal) -> Decimal | None:
    """The line charge at the line's own unit price for ``units`` units."""
    if line.charge is None or not line.units:
        return None
    return (line.charge / line.units * units).quantize(CENT, rounding=ROUND_HALF_UP)


def billed_units(line: ServiceLine) -> int | None:
    """SV104 as a whole number of units (UN basis), or None when it is not one."""
    if line.unit_basis != "UN" or line.units is None:
        return None
    if line.units != line.units.to_integral_value() or line.units < 0:
        return None
    return int(line.units)


@dataclass(frozen=True, slots=True)
class PeerLine:
    """A timed line of another claim of the beneficiary's day."""

    code: str
    number: int  # the line's index in its claim (file order within the claim)
    units: int | None  # None: not a whole number of units (MJ, fractional)
    documented: bool  # the visit log has minutes for it


@dataclass(frozen=True, slots=True)
class DayPart:
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


@dataclass
class TimedGroup:
    """Timed services of one beneficiary's day (date and discipline), billed and documented.

    ``lines``/``rows`` are the claim being checked; ``peers`` the other claims of the same
    beneficiary, date and discipline (this file's, and with a ledger those sent earlier).
    """

    day: date
    discipline: str | None
    lines: dict[str, list[ServiceLine]] = field(default_factory=lambda: defaultdict(list))
    rows: dict[str, list[VisitRow]] = field(default_factory=lambda: defaultdict(list))
    unknown: list[ServiceLine] = field(default_factory=list)  # billed, no minutes documented
    unreadable: list[ServiceLine] = field(default_factory=list)  # MJ, fractional, negative
    peers: list[DayPart] = field(default_factory=list)
    _supported: dict = field(default_factory=dict, repr=False)
    # Units billed per code, this claim's and the day's: TU001/TU002 and the unit sharing ask
    # each several times per code. Filled once the group is complete (timed_groups), never
    # before: the group's lines and peers do not change after that.
    _own_units: dict = field(default_factory=dict, repr=False, compare=False)
    _day_units: dict = field(default_factory=dict, repr=False, compare=False)

    def own_minutes(self, code: str) -> int:
        return sum(r.minutes for r in self.rows.get(code, []))

    def minutes(self, code: str) -> int:
        """The day's documented minutes of ``code`` (every claim of the day)."""
        total = self.own_minutes(code)
        for p in self.peers:
            total += sum(m for c, m in p.minutes if c == code)
        return total

    def own_billed(self, code: str) -> int:
        got = self._own_units.get(code)
        if got is None:
            got = sum(billed_units(ln) or 0 for ln in self.lines.get(code, []))
            self._own_units[code] = got
        return got

    def billed(self, code: str) -> int:
        """Units of ``code`` billed on the day (every claim of the day)."""
        got = self._day_units.get(code)
        if got is None:
            got = self.own_billed(code)
            for p in self.peers:
                got += sum(pl.units or 0 for pl in p.lines if pl.code == code)
            self._day_units[code] = got
        return got

    def codes(self) -> list[str]:
        """Timed codes with minutes documented on the day, first seen first."""
        out = dict.fromkeys(self.rows)
        for p in self.peers:
            out.update(dict.fromkeys(c for c, _ in p.minutes))
        return list(out)

    def billed_codes(self) -> list[str]:
        out = dict.fromkeys(self.lines)
        for p in self.peers:
            out.update(dict.fromkeys(pl.code for pl in p.lines))
        return list(out)

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

    def complete(self, method: str) -> bool:
        """CMS pools the day's minutes: a line without minutes leaves the total unknown."""
        if method == "cms":
            if self.unknown or self.unreadable:
                return False
            return all(pl.documented and pl.units is not None for p in self.peers for pl in p.lines)
        return True

    def supported(self, method: str) -> dict[str, int]:
        """Units per code the day's minutes support (complete days; see :meth:`caps`)."""
        got = self._supported.get(method)
        if got is None:
            items = [CodeMinutes(c, self.minutes(c), self.billed(c)) for c in self.codes()]
            got = self._supported[method] = supported_units(items, method)
        return got

    def caps(self) -> dict[str, int]:
        """When the day's total is unknown: what each code's own minutes can support at most
        (its full 15-minute units plus one from the remainder, CMS §20.2)."""
        return {c: -(-self.minutes(c) // 15) for c in self.codes()}


def _own_groups(claim: Claim, ctx: RuleContext) -> list[TimedGroup]:
    """The claim's timed lines and timed visit rows by date and discipline (no peers)."""
    ref = ctx.ref
    groups: dict[tuple[date, str | None], TimedGroup] = {}
    claim_disciplines = set()
    matched: set[int] = set()

    def group(day: date, disc: str | None) -> TimedGroup:
        key = (day, disc)
        if key not in groups:
            groups[key] = TimedGroup(day, disc)
        return groups[key]

    timed_lines = [ln for ln in claim.lines if ref.is_timed(ln.code) and ln.date_from]
    line_disc = {}
    for ln in timed_lines:
        disc = line_discipline(claim, ln, ctx)
        line_disc[id(ln)] = disc
        if disc:
            claim_disciplines.add(disc)
    for ln in timed_lines:
        disc = line_disc[id(ln)]
        g = group(ln.date_from, disc)
        g.lines[ln.code].append(ln)
        rows = ctx.rows_for_line(claim, ln)
        if billed_units(ln) is None or (ln.date_to is not None and ln.date_to != ln.date_from):
            # Not whole units, or units over a date range (TU008): the day cannot judge them.
            g.unreadable.append(ln)
        if not rows:
            g.unknown.append(ln)
        for r in rows:
            if id(r) not in matched:
                matched.add(id(r))
                g.rows[r.cpt].append(r)
    # Documented timed services with no billed line still count toward the day's total.
    for r in ctx.visit_rows(claim):
        if id(r) in matched or not ref.is_timed(r.cpt):
            continue
        disc = r.discipline
        if not disc:
            info = ref.code(r.cpt)
            if info is not None and info.discipline:
                disc = info.discipline
            elif len(claim_disciplines) == 1:
                disc = next(iter(claim_disciplines))
        group(r.service_date, disc).rows[r.cpt].append(r)
    return sorted(groups.values(), key=lambda g: (g.day, g.discipline or ""))


def day_parts(claim: Claim, ctx: RuleContext, source: str = "") -> list[DayPart]:
    """The claim's parts of its beneficiary's days, as other claims of the day see them."""
    out = []
    index = {id(ln): i for i, ln in enumerate(claim.lines)}
    for g in _own_groups(claim, ctx):
        unknown = {id(ln) for ln in g.unknown}
        lines = tuple(
            PeerLine(code, index[id(ln)], billed_units(ln), id(ln) not in unknown)
            for code, lns in g.lines.items()
            for ln in lns
        )
        minutes = tuple((c, g.own_minutes(c)) for c in g.rows)
        out.append(DayPart(claim.id, claim.clm.index, source, g.day, g.discipline, lines, minutes))
    return out


def timed_groups(claim: Claim, ctx: RuleContext) -> list[TimedGroup]:
    """The claim's beneficiary-days: its timed lines and rows by date and discipline, with the
    other claims of the same beneficiary, date and discipline (``x12tool.rules.daypool``).

    Only meaningful with a visit log; the result is cached for the claim being checked.
    """
    memo = ctx.claim_memo(claim)
    cached = memo.get("timed_groups")
    if cached is not None:
        return cached
    from x12tool.rules.daypool import peers_of

    result = _own_groups(claim, ctx)
    peers = peers_of(claim, ctx)
    if peers:
        by_key = {(g.day, g.discipline): g for g in result}
        for part in peers:
            g = by_key.get((part.day, part.discipline))
            if g is None:
                continue  # a day of the other claim this claim has nothing on
            g.peers.append(part)
    memo["timed_groups"] = result
    return result


@dataclass
class Verdict:
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
    documented (the common walk of TU001 and TU002; cached for the claim being checked)."""
    if ctx.visits is None:
        return []
    memo = ctx.claim_memo(claim)
    cached = memo.get("verdicts")
    if cached is not None:
        return cached
    out = []
    method = ctx.profile.unit_method
    seq = claim.clm.index
    for g in timed_groups(claim, ctx):
        if not g.rows and not g.peers:
            continue  # no minutes documented for the day
        codes = g.codes()
        if not codes:
            continue
        partial = not g.complete(method)
        limits = g.caps() if partial else g.supported(method)
        # A code with a line of unknown minutes has no cap of its own either.
        undocumented = {ln.code for ln in g.unknown + g.unreadable}
        for p in g.peers:
            undocumented.update(pl.code for pl in p.lines if not pl.documented or pl.units is None)
        for code, lines in g.lines.items():
            if code not in limits or code in undocumented:
                continue
            day_allowed = limits[code]
            day_billed = g.billed(code)
            if partial and day_billed <= day_allowed:
                continue
            own = g.own_billed(code)
            if g.peers:
                allowed = _share(g, code, seq, day_allowed)
                others = [p for p in g.peers if any(pl.code == code for pl in p.lines)]
            else:
                allowed, others = day_allowed, []
            out.append(
                Verdict(g, code, lines, own, allowed, day_billed, day_allowed, partial, others)
            )
    memo["verdicts"] = out
    return out

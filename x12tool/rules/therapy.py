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


@dataclass
class TimedGroup:
    """Timed services of one date and discipline on one claim, billed and documented."""

    day: date
    discipline: str | None
    lines: dict[str, list[ServiceLine]] = field(default_factory=lambda: defaultdict(list))
    rows: dict[str, list[VisitRow]] = field(default_factory=lambda: defaultdict(list))
    unknown: list[ServiceLine] = field(default_factory=list)  # billed, no minutes documented
    unreadable: list[ServiceLine] = field(default_factory=list)  # MJ, fractional, negative
    _supported: dict = field(default_factory=dict, repr=False)

    def minutes(self, code: str) -> int:
        return sum(r.minutes for r in self.rows.get(code, []))

    def billed(self, code: str) -> int:
        return sum(billed_units(ln) or 0 for ln in self.lines.get(code, []))

    def complete(self, method: str) -> bool:
        """CMS pools the day's minutes: one line without minutes spoils the whole total."""
        if method == "cms":
            return not self.unknown and not self.unreadable
        return True

    def supported(self, method: str) -> dict[str, int]:
        got = self._supported.get(method)
        if got is None:
            unknown = {ln.code for ln in self.unknown}
            items = [
                CodeMinutes(c, self.minutes(c), self.billed(c))
                for c in self.rows
                if c not in unknown
            ]
            got = self._supported[method] = supported_units(items, method)
        return got


def timed_groups(claim: Claim, ctx: RuleContext) -> list[TimedGroup]:
    """Group the claim's timed lines and timed visit rows by date and discipline.

    Only meaningful with a visit log; the result is cached for the claim being checked.
    """
    memo = ctx.claim_memo(claim)
    cached = memo.get("timed_groups")
    if cached is not None:
        return cached
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
        if billed_units(ln) is None:
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
    result = sorted(groups.values(), key=lambda g: (g.day, g.discipline or ""))
    memo["timed_groups"] = result
    return result


def unit_comparisons(claim: Claim, ctx: RuleContext):
    """(group, code, lines, billed, supported) for every timed code billed on a date whose
    minutes are documented (the common walk of TU001 and TU002)."""
    if ctx.visits is None or not ctx.visit_rows(claim):
        return
    method = ctx.profile.unit_method
    for g in timed_groups(claim, ctx):
        if not g.complete(method):
            continue
        supported = g.supported(method)
        for code, lines in g.lines.items():
            if code in supported:
                yield g, code, lines, g.billed(code), supported[code]

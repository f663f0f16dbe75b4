"""The timed-minute walk as it was before the flat per-claim facts (x12tool.rules.therapy):
each sum a pass of its own, worked out when first asked for. Kept only to compare the new
facts against (tests/rules/test_timed_facts.py); nothing in x12tool imports it."""

from __future__ import annotations

from datetime import date

from x12tool.rules.daypool import peers_of
from x12tool.rules.therapy import (
    DayPart,
    PeerLine,
    Verdict,
    _discipline,
    billed_units,
    timed_lines,
)
from x12tool.rules.units import supported_units


class _Tally:
    def __init__(self, g: OldGroup) -> None:
        minutes = {}
        for c, rows in g.rows.items():
            minutes[c] = sum(r.minutes for r in rows)
        own = g._own_units
        billed = dict(own)
        undocumented = {ln.code for ln in g.unknown}
        undocumented.update(ln.code for ln in g.unreadable)
        for p in g.peers:
            for c, m in p.minutes:
                minutes[c] = minutes.get(c, 0) + m
            for pl in p.lines:
                billed[pl.code] = billed.get(pl.code, 0) + (pl.units or 0)
                if not pl.documented or pl.units is None:
                    undocumented.add(pl.code)
        self.minutes = minutes
        self.own_billed = own
        self.billed = billed
        self.undocumented = undocumented
        self.supported: dict[str, dict[str, int]] = {}


class OldGroup:
    def __init__(self, day: date, discipline: str | None) -> None:
        self.day = day
        self.discipline = discipline
        self.lines: dict = {}
        self.rows: dict = {}
        self.unknown: list = []
        self.unreadable: list = []
        self.peers: list[DayPart] = []
        self._own_units: dict[str, int] = {}
        self._t: _Tally | None = None

    def add_line(self, line, units) -> None:
        self.lines.setdefault(line.code, []).append(line)
        self._own_units[line.code] = self._own_units.get(line.code, 0) + (units or 0)

    def _tally(self) -> _Tally:
        if self._t is None:
            self._t = _Tally(self)
        return self._t

    def own_minutes(self, code):
        return sum(r.minutes for r in self.rows.get(code, ()))

    def minutes(self, code):
        return self._tally().minutes.get(code, 0)

    def own_billed(self, code):
        return self._tally().own_billed.get(code, 0)

    def billed(self, code):
        return self._tally().billed.get(code, 0)

    def codes(self):
        return list(self._tally().minutes)

    def billed_codes(self):
        return list(self._tally().billed)

    def missing(self):
        out = [f"{ln.code} (line {ln.number})" for ln in self.unknown]
        out += [f"{ln.code} (line {ln.number}, units not of one date)" for ln in self.unreadable]
        for p in self.peers:
            out += [
                f"{pl.code} on {p.where()}"
                for pl in p.lines
                if not pl.documented or pl.units is None
            ]
        return list(dict.fromkeys(out))

    def undocumented(self):
        return self._tally().undocumented

    def complete(self, method):
        return not self._tally().undocumented if method == "cms" else True

    def supported(self, method):
        t = self._tally()
        if method not in t.supported:
            items = [(c, m, t.billed.get(c, 0)) for c, m in t.minutes.items()]
            t.supported[method] = supported_units(items, method)
        return t.supported[method]

    def caps(self):
        return {c: -(-m // 15) for c, m in self._tally().minutes.items()}


def own_groups(claim, ctx) -> list[OldGroup]:
    ref = ctx.ref
    groups: dict = {}
    claim_disciplines = set()
    matched: set[int] = set()
    for ln in timed_lines(claim, ctx):
        if not ln.date_from:
            continue
        rows = ctx.rows_for_line(claim, ln)
        disc = _discipline(claim, ln, ctx, rows)
        if disc:
            claim_disciplines.add(disc)
        key = (ln.date_from, disc)
        g = groups.get(key)
        if g is None:
            g = groups[key] = OldGroup(ln.date_from, disc)
        units = billed_units(ln)
        g.add_line(ln, units)
        if units is None or (ln.date_to is not None and ln.date_to != ln.date_from):
            g.unreadable.append(ln)
        if not rows:
            g.unknown.append(ln)
        for r in rows:
            if id(r) not in matched:
                matched.add(id(r))
                g.rows.setdefault(r.cpt, []).append(r)
    for r in ctx.visit_rows(claim):
        if id(r) in matched:
            continue
        info = ref.code(r.cpt)
        if info is None or not info.timed:
            continue
        disc = r.discipline
        if not disc:
            if info.discipline:
                disc = info.discipline
            elif len(claim_disciplines) == 1:
                disc = next(iter(claim_disciplines))
        key = (r.service_date, disc)
        g = groups.get(key)
        if g is None:
            g = groups[key] = OldGroup(r.service_date, disc)
        g.rows.setdefault(r.cpt, []).append(r)
    return sorted(groups.values(), key=lambda g: (g.day, g.discipline or ""))


def day_parts(claim, ctx, source: str = "") -> list[DayPart]:
    out = []
    index = {id(ln): i for i, ln in enumerate(claim.lines)}
    for g in own_groups(claim, ctx):
        unknown = {id(ln) for ln in g.unknown}
        lines = tuple(
            PeerLine(code, index[id(ln)], billed_units(ln), id(ln) not in unknown)
            for code, lns in g.lines.items()
            for ln in lns
        )
        minutes = tuple((c, g.own_minutes(c)) for c in g.rows)
        out.append(DayPart(claim.id, claim.clm.index, source, g.day, g.discipline, lines, minutes))
    return out


def timed_groups(claim, ctx) -> list[OldGroup]:
    result = own_groups(claim, ctx)
    by_key = {(g.day, g.discipline): g for g in result}
    for part in peers_of(claim, ctx):
        g = by_key.get((part.day, part.discipline))
        if g is not None:
            g.peers.append(part)
    return result


def _share(g, code, seq, allowed):
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


def verdicts(claim, ctx) -> list[Verdict]:
    if ctx.visits is None:
        return []
    out = []
    method = ctx.profile.unit_method
    seq = claim.clm.index
    for g in timed_groups(claim, ctx):
        if not g.rows and not g.peers:
            continue
        t = g._tally()
        if not t.minutes:
            continue
        undocumented = t.undocumented
        partial = not g.complete(method)
        limits = g.caps() if partial else g.supported(method)
        for code, lines in g.lines.items():
            if code not in limits or code in undocumented:
                continue
            day_allowed = limits[code]
            day_billed = t.billed[code]
            if partial and day_billed <= day_allowed:
                continue
            own = t.own_billed[code]
            if g.peers:
                allowed = _share(g, code, seq, day_allowed)
                others = [p for p in g.peers if any(pl.code == code for pl in p.lines)]
            else:
                allowed, others = day_allowed, []
            out.append(
                Verdict(g, code, lines, own, allowed, day_billed, day_allowed, partial, others)
            )
    return out

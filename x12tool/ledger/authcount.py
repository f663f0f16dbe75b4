"""What a claim uses of a prior authorization: matching, visits and units, in ledger order.

An authorization (``x12tool auth import``) is the set of rows with one member, payer, number and
discipline; each row holds visits and/or units, the units for all timed codes (code "") or for
one code. A line counts against it when the line is for the member and payer, its date lies in
the authorization's dates, its discipline matches (a line whose discipline nothing says matches
any), and it carries that number in REF*G1 or none at all.

* A **visit** is a date of service with at least one counted line: two claims (or two codes) of
  one date are one visit.
* **Units** are the SV104 units of the counted lines: every timed code for a code "" row, that
  code alone otherwise.

Order is the KX ledger's (docs/ledger.md): what earlier runs sent (the ledger), then the run's
lines of the member in date order, then file order, then line order. Voided claims count
nothing; a replacement's lines replace the replaced claim's. Held claims of the run still count
for the run's later claims (they will be sent once corrected).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from x12tool.ledger.auths import ALL_TIMED, Authorization


def load_auths(store, member: str, payer_id: str) -> list[Authorization]:
    if store is None or not member or not payer_id:
        return []
    out = []
    for number, disc, code, start, end, visits, units in store.member_auths(member, payer_id):
        out.append(
            Authorization(
                member=member,
                payer_id=payer_id,
                number=number,
                discipline=disc,
                start=date.fromisoformat(start),
                end=date.fromisoformat(end),
                visits=None if visits is None else int(visits),
                units=None if units is None else int(units),
                code=code,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Measure:
    """One thing an authorization limits: visits, or units (of all timed codes or one code)."""

    auth: Authorization
    kind: str  # "visits" | "units"

    @property
    def limit(self) -> int:
        return self.auth.visits if self.kind == "visits" else self.auth.units

    def describe(self) -> str:
        a = self.auth
        what = "visits" if self.kind == "visits" else "units"
        if self.kind == "units":
            what = f"{a.code} units" if a.code else "timed-code units"
        return (
            f"{self.limit} {what} on authorization {a.number} ({a.discipline}, "
            f"{a.start.isoformat()} to {a.end.isoformat()})"
        )

    def counts(self, day: date, code: str, disc: str, timed: bool, number: str) -> bool:
        a = self.auth
        if not a.covers(day) or (disc and disc != a.discipline):
            return False
        if number and number != a.number:
            return False
        if self.kind == "units":
            return code == a.code if a.code != ALL_TIMED else timed
        return True


@dataclass(slots=True)
class Usage:
    measure: Measure
    recorded: int = 0  # earlier runs (the ledger)
    run_before: int = 0  # this run's lines before the claim
    this: int = 0  # the claim's own
    crossing_index: int | None = None  # the claim's first line that goes past the limit
    claims_before: list[str] = field(default_factory=list)

    @property
    def before(self) -> int:
        return self.recorded + self.run_before

    @property
    def after(self) -> int:
        return self.before + self.this

    @property
    def remaining(self) -> int:
        return self.measure.limit - self.after


def measures(auths: list[Authorization], counts: str) -> list[Measure]:
    out = []
    for a in auths:
        if counts in ("visits", "both") and a.visits is not None and a.code == ALL_TIMED:
            out.append(Measure(a, "visits"))
        if counts in ("units", "both") and a.units is not None:
            out.append(Measure(a, "units"))
    return out


def _units(value) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return Decimal(0)


def usage(scope, facts, measure: Measure) -> Usage | None:
    """How much of ``measure`` the claim ``facts`` uses, and how much was used before it. None
    when no line of the claim counts against it."""
    mine = [
        a
        for a in facts.auth_lines
        if measure.counts(a.day, a.code, a.discipline, a.timed, a.auth_number)
    ]
    if not mine or facts.void:
        return None
    result = Usage(measure)
    days: set[date] = set()
    units = Decimal(0)
    for day, code, disc, timed, value, number in scope.auth_recorded(facts.member, facts.payer_id):
        if measure.counts(day, code, disc, timed, number):
            days.add(day)
            units += _units(value)
    visits = measure.kind == "visits"
    result.recorded = len(days) if visits else int(units)
    entries = sorted(
        (a.day, c.seq, a.index, a.units, c.claim_id)
        for c in scope.run_claims(facts.member)
        if not c.void and c.payer_id == facts.payer_id
        for a in c.auth_lines
        if measure.counts(a.day, a.code, a.discipline, a.timed, a.auth_number)
    )
    if not any(seq == facts.seq for _d, seq, *_ in entries):
        # the claim is being checked without the pre-pass having seen it (lazy scope)
        entries = sorted(
            entries + [(a.day, facts.seq, a.index, a.units, facts.claim_id) for a in mine]
        )
    total = result.recorded
    mine_started = False
    for day, seq, index, value, claim_id in entries:
        add = (0 if day in days else 1) if visits else int(value)
        if visits:
            days.add(day)
        if seq == facts.seq:
            mine_started = True
            result.this += add
            if add and total + add > measure.limit and result.crossing_index is None:
                result.crossing_index = index
        elif not mine_started:
            result.run_before += add
            if claim_id != facts.claim_id and add:
                result.claims_before.append(claim_id)
        total += add
    return result

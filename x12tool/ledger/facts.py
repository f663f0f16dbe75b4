"""What the ledger knows of a service line: beneficiary, year, group, discipline, key, amount.

The discipline comes from the line's therapy modifier only (GP -> PT, GO -> OT, GN -> SLP), the
way Medicare's CWF keys the KX accrual; a line with none or with two different ones is not a
therapy line for the ledger (MOD001/MOD002 report it). The amount is the line's estimated
Medicare allowed amount from the run's pricing service (MPPR and CQ/CO applied), in cents.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from x12tool.money.pricing import normal_code, normal_modifiers
from x12tool.values import FrozenSlots, Value, set_field, value_class

if TYPE_CHECKING:
    from x12tool.claims import Claim, ServiceLine
    from x12tool.money.pricing import ClaimPrice
    from x12tool.refdata import Profile, RefData
    from x12tool.visits import VisitRow

GROUPS = ("PT_SLP", "OT")
GROUP_OF = {"PT": "PT_SLP", "SLP": "PT_SLP", "OT": "OT"}
GROUP_LABEL = {"PT_SLP": "PT/SLP", "OT": "OT"}
VOID, REPLACEMENT = "8", "7"


# Not frozen: one is built for every therapy line of every claim state, and a frozen class's
# __init__ costs twice as much; nothing changes one after claim_facts made it.
# The classes here are dataclasses with slots writing their own __init__ (x12tool/values.py).
@value_class
class LineFact(Value):
    __slots__ = (
        "index",
        "number",
        "key",
        "day",
        "code",
        "modifiers",
        "discipline",
        "group",
        "units",
        "cents",
        "kx",
        "progress",
    )
    index: int  # index of the line in claim.lines
    number: int | None  # LX01
    key: str  # "6R:<line control>" or "LX:<n>"
    day: date
    code: str
    modifiers: tuple[str, ...]
    discipline: str  # PT, OT, SLP
    group: str  # PT_SLP, OT
    units: Decimal
    cents: int  # estimated allowed amount
    kx: bool
    progress: bool  # the visit log marks a progress report on this line's row(s)

    def __init__(
        self,
        index: int,
        number: int | None,
        key: str,
        day: date,
        code: str,
        modifiers: tuple[str, ...],
        discipline: str,
        group: str,
        units: Decimal,
        cents: int,
        kx: bool,
        progress: bool,
    ) -> None:
        self.index = index
        self.number = number
        self.key = key
        self.day = day
        self.code = code
        self.modifiers = modifiers
        self.discipline = discipline
        self.group = group
        self.units = units
        self.cents = cents
        self.kx = kx
        self.progress = progress

    @property
    def year(self) -> int:
        return self.day.year


@value_class
class AuthLine(FrozenSlots):
    """A service line as a prior authorization counts it (payers that require one only)."""

    __slots__ = ("index", "key", "day", "code", "discipline", "timed", "units", "auth_number")

    index: int
    key: str
    day: date
    code: str
    discipline: str  # PT, OT, SLP; "" when neither modifier, visit log nor taxonomy says
    timed: bool
    units: Decimal
    auth_number: str  # 2400 REF*G1, else 2300 REF*G1, else ""

    def __init__(
        self,
        index: int,
        key: str,
        day: date,
        code: str,
        discipline: str,
        timed: bool,
        units: Decimal,
        auth_number: str,
    ) -> None:
        set_field(self, "index", index)
        set_field(self, "key", key)
        set_field(self, "day", day)
        set_field(self, "code", code)
        set_field(self, "discipline", discipline)
        set_field(self, "timed", timed)
        set_field(self, "units", units)
        set_field(self, "auth_number", auth_number)


# What FactTables and ClaimFacts (its own tables) answer the same way.
def _treated(tables: FactTables | ClaimFacts) -> tuple:
    got = tables._treated
    if got.__class__ is not tuple:
        got = tables._treated = tuple(sorted(got)) if len(got) > 1 else tuple(got)
    return got


def _totals(tables: FactTables | ClaimFacts) -> dict[tuple[int, str], int]:
    """(year, group) -> the cents of the claim's lines in it, negative amounts left out
    (summed by claim_facts, or on first use; shared: callers must not change it). What the
    scope's KX ceilings add up: each claim's once, however many later claims of the
    beneficiary ask. Every (year, group) of the lines is a key, 0 when its lines priced at 0."""
    got = tables._totals
    if got is None:
        got = {}
        for entry in tables.kx:
            key = entry[:2]
            cents = entry[5]
            got[key] = got.get(key, 0) + (cents if cents > 0 else 0)
        tables._totals = got
    return got


def _days_of(tables: FactTables | ClaimFacts, discipline: str) -> list:
    """The discipline's treatment days, sorted and distinct."""
    return [day for disc, day in _treated(tables) if disc == discipline]


class ClaimFacts:
    """A claim state's ledger facts, and their tables (:class:`FactTables`'s fields: the
    facts are their own tables once made, so a claim's facts are one object).

    ``lines`` (a :class:`LineFact` per therapy line) is built on first read: a run learns the
    facts of every Part B claim state, but only a claim near a KX threshold, one with a
    progress report due, the store's recording and its reruns read the lines one by one; the
    KX ceilings and progress counts read the tables, whose sums :func:`claim_facts` works out
    in its one walk over the claim. Until then the facts keep what the lines are made from:
    the claim object, its price, the refdata and the lines with a progress report (a claim
    object is one state of a claim, never changed once read), or the lines' plain tuples once
    :meth:`settle` made them. Compares, and shows, as a dataclass of its fields would (the
    tables left out). Nothing changes one after claim_facts made it, but for the tables and
    the lines filled in once."""

    __slots__ = (
        "member",
        "claim_id",
        "seq",  # the CLM segment's index in the file: file order, stable across fix passes
        "frequency",  # CLM05-3
        "part_b",  # the payer profile applies the KX threshold (Medicare Part B)
        "_lines",
        "_rows",  # LineFact fields per line, until ``lines`` is first read
        "_source",  # (claim, amounts, inputs, ref, progress line indices): the rows not made yet
        "_ctx",  # the context the visit rows are read through, until ``reported`` is known
        "_years",  # years of all its dated lines (for the locks); None: with the rows
        "payer_id",  # 2010BB NM109 (what a remittance's claim is matched against)
        "payer_class",
        "auth_lines",  # only when the profile requires prior auth
        # the tables (FactTables' fields)
        "_kx",
        "_treated",
        "count",
        "_reported",  # None: not read yet (the claim's visit rows looked up on first read)
        "marked",
        "_totals",
    )
    _FIELDS = (
        "member",
        "claim_id",
        "seq",
        "frequency",
        "part_b",
        "lines",
        "years",
        "payer_id",
        "payer_class",
        "auth_lines",
    )

    def __init__(
        self,
        member: str,
        claim_id: str,
        seq: int,
        frequency: str,
        part_b: bool,
        lines: tuple[LineFact, ...],
        years: frozenset[int] = frozenset(),
        payer_id: str = "",
        payer_class: str = "",
        auth_lines: tuple[AuthLine, ...] = (),
    ) -> None:
        self.member = member
        self.claim_id = claim_id
        self.seq = seq
        self.frequency = frequency
        self.part_b = part_b
        self._lines = lines
        self._rows = None
        self._source = None
        self._ctx = None
        self._years = years
        self.payer_id = payer_id
        self.payer_class = payer_class
        self.auth_lines = auth_lines
        # the tables, made from the lines (claim_facts sets them from its own walk)
        made = FactTables.of(self)
        self._kx = made._kx
        self._treated = made._treated
        self.count = made.count
        self._reported = made.reported
        self.marked = made.marked
        self._totals = None

    @property
    def lines(self) -> tuple[LineFact, ...]:
        got = self._lines
        if got is None:
            got = self._lines = tuple([LineFact(*row) for row in self.line_rows()])
            self._rows = None  # the lines replace the tuples (one copy kept)
        return got

    def line_rows(self) -> list[tuple]:
        """The lines' facts as plain tuples (LineFact's fields, in its order)."""
        rows = self._rows
        if rows is None:
            if self._lines is not None:
                return [_row_of(f) for f in self._lines]
            if self._reported is None:
                self._learn_progress()
            rows, self._years = _line_rows(*self._source)
            self._rows = rows
            self._source = None
        return rows

    @property
    def reported(self) -> frozenset:
        """The (discipline, day) of the lines whose visit rows mark a progress report."""
        got = self._reported
        if got is None:
            got = self._learn_progress()
        return got

    def _learn_progress(self) -> frozenset:
        """``reported`` and the lines' ``progress``, from the claim's visit rows: left to the
        first read when the claim's facts were learned without them (claim_facts)."""
        claim, amounts, inputs, ref, _pending = self._source
        progress_at, reported = _progress_of(claim, self._ctx, ref)
        self._source = (claim, amounts, inputs, ref, progress_at)
        self._ctx = None
        self._reported = reported
        return reported

    def settle(self) -> None:
        """Make the lines' tuples now, letting the claim object go: a caller that keeps these
        facts past the claim's check calls it (no claim object outlives its check)."""
        if self._source is not None:
            self.line_rows()

    @property
    def years(self) -> frozenset[int]:
        got = self._years
        if got is None:
            self.line_rows()
            got = self._years
        return got

    def _key(self) -> tuple:
        return tuple(getattr(self, name) for name in self._FIELDS)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]  # equal by its fields, as an unfrozen dataclass

    def __repr__(self) -> str:
        fields = ", ".join(f"{n}={v!r}" for n, v in zip(self._FIELDS, self._key(), strict=True))
        return f"ClaimFacts({fields})"

    @property
    def void(self) -> bool:
        return self.frequency == VOID

    @property
    def replaces(self) -> bool:
        return self.frequency in (VOID, REPLACEMENT)

    # --- the tables (see FactTables)
    def tables(self) -> ClaimFacts:
        """The claim's lines as the scope's questions read them: the facts themselves
        (:class:`FactTables`' fields and methods)."""
        return self

    @property
    def kx(self) -> tuple:
        got = self._kx
        if got is None:
            seq, claim_id = self.seq, self.claim_id
            got = [
                (row[3].year, row[7], row[3], seq, row[0], row[9], claim_id)
                for row in self.line_rows()
            ]
            if len(got) > 1:
                got.sort()
            got = self._kx = tuple(got)
        return got

    treated = property(_treated)
    totals = _totals
    days_of = _days_of


def _row_of(f: LineFact) -> tuple:
    return (
        f.index,
        f.number,
        f.key,
        f.day,
        f.code,
        f.modifiers,
        f.discipline,
        f.group,
        f.units,
        f.cents,
        f.kx,
        f.progress,
    )


class FactTables:
    """A claim's therapy lines as the ledger scope reads them: every claim of a beneficiary is
    read again for each later claim of theirs, and KX001-KX003 and DOC002 ask about the same
    claim. :func:`claim_facts` fills them (on the ClaimFacts itself) in its own walk over the
    lines, but for the KX table, made from the line facts when first read; :meth:`of` makes
    the same tables from the line facts.

    ``kx``: (year, group, day, seq, index, cents, claim_id) per line, sorted: by group and
    year, then the KX order (date, then file order, then line order). ``treated``: the
    distinct (discipline, day) of the lines, sorted (``count``: how many). ``reported``: the
    (discipline, day) of lines whose visit rows mark a progress report. ``marked``: a line
    carries KX (without one, KX003 has nothing to report and KX001-KX002 only a line past a
    threshold)."""

    __slots__ = ("_kx", "_treated", "count", "reported", "marked", "_totals")

    def __init__(self, kx: tuple, treated, reported: frozenset, marked: bool) -> None:
        self._kx = kx
        self._treated = treated  # a set until first read as the sorted tuple
        self.count = len(treated)
        self.reported = reported
        self.marked = marked
        self._totals: dict[tuple[int, str], int] | None = None

    @property
    def kx(self) -> tuple:
        return self._kx

    treated = property(_treated)
    totals = _totals
    days_of = _days_of

    @classmethod
    def of(cls, facts: ClaimFacts) -> FactTables:
        seq, claim_id = facts.seq, facts.claim_id
        return cls(
            tuple(
                sorted(
                    (f.day.year, f.group, f.day, seq, f.index, f.cents, claim_id)
                    for f in facts.lines
                )
            ),
            {(f.discipline, f.day) for f in facts.lines},
            frozenset((f.discipline, f.day) for f in facts.lines if f.progress),
            any(f.kx for f in facts.lines),
        )


_NO_REPORTS: frozenset = frozenset()


class FactsContext(Protocol):
    """What the ledger reads of the rule context to learn a claim's facts (the rules' context
    satisfies it; the ledger never imports the rules)."""

    ref: RefData
    profile: Profile | None
    group: int  # the claim's group of the run plan (x12tool.claims.plan); -1 not known

    @property
    def visits(self) -> object | None: ...

    def for_claim(self, claim: Claim) -> object: ...

    def rows_for_line(self, claim: Claim, line: ServiceLine) -> list[VisitRow]: ...

    def rows_for_lines(self, claim: Claim, lines: list[ServiceLine]) -> list[list[VisitRow]]: ...

    def visit_rows(self, claim: Claim) -> list[VisitRow]: ...

    def pricer(self) -> _Pricer: ...


class _Pricer(Protocol):
    def price(self, claim: Claim) -> ClaimPrice: ...


@value_class
class SentClaim(FrozenSlots):
    """What DUP001 compares: the claim id, and the member with every service line's dates,
    code, modifiers and units (as a digest: two claims with the same lines match)."""

    __slots__ = ("claim_id", "member", "fingerprint", "frequency", "first_date")

    claim_id: str
    member: str
    fingerprint: str
    frequency: str
    first_date: str

    def __init__(
        self, claim_id: str, member: str, fingerprint: str, frequency: str, first_date: str
    ) -> None:
        set_field(self, "claim_id", claim_id)
        set_field(self, "member", member)
        set_field(self, "fingerprint", fingerprint)
        set_field(self, "frequency", frequency)
        set_field(self, "first_date", first_date)


@value_class
class EarlierSending(FrozenSlots):
    """A claim the ledger recorded as sent from another input file (DUP001)."""

    __slots__ = (
        "claim_id",
        "member",
        "frequency",
        "source_file",
        "recorded_at",
        "same_id",
        "same_services",
        "voided_since",
    )

    claim_id: str
    member: str
    frequency: str  # CLM05-3 as sent: 1 original, 7 replacement, 8 void
    source_file: str
    recorded_at: str  # ISO time preflight recorded it
    same_id: bool  # same claim id as the claim asked about
    same_services: bool  # same member and the same service lines (dates, codes, ...)
    voided_since: bool  # a later sending of its claim id was a void (CLM05-3 = 8)

    def __init__(
        self,
        claim_id: str,
        member: str,
        frequency: str,
        source_file: str,
        recorded_at: str,
        same_id: bool,
        same_services: bool,
        voided_since: bool,
    ) -> None:
        set_field(self, "claim_id", claim_id)
        set_field(self, "member", member)
        set_field(self, "frequency", frequency)
        set_field(self, "source_file", source_file)
        set_field(self, "recorded_at", recorded_at)
        set_field(self, "same_id", same_id)
        set_field(self, "same_services", same_services)
        set_field(self, "voided_since", voided_since)


def sent_claim(claim) -> SentClaim:
    import hashlib

    member = member_of(claim)
    lines = sorted(
        (
            ln.date_from.isoformat() if ln.date_from else "",
            (ln.date_to or ln.date_from).isoformat() if (ln.date_to or ln.date_from) else "",
            (ln.code or "").strip().upper(),
            ":".join(sorted(m.strip().upper() for m in ln.modifiers if m.strip())),
            format(ln.units.normalize(), "f") if ln.units is not None else "",
        )
        for ln in claim.lines
    )
    text = "\x1e".join([member] + ["\x1f".join(parts) for parts in lines])
    dates = [ln[0] for ln in lines if ln[0]]
    return SentClaim(
        claim_id=(claim.id or "").strip(),
        member=member,
        fingerprint=hashlib.sha256(text.encode("utf-8")).hexdigest()[:32],
        frequency=(claim.frequency or "1").strip() or "1",
        first_date=min(dates) if dates else "",
    )


def member_of(claim) -> str:
    return (claim.subscriber.member_id or "").strip()


def line_key(line) -> str:
    if line.line_control:
        return f"6R:{line.line_control}"
    return f"LX:{line.number if line.number is not None else line.lx.element(1)}"


def discipline_of(line, ref) -> str | None:
    mods = tuple(line.modifiers)
    cache = _disciplines(ref)
    got = cache.get(mods, _UNKNOWN)
    if got is _UNKNOWN:
        found = {ref.therapy_modifiers[m] for m in mods if m in ref.therapy_modifiers}
        got = cache[mods] = next(iter(found)) if len(found) == 1 else None
    return got


_UNKNOWN = object()
# The refdata the cache below was filled from, and its modifiers as billed -> discipline: a file
# bills a handful of modifier sets, and every line of every claim asked again.
_DISCIPLINES: tuple[object, dict[tuple[str, ...], str | None]] = (None, {})


def _disciplines(ref) -> dict[tuple[str, ...], str | None]:
    global _DISCIPLINES
    if _DISCIPLINES[0] is not ref:
        _DISCIPLINES = (ref, {})
    return _DISCIPLINES[1]


def to_cents(amount: Decimal) -> int:
    return int((Decimal(amount) * 100).to_integral_value())


def from_cents(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(Decimal("0.01"))


def claim_facts(claim: Claim, ctx: FactsContext, *, progress: bool = True) -> ClaimFacts:
    """The ledger facts of a claim as it stands (priced with the run's fee schedule).

    Built from what the run already holds for this claim object rather than read again: the
    pricer's price of it (priced once per claim state and read again by the money step) and
    the normal code and modifiers its pricing inputs hold, the visit rows the rules' join
    matched to each line, the discipline of each modifier set as billed (cached per refdata).
    One walk over the lines sums what the scope's questions read of every claim (treatment
    and report days, the cents per year and group, a KX line); each line's facts are made
    from the claim object when first read, as plain tuples (and the LineFact objects when
    ``lines`` is). A caller that keeps the facts past the claim's check lets the claim go
    with :meth:`ClaimFacts.settle`.

    ``progress=False``: the claim's visit rows are not looked up now; ``reported`` and the
    lines' ``progress`` are learned from them when first read (through ``ctx``, which must
    then still join this claim cheaply: the scope asks so only for a claim no later claim of
    its file reads, FileScope.observe)."""
    ctx.for_claim(claim)
    profile = ctx.profile
    part_b = profile is not None and bool(profile.kx_applies)
    lines = claim.lines
    pricer = ctx.pricer()
    amounts_of = getattr(pricer, "line_amounts", None)  # a Pricer's (a payer-rate wrapper
    # has none): the lines' amounts without a price built, when nothing else needs one
    if amounts_of is not None:
        amounts, inputs = amounts_of(claim), None
    else:
        amounts, inputs = _line_amounts(pricer.price(claim), len(lines))
    rows_of = None
    if progress and ctx.visits is not None:
        # A line's rows are some of the claim's: when none of those marks a progress report,
        # no line's does, and the lines' own rows need not be looked up; else all at once.
        for r in ctx.visit_rows(claim):
            if r.progress_report == "Y":
                rows_of = ctx.rows_for_lines(claim, lines)
                break
    ref = ctx.ref
    treated = set()
    reported = set()
    progress_at = None
    kinds = _KINDS[1] if _KINDS[0] is ref else _kinds(ref)
    cents_of = _CENTS_BY_ID
    marked = False
    # The cents per (year, group), summed as the walk goes while the lines share one (most
    # claims); a claim with more leaves them to FactTables.totals, from its KX table.
    key_year = key_group = None
    total = 0
    mixed = False
    i = -1
    for line in lines:
        i += 1
        day = line.date_from
        if day is None:
            continue
        kind = kinds.get(tuple(line.modifiers), _UNKNOWN)
        if kind is _UNKNOWN:
            kind = _kind_of(line, ref, kinds)
        if kind is None or not line.code:
            continue
        disc, group, kx = kind
        amount = amounts[i]
        got = cents_of.get(id(amount))
        if got is not None and got[0] is amount:
            cents = got[1]
        else:
            cents = 0 if amount is None else _cents_of(amount)
        if rows_of is not None:
            for r in rows_of[i]:
                if r.progress_report == "Y":
                    if progress_at is None:
                        progress_at = set()
                    progress_at.add(i)
                    reported.add((disc, day))
                    break
        if kx:
            marked = True
        treated.add((disc, day))
        year = day.year
        if year == key_year and group == key_group:
            if cents > 0:
                total += cents
        elif key_year is None:
            key_year, key_group = year, group
            total = cents if cents > 0 else 0
        else:
            mixed = True
    auth_lines = ()
    if profile is not None and profile.prior_auth:
        auth_lines = tuple(claim_auth_lines(claim, ctx))
    subscriber = claim.subscriber
    # ClaimFacts.__init__'s fields set here, with the tables': one object made per claim
    facts = _new_facts(ClaimFacts)
    facts.member = (subscriber.member_id or "").strip()  # member_of
    facts.claim_id = claim.id
    facts.seq = claim.clm.index
    facts.frequency = claim.frequency
    facts.part_b = part_b
    facts._rows = None
    facts.payer_id = (subscriber.payer_id or "").strip().upper()  # payer_of
    facts.payer_class = claim.payer_class
    facts.auth_lines = auth_lines
    facts._ctx = None
    if treated:
        facts._lines = None  # made from the claim when read
        facts._source = (claim, amounts, inputs, ref, progress_at)
        facts._years = None  # made with the rows
        facts._kx = None  # made from the rows when read
        if not progress and ctx.visits is not None:
            facts._ctx = ctx
            facts._reported = None  # learned on first read (ClaimFacts.reported)
        else:
            facts._reported = frozenset(reported) if reported else _NO_REPORTS
    else:
        facts._lines = ()
        facts._source = None
        facts._years = _years_of(claim)
        facts._kx = ()
        facts._reported = _NO_REPORTS
    facts._treated = treated
    facts.count = len(treated)
    facts.marked = marked
    facts._totals = None if mixed else ({(key_year, key_group): total} if treated else {})
    return facts


def _progress_of(claim, ctx, ref) -> tuple[set[int] | None, frozenset]:
    """(the indices of the therapy lines whose visit rows mark a progress report, or None;
    their (discipline, day)s): what claim_facts' walk finds of them, looked up the same way
    (a line's rows only when one of the claim's rows marks a report)."""
    for r in ctx.visit_rows(claim):
        if r.progress_report == "Y":
            break
    else:
        return None, _NO_REPORTS
    lines = claim.lines
    rows_of = ctx.rows_for_lines(claim, lines)
    disciplines = _disciplines(ref)
    progress_at = None
    reported = set()
    i = -1
    for line in lines:
        i += 1
        day = line.date_from
        if day is None:
            continue
        disc = disciplines.get(tuple(line.modifiers), _UNKNOWN)
        if disc is _UNKNOWN:
            disc = discipline_of(line, ref)
        if disc is None or not line.code:
            continue
        for r in rows_of[i]:
            if r.progress_report == "Y":
                if progress_at is None:
                    progress_at = set()
                progress_at.add(i)
                reported.add((disc, day))
                break
    return progress_at, frozenset(reported) if reported else _NO_REPORTS


# The refdata the memo below was filled from, and its modifiers as billed -> (discipline, group,
# carries KX), or None for no therapy line: what claim_facts' walk asks of each line's
# modifiers, in one lookup (discipline_of's answer, with its group and the KX flag).
_KINDS: tuple[object, dict[tuple[str, ...], tuple[str, str, bool] | None]] = (None, {})


def _kinds(ref) -> dict[tuple[str, ...], tuple[str, str, bool] | None]:
    global _KINDS
    if _KINDS[0] is not ref:
        _KINDS = (ref, {})
    return _KINDS[1]


def _kind_of(line, ref, kinds: dict) -> tuple[str, str, bool] | None:
    mods = tuple(line.modifiers)
    disc = discipline_of(line, ref)
    got = kinds[mods] = None if disc is None else (disc, GROUP_OF[disc], "KX" in mods)
    return got


def _years_of(claim) -> frozenset[int]:
    years = set()
    for line in claim.lines:
        day = line.date_from
        if day is not None:
            years.add(day.year)
    return frozenset(years)


def _line_amounts(price, n: int) -> tuple[list, list | None]:
    """(each of the n lines' amount from ``price``, None for a line it did not price; the
    pricing inputs it holds, if any)."""
    priced_lines = price.lines
    n_priced = len(priced_lines)
    amounts = []
    for i in range(n):
        # price.line(i), inlined: a claim's lines are priced in order with keys 0..n-1
        priced = priced_lines[i] if i < n_priced and priced_lines[i].key == i else price.line(i)
        amounts.append(None if priced is None else priced.amount)
    return amounts, getattr(price, "inputs", None)


def _line_rows(claim, amounts, inputs, ref, progress_at) -> tuple[list[tuple], frozenset[int]]:
    """The LineFact fields of each therapy line of ``claim`` (see claim_facts), as tuples:
    the same lines, discipline and cents as claim_facts' walk took, from the same amounts;
    and the years of all its dated lines."""
    disciplines = _disciplines(ref)
    group_of = GROUP_OF
    rows = []
    years = set()
    i = -1
    for line in claim.lines:
        i += 1
        day = line.date_from
        if day is None:
            continue
        years.add(day.year)
        mods = tuple(line.modifiers)
        disc = disciplines.get(mods, _UNKNOWN)
        if disc is _UNKNOWN:
            disc = discipline_of(line, ref)
        if disc is None or not line.code:
            continue
        amount = amounts[i]
        cents = 0 if amount is None else _cents_of(amount)
        if inputs is not None:
            given = inputs[i]
            code, modifiers = given.code, given.modifiers
        else:  # the same normal forms as the pricing inputs'
            code = normal_code(line.code)
            modifiers = normal_modifiers(line.modifiers)
        control = line.line_control
        units = line.units
        # LineFact's fields, in its order
        rows.append(
            (
                i,
                line.number,
                f"6R:{control}" if control else line_key(line),
                day,
                code,
                modifiers,
                disc,
                group_of[disc],
                units if units is not None else _ZERO,
                cents,
                "KX" in mods,
                progress_at is not None and i in progress_at,
            )
        )
    return rows, frozenset(years)


_new_facts = object.__new__
_ZERO = Decimal(0)
# An estimated allowed amount -> its cents: a run prices a few hundred distinct amounts, and
# every therapy line of every claim state asked for its cents again.
_CENTS: dict[Decimal, int] = {}
# id(amount) -> (amount, cents): the pricer hands out the same few Decimal objects (its memo of
# line amounts), and an int's hash is cheaper than a Decimal's. The amount is kept in the value
# so its id is never reused while cached.
_CENTS_BY_ID: dict[int, tuple[Decimal, int]] = {}


def _cents_of(amount: Decimal) -> int:
    cents = _CENTS.get(amount)
    if cents is None:
        cents = to_cents(amount)
        if len(_CENTS) < 4096:
            _CENTS[amount] = cents
    if len(_CENTS_BY_ID) >= 4096:
        _CENTS_BY_ID.clear()  # bounded: the amounts that recur fill it again
    _CENTS_BY_ID[id(amount)] = (amount, cents)
    return cents


def claim_state(claim) -> bytes:
    """A digest of everything :func:`claim_facts` reads of a claim: its 2300/2400 segments and
    the billing provider's and subscriber's (payer, member, filing indicator, NPI)."""
    import hashlib

    parts = []
    for block in (claim.billing, claim.subscriber_block, claim.patient_block):
        if block is not None:
            parts.extend(seg.text for seg in block.segments)
        parts.append("\x1d")
    parts.extend(seg.text for seg in claim.segments)
    return hashlib.blake2b("\x1e".join(parts).encode(), digest_size=16).digest()


def payer_of(claim) -> str:
    return (claim.subscriber.payer_id or "").strip().upper()


def prior_auth_refs(claim) -> tuple[object | None, dict[int, str]]:
    """(the 2300 REF*G1 segment or None, {line index: its 2400 REF*G1 value})."""
    first_lx = claim.lines[0].start if claim.lines else len(claim.segments)
    header = None
    for seg in claim.segments[:first_lx]:
        if seg.tag == "NM1":
            break  # 2310 loops follow every 2300 REF (TR3 2300 segment order)
        if seg.tag == "REF" and seg.element(1) == "G1" and seg.element(2).strip():
            header = seg
            break
    lines = {}
    for i, line in enumerate(claim.lines):
        for seg in claim.segments[line.start : line.end]:
            if seg.tag == "REF" and seg.element(1) == "G1" and seg.element(2).strip():
                lines[i] = seg.element(2).strip()
                break
    return header, lines


def line_discipline(claim, line, ctx) -> str:
    """The therapy modifier's discipline, else the visit log's, else the furnishing provider's
    taxonomy; "" when none says."""
    disc = discipline_of(line, ctx.ref)
    if disc:
        return disc
    if ctx.visits is not None:
        found = {r.discipline for r in ctx.rows_for_line(claim, line) if r.discipline}
        if len(found) == 1:
            return next(iter(found))
    prov = claim.discipline_provider(line)
    if prov is not None:
        disc, _assistant = ctx.ref.taxonomy_discipline(prov.taxonomy)
        if disc:
            return disc
    return ""


def claim_auth_lines(claim, ctx):
    header, per_line = prior_auth_refs(claim)
    claim_number = header.element(2).strip() if header is not None else ""
    for i, line in enumerate(claim.lines):
        if line.date_from is None or not line.code:
            continue
        code = line.code.strip().upper()
        yield AuthLine(
            index=i,
            key=line_key(line),
            day=line.date_from,
            code=code,
            discipline=line_discipline(claim, line, ctx),
            timed=ctx.ref.is_timed(code),
            units=line.units if line.units is not None else Decimal(0),
            auth_number=per_line.get(i, claim_number),
        )

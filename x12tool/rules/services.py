"""The data sources a rule may ask for, as typed interfaces.

A rule names what it reads besides the claim and the reference data in ``needs`` (a subset of
:data:`SERVICES`); the session hands the services to the rules on :class:`RuleContext`
(``ctx.visits``, ``ctx.ncci``, ``ctx.ledger``, ``ctx.pricing``). The rule modules see only the
protocols below; which class implements one is the session's business
(``x12tool.preflight.session``). When a caller builds a context without a service, the context
falls back to the defaults of :func:`default_ncci`, :func:`default_pricing` and
:func:`run_only_ledger` (curated NCCI pairs only, the national fee schedule of the shipped maps,
a ledger of the run's own lines): the only place in this layer that names the classes.

The layers below the rules (``visits``, ``ncci``, ``money``, ``ledger``) never import the rules;
``tests/`` and ``lint-imports`` (pyproject ``[tool.importlinter]``) hold that.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Protocol

from x12tool.ledger.view import Ledger
from x12tool.money.effects import Pricer
from x12tool.money.schedule import FeeSchedule
from x12tool.ncci.lookup import NcciIndex

if TYPE_CHECKING:
    from x12tool.claims import Claim
    from x12tool.ledger.auths import Authorization
    from x12tool.ledger.facts import ClaimFacts, EarlierSending, LineFact
    from x12tool.ledger.scope import Position, ProgressGap
    from x12tool.money.pricing import ClaimPrice, LineInput
    from x12tool.ncci.lookup import MueLimit
    from x12tool.refdata import NcciPair, Profile, RefData
    from x12tool.remit.analytics import Pattern
    from x12tool.visits import VisitRow

VISITS = "visits"  # the EMR visit log (--visits)
NCCI = "ncci"  # NCCI PTP pairs and MUE limits
PRICING = "pricing"  # the fee schedule: allowed amounts of a claim's lines
LEDGER = "ledger"  # the therapy ledger: what earlier runs sent per beneficiary and year
IG = "ig"  # pyx12's implementation-guide issues of the claim (ctx.ig_issues; --ig)
DENIALS = "denials"  # the payers' denial patterns in the imported 835s (DEN001)
SERVICES = frozenset({VISITS, NCCI, PRICING, LEDGER, IG, DENIALS})


class VisitSource(Protocol):
    """The visit log: documented minutes per claim, date and code."""

    def for_claim(self, claim_id: str) -> list[VisitRow]: ...

    @property
    def has_poc(self) -> bool:
        """The log has plan-of-care columns (poc_start, poc_certified, poc_end: POC001)."""
        ...

    @property
    def problems(self) -> list:
        """Rows' problems found so far (a row's values are judged when first read)."""
        ...

    def add_problems(self, problems: list) -> None:
        """Problems another process found reading the rows (``check --jobs``)."""
        ...


class NcciLookup(Protocol):
    """NCCI procedure-to-procedure pairs and MUE limits."""

    @property
    def has_ptp(self) -> bool: ...

    @property
    def has_mue(self) -> bool: ...

    @property
    def ptp_source(self) -> str: ...

    @property
    def mue_source(self) -> str: ...

    def pairs_for(
        self, code_a: str, code_b: str, day: date, profile: Profile | None = None
    ) -> list[NcciPair]: ...

    def mue(
        self, code: str, day: date | None = None, profile: Profile | None = None
    ) -> MueLimit | None: ...


class Pricing(Protocol):
    """Allowed amounts of a claim's lines (as billed, or with changed line inputs)."""

    def price(self, claim: Claim, inputs: list[LineInput] | None = None) -> ClaimPrice: ...


class LedgerScope(Protocol):
    """One input file's view of the ledger (the run's lines plus the recorded totals)."""

    @property
    def has_store(self) -> bool: ...

    @property
    def version(self) -> int: ...

    def observe(self, claim: Claim) -> ClaimFacts: ...

    def kx_positions(self, facts: ClaimFacts) -> dict[int, Position]: ...

    def kx_lines(self, facts: ClaimFacts) -> tuple[tuple[LineFact, Position], ...]: ...

    def progress_days(self, facts: ClaimFacts, over: int | None = None) -> list[ProgressGap]: ...

    def sent_before(self, claim: Claim) -> list[EarlierSending]: ...

    def sent_day_lines(self, member: str, day: date) -> list[tuple]: ...

    # prior authorizations (AUTH001-AUTH003, x12tool.ledger.authcount)
    def authorizations(self, member: str, payer_id: str) -> list[Authorization]: ...

    def auth_recorded(self, member: str, payer_id: str) -> list[tuple]: ...

    def run_claims(self, member: str) -> list[ClaimFacts]: ...


class DenialPatterns(Protocol):
    """The payers' denial patterns from the 835s in the ledger (x12tool.remit.analytics):
    ``patterns(payer, day)`` maps (payer, kind, code, modifiers, other code) to a pattern with
    ``lines``, ``denied``, ``rate``, ``dollars``, ``describe()`` and ``top_carcs()``, for the
    window of ``window_days`` ending on ``day``."""

    @property
    def window_days(self) -> int: ...

    def patterns(self, payer: str, day: date) -> dict[tuple, Pattern]: ...


class LedgerService(Protocol):
    """The therapy ledger; :meth:`scope_for` gives the scope of the file being checked."""

    def scope_for(self, ctx: object) -> LedgerScope: ...

    def forget_group(self, group: int) -> None: ...


def default_ncci(ref: RefData) -> NcciLookup:
    return NcciIndex(ref, None)


def default_pricing(ref: RefData) -> Pricing:
    return Pricer(FeeSchedule(ref))


def run_only_ledger() -> LedgerService:
    return Ledger()


def needs_of(rules: Iterable[object]) -> frozenset[str]:
    """The services a set of rules asks for."""
    out: set[str] = set()
    for rule in rules:
        out |= getattr(rule, "needs", frozenset())
    return frozenset(out)

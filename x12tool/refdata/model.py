"""Frozen value types of the reference data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType


@dataclass(frozen=True)
class CodeInfo:
    """One therapy HCPCS/CPT code.

    ``source`` joins the sources of the code's enabled facts; ``confidence`` is the lowest of them.
    ``timed`` is False both for untimed codes and for codes whose timing is unknown.
    """

    code: str
    timed: bool
    always_therapy: bool
    discipline: str | None  # 'PT' / 'OT' / 'SLP' when locked to one therapy modifier (CR 10176)
    medicare_status: str | None
    replacement: str | None
    bundled: bool
    source: str
    confidence: str
    unit_minutes: int | None = None
    note: str = ""
    # Most units a day of an untimed code (TU007): maps/codes.xml <unit_limit>, else 1 for a
    # code whose map says timed="false" (Pub 100-04 Ch. 5 §20.2 B); None: no limit known.
    unit_limit: int | None = None
    unit_limit_per: str = "date"  # "date" or "date-discipline"
    unit_limit_source: str = ""


@dataclass(frozen=True)
class ModifierInfo:
    """A modifier the checks know: therapy, assistant, NCCI bypass or threshold (KX)."""

    code: str
    kind: str  # 'therapy' | 'assistant' | 'ncci_bypass' | 'threshold'
    discipline: str | None
    requires: str | None
    effective: date | None
    payment_percent: int | None
    payment_effective: date | None
    source: str
    confidence: str
    note: str = ""


@dataclass(frozen=True)
class Threshold:
    """Medicare Part B therapy amounts of one calendar year."""

    year: int
    pt_slp: Decimal
    ot: Decimal
    review: Decimal
    source: str
    confidence: str


@dataclass(frozen=True)
class Rvu:
    """PFS relative value units of one code (rows with an empty MOD column)."""

    code: str
    work: Decimal
    pe_nonfacility: Decimal
    pe_facility: Decimal
    mp: Decimal
    status: str
    mult_proc: str
    year: int
    source: str
    pctc: str = ""
    facility_na: bool = False
    nonfacility_na: bool = False


@dataclass(frozen=True)
class NcciPair:
    """An NCCI procedure-to-procedure edit: column2 is denied with column1 unless bypassed."""

    id: str
    column1: str
    column2: str
    indicator: str  # '0' no bypass, '1' bypass allowed, '9' not applicable
    effective: date | None
    deleted: date | None
    source: str
    confidence: str
    enabled: bool
    note: str = ""

    def active_on(self, day: date) -> bool:
        """True when the edit is in force on ``day`` (empty dates mean open-ended)."""
        if self.indicator == "9":
            return False
        if self.effective is not None and day < self.effective:
            return False
        return not (self.deleted is not None and day >= self.deleted)


@dataclass(frozen=True)
class Profile:
    """A resolved payer profile (all ``extends`` applied)."""

    name: str
    unit_method: str  # 'cms' | 'ama'
    require_therapy_modifiers: bool
    kx_applies: bool
    cq_co_applies: bool
    bypass_modifiers: frozenset[str]
    ncci_medicare: bool
    enable_pairs: frozenset[str]
    extra_pairs: tuple[NcciPair, ...]
    severity: tuple[tuple[str, str], ...] = ()  # sorted (rule code, level) pairs
    extends: str | None = None
    match_classes: frozenset[str] = frozenset()
    match_payer_ids: frozenset[str] = frozenset()
    origin: str = ""  # file the profile (or its last overlay) came from
    chain: tuple[str, ...] = field(default=())  # this profile, then its ancestors
    # Payer logic (docs/payers.md). Nothing here is switched on by the shipped profiles: a
    # payer's own policy says it, in a user profile file.
    prior_auth: bool = False  # therapy needs a prior authorization (REF*G1)
    auth_counts: str = "visits"  # 'visits' | 'units' | 'both': what the payer counts
    auth_warn_remaining: int = 2  # warn when this many visits/units or fewer remain
    unit_caps: tuple[tuple[str, int], ...] = ()  # (code, max units per date), sorted
    timed_unit_cap: int | None = None  # max timed units per date, all timed codes together
    required_modifiers: tuple[tuple[str, str], ...] = ()  # (modifier, 'all' | 'therapy')
    refused_modifiers: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (modifier, instead)
    plan_of_care: bool = False  # POC001: certified plan of care (Pub 100-02 Ch. 15 §220.1.3)
    poc_warn_days: int = 7  # warn when the plan ends within this many days of the visit

    def unit_cap(self, code: str) -> int | None:
        return dict(self.unit_caps).get(code)

    @property
    def severity_map(self) -> Mapping[str, str]:
        """Read-only view of the severity overrides: rule code -> error/warning/info/off."""
        return MappingProxyType(dict(self.severity))

    def severity_for(self, rule_code: str) -> str | None:
        """The override level for ``rule_code``, or None to keep the rule's default."""
        return dict(self.severity).get(rule_code)

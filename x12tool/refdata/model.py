"""Frozen value types of the reference data.

Frozen dataclasses that write their own ``__init__`` (x12tool/values.py: no methods generated
at start-up); the maps compiler reads their fields as of any dataclass.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from x12tool.values import FrozenValue, value_class


@value_class
class CodeInfo(FrozenValue):
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

    def __init__(
        self,
        code: str,
        timed: bool,
        always_therapy: bool,
        discipline: str | None,
        medicare_status: str | None,
        replacement: str | None,
        bundled: bool,
        source: str,
        confidence: str,
        unit_minutes: int | None = None,
        note: str = "",
        unit_limit: int | None = None,
        unit_limit_per: str = "date",
        unit_limit_source: str = "",
    ) -> None:
        self.__dict__.update(
            code=code,
            timed=timed,
            always_therapy=always_therapy,
            discipline=discipline,
            medicare_status=medicare_status,
            replacement=replacement,
            bundled=bundled,
            source=source,
            confidence=confidence,
            unit_minutes=unit_minutes,
            note=note,
            unit_limit=unit_limit,
            unit_limit_per=unit_limit_per,
            unit_limit_source=unit_limit_source,
        )


@value_class
class ModifierInfo(FrozenValue):
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

    def __init__(
        self,
        code: str,
        kind: str,
        discipline: str | None,
        requires: str | None,
        effective: date | None,
        payment_percent: int | None,
        payment_effective: date | None,
        source: str,
        confidence: str,
        note: str = "",
    ) -> None:
        self.__dict__.update(
            code=code,
            kind=kind,
            discipline=discipline,
            requires=requires,
            effective=effective,
            payment_percent=payment_percent,
            payment_effective=payment_effective,
            source=source,
            confidence=confidence,
            note=note,
        )


@value_class
class Threshold(FrozenValue):
    """Medicare Part B therapy amounts of one calendar year."""

    year: int
    pt_slp: Decimal
    ot: Decimal
    review: Decimal
    source: str
    confidence: str

    def __init__(
        self, year: int, pt_slp: Decimal, ot: Decimal, review: Decimal, source: str, confidence: str
    ) -> None:
        self.__dict__.update(
            year=year, pt_slp=pt_slp, ot=ot, review=review, source=source, confidence=confidence
        )


@value_class
class Rvu(FrozenValue):
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

    def __init__(
        self,
        code: str,
        work: Decimal,
        pe_nonfacility: Decimal,
        pe_facility: Decimal,
        mp: Decimal,
        status: str,
        mult_proc: str,
        year: int,
        source: str,
        pctc: str = "",
        facility_na: bool = False,
        nonfacility_na: bool = False,
    ) -> None:
        self.__dict__.update(
            code=code,
            work=work,
            pe_nonfacility=pe_nonfacility,
            pe_facility=pe_facility,
            mp=mp,
            status=status,
            mult_proc=mult_proc,
            year=year,
            source=source,
            pctc=pctc,
            facility_na=facility_na,
            nonfacility_na=nonfacility_na,
        )


@value_class
class NcciPair(FrozenValue):
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

    def __init__(
        self,
        id: str,
        column1: str,
        column2: str,
        indicator: str,
        effective: date | None,
        deleted: date | None,
        source: str,
        confidence: str,
        enabled: bool,
        note: str = "",
    ) -> None:
        self.__dict__.update(
            id=id,
            column1=column1,
            column2=column2,
            indicator=indicator,
            effective=effective,
            deleted=deleted,
            source=source,
            confidence=confidence,
            enabled=enabled,
            note=note,
        )

    def active_on(self, day: date) -> bool:
        """True when the edit is in force on ``day`` (empty dates mean open-ended)."""
        if self.indicator == "9":
            return False
        if self.effective is not None and day < self.effective:
            return False
        return not (self.deleted is not None and day >= self.deleted)


@value_class
class Profile(FrozenValue):
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
    chain: tuple[str, ...] = ()  # this profile, then its ancestors
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

    def __init__(
        self,
        name: str,
        unit_method: str,
        require_therapy_modifiers: bool,
        kx_applies: bool,
        cq_co_applies: bool,
        bypass_modifiers: frozenset[str],
        ncci_medicare: bool,
        enable_pairs: frozenset[str],
        extra_pairs: tuple[NcciPair, ...],
        severity: tuple[tuple[str, str], ...] = (),
        extends: str | None = None,
        match_classes: frozenset[str] = frozenset(),
        match_payer_ids: frozenset[str] = frozenset(),
        origin: str = "",
        chain: tuple[str, ...] = (),
        prior_auth: bool = False,
        auth_counts: str = "visits",
        auth_warn_remaining: int = 2,
        unit_caps: tuple[tuple[str, int], ...] = (),
        timed_unit_cap: int | None = None,
        required_modifiers: tuple[tuple[str, str], ...] = (),
        refused_modifiers: tuple[tuple[str, tuple[str, ...]], ...] = (),
        plan_of_care: bool = False,
        poc_warn_days: int = 7,
    ) -> None:
        self.__dict__.update(
            name=name,
            unit_method=unit_method,
            require_therapy_modifiers=require_therapy_modifiers,
            kx_applies=kx_applies,
            cq_co_applies=cq_co_applies,
            bypass_modifiers=bypass_modifiers,
            ncci_medicare=ncci_medicare,
            enable_pairs=enable_pairs,
            extra_pairs=extra_pairs,
            severity=severity,
            extends=extends,
            match_classes=match_classes,
            match_payer_ids=match_payer_ids,
            origin=origin,
            chain=chain,
            prior_auth=prior_auth,
            auth_counts=auth_counts,
            auth_warn_remaining=auth_warn_remaining,
            unit_caps=unit_caps,
            timed_unit_cap=timed_unit_cap,
            required_modifiers=required_modifiers,
            refused_modifiers=refused_modifiers,
            plan_of_care=plan_of_care,
            poc_warn_days=poc_warn_days,
        )

    def unit_cap(self, code: str) -> int | None:
        return dict(self.unit_caps).get(code)

    @property
    def severity_map(self) -> Mapping[str, str]:
        """Read-only view of the severity overrides: rule code -> error/warning/info/off."""
        return MappingProxyType(dict(self.severity))

    def severity_for(self, rule_code: str) -> str | None:
        """The override level for ``rule_code``, or None to keep the rule's default."""
        return dict(self.severity).get(rule_code)

"""What a rule may read besides the claim: reference data, the payer profile, the visit log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from x12tool.rules.base import Severity

if TYPE_CHECKING:
    from x12tool.claims import Claim, ServiceLine
    from x12tool.refdata import Profile, RefData
    from x12tool.rules.base import Rule
    from x12tool.visits import VisitLog, VisitRow


@dataclass
class RuleContext:
    ref: RefData
    visits: VisitLog | None = None
    profile: Profile | None = None  # set per claim by for_claim()
    ncci: Any = None  # NCCI/MUE lookups (x12tool.ncci), when available
    ledger: Any = None  # therapy ledger, when available
    today: date | None = None
    # pyx12 implementation-guide issues of the claim being checked (None: validation is off)
    ig_issues: list | None = None
    # Per-rule state for rules that look across claims of one run (keyed by rule code).
    state: dict[str, Any] = field(default_factory=dict)
    _profiles: dict = field(default_factory=dict, repr=False)
    _severity: dict = field(default_factory=dict, repr=False)
    _active: dict = field(default_factory=dict, repr=False)

    def for_claim(self, claim: Claim) -> RuleContext:
        if not claim.payer_class:
            claim.payer_class = self.ref.payer_class(claim.subscriber.filing_indicator)
        key = (claim.payer_class, claim.subscriber.payer_id)
        profile = self._profiles.get(key)
        if profile is None:
            profile = self._profiles[key] = self.ref.profile_for(*key)
        self.profile = profile
        return self

    def severity_for(self, rule: Rule) -> Severity:
        if self.profile is None:
            return rule.severity
        key = (self.profile.name, rule.code)
        sev = self._severity.get(key)
        if sev is None:
            override = self.profile.severity_for(rule.code)
            sev = Severity(override) if override and override != "off" else rule.severity
            self._severity[key] = sev
        return sev

    def enabled(self, rule: Rule) -> bool:
        if self.profile is None:
            return True
        return self.profile.severity_for(rule.code) != "off"

    def active(self, rules: list[Rule]) -> list[Rule]:
        """The rules the current claim's profile does not switch off (cached per profile)."""
        key = (self.profile.name if self.profile else "", id(rules))
        got = self._active.get(key)
        if got is None:
            got = self._active[key] = [r for r in rules if self.enabled(r)]
        return got

    def visit_rows(self, claim: Claim) -> list[VisitRow]:
        return self.visits.for_claim(claim.id) if self.visits is not None else []

    def rows_for_line(self, claim: Claim, line: ServiceLine) -> list[VisitRow]:
        """Visit rows of a service line: by REF*6R line control when both carry one, else by
        claim id, date of service and code."""
        rows = self.visit_rows(claim)
        if line.line_control:
            by_control = [r for r in rows if r.line_control == line.line_control]
            if by_control:
                return by_control
        return [
            r
            for r in rows
            if r.cpt == line.code
            and line.date_from is not None
            and r.service_date == line.date_from
            and not (r.line_control and line.line_control and r.line_control != line.line_control)
        ]

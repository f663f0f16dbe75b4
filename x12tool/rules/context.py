"""What a rule may read besides the claim: reference data, the payer profile, the services.

The services (visit log, NCCI lookups, pricing, ledger) are typed by the protocols of
:mod:`x12tool.rules.services`; a rule lists the ones it reads in ``Rule.needs``.
"""

from __future__ import annotations

from dataclasses import field
from datetime import date
from typing import TYPE_CHECKING, Any

from x12tool.rules.base import Severity
from x12tool.rules.services import (
    DenialPatterns,
    LedgerScope,
    LedgerService,
    NcciLookup,
    Pricing,
    VisitSource,
    default_ncci,
    default_pricing,
    run_only_ledger,
)
from x12tool.values import NEW, Value, value_class

if TYPE_CHECKING:
    from x12tool.claims import Claim, ServiceLine
    from x12tool.refdata import Profile, RefData
    from x12tool.rules.base import Rule
    from x12tool.visits import VisitRow


# No claim's memo yet: one value shared by every context, as a dataclass default is.
_NO_MEMO: tuple[object, dict] = (None, {})


@value_class  # a dataclass writing its own __init__ (x12tool/values.py)
class RuleContext(Value):
    ref: RefData
    visits: VisitSource | None = None  # None: no visit log (the rules that need it are silent)
    profile: Profile | None = None  # set per claim by for_claim()
    ncci: NcciLookup | None = None  # None: curated pairs only (ncci_lookup())
    ledger: LedgerService | None = None  # None: the run's own lines only (ledger_scope())
    pricing: Pricing | None = None  # None: national schedule of the shipped maps (pricer())
    denials: DenialPatterns | None = None  # None: no 835s (DEN001 is silent)
    today: date | None = None
    # pyx12 implementation-guide issues of the claim being checked (None: validation is off)
    ig_issues: list | None = None
    # Cross-claim state of the rules that look across claims of one run (run_state()).
    _run_state: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    _memo: tuple[object, dict] = field(default=_NO_MEMO, repr=False)
    _default_ncci: NcciLookup | None = field(default=None, repr=False)
    _run_ledger: LedgerService | None = field(default=None, repr=False)
    # (ST02, count) of pyx12 errors in the envelope / set header, listed once on the set
    ig_set_issues: tuple[str, int] | None = None
    # (ST02, reason) while preflight reads a set held for its wrong SE (ENV002)
    broken_set: tuple[str, str] | None = None
    _profiles: dict = field(default_factory=dict, repr=False)
    _severity: dict = field(default_factory=dict, repr=False)
    _active: dict = field(default_factory=dict, repr=False)
    _rows: _VisitJoin | None = field(default=None, repr=False)
    # The group (x12tool.claims.plan) of the claim being checked: claims that share a member id
    # or a 2000C patient. -1: not known (no plan for the file), so its state is never dropped.
    group: int = -1
    # The input files' plans, by path (the session scans each input once before the run).
    plans: dict = field(default_factory=dict, repr=False)
    _group_state: dict[str, dict[int, dict]] = field(default_factory=dict, repr=False)

    def __init__(
        self,
        ref: RefData,
        visits: VisitSource | None = None,
        profile: Profile | None = None,
        ncci: NcciLookup | None = None,
        ledger: LedgerService | None = None,
        pricing: Pricing | None = None,
        denials: DenialPatterns | None = None,
        today: date | None = None,
        ig_issues: list | None = None,
        _run_state: dict[str, dict[str, Any]] = NEW,
        _memo: tuple[object, dict] = _NO_MEMO,
        _default_ncci: NcciLookup | None = None,
        _run_ledger: LedgerService | None = None,
        ig_set_issues: tuple[str, int] | None = None,
        broken_set: tuple[str, str] | None = None,
        _profiles: dict = NEW,
        _severity: dict = NEW,
        _active: dict = NEW,
        _rows: _VisitJoin | None = None,
        group: int = -1,
        plans: dict = NEW,
        _group_state: dict[str, dict[int, dict]] = NEW,
    ) -> None:
        self.ref = ref
        self.visits = visits
        self.profile = profile
        self.ncci = ncci
        self.ledger = ledger
        self.pricing = pricing
        self.denials = denials
        self.today = today
        self.ig_issues = ig_issues
        self._run_state = {} if _run_state is NEW else _run_state
        self._memo = _memo
        self._default_ncci = _default_ncci
        self._run_ledger = _run_ledger
        self.ig_set_issues = ig_set_issues
        self.broken_set = broken_set
        self._profiles = {} if _profiles is NEW else _profiles
        self._severity = {} if _severity is NEW else _severity
        self._active = {} if _active is NEW else _active
        self._rows = _rows
        self.group = group
        self.plans = {} if plans is NEW else plans
        self._group_state = {} if _group_state is NEW else _group_state

    def for_claim(self, claim: Claim) -> RuleContext:
        payer_class = claim.payer_class
        if not payer_class:
            payer_class = claim.payer_class = self.ref.payer_class(
                claim.subscriber.filing_indicator
            )
        key = (payer_class, claim.subscriber.payer_id)
        profile = self._profiles.get(key)
        if profile is None:
            profile = self._profiles[key] = self.ref.profile_for(*key)
        self.profile = profile
        return self

    # --- services -------------------------------------------------------------------------

    def ncci_lookup(self) -> NcciLookup:
        """``ncci``, else an index over the curated pairs only (built once)."""
        if self.ncci is not None:
            return self.ncci
        if self._default_ncci is None:
            self._default_ncci = default_ncci(self.ref)
        return self._default_ncci

    def pricer(self) -> Pricing:
        """``pricing``, else the national schedule of the shipped maps (kept for the run)."""
        if self.pricing is None:
            self.pricing = default_pricing(self.ref)
        return self.pricing

    def ledger_scope(self) -> LedgerScope:
        """The ledger scope of the file being checked: the session ledger's, else one of the
        run's own lines kept on this context."""
        ledger = self.ledger
        if ledger is None:
            if self._run_ledger is None:
                self._run_ledger = run_only_ledger()
            ledger = self._run_ledger
        return ledger.scope_for(self)

    def run_state(self, owner: Rule | str, initial: dict[str, Any]) -> dict[str, Any]:
        """The state a cross-claim rule keeps for the run (``initial`` the first time). A
        helper module shared by a family of rules passes its own name as ``owner``."""
        key = owner if isinstance(owner, str) else owner.code
        return self._run_state.setdefault(key, initial)

    def group_state(self, owner: Rule | str) -> dict[str, Any]:
        """The cross-claim state a rule keeps for the current claim's group (claims linked by
        member id or 2000C patient, :mod:`x12tool.claims.plan`); dropped after the group's
        last claim (:meth:`end_group`), so memory follows the groups open at a point of the
        file, and ``check --jobs`` gives every group's state to one worker."""
        key = owner if isinstance(owner, str) else owner.code
        return self._group_state.setdefault(key, {}).setdefault(self.group, {})

    def pool_groups(self) -> None:
        """The plan no longer fits the claims read (x12tool.claims.plan): the groups' state
        is pooled under "not known" (-1), where every later claim finds it, never dropped."""
        for states in self._group_state.values():
            pooled: dict = {}
            for got in states.values():
                pooled.update(got)  # a rule's keys name their group's claims: no overlap
            states.clear()
            states[-1] = pooled
        self.group = -1

    def end_group(self, group: int) -> None:
        """The group's last claim in the run is done: its state is dropped (the rules', and the
        run's own lines in the ledger scope)."""
        if group < 0:
            return
        for states in self._group_state.values():
            states.pop(group, None)
        ledger = self.ledger if self.ledger is not None else self._run_ledger
        if ledger is not None:
            ledger.forget_group(group)

    def claim_memo(self, claim: Claim) -> dict:
        """Values derived from one claim that several rules read (timed groups, NCCI hits):
        kept while the same claim object is being checked."""
        if self._memo[0] is not claim:
            self._memo = (claim, {})
        return self._memo[1]

    # --- profile ------------------------------------------------------------------------------

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
        """The rules to run on the current claim: those its profile does not switch off, less
        those that can find nothing under it (:meth:`Rule.quiet`). Worked out once per profile
        and rules list; both objects are kept with the answer, so another object that takes
        one's id is never mistaken for it."""
        return self._for_profile(rules)[2]

    def checks(self, rules: list[Rule]) -> tuple:
        """The bound ``check`` of each of :meth:`active`'s rules: the engine calls ~25 of them
        on every claim, and most have nothing to say, so even the method lookup counts."""
        return self._for_profile(rules)[3]

    def _for_profile(self, rules: list[Rule]) -> tuple:
        profile = self.profile
        got = self._active.get((id(profile), id(rules)))
        if got is None or got[0] is not profile or got[1] is not rules:
            got = self._active_entry(profile, rules)
        return got

    def _active_entry(self, profile: Profile | None, rules: list[Rule]) -> tuple:
        if len(self._active) >= 256:
            self._active.clear()  # rules lists made per call (tests): keep the cache bounded
        active = [r for r in rules if self.enabled(r) and not r.quiet(profile)]
        got = (profile, rules, active, tuple(r.check for r in active))
        self._active[(id(profile), id(rules))] = got
        return got

    def visit_rows(self, claim: Claim) -> list[VisitRow]:
        join = self._rows  # _visit_join's check, inline: most rules ask for a claim joined
        if join is None or join.claim is not claim:
            join = self._visit_join(claim)
        return join.rows

    def _visit_join(self, claim: Claim) -> _VisitJoin:
        """The claim's visit rows joined once per claim object (a fix makes a new one), kept
        while it is being checked: rules ask for a line's rows ~13 times a claim."""
        join = self._rows
        if join is None or join.claim is not claim:
            rows = self.visits.for_claim(claim.id) if self.visits is not None else []
            join = self._rows = _VisitJoin(claim, rows)
        return join

    def joined_lines(self, claim: Claim) -> dict[int, list[VisitRow]]:
        """The rows :meth:`rows_for_line` has found so far for the claim's lines, by id(line)
        (a line not in it is not looked up yet): a walk over every line reads these without a
        call per line. Shared, callers must not change it."""
        join = self._rows
        if join is None or join.claim is not claim:
            join = self._visit_join(claim)
        return join.lines

    def rows_for_line(self, claim: Claim, line: ServiceLine) -> list[VisitRow]:
        """Visit rows of a service line: by REF*6R line control when both carry one, else by
        claim id, date of service and code, and then only rows whose ``discipline`` (when they
        give one) is the line's therapy modifier's (GP PT, GO OT, GN SLP): when PT and OT each
        billed 97530 on one date, each line gets its own discipline's minutes (Pub 100-02
        Ch. 15 §220.1.2 B: a separate plan of care per discipline). Worked out once per line
        of the claim; the list is shared, callers must not change it."""
        join = self._rows
        if join is None or join.claim is not claim:
            join = self._visit_join(claim)
        got = join.lines.get(id(line))
        if got is None:
            got = join.lines[id(line)] = join.line_rows(line, self.ref.therapy_modifiers)
            join.kept.append(line)
        return got

    def rows_for_lines(self, claim: Claim, lines: list[ServiceLine]) -> list[list[VisitRow]]:
        """:meth:`rows_for_line` of each of ``lines`` (the claim's), in their order, with one
        call: the day's walk asks for every timed line, and a call per line cost more than
        the usual line's lookup (its line control among its rows')."""
        join = self._rows
        if join is None or join.claim is not claim:
            join = self._visit_join(claim)
        return join.rows_of(lines, self.ref.therapy_modifiers)


class _VisitJoin:
    """One claim's visit rows: all, by line control, by (code, date), and each line's own
    (filled as lines are asked for, by id(line); the lines are kept, so no later object can
    take one's id while the join lives). The two indexes are built when a line first needs
    them: the usual claim's lines all carry a line control its rows share, so the index by
    code and date is never built, and a claim whose rows are read only whole builds neither."""

    __slots__ = ("claim", "rows", "by_control", "by_code_day", "lines", "kept")

    def __init__(self, claim: Claim, rows: list[VisitRow]) -> None:
        self.claim = claim
        self.rows = rows
        self.by_control: dict[str, list[VisitRow]] | None = None
        self.by_code_day: dict[tuple, list[VisitRow]] | None = None
        self.lines: dict[int, list[VisitRow]] = {}
        self.kept: list[ServiceLine] = []

    def _index_controls(self) -> dict[str, list[VisitRow]]:
        by_control: dict[str, list[VisitRow]] = {}
        for r in self.rows:
            control = r.line_control
            if control:
                got = by_control.get(control)
                if got is None:
                    by_control[control] = [r]
                else:
                    got.append(r)
        self.by_control = by_control
        return by_control

    def _index_code_days(self) -> dict[tuple, list[VisitRow]]:
        by_code_day: dict[tuple, list[VisitRow]] = {}
        for r in self.rows:
            by_code_day.setdefault((r.cpt, r.service_date), []).append(r)
        self.by_code_day = by_code_day
        return by_code_day

    def rows_of(self, lines: list[ServiceLine], therapy_modifiers: dict[str, str]) -> list:
        """Each line's rows (see RuleContext.rows_for_lines), remembered as line_rows's."""
        known = self.lines
        out = []
        if not self.rows:
            # no row for the claim: every line's rows are empty (line_rows's answer)
            for line in lines:
                got = known.get(id(line))
                if got is None:
                    got = known[id(line)] = []
                    self.kept.append(line)
                out.append(got)
            return out
        by_control = self.by_control
        kept = self.kept
        for line in lines:
            got = known.get(id(line))
            if got is None:
                # line_rows's first answer, inline: the rows sharing the line's control
                control = line.line_control
                if control:
                    if by_control is None:
                        by_control = self._index_controls()
                    got = by_control.get(control)
                if not got:
                    got = self.line_rows(line, therapy_modifiers)
                known[id(line)] = got
                kept.append(line)
            out.append(got)
        return out

    def line_rows(self, line: ServiceLine, therapy_modifiers: dict[str, str]) -> list[VisitRow]:
        if not self.rows:
            return []
        if line.line_control:
            by_control = self.by_control
            if by_control is None:
                by_control = self._index_controls()
            got = by_control.get(line.line_control)
            if got:
                return got
        if line.date_from is None:
            return []
        by_code_day = self.by_code_day
        if by_code_day is None:
            by_code_day = self._index_code_days()
        got = [
            r
            for r in by_code_day.get((line.code, line.date_from), ())
            if not (r.line_control and line.line_control and r.line_control != line.line_control)
        ]
        if got and any(r.discipline for r in got):
            found = {therapy_modifiers[m] for m in line.modifiers if m in therapy_modifiers}
            if len(found) == 1:
                disc = next(iter(found))
                got = [r for r in got if r.discipline in ("", disc)]
        return got

"""One input file's view of the ledger: the run's lines, the ledger's totals, recording.

The run's lines are known before any claim is decided: a pre-pass reads the file once and keeps
each claim's ledger facts (a few numbers per therapy line), grouped per beneficiary. The
ledger's own rows are then read once per beneficiary and reduced to totals per year and group,
treatment days and progress-report dates; rows of claims the run sends again are left out (the
run's version counts instead), so checking or sending a file twice gives the same verdicts.

A rule asks :meth:`FileScope.kx_positions` (where each line of a claim stands against the
threshold: lines of the beneficiary taken in date order, then file order, then line order) and
:meth:`FileScope.progress_days` (treatment days since the last progress report).
"""

from __future__ import annotations

import os
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta
from types import MappingProxyType

from x12tool.claims import Claim, iter_items
from x12tool.edi import X12Source
from x12tool.edi.envelope_scan import lenient_for
from x12tool.ledger.facts import (
    VOID,
    ClaimFacts,
    EarlierSending,
    FactsContext,
    LineFact,
    claim_facts,
    claim_state,
    sent_claim,
)
from x12tool.values import Value, value_class

# A gap longer than this between two treatment days of a discipline starts a new episode for
# the progress-report count (a plan of care is certified for at most 90 days, cms-rules.md §9).
EPISODE_GAP = timedelta(days=90)
PROGRESS_EVERY = 10  # treatment days (Pub 100-02 Ch. 15 §220.3)


# Dataclasses with slots writing their own __init__ (x12tool/values.py).
@value_class
class Position(Value):
    """Where one line stands against its group's threshold (amounts in cents)."""

    __slots__ = (
        "year",
        "group",
        "recorded",
        "external",
        "override",
        "run_before",
        "amount",
        "claims_before",
        "remitted",
        "before",
        "after",
    )

    year: int
    group: str
    recorded: int  # the ledger's own lines (not of claims this run sends again)
    external: int  # imported amounts
    override: bool  # --ytd replaced recorded + external
    run_before: int  # this run's earlier lines (date order) of the beneficiary and group
    amount: int  # this line
    claims_before: tuple[str, ...]  # claim ids of those earlier run lines
    remitted: tuple[int, int]  # (lines, cents) of recorded from payers' 835s
    # The totals KX001-KX003 each compare with, summed once: nothing changes a position.
    before: int
    after: int

    def __init__(
        self,
        year: int,
        group: str,
        recorded: int,
        external: int,
        override: bool,
        run_before: int,
        amount: int,
        claims_before: tuple[str, ...] = (),
        remitted: tuple[int, int] = (0, 0),
    ) -> None:
        self.year = year
        self.group = group
        self.recorded = recorded
        self.external = external
        self.override = override
        self.run_before = run_before
        self.amount = amount
        self.claims_before = claims_before
        self.remitted = remitted
        self.before = before = recorded + external + run_before
        self.after = before + amount


@value_class
class ProgressGap(Value):
    __slots__ = ("discipline", "day", "days", "last_report", "first_day")
    discipline: str
    day: date
    days: int  # treatment days since the last progress report, this day included
    last_report: date | None
    first_day: date  # first treatment day counted

    def __init__(
        self, discipline: str, day: date, days: int, last_report: date | None, first_day: date
    ) -> None:
        self.discipline = discipline
        self.day = day
        self.days = days
        self.last_report = last_report
        self.first_day = first_day


# Read-only empty totals a member starts with: without a store they are never filled (the
# run-only scope makes one state per beneficiary, six containers each were most of its cost);
# _load gives a member its own before it fills any.
_NO_TOTALS: Mapping = MappingProxyType({})


class MemberState:
    __slots__ = ("claims", "loaded", "known", "recorded", "remitted", "external", "days", "reports")

    def __init__(self) -> None:
        self.claims: dict[int, ClaimFacts] = {}  # run claims by seq
        self.loaded = False
        self.known: frozenset = frozenset()  # run keys the loaded totals exclude
        self.recorded: Mapping[tuple[int, str], int] = _NO_TOTALS
        # (lines, cents) of ``recorded`` that are the payer's allowed amounts from 835s
        self.remitted: Mapping[tuple[int, str], tuple[int, int]] = _NO_TOTALS
        self.external: Mapping[tuple[int, str], int] = _NO_TOTALS
        self.days: Mapping[str, set[date]] = _NO_TOTALS
        self.reports: Mapping[str, set[date]] = _NO_TOTALS

    def run_keys(self) -> frozenset:
        keys = set()
        for c in self.claims.values():
            if c.replaces:
                keys.add((c.claim_id, None, None))
            keys.update((c.claim_id, f.day.isoformat(), f.code) for f in c.lines)
        return frozenset(keys)


class FileScope:
    def __init__(
        self, ledger, ctx: FactsContext, path: str | None = None, *, write: bool = False
    ) -> None:
        self.ledger = ledger
        self.ctx = ctx
        self.source = os.path.basename(path) if path else ""
        self.path = path
        self._sha256: str | None = None
        self.write = write
        self.members: dict[str, MemberState] = {}
        self.recorded_lines = 0
        self.recorded_claims = 0
        self._last: tuple = (None, None)
        self._auths: dict[tuple[str, str], list] = {}
        self._auth_rows: dict[tuple[str, str], list] = {}
        # Without a ledger, --ytd or a pre-pass (check/fix on a file: run-only counting in file
        # order) a beneficiary's run lines are dropped after the last claim of their group
        # (x12tool.claims.plan), so memory follows the beneficiaries still to come, whatever
        # the file's order and however many workers check it (docs/ledger.md).
        self.bounded = (
            not write
            and getattr(ledger, "store", None) is None
            and getattr(ledger, "ytd", None) is None
        )
        self._group_members: dict[int, set[str]] = {}
        # Changes whenever the run's lines do (a claim learned, a group's members dropped: any
        # _add or forget_group bumps it): an answer kept for a claim holds while it stays the
        # same (KX001-KX003 each ask where the same claim's lines stand). A plain attribute,
        # read by three rules on every Part B claim.
        self.version = 0
        self._kx_memo: tuple = (None, -1, None)
        # (claim object, version, lines): the KX rules' answer for the claim being checked
        # (x12tool.rules.kx.kx_reportable), read by the second and third of them. The claim
        # is kept with it, so another object that takes its id is never mistaken for it.
        self.kx_verdict: tuple = (None, -1, ())
        # The pre-pass's facts by CLM index, with the digest of the claim they were learned from:
        # the check reads the same claims again, and a claim it finds unchanged has them
        # already (a corrected claim differs and is learned anew).
        self._prepassed: dict[int, tuple[bytes, ClaimFacts]] = {}
        # Per group of the run plan (x12tool.claims.plan): 1 when the group has one claim in
        # this file (made on first use; b"" without a plan or when not bounded).
        self._lone: bytearray | None = None
        # The facts of the claim being checked when it is alone in its group (bounded scope):
        # not in ``members`` until a question needs the beneficiary's state (_state adds
        # them); what DOC002 and the KX ceilings ask of such a claim is answered from its own
        # facts (the beneficiary's only claim, nothing recorded or given).
        self._solo: ClaimFacts | None = None

    @property
    def has_store(self) -> bool:
        """The ledger has a store (else only the run's lines and --ytd amounts count)."""
        return getattr(self.ledger, "store", None) is not None

    @property
    def source_sha256(self) -> str | None:
        """The input file's sha256 (DUP001: a file is never a duplicate of itself)."""
        if self._sha256 is None and self.path:
            import hashlib

            h = hashlib.sha256()
            with open(self.path, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
            self._sha256 = h.hexdigest()
        return self._sha256

    def sent_before(self, claim) -> list[EarlierSending]:
        """Earlier sendings of this claim id, or of a claim of the same member with the same
        service lines, from other input files (a file is never a duplicate of itself), oldest
        first. Empty without a store."""
        store = getattr(self.ledger, "store", None)
        if store is None:
            return []
        sent = sent_claim(claim)
        mine = self.source_sha256
        rows = [
            r
            for r in store.sent_claims(sent.claim_id, sent.member, sent.fingerprint)
            if r[1] != mine
        ]
        latest: dict[str, str] = {}
        for r in rows:  # oldest first: the last row of a claim id is its current state
            latest[r[0]] = r[4]
        return [
            EarlierSending(
                claim_id=claim_id,
                member=member,
                frequency=frequency,
                source_file=source,
                recorded_at=recorded,
                same_id=claim_id == sent.claim_id,
                same_services=member == sent.member and fingerprint == sent.fingerprint,
                voided_since=latest[claim_id] == VOID,
            )
            for claim_id, _sha, member, fingerprint, frequency, source, recorded in rows
        ]

    # --- the run's lines
    def prepass(self, path: str) -> None:
        with X12Source(path) as src:
            for item in iter_items(src.segments(lenient=lenient_for(path)), path):
                if isinstance(item, Claim):
                    facts = claim_facts(item, self.ctx)
                    facts.settle()  # kept for the whole file: its lines, not the claim
                    self._prepassed[facts.seq] = (claim_state(item), facts)
                    self._add(facts)

    def _add_solo(self) -> None:
        """The lone claim's facts join the run's lines (a question reads the state)."""
        solo, self._solo = self._solo, None
        self._add(solo)

    def _add(self, facts: ClaimFacts) -> None:
        self.version += 1
        if not facts.member:
            return
        state = self.members.get(facts.member)
        if state is None:
            state = self.members[facts.member] = MemberState()
        if self.bounded:
            group = self.ctx.group
            if group >= 0:
                members = self._group_members.get(group)
                if members is None:
                    members = self._group_members[group] = set()
                members.add(facts.member)
        state.claims[facts.seq] = facts
        # A claim the loaded totals did not leave out: read them again. Without a store the
        # totals are empty whatever the run's claims, so there is nothing to read again.
        if state.loaded and self.has_store and not state.run_keys() <= state.known:
            state.loaded = False

    def observe(self, claim) -> ClaimFacts:
        """The claim's facts as it stands now (cached for the claim object being checked);
        they replace the pre-pass's facts of the same claim."""
        last = self._last
        if last[0] is claim:
            return last[1]
        facts = self._prepassed_facts(claim) if self._prepassed else None
        if facts is None:
            # Lines made from the claim only if read while it is checked (most never are),
            # else as plain tuples when the scope moves on to the next claim (below). A claim
            # alone in its group is read only while it is checked: whether its lines' visit
            # rows mark a progress report is looked up only if its own check asks (DOC002 asks
            # only past 10 treatment days; most claims have a few).
            lone = self._lone
            if lone is None:
                lone = self._lone = self._lone_groups()
            group = self.ctx.group  # _alone, inline
            if 0 <= group < len(lone) and lone[group] == 1:
                facts = claim_facts(claim, self.ctx, progress=False)
                self.version += 1  # as _add: the run's lines changed
                self._solo = facts if facts.member else None
            else:
                facts = claim_facts(claim, self.ctx)
                self._solo = None
                self._add(facts)
        else:
            self._solo = None
            self._add(facts)
        before = last[1]
        self._last = (claim, facts)
        if before is not None and before._source is not None:
            # The previous claim's facts, kept for the beneficiary's later claims: their lines
            # as tuples, so the claim object goes (a group ended or a new state of the claim
            # took its place: nothing keeps them).
            state = self.members.get(before.member)
            if state is not None and state.claims.get(before.seq) is before:
                before.settle()
        return facts

    def _lone_groups(self) -> bytearray:
        """Per group of the run plan, 1 when it has one claim in this file, for a bounded
        scope: such a claim is alone in its group, so no later claim reads its facts (the
        scope drops a group's lines when its last claim is done, and a group holds every
        claim of a member, x12tool.claims.plan). Empty without a plan."""
        plans = getattr(self.ctx, "plans", None)
        plan = plans.get(self.path) if plans and self.path else None
        if not self.bounded or plan is None:
            return bytearray()
        groups = plan.groups
        # claims of each group in this file, 2 for two or more (one byte a group)
        lone = bytearray(max(groups, default=-1) + 1)
        for g in groups:
            if lone[g] < 2:
                lone[g] += 1
        return lone

    def _prepassed_facts(self, claim) -> ClaimFacts | None:
        """The pre-pass's facts of the claim when it is the claim the pre-pass read."""
        if not self._prepassed:
            return None
        # Taken once: the check reaches each claim once, and the entries go as it does.
        got = self._prepassed.pop(claim.clm.index, None)
        if got is None or got[0] != claim_state(claim):
            return None
        self.ctx.for_claim(claim)  # what claim_facts would have set for the rules
        return got[1]

    def facts_of(self, claim) -> ClaimFacts:
        """The claim's facts, without adding them to the run's lines: those observed for
        this claim object when it was the last checked, else learned now."""
        if self._last[0] is claim:
            return self._last[1]
        return claim_facts(claim, self.ctx)

    def forget_group(self, group: int) -> None:
        """The group's last claim is done: a run-only scope drops its members' run lines."""
        self.version += 1
        for member in self._group_members.pop(group, ()):
            self.members.pop(member, None)

    def lock_keys(self) -> set[tuple[str, int]]:
        if self._solo is not None:
            self._add_solo()
        keys = set()
        for member, state in self.members.items():
            for c in state.claims.values():
                keys.update((member, y) for y in c.years)
                if c.auth_lines:
                    # An authorization can span a new year: its count is locked per member
                    # (year 0), as `auth import` does (docs/payers.md).
                    keys.add((member, 0))
        return keys

    # --- prior authorizations (x12tool.ledger.authcount)
    def authorizations(self, member: str, payer_id: str) -> list:
        """The member's authorizations with the payer (read once per file)."""
        from x12tool.ledger.authcount import load_auths

        key = (member, payer_id)
        got = self._auths.get(key)
        if got is None:
            store = self.ledger.store if self.ledger is not None else None
            got = self._auths[key] = load_auths(store, member, payer_id)
        return got

    def auth_recorded(self, member: str, payer_id: str) -> list[tuple]:
        """Sent lines of the member with the payer, less those of claims this run sends again:
        (day, code, discipline, timed, units, auth_number)."""
        if self._solo is not None:
            self._add_solo()
        key = (member, payer_id)
        rows = self._auth_rows.get(key)
        if rows is None:
            store = self.ledger.store if self.ledger is not None else None
            rows = self._auth_rows[key] = store.auth_usage(member, payer_id) if store else []
        state = self.members.get(member)
        keys = state.run_keys() if state is not None else frozenset()
        out = []
        for claim_id, day, code, disc, timed, units, number in rows:
            if (claim_id, None, None) in keys or (claim_id, day, code) in keys:
                continue
            out.append((date.fromisoformat(day), code, disc, bool(int(timed)), units, number))
        return out

    def run_claims(self, member: str) -> list[ClaimFacts]:
        if self._solo is not None:
            self._add_solo()
        state = self.members.get(member)
        return list(state.claims.values()) if state is not None else []

    # --- the ledger's totals
    def load_all(self) -> None:
        if self._solo is not None:
            self._add_solo()
        for member in self.members:
            self._state(member)

    def _state(self, member: str) -> MemberState:
        if self._solo is not None:
            self._add_solo()
        state = self.members.get(member)
        if state is None:  # not setdefault: a rule asks for a known member's state every claim
            state = self.members[member] = MemberState()
        if not state.loaded:
            self._load(member, state)
        return state

    def _load(self, member: str, state: MemberState) -> None:
        store = self.ledger.store
        if store is None:
            # Nothing recorded: the totals stay empty, no run keys to leave out (see _add).
            state.loaded = True
            return
        state.recorded, state.external = {}, {}
        state.days, state.reports = defaultdict(set), defaultdict(set)
        keys = state.run_keys()
        state.known, state.loaded = keys, True
        years = [y for c in state.claims.values() for y in c.years]
        min_year = min(years) - 1 if years else 0
        state.remitted = {}
        for row in store.member_lines(member, min_year):
            claim_id, _key, day, code, year, grp, disc, cents, part_b, remitted = row
            if (claim_id, None, None) in keys or (claim_id, day, code) in keys:
                continue
            if part_b:
                state.recorded[(year, grp)] = state.recorded.get((year, grp), 0) + int(cents)
                if remitted:
                    n, total = state.remitted.get((year, grp), (0, 0))
                    state.remitted[(year, grp)] = (n + 1, total + int(cents))
            state.days[disc].add(date.fromisoformat(day))
        for year, grp, cents, _source in store.member_external(member):
            state.external[(int(year), grp)] = int(cents)
        for disc, day, claim_id in store.member_progress(member):
            if (claim_id, None, None) not in keys:
                state.reports[disc].add(date.fromisoformat(day))

    # --- what the rules ask
    def sent_day_lines(self, member: str, day: date) -> list[tuple]:
        """(claim_id, code, units, discipline, source_file) of the lines the ledger recorded as
        sent for the member on the date (the beneficiary's day across files); none without a
        store."""
        store = self.ledger.store
        if store is None or not member:
            return []
        return store.member_day_lines(member, day.isoformat())

    def kx_positions(self, facts: ClaimFacts) -> dict[int, Position]:
        """Line index -> position, for the claim's therapy lines (Part B claims only)."""
        if not facts.member or facts.void or not facts.part_b:
            return {}
        return self._kx_answer(facts)[0]

    def kx_lines(self, facts: ClaimFacts) -> tuple[tuple[LineFact, Position], ...]:
        """(line fact, position) of each therapy line of the claim that has one, in line
        order: what KX001-KX003 each walk (Part B claims only)."""
        if not facts.member or facts.void or not facts.part_b:
            return ()
        return self._kx_answer(facts)[1]

    def kx_ceilings(self, facts: ClaimFacts) -> dict[tuple[int, str], int]:
        """(year, group) -> an amount no line of the claim in that year and group goes past
        (no position's ``after`` of :meth:`kx_positions` is above it; cents): the ledger's and
        imported amounts (or --ytd) plus every run line of the beneficiary counted in it,
        whatever its date (negative amounts left out). Summed without ordering anything: when
        it is at or below a threshold, no line of the claim crosses that threshold, and
        KX001-KX002 need not work out the positions (x12tool.rules.kx). Empty when
        :meth:`kx_positions` is; may be the claim's own tables: callers must not change it."""
        if not facts.member or facts.frequency == VOID or not facts.part_b:
            return {}
        if facts is self._solo:
            return facts.totals()  # the beneficiary's only claim, nothing recorded or given
        state = self.members.get(facts.member)
        if state is None or not state.loaded:  # _state, without a call once loaded
            state = self._state(facts.member)
        own = facts.totals()
        claims = state.claims
        if len(claims) == 1 and claims.get(facts.seq) is facts:
            sums = own  # the beneficiary's only claim: its own lines are all there are
        else:
            # The entries _kx_positions walks: every counted claim's, the claim's own
            # included when it was observed.
            sums = dict.fromkeys(own, 0)
            for c in claims.values():
                if c.frequency == VOID or not c.part_b:
                    continue
                for key, cents in c.totals().items():
                    if key in sums:
                        sums[key] += cents
        ytd = self.ledger.ytd
        if ytd is None and not state.recorded and not state.external:
            return sums  # nothing recorded, imported or given
        member = facts.member
        out = {}
        for key, cents in sums.items():
            if ytd is not None and (member, *key) in ytd:
                out[key] = cents + ytd[(member, *key)]
            else:
                out[key] = cents + state.recorded.get(key, 0) + state.external.get(key, 0)
        return out

    def _kx_answer(self, facts: ClaimFacts) -> tuple[dict[int, Position], tuple]:
        memo_facts, version, got = self._kx_memo
        if memo_facts is facts and version == self.version:
            return got
        positions = self._kx_positions(facts)
        lines = tuple((f, positions[f.index]) for f in facts.lines if f.index in positions)
        got = (positions, lines)
        self._kx_memo = (facts, self.version, got)
        return got

    def _kx_positions(self, facts: ClaimFacts) -> dict[int, Position]:
        state = self._state(facts.member)
        ytd = self.ledger.ytd
        counted = [c.kx for c in state.claims.values() if c.frequency != VOID and c.part_b]
        if len(counted) == 1:
            entries = counted[0]  # the beneficiary's only claim: sorted already
        else:
            entries = sorted(e for kx in counted for e in kx)
        own = facts.kx
        # The claim's (year, group)s: all there are when it is the beneficiary's only claim.
        asked = None if len(counted) == 1 and counted[0] is own else {(e[0], e[1]) for e in own}
        out: dict[int, Position] = {}
        seq, claim_id = facts.seq, facts.claim_id
        member = facts.member
        key = None
        counting = False
        # Entries are sorted by (year, group) first: each of the claim's groups is one run of
        # them, in the KX order within it; the claim's own lines take their place in the run.
        for year, group, _day, line_seq, index, cents, line_claim in entries:
            if key is None or key[0] != year or key[1] != group:
                key = (year, group)
                counting = asked is None or key in asked
                if not counting:
                    continue
                override = ytd is not None and (member, year, group) in ytd
                if override:
                    recorded, external = ytd[(member, year, group)], 0
                else:
                    recorded = state.recorded.get(key, 0)
                    external = state.external.get(key, 0)
                remitted = (0, 0) if override else state.remitted.get(key, (0, 0))
                run_before, claims = 0, []
            elif not counting:
                continue
            if line_seq == seq:
                out[index] = Position(
                    year,
                    group,
                    recorded,
                    external,
                    override,
                    run_before,
                    cents,
                    tuple(dict.fromkeys(claims)) if claims else (),
                    remitted,
                )
            elif line_claim != claim_id:
                claims.append(line_claim)
            run_before += cents
        return out

    def progress_days(self, facts: ClaimFacts, over: int | None = None) -> list[ProgressGap]:
        """For each (discipline, date) of the claim: treatment days since the last progress
        report, this date included; with ``over``, only the dates past that many (DOC002)."""
        if not facts.member or facts.frequency == VOID:
            return []
        if over is not None and facts.count <= over and facts is self._solo:
            return []  # the beneficiary's only claim, nothing recorded (as below)
        state = self.members.get(facts.member)
        if state is None or not state.loaded:  # _state, without a call once loaded
            state = self._state(facts.member)
        if over is not None and len(state.claims) == 1 and not state.days and not state.reports:
            # The beneficiary's only claim, nothing recorded (most beneficiaries of a file):
            # no discipline has more treatment days than the claim's own dates. Asked before
            # the tables below are gathered; the same test as the one after them.
            for only in state.claims.values():
                if only.frequency != VOID and only.count <= over:
                    return []
        claims = [c for c in state.claims.values() if c.frequency != VOID]
        own = facts
        if (
            over is not None
            and len(claims) == 1
            and claims[0].count <= over
            and not state.days
            and not state.reports
        ):
            # The beneficiary's only claim, nothing recorded: no discipline has more
            # treatment days than the claim's own dates.
            return []
        out = []
        for disc in sorted({disc for disc, _day in own.treated}):
            known_days, known_reports = state.days.get(disc), state.reports.get(disc)
            if len(claims) == 1 and not known_days and not known_reports:
                # The beneficiary's only claim, nothing recorded: its own days as they are.
                only = claims[0]
                ordered = only.days_of(disc)
                reports = {day for d, day in only.reported if d == disc} if only.reported else ()
            else:
                days = set(known_days or ())
                reports = set(known_reports or ())
                for tables in claims:
                    days.update(day for d, day in tables.treated if d == disc)
                    reports.update(day for d, day in tables.reported if d == disc)
                ordered = sorted(days)
            for day in own.days_of(disc):
                # The count never exceeds the treatment days up to the date.
                if over is not None and bisect_right(ordered, day) <= over:
                    continue
                gap = count_since_report(disc, day, ordered, reports)
                if over is None or gap.days > over:
                    out.append(gap)
        return out

    # --- recording (preflight)
    def record(self, outcome) -> None:
        """on_outcome of process_file: record a claim that goes (never a held one)."""
        if not self.write or outcome.status == "held":
            return
        sha = self.source_sha256
        if sha is not None:
            self.ledger.store.record_sent(sent_claim(outcome.final), self.source, sha)
        facts = self.facts_of(outcome.final)
        if not facts.member:
            return
        self.recorded_lines += self.ledger.store.record_claim(facts, self.source)
        self.recorded_claims += 1


def count_since_report(disc: str, day: date, ordered, reports) -> ProgressGap:
    """Treatment days of ``ordered`` (sorted, distinct) back from ``day`` to the last progress
    report of ``reports`` on or before it, or to a gap of more than 90 days."""
    last = max((r for r in reports if r <= day), default=None) if reports else None
    count, first, prev = 0, day, day
    for i in range(bisect_right(ordered, day) - 1, -1, -1):
        d = ordered[i]
        if last is not None and d <= last:
            break
        if prev - d > EPISODE_GAP:
            break
        count, first, prev = count + 1, d, d
    return ProgressGap(disc, day, count, last, first)

"""The flat per-claim tables (FactTables) and what the scope answers from them agree with the
way the ledger worked them out before them: line facts read from the claim line by line, KX
positions and progress-report counts recomputed from every line of the beneficiary's claims.

The references below are that earlier computation, kept here as the spec; they run on the
bundled sample and on generated claims of one beneficiary (many claims, three disciplines, two
years, voids, KX, progress reports, out-of-order dates, lines without a therapy modifier)."""

from __future__ import annotations

import random
from dataclasses import astuple
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from rules.harness import Case, interchange

from ledger.common import MEMBER, write_837
from x12tool.claims import Claim, iter_items
from x12tool.edi import X12Source
from x12tool.ledger.amounts import read_amounts
from x12tool.ledger.facts import (
    GROUP_OF,
    ClaimFacts,
    FactTables,
    claim_facts,
    discipline_of,
    line_key,
    to_cents,
)
from x12tool.ledger.scope import EPISODE_GAP, PROGRESS_EVERY, FileScope, count_since_report
from x12tool.ledger.view import Ledger
from x12tool.refdata import load_refdata
from x12tool.rules.context import RuleContext
from x12tool.rules.kx import kx_line_positions, kx_reportable
from x12tool.visits import VisitLog

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "sample"
VISITS_HEADER = (
    "claim_id,service_date,cpt,minutes,line_control,discipline,provider_role,"
    "functional_activity,medical_necessity,one_on_one,patient_response,plan_of_care,"
    "progress_report,note_text\n"
)
MODS = {"PT": "GP", "OT": "GO", "SLP": "GN"}
CODES = {"PT": "97110", "OT": "97530", "SLP": "92507"}


@pytest.fixture(scope="module")
def ref():
    return load_refdata()


def claims_of(path) -> list[Claim]:
    with X12Source(str(path)) as src:
        return [i for i in iter_items(src.segments(), str(path)) if isinstance(i, Claim)]


def generated(tmp_path: Path, seed: int) -> tuple[Path, Path]:
    """One beneficiary's claims in no particular date order, and a visit log for them."""
    rnd = random.Random(seed)
    start = date(2025, 10, 1)
    span = 150 if seed == 1 else 400  # dense (progress reports due) or with 90-day gaps
    claims, rows = [], []
    for n in range(40):
        cid = f"G{seed}X{n}"
        day = start + timedelta(days=rnd.randrange(0, span))
        frequency = "8" if rnd.random() < 0.08 else "1"
        body = [f"CLM*{cid}*100***11:B:{frequency}*Y*A*Y*Y~", "HI*ABK:M25561~"]
        for lx in range(1, rnd.randint(1, 4) + 1):
            disc = rnd.choice(("PT", "PT", "OT", "SLP"))
            mods = [MODS[disc]] if rnd.random() > 0.1 else []  # some lines have none
            if rnd.random() < 0.3:
                mods.append("KX")
            units = rnd.randint(1, 4)
            line_day = day + timedelta(days=rnd.choice((0, 0, 1)))
            code = CODES[disc]
            body += [
                f"LX*{lx}~",
                f"SV1*HC:{code}{''.join(':' + m for m in mods)}*{units * 40}*UN*{units}***1~",
                f"DTP*472*D8*{line_day:%Y%m%d}~",
            ]
            progress = "Y" if rnd.random() < 0.05 else "N"
            rows.append(
                f"{cid},{line_day.isoformat()},{code},{units * 15},,{disc},{disc},"
                f"Y,Y,Y,Y,Y,{progress},note\n"
            )
        claims.append("\n".join(body))
    case = Case(rule="KX001", name=f"gen{seed}", claim="\n".join(claims), member=MEMBER)
    path = tmp_path / f"gen{seed}.837"
    path.write_text(interchange(case), encoding="latin-1")
    visits = tmp_path / f"gen{seed}.csv"
    visits.write_text(VISITS_HEADER + "".join(rows))
    return path, visits


def inputs(tmp_path: Path) -> list[tuple[Path, Path]]:
    return [
        (SAMPLE / "therapy_batch.837", SAMPLE / "therapy_visits.csv"),
        *(generated(tmp_path, seed) for seed in (1, 2, 3)),
    ]


# --- the earlier computation ------------------------------------------------------------------


def reference_lines(claim, ctx) -> list[tuple]:
    """Line facts as claim_facts read them from the claim, one line at a time."""
    ctx.for_claim(claim)
    price = ctx.pricer().price(claim)
    out = []
    for i, line in enumerate(claim.lines):
        day = line.date_from
        if day is None:
            continue
        disc = discipline_of(line, ctx.ref)
        if disc is None or not line.code:
            continue
        priced = price.line(i)
        progress = ctx.visits is not None and any(
            r.progress_report == "Y" for r in ctx.rows_for_line(claim, line)
        )
        out.append(
            (
                i,
                line.number,
                line_key(line),
                day,
                price.inputs[i].code,
                price.inputs[i].modifiers,
                disc,
                GROUP_OF[disc],
                line.units if line.units is not None else Decimal(0),
                to_cents(priced.amount) if priced is not None else 0,
                "KX" in line.modifiers,
                progress,
            )
        )
    return out


def reference_positions(scope, facts) -> dict[int, tuple]:
    if not facts.member or facts.void or not facts.part_b:
        return {}
    state = scope._state(facts.member)
    ytd = scope.ledger.ytd
    out = {}
    for year, group in sorted({(f.year, f.group) for f in facts.lines}):
        entries = sorted(
            (f.day, c.seq, f.index, f.cents, c.claim_id)
            for c in state.claims.values()
            if not c.void and c.part_b
            for f in c.lines
            if f.year == year and f.group == group
        )
        override = ytd is not None and (facts.member, year, group) in ytd
        if override:
            recorded, external = ytd[(facts.member, year, group)], 0
        else:
            recorded = state.recorded.get((year, group), 0)
            external = state.external.get((year, group), 0)
        remitted = (0, 0) if override else state.remitted.get((year, group), (0, 0))
        run_before, claims = 0, []
        for _day, seq, index, cents, claim_id in entries:
            if seq == facts.seq:
                before = recorded + external + run_before
                out[index] = (
                    year,
                    group,
                    recorded,
                    external,
                    override,
                    run_before,
                    cents,
                    tuple(dict.fromkeys(claims)),
                    remitted,
                    before,
                    before + cents,
                )
            elif claim_id != facts.claim_id:
                claims.append(claim_id)
            run_before += cents
    return out


def reference_progress(scope, facts) -> list[tuple]:
    if not facts.member or facts.void:
        return []
    state = scope._state(facts.member)
    out = []
    for disc in sorted({f.discipline for f in facts.lines}):
        days = set(state.days.get(disc, ()))
        reports = set(state.reports.get(disc, ()))
        for c in state.claims.values():
            if c.void:
                continue
            for f in c.lines:
                if f.discipline == disc:
                    days.add(f.day)
                    if f.progress:
                        reports.add(f.day)
        ordered = sorted(days)
        for day in sorted({f.day for f in facts.lines if f.discipline == disc}):
            last = max((r for r in reports if r <= day), default=None)
            count, first, prev = 0, day, day
            for d in reversed([d for d in ordered if d <= day]):
                if last is not None and d <= last:
                    break
                if prev - d > EPISODE_GAP:
                    break
                count, first, prev = count + 1, d, d
            out.append((disc, day, count, last, first))
    return out


# --- agreement --------------------------------------------------------------------------------


def gap_tuple(g) -> tuple:
    return (g.discipline, g.day, g.days, g.last_report, g.first_day)


def pos_tuple(p) -> tuple:
    return (*astuple(p)[:9], p.before, p.after)


@pytest.mark.parametrize("with_ytd", [False, True])
def test_scope_answers_agree_with_the_earlier_computation(ref, tmp_path, with_ytd):
    checked = 0
    for path, visits in inputs(tmp_path):
        ctx = RuleContext(ref=ref, visits=VisitLog(str(visits)))
        ytd = None
        if with_ytd:
            amounts = tmp_path / "ytd.csv"
            amounts.write_text(
                f"member_id,year,group,amount\n{MEMBER},2026,PT_SLP,2400.00\n{MEMBER},2025,OT,10.00\n"
            )
            ytd = read_amounts(str(amounts))
        scope = FileScope(Ledger(None, ytd), ctx)
        for claim in claims_of(path):  # the check's order: each claim observed, then asked
            facts = scope.observe(claim)
            assert [astuple(f) for f in facts.lines] == reference_lines(claim, ctx)
            assert facts.tables().kx == FactTables.of(facts).kx
            assert facts.tables().treated == FactTables.of(facts).treated
            assert facts.tables().reported == FactTables.of(facts).reported
            want = reference_positions(scope, facts)
            assert {i: pos_tuple(p) for i, p in scope.kx_positions(facts).items()} == want
            assert [(f.index, pos_tuple(p)) for f, p in scope.kx_lines(facts)] == [
                (f.index, want[f.index]) for f in facts.lines if f.index in want
            ]
            every = reference_progress(scope, facts)
            assert [gap_tuple(g) for g in scope.progress_days(facts)] == every
            due = [g for g in every if g[2] > PROGRESS_EVERY]
            assert [gap_tuple(g) for g in scope.progress_days(facts, PROGRESS_EVERY)] == due
            checked += 1
    assert checked > 100


def test_generated_claims_reach_the_cases_the_tables_group(ref, tmp_path):
    """The generated claims do exercise several claims per group, voids, both groups, KX and
    reported days, and due progress reports (else the agreement above proves little)."""
    path, visits = generated(tmp_path, 1)
    ctx = RuleContext(ref=ref, visits=VisitLog(str(visits)))
    scope = FileScope(Ledger(None), ctx)
    seen = set()
    for claim in claims_of(path):
        facts = scope.observe(claim)
        seen.update(f.group for f in facts.lines)
        seen.update("kx" for f in facts.lines if f.kx)
        seen.update("reported" for f in facts.lines if f.progress)
        seen.update("void" for _ in [0] if facts.void)
        seen.update("before" for p in scope.kx_positions(facts).values() if p.claims_before)
        seen.update("due" for _ in scope.progress_days(facts, PROGRESS_EVERY))
    assert seen >= {"PT_SLP", "OT", "kx", "reported", "void", "before", "due"}


def test_count_since_report_reads_the_sorted_days(ref):
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(15)]
    gap = count_since_report("PT", days[12], days, {days[3]})
    assert (gap.days, gap.last_report, gap.first_day) == (9, days[3], days[4])
    gap = count_since_report("PT", date(2025, 12, 31), days, set())
    assert (gap.days, gap.first_day) == (0, date(2025, 12, 31))  # a date before them all


def test_the_kx_walk_follows_the_run_lines_learned_since(ref, tmp_path):
    """KX001-KX003 share one walk per claim object; a claim learned in between (an earlier
    date of the same beneficiary) changes where the claim's line stands, and the walk with it."""
    path = write_837(tmp_path / "a.837", [("A", date(2026, 3, 3)), ("B", date(2026, 3, 2))])
    a, b = claims_of(path)
    ctx = RuleContext(ref=ref).for_claim(a)
    scope, walk = kx_line_positions(a, ctx)
    assert [pos.run_before for _f, pos, _kx, _review in walk] == [0]
    assert kx_line_positions(a, ctx)[1] is walk  # the second rule reads the same walk
    scope.observe(b)
    ctx.for_claim(a)
    _scope, again = kx_line_positions(a, ctx)
    assert [(pos.run_before, pos.claims_before) for _f, pos, _kx, _review in again] == [
        (2906, ("B",))
    ]


# --- what the KX rules skip -------------------------------------------------------------------


def could_report(walk) -> list[tuple]:
    """The lines of a full KX walk that KX001, KX002 or KX003 would report (their tests)."""
    out = []
    for f, pos, limit, review in walk:
        if not f.kx and limit is not None and pos.after > limit:
            out.append(("KX001", f.index))
        if review is not None and pos.before <= review < pos.after:
            out.append(("KX002", f.index))
        if f.kx and limit is not None and pos.after <= limit:
            out.append(("KX003", f.index))
    return out


@pytest.mark.parametrize("ytd_amount", [None, "2400.00", "2470.00"])
def test_the_kx_rules_skip_only_claims_they_could_not_report(ref, tmp_path, ytd_amount):
    """kx_reportable gives no lines only when the full walk has none KX001-KX003 would report,
    and the full walk otherwise; the ceilings bound every position. Both answers occur."""
    seen = set()
    for path, visits in inputs(tmp_path):
        ytd = None
        if ytd_amount is not None:
            amounts = tmp_path / "ytd.csv"
            amounts.write_text(f"member_id,year,group,amount\n{MEMBER},2026,PT_SLP,{ytd_amount}\n")
            ytd = read_amounts(str(amounts))
        ctx = RuleContext(ref=ref, visits=VisitLog(str(visits)), ledger=Ledger(None, ytd))
        for claim in claims_of(path):
            ctx.for_claim(claim)
            scope, lines = kx_reportable(claim, ctx)
            if scope is None:
                continue
            _scope, walk = kx_line_positions(claim, ctx)
            facts = scope.observe(claim)
            ceilings = scope.kx_ceilings(facts)
            for _f, pos, _limit, _review in walk:
                assert pos.after <= ceilings[(pos.year, pos.group)]
            if lines:
                assert lines is walk
                seen.add("walked")
            else:
                assert could_report(walk) == []
                seen.add("skipped" if walk else "no lines")
            seen.update("reported" for _ in could_report(walk))
            assert kx_reportable(claim, ctx)[1] is lines  # KX002 and KX003 read the same answer
    assert seen >= {"walked", "skipped", "reported"}


def test_a_skipped_claim_is_walked_once_an_earlier_line_takes_it_near(ref, tmp_path):
    """The skip follows the run's lines: a claim skipped alone is walked when a claim learned
    since puts the beneficiary's year past the threshold (KX001 reports it)."""
    path = write_837(tmp_path / "a.837", [("A", date(2026, 3, 3)), ("B", date(2026, 3, 2))])
    a, b = claims_of(path)
    amounts = tmp_path / "ytd.csv"
    amounts.write_text(f"member_id,year,group,amount\n{MEMBER},2026,PT_SLP,2440.00\n")
    ctx = RuleContext(ref=ref, ledger=Ledger(None, read_amounts(str(amounts)))).for_claim(a)
    scope, lines = kx_reportable(a, ctx)
    assert lines == ()  # $2,440.00 + $29.06: past neither threshold
    scope.observe(b)  # another $29.06, on an earlier date
    ctx.for_claim(a)
    _scope, lines = kx_reportable(a, ctx)
    assert [(f.index, pos.before, pos.after) for f, pos, _kx, _review in lines] == [
        (0, 244000 + 2906, 244000 + 2 * 2906)
    ]
    assert could_report(lines) == [("KX001", 0)]


def test_claim_facts_keep_lines_as_tuples_until_read(ref, tmp_path):
    """The line facts made on first read are those of the tuples kept; the facts compare and
    show as the dataclass did; the tables' totals and KX flag are those of the lines."""
    path, visits = generated(tmp_path, 1)
    ctx = RuleContext(ref=ref, visits=VisitLog(str(visits)))
    for claim in claims_of(path):
        facts = claim_facts(claim, ctx)
        kept = list(facts.line_rows())
        assert [astuple(f) for f in facts.lines] == [tuple(row) for row in kept]
        assert facts.line_rows() == kept  # the same tuples, from the lines once made
        assert facts.lines is facts.lines  # made once
        again = ClaimFacts(
            facts.member,
            facts.claim_id,
            facts.seq,
            facts.frequency,
            facts.part_b,
            tuple(facts.lines),
            facts.years,
            facts.payer_id,
            facts.payer_class,
            facts.auth_lines,
        )
        assert again == facts == claim_facts(claim, ctx)
        assert repr(again) == repr(facts) and repr(facts).startswith("ClaimFacts(member=")
        totals: dict = {}
        for f in facts.lines:
            totals[(f.year, f.group)] = totals.get((f.year, f.group), 0) + max(f.cents, 0)
        assert facts.tables().totals() == totals
        assert facts.tables().marked == any(f.kx for f in facts.lines)


def test_the_ledger_rules_are_quiet_outside_part_b_and_keep_nothing_there(ref, tmp_path):
    """DOC002 and KX001-KX003 are left out of a claim's rules when its profile does not apply
    the KX threshold (the engine does not call them); asked anyway, they report nothing and
    leave the run's lines alone. Under Medicare Part B they run and learn the claim."""
    from x12tool.rules.doc002_progress_report_due import DOC002
    from x12tool.rules.kx001_threshold_without_kx import KX001
    from x12tool.rules.kx002_review_threshold import KX002
    from x12tool.rules.kx003_kx_below_threshold import KX003

    path = write_837(tmp_path / "a.837", [("A", date(2026, 3, 3))], kx=True)
    (claim,) = claims_of(path)
    visits = tmp_path / "a.csv"
    visits.write_text(VISITS_HEADER + "A,2026-03-03,97110,15,,PT,PT,Y,Y,Y,Y,Y,Y,note\n")
    rules = [DOC002(), KX001(), KX002(), KX003()]
    for name, profile in ref.profiles.items():
        assert all(r.quiet(profile) for r in rules) == (not profile.kx_applies), name
        ctx = RuleContext(ref=ref, visits=VisitLog(str(visits))).for_claim(claim)
        ctx.profile = profile
        found = [f.code for r in rules for f in r.check(claim, ctx)]
        scope = ctx.ledger_scope()
        if profile.kx_applies:
            assert found == ["KX003"]  # KX on $29.06: below the threshold
            assert list(scope.members) == [MEMBER] and scope.kx_verdict[0] is claim
        else:
            assert found == [] and scope.members == {} and scope.version == 0
    assert all(r.quiet(None) for r in rules)


# --- facts made lazily, amounts without a price -------------------------------------------------


class _PriceOnly:
    """A pricer with ``price`` only (as a payer-rate wrapper is): the facts read its price."""

    def __init__(self, base) -> None:
        self.base = base

    def price(self, claim, inputs=None):
        return self.base.price(claim, inputs)


def test_facts_agree_whichever_way_the_lines_are_priced(ref, tmp_path):
    """Pricer.line_amounts (no price built) and a pricer's price give the same facts: lines,
    tables and sums; the amounts are the price's line amounts, and the totals the money step
    reads after them are the price's."""
    from x12tool.money.effects import Pricer
    from x12tool.rules.services import default_pricing

    checked = 0
    for path, visits in inputs(tmp_path):
        log = VisitLog(str(visits))
        lean = RuleContext(ref=ref, visits=log)
        full = RuleContext(ref=ref, visits=log, pricing=_PriceOnly(default_pricing(ref)))
        for claim in claims_of(path):
            a, b = claim_facts(claim, lean), claim_facts(claim, full)
            assert a == b and a.line_rows() == b.line_rows()
            assert (a.kx, a.treated, a.reported, a.marked, a.count, a.totals()) == (
                b.kx,
                b.treated,
                b.reported,
                b.marked,
                b.count,
                b.totals(),
            )
            pricer = lean.pricer()
            assert isinstance(pricer, Pricer)
            price = Pricer(pricer.fees).price(claim)
            assert pricer.line_amounts(claim) == [ln.amount for ln in price.lines]
            kept = pricer.totals(claim)  # the totals kept by line_amounts
            assert kept[:3] == (price.total, price.reduction, len(price.lines))
            assert kept[3] == [ln.note for ln in price.lines if ln.note]
            checked += 1
    assert checked > 100


def test_the_scope_keeps_tuples_not_claims_of_the_claims_it_moved_past(ref, tmp_path):
    """A claim's facts read their lines from the claim object while it is checked; once the
    scope observes the next claim, the facts it keeps hold the lines as tuples (the claim is
    let go) and read the same; facts it no longer keeps are left alone."""
    path, visits = generated(tmp_path, 2)
    ctx = RuleContext(ref=ref, visits=VisitLog(str(visits)))
    scope = FileScope(Ledger(None), ctx)
    seen = []
    for claim in claims_of(path):
        facts = scope.observe(claim)
        assert facts._source is None or facts._source[0] is claim
        seen.append((facts, [astuple(f) for f in facts.lines] if len(seen) % 2 else None))
    for facts, lines in seen[:-1]:
        assert facts._source is None  # settled: tuples only
        if lines is not None:
            assert [astuple(f) for f in facts.lines] == lines
    assert all(f.years for f, _ in seen)
    gone = scope.observe(claims_of(path)[0])  # a new object of the first claim replaces it
    assert scope.members[MEMBER].claims[gone.seq] is gone


def test_facts_made_by_hand_answer_as_their_tables(ref, tmp_path):
    """ClaimFacts built from line facts (not by claim_facts) make their tables on first use,
    the same as FactTables.of."""
    path, visits = generated(tmp_path, 3)
    ctx = RuleContext(ref=ref, visits=VisitLog(str(visits)))
    for claim in claims_of(path):
        made = claim_facts(claim, ctx)
        facts = ClaimFacts(
            made.member,
            made.claim_id,
            made.seq,
            made.frequency,
            made.part_b,
            tuple(made.lines),
            made.years,
        )
        tables = FactTables.of(facts)
        got = facts.tables()
        assert (got.kx, got.treated, got.reported, got.marked, got.totals()) == (
            tables.kx,
            tables.treated,
            tables.reported,
            tables.marked,
            tables.totals(),
        )
        assert (made.kx, made.treated, made.totals()) == (got.kx, got.treated, got.totals())


# --- a claim alone in its group -----------------------------------------------------------------


def lone_members_file(tmp_path: Path) -> tuple[Path, Path]:
    """Several beneficiaries, most with one claim (some with more than 10 treatment days, some
    with KX, some past the KX threshold, progress reports on some rows), one with two claims
    (its group is not lone) with a lone claim between them, one interchange a claim."""
    rnd = random.Random(7)
    texts, rows = [], []
    start = date(2026, 1, 5)
    # one claim an interchange; the second claim of LONE003 comes after LONE004's
    order = [(m, 0) for m in range(5)] + [(3, 1)] + [(m, 0) for m in range(5, 12)]
    for m, n in order:
        member = f"LONE{m:03d}"
        body = []
        if True:
            cid = f"L{m}X{n}"
            body.append(f"CLM*{cid}*100***11:B:1*Y*A*Y*Y~\nHI*ABK:M25561~")
            dates = 14 if m % 3 == 0 else rnd.randint(1, 4)  # past 10 treatment days, or not
            for lx in range(1, dates + 1):
                disc = "PT" if m % 4 else rnd.choice(("PT", "OT"))
                mods = [MODS[disc]] + (["KX"] if m % 5 == 1 else [])
                units = 40 if m % 5 == 2 else rnd.randint(1, 4)  # past the threshold
                day = start + timedelta(days=2 * lx + n)
                code = CODES[disc]
                body.append(
                    f"LX*{lx}~\nSV1*HC:{code}{''.join(':' + x for x in mods)}*{units * 40}*UN*"
                    f"{units}***1~\nDTP*472*D8*{day:%Y%m%d}~"
                )
                progress = "Y" if (m % 2 and lx in (5, 9)) else "N"
                rows.append(
                    f"{cid},{day.isoformat()},{code},{units * 15},,{disc},{disc},"
                    f"Y,Y,Y,Y,Y,{progress},note\n"
                )
        case = Case(rule="KX001", name=member, claim="\n".join(body), member=member)
        texts.append(interchange(case))
    path = tmp_path / "lone.837"
    path.write_text("".join(texts), encoding="latin-1")
    visits = tmp_path / "lone.csv"
    visits.write_text(VISITS_HEADER + "".join(rows))
    return path, visits


def test_a_lone_claim_answers_as_the_beneficiary_state_does(ref, tmp_path):
    """A claim alone in its group of the run plan (bounded scope): its progress reports are
    looked up only when read and it joins the beneficiary state only when a question needs
    it; every answer DOC002 and KX001-KX003 read is the one the full computation gives (a
    scope without the plan), and the lone path does run, its lazy reads included."""
    from x12tool.claims.plan import FilePlan

    path, visits = lone_members_file(tmp_path)
    log = VisitLog(str(visits))
    plan = FilePlan.build(str(path))
    lean_ctx = RuleContext(ref=ref, visits=log, plans={str(path): plan})
    full_ctx = RuleContext(ref=ref, visits=log)
    lean = FileScope(Ledger(None), lean_ctx, str(path))
    full = FileScope(Ledger(None), full_ctx)
    seen = set()
    for ordinal, claim in enumerate(claims_of(path)):
        lean_ctx.group = plan.groups[ordinal]
        a, b = lean.observe(claim), full.observe(claim)
        alone = a is lean._solo
        seen.add("lone" if alone else "grouped")
        assert alone == (claim.id != "L3X0" and claim.id != "L3X1")
        # what the rules ask first (the quick answers), then everything else
        assert a.marked == b.marked and a.count == b.count
        assert lean.kx_ceilings(a) == full.kx_ceilings(b)
        due_a = [gap_tuple(g) for g in lean.progress_days(a, PROGRESS_EVERY)]
        assert due_a == [gap_tuple(g) for g in full.progress_days(b, PROGRESS_EVERY)]
        seen.update("due" for _ in due_a)
        if alone and a._reported is None:
            seen.add("reports not looked up")
        assert a.reported == b.reported
        seen.update("reported" for _ in a.reported)
        assert a.line_rows() == b.line_rows() and a == b
        assert [gap_tuple(g) for g in lean.progress_days(a)] == [
            gap_tuple(g) for g in full.progress_days(b)
        ]
        assert {i: pos_tuple(p) for i, p in lean.kx_positions(a).items()} == {
            i: pos_tuple(p) for i, p in full.kx_positions(b).items()
        }
        assert [(f.index, pos_tuple(p)) for f, p in lean.kx_lines(a)] == [
            (f.index, pos_tuple(p)) for f, p in full.kx_lines(b)
        ]
        assert lean._solo is None  # the questions above read the beneficiary state
        # learned the other way round: the lines first, then the days and reports
        again = claim_facts(claim, lean_ctx, progress=False)
        assert again.line_rows() == b.line_rows()
        assert (again.treated, again.count, again.reported) == (b.treated, b.count, b.reported)
        assert a.member in lean.members
        if plan.ends[ordinal]:
            lean.forget_group(plan.groups[ordinal])
    assert seen >= {"lone", "grouped", "due", "reports not looked up", "reported"}


def test_the_kx_and_progress_rules_agree_on_lone_claims(ref, tmp_path):
    """DOC002 and KX001-KX003 find the same on a file of lone claims whether the scope knows
    the run plan (lone claims answered from their own facts) or not; some do fire."""
    from x12tool.claims.plan import FilePlan
    from x12tool.rules.doc002_progress_report_due import DOC002
    from x12tool.rules.kx001_threshold_without_kx import KX001
    from x12tool.rules.kx002_review_threshold import KX002
    from x12tool.rules.kx003_kx_below_threshold import KX003

    path, visits = lone_members_file(tmp_path)
    log = VisitLog(str(visits))
    plan = FilePlan.build(str(path))
    rules = [DOC002(), KX001(), KX002(), KX003()]
    found = {}
    for with_plan in (True, False):
        ledger = Ledger(None)
        ctx = RuleContext(ref=ref, visits=log, ledger=ledger)
        if with_plan:
            ctx.plans[str(path)] = plan
        ledger.begin_file(str(path), ctx, rules)
        got = []
        for ordinal, claim in enumerate(claims_of(path)):
            ctx.for_claim(claim)
            ctx.group = plan.groups[ordinal] if with_plan else -1
            got += [(claim.id, f.code, f.message) for r in rules for f in r.check(claim, ctx)]
            if claim.id == "L4X0":
                # LONE003's first claim, kept for its next one, holds tuples, not its claim
                kept = ledger.file.members["LONE003"].claims.values()
                assert [c._source for c in kept] == [None]
            if with_plan and plan.ends[ordinal]:
                ctx.end_group(ctx.group)
        ledger.close()
        found[with_plan] = got
    assert found[True] == found[False]
    assert {code for _id, code, _m in found[True]} >= {"DOC002", "KX001", "KX003"}

"""The flat timed-minute facts of a claim (x12tool.rules.therapy: TimedGroup filled in one pass,
verdicts read from it) against the walk they replaced (tests/rules/timed_reference.py), on the
rule cases, the bundled sample and generated claims where members share days, on every claim
state the fix loop reaches."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

from devtools.synth import generate
from tests.rules import timed_reference as old
from tests.rules.harness import all_case_files, load_cases, run_case
from x12tool.claims import Claim, iter_items
from x12tool.edi import X12Source
from x12tool.fixes import settle_claim
from x12tool.refdata import load_refdata
from x12tool.rules.base import Rule, Severity
from x12tool.rules.context import RuleContext
from x12tool.rules.daypool import prepare_file
from x12tool.rules.services import VISITS
from x12tool.rules.therapy import day_parts, timed_groups, timed_lines, verdicts, whole_units
from x12tool.rules.tu001_overbilled_units import TU001
from x12tool.rules.tu002_underbilled_units import TU002
from x12tool.rules.units import cms_units, supported_of, supported_units, table_units
from x12tool.visits import VisitLog

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "fixtures" / "sample"


def group_facts(g) -> tuple:
    """Everything a rule can read of a group, as plain values."""
    codes = list(dict.fromkeys([*g.codes(), *g.billed_codes(), *g.lines, *g.rows]))
    return (
        g.day,
        g.discipline,
        [(c, [ln.number for ln in lns]) for c, lns in g.lines.items()],
        [(c, [r.row for r in rows]) for c, rows in g.rows.items()],
        [ln.number for ln in g.unknown],
        [ln.number for ln in g.unreadable],
        list(g.peers),
        g.codes(),
        g.billed_codes(),
        [(c, g.minutes(c), g.own_minutes(c), g.billed(c), g.own_billed(c)) for c in codes],
        g.missing(),
        sorted(g.undocumented()),
        [(m, g.complete(m), list(g.supported(m).items())) for m in ("cms", "ama")],
        list(g.caps().items()),
    )


def verdict_facts(v) -> tuple:
    return (
        v.group.day,
        v.group.discipline,
        v.code,
        [ln.number for ln in v.lines],
        v.billed,
        v.allowed,
        v.day_billed,
        v.day_allowed,
        v.partial,
        list(v.others),
        v.describe_others(),
    )


def _old_whole(units: Decimal) -> int | None:
    """SV104 as a whole number as the walk computed it before whole_units remembered it."""
    if units != units.to_integral_value() or units < 0:
        return None
    return int(units)


@pytest.mark.parametrize(
    "text", ["1", "1.0", "1E+2", "0", "-0", "-0.0", "0.00", "-1", "2.5", "0.1", "3.000", "NaN"]
)
def test_whole_units_agree_with_the_decimal_operations(text):
    # twice: the first answer is computed, the second remembered (by value: 1 and 1.0 share)
    assert whole_units(Decimal(text)) == _old_whole(Decimal(text))
    assert whole_units(Decimal(text)) == _old_whole(Decimal(text))


def test_whole_units_of_a_signalling_nan_raise_as_before():
    with pytest.raises(InvalidOperation):
        _old_whole(Decimal("sNaN"))
    with pytest.raises(InvalidOperation):
        whole_units(Decimal("sNaN"))


class Seen:
    """What the comparing rule met: mismatches and how much it compared."""

    def __init__(self) -> None:
        self.diffs: list[tuple] = []
        self.groups = self.verdicts = self.peers = self.partial = self.shared = self.states = 0
        self.unknown = 0
        self.no_rows = 0


SEEN = Seen()


class Compare(Rule):
    """Compares, on each claim state it is asked to check, the new facts with the old walk."""

    code = "ZZ901"
    name = "test.timed-facts"
    severity = Severity.INFO
    needs = frozenset({VISITS})

    def check(self, claim, ctx):
        SEEN.states += 1
        new_groups = [group_facts(g) for g in timed_groups(claim, ctx)]
        old_groups = [group_facts(g) for g in old.timed_groups(claim, ctx)]
        if new_groups != old_groups:
            SEEN.diffs.append((claim.id, "groups", new_groups, old_groups))
        new_v = [verdict_facts(v) for v in verdicts(claim, ctx)]
        # Verdicts of codes billed as the minutes support are read by no rule: not made.
        old_v = [verdict_facts(v) for v in old.verdicts(claim, ctx) if v.billed != v.allowed]
        if new_v != old_v:
            SEEN.diffs.append((claim.id, "verdicts", new_v, old_v))
        if day_parts(claim, ctx) != old.day_parts(claim, ctx):
            SEEN.diffs.append((claim.id, "day_parts"))
        # TU006 reads a claim's dated timed lines without rows from its groups
        unknown = {id(ln) for g in timed_groups(claim, ctx) for ln in g.unknown}
        no_rows = {
            id(ln)
            for ln in timed_lines(claim, ctx)
            if ln.date_from and not ctx.rows_for_line(claim, ln)
        }
        if unknown != no_rows:
            SEEN.diffs.append((claim.id, "lines without rows"))
        SEEN.unknown += len(unknown)
        for g in timed_groups(claim, ctx):
            # The walk keeps a group's lines and rows flat and splits them by code when read;
            # verdicts and TU005 read the codes from own_units and own_min instead.
            if list(g.own_units) != list(g.lines) or list(g.own_min) != list(g.rows):
                SEEN.diffs.append((claim.id, "codes of the split lines or rows"))
            if [ln for lns in g.lines.values() for ln in lns] != sorted(
                g.all_lines, key=lambda ln: list(g.lines).index(ln.code)
            ):
                SEEN.diffs.append((claim.id, "lines split by code"))
        if not ctx.visit_rows(claim):
            SEEN.no_rows += 1
        for ln in claim.lines:
            if ln.units is not None and whole_units(ln.units) != _old_whole(ln.units):
                SEEN.diffs.append((claim.id, "whole units", ln.units))
        SEEN.groups += len(new_groups)
        SEEN.verdicts += len(new_v)
        SEEN.peers += sum(1 for g in new_groups if g[6])
        SEEN.partial += sum(1 for v in new_v if v[8])
        SEEN.shared += sum(1 for v in new_v if v[9])
        return ()


def test_supported_of_agrees_with_supported_units():
    # units.supported_of (the walk's, on the day's dicts) skips the sort when every code with
    # minutes left over gets its unit; supported_units is the reference.
    import random

    rng = random.Random(7)
    for _ in range(20000):
        n = rng.randint(1, 6)
        items = [
            (
                f"9711{i}",
                rng.choice([0, 3, 7, 8, 10, 14, 15, 22, 23, 30, 38, rng.randint(0, 90)]),
                rng.randint(0, 4),
            )
            for i in range(n)
        ]
        minutes = {c: m for c, m, _b in items}
        billed = {c: b for c, _m, b in items}
        for method in ("cms", "ama"):
            want = supported_units(items, method)
            assert supported_of(minutes, billed, method) == want, items


@pytest.fixture
def seen():
    global SEEN
    SEEN = Seen()
    return SEEN


def test_single_code_days_need_no_sharing():
    # TimedGroup.supported takes a one-code day straight from the 8-minute table.
    for m in range(0, 400):
        for billed in (0, 1, 5):
            want = {"97110": table_units(m)}
            assert cms_units([("97110", m, billed)]) == want
            assert supported_units([("97110", m, billed)], "ama") == want


def test_rule_cases_agree(tmp_path, seen):
    cases = [c for f in all_case_files() for c in load_cases(f) if c.visits]
    assert len(cases) > 40
    for case in cases:
        run_case(case, Compare, tmp_path)
    assert seen.diffs == []
    # The cases hold days shared with other claims and days whose total is unknown.
    assert seen.peers > 5 and seen.partial > 0 and seen.shared > 0 and seen.verdicts > 10
    assert seen.unknown > 3  # lines without rows were met


def _settle_file(path: str, visits: str, profiles: Path | None = None) -> None:
    """Every claim of the file through the fix loop (TU001/TU002 fixes, unsafe too), the
    comparing rule on each state, as process_file runs it."""
    ref = load_refdata(profiles)
    ctx = RuleContext(ref=ref, visits=VisitLog(visits))
    prepare_file(path, ctx)
    rules = [TU001(), TU002(), Compare()]
    with X12Source(path) as src:
        for item in iter_items(src.segments(), path):
            if isinstance(item, Claim):
                settle_claim(item, rules, ctx, unsafe=True)


def test_sample_agrees(seen):
    _settle_file(
        str(SAMPLE / "therapy_batch.837"),
        str(SAMPLE / "therapy_visits.csv"),
        SAMPLE / "payer_profiles.xml",
    )
    assert seen.diffs == []
    assert seen.verdicts > 2 and seen.states > 22


def _shared_days(tmp_path, claims: int, seed: int) -> tuple[str, str]:
    """Generated claims where every three claims in a row are one member's, all on one date:
    their days are pooled (peers), with the generator's defects (minutes missing, units off)."""
    raw, log = io.BytesIO(), io.StringIO()
    generate(raw, claims=claims, seed=seed, visits=log, defect_rate=0.4)
    out, n = [], -1
    for seg in raw.getvalue().decode("latin-1").split("~"):
        s = seg.lstrip()
        if s.startswith("NM1*IL*"):
            n += 1
            parts = seg.split("*")
            parts[9] = f"SHARED{n // 3}"
            seg = "*".join(parts)
        elif s.startswith("DTP*472*D8*"):
            seg = re.sub(r"D8\*\d{8}", "D8*20260302", seg)
        out.append(seg)
    path = tmp_path / f"shared{seed}.837"
    path.write_bytes("~".join(out).encode("latin-1"))
    rows = list(csv.DictReader(io.StringIO(log.getvalue())))
    for row in rows:
        row["service_date"] = "2026-03-02"
    vpath = tmp_path / f"shared{seed}.csv"
    with open(vpath, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return str(path), str(vpath)


@pytest.mark.parametrize("seed", [3, 17])
def test_generated_claims_agree(tmp_path, seen, seed):
    path, visits = _shared_days(tmp_path, 240, seed)
    _settle_file(path, visits)
    assert seen.diffs == []
    assert seen.states >= 240 and seen.peers > 50 and seen.verdicts > 50 and seen.shared > 20


def test_claims_without_rows_and_days_without_a_pool_agree(tmp_path, seen):
    # Claims of a shared day with no visit row at all (their day's minutes unknown), and the
    # same file checked with no day pool: the walk skips daypool.peers_of when the file pools
    # nothing and there is no ledger, and must then agree with the old walk (which asks).
    path, visits = _shared_days(tmp_path, 90, 5)
    with open(visits, newline="") as f:
        rows = list(csv.DictReader(f))
    dropped = {r["claim_id"] for r in rows[::7]}
    with open(visits, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(r for r in rows if r["claim_id"] not in dropped)
    _settle_file(path, visits)
    assert seen.diffs == []
    assert seen.no_rows >= len(dropped) > 5 and seen.peers > 20
    # no pool: every claim alone on its days, as the old walk finds with peers_of
    ref = load_refdata(None)
    ctx = RuleContext(ref=ref, visits=VisitLog(visits))
    rules = [TU001(), TU002(), Compare()]
    before = seen.states
    with X12Source(path) as src:
        for item in iter_items(src.segments(), path):
            if isinstance(item, Claim):
                settle_claim(item, rules, ctx, unsafe=True)
    assert seen.diffs == []
    assert seen.states > before + 80


def _rows_of_each_line(path: str, visits: str, profiles: Path | None = None) -> int:
    """rows_for_lines (one call for a claim's lines, the walk's) against rows_for_line asked
    line by line on a context of its own, before and after some lines were looked up."""
    ref = load_refdata(profiles)
    one = RuleContext(ref=ref, visits=VisitLog(visits))
    each = RuleContext(ref=ref, visits=VisitLog(visits))
    compared = 0
    with X12Source(path) as src:
        for item in iter_items(src.segments(), path):
            if not isinstance(item, Claim):
                continue
            lines = item.lines
            if len(lines) > 1:
                one.rows_for_line(item, lines[-1])  # one line already joined (DOC001 asks)
            got = [[r._key() for r in rows] for rows in one.rows_for_lines(item, lines)]
            want = [[r._key() for r in each.rows_for_line(item, ln)] for ln in lines]
            assert got == want, item.id
            compared += sum(1 for rows in got if rows)
    return compared


def test_a_claims_lines_joined_at_once_get_their_own_rows(tmp_path):
    sample = _rows_of_each_line(
        str(SAMPLE / "therapy_batch.837"),
        str(SAMPLE / "therapy_visits.csv"),
        SAMPLE / "payer_profiles.xml",
    )
    path, visits = _shared_days(tmp_path, 120, 5)
    generated = _rows_of_each_line(path, visits)
    assert sample > 10 and generated > 100


def test_groups_made_by_the_walk_have_every_slot_of_a_new_group(tmp_path):
    # _build_groups makes its groups without TimedGroup.__init__ (slots set inline): each
    # must hold what a group made by the class holds, so a slot added to one is in the other.
    from x12tool.rules.therapy import TimedGroup

    made = TimedGroup(date(2026, 3, 2), "PT")
    path, visits = _shared_days(tmp_path, 30, 11)
    ref = load_refdata(None)
    ctx = RuleContext(ref=ref, visits=VisitLog(visits))
    seen = 0
    with X12Source(path) as src:
        for item in iter_items(src.segments(), path):
            if not isinstance(item, Claim):
                continue
            ctx.for_claim(item)
            for g in timed_groups(item, ctx):
                for slot in TimedGroup.__slots__:
                    assert hasattr(g, slot), slot
                    assert type(getattr(g, slot)) in (type(getattr(made, slot)), list, set), slot
                seen += 1
    assert seen > 20

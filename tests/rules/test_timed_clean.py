"""The usual claim's timed walk (``therapy.timed_clean``: flat per-day lists, no groups) against
the groups it stands in for, on every claim state of the rule cases, the bundled sample and
generated claims: TU001, TU002, TU005 and TU006 find the same whichever answers, a claim the
walk calls clean is one whose groups make no verdict and leave those rules nothing to say, and
the walk gives up (the groups then run and make the findings) whenever a trigger is present."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest

from devtools.synth import generate
from tests.rules.harness import all_case_files, load_cases, run_case
from tests.rules.test_timed_facts import _shared_days
from x12tool.claims import Claim, iter_items
from x12tool.edi import X12Source
from x12tool.fixes import settle_claim
from x12tool.refdata import load_refdata
from x12tool.rules.base import Rule, Severity
from x12tool.rules.context import RuleContext
from x12tool.rules.daypool import prepare_file
from x12tool.rules.services import VISITS
from x12tool.rules.therapy import timed_clean, timed_groups, verdicts
from x12tool.rules.tu001_overbilled_units import TU001
from x12tool.rules.tu002_underbilled_units import TU002
from x12tool.rules.tu004_split_timed_code import TU004
from x12tool.rules.tu005_documented_not_billed import TU005
from x12tool.rules.tu006_no_minutes import TU006
from x12tool.rules.units import supported_of, units_match
from x12tool.visits import VisitLog

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "fixtures" / "sample"
TIMED_RULES = (TU001(), TU002(), TU004(), TU005(), TU006())


class Seen:
    def __init__(self) -> None:
        self.diffs: list[tuple] = []
        self.states = self.clean = self.gave_up = 0
        self.found: dict[str, int] = {}  # findings of the groups on states the walk gave up


SEEN = Seen()


@pytest.fixture
def seen():
    global SEEN
    SEEN = Seen()
    return SEEN


def _found(claim, ctx) -> list[tuple]:
    out = []
    for rule in TIMED_RULES:
        for f in rule.check(claim, ctx):
            out.append((f.code, f.severity, f.message, f.line, repr(f.fix), f.extra))
    return out


class Compare(Rule):
    """On each claim state: the four rules with the walk, then with the groups forced (the
    claim's memo as before the walk existed), and the groups' own facts when it says clean."""

    code = "ZZ902"
    name = "test.timed-clean"
    severity = Severity.INFO
    needs = frozenset({VISITS})

    def check(self, claim, ctx):
        SEEN.states += 1
        memo = ctx.claim_memo(claim)
        kept = dict(memo)
        memo.clear()
        clean = timed_clean(claim, ctx)
        fast = _found(claim, ctx)
        memo.clear()
        memo["timed_clean"] = False  # every rule takes the groups
        slow = _found(claim, ctx)
        groups = timed_groups(claim, ctx)
        found = verdicts(claim, ctx)
        memo.clear()
        memo.update(kept)
        if fast != slow:
            SEEN.diffs.append((claim.id, "findings", fast, slow))
        if clean:
            SEEN.clean += 1
            if found or slow:
                SEEN.diffs.append((claim.id, "clean with verdicts or findings"))
            for g in groups:
                if g.peers or g.unknown or g.unreadable:
                    SEEN.diffs.append((claim.id, "clean with a peer or minutes unknown"))
                unbilled = g.own_min.keys() - g.day_billed.keys()
                supported = g.supported(ctx.profile.unit_method)
                if any(supported[c] for c in unbilled):
                    SEEN.diffs.append((claim.id, "clean with a documented code not billed"))
        elif ctx.visits is not None:
            SEEN.gave_up += 1
            for code, *_rest in slow:
                SEEN.found[code] = SEEN.found.get(code, 0) + 1
        return ()


def _settle_file(path: str, visits: str, profiles: Path | None = None, pool: bool = True):
    ref = load_refdata(profiles)
    ctx = RuleContext(ref=ref, visits=VisitLog(visits))
    if pool:
        prepare_file(path, ctx)
    rules = [TU001(), TU002(), Compare()]
    with X12Source(path) as src:
        for item in iter_items(src.segments(), path):
            if isinstance(item, Claim):
                settle_claim(item, rules, ctx, unsafe=True)


def test_units_match_agrees_with_supported_of():
    # The walk's check of a day of distinct codes (a code documented and not billed goes in
    # with 0 units: it must support none) against the dicts' supported_of.
    rng = random.Random(11)
    agreed = disagreed = 0
    for _ in range(30000):
        n = rng.randint(2, 5)
        minutes = [
            rng.choice([0, 5, 7, 8, 9, 12, 14, 15, 22, 23, 30, 38, rng.randint(0, 75)])
            for _ in range(n)
        ]
        codes = [f"9711{i}" for i in range(n)]
        for method in ("cms", "ama"):
            want = supported_of(dict(zip(codes, minutes, strict=True)), {}, method)
            # billed as supported, then one code off by one (or, at random, anything)
            billed = [want[c] for c in codes]
            if rng.random() < 0.5:
                i = rng.randrange(n)
                billed[i] = max(0, billed[i] + rng.choice([-1, 1]))
            if rng.random() < 0.2:
                billed = [rng.randint(0, 3) for _ in range(n)]
            got = units_match(minutes, billed, method)
            expected = supported_of(
                dict(zip(codes, minutes, strict=True)),
                dict(zip(codes, billed, strict=True)),
                method,
            ) == dict(zip(codes, billed, strict=True))
            assert got == expected, (minutes, billed, method)
            agreed += got
            disagreed += not got
    assert agreed > 10000 and disagreed > 10000


def test_units_match_breaks_ties_as_supported_of():
    # 23 and 8 minutes: 31 minutes, 2 units, one full; the remaining unit is tied on 8 minutes
    # left over each and goes to the code billed more units, then the one with more minutes.
    assert units_match([23, 8], [2, 0], "cms")
    assert not units_match([23, 8], [1, 1], "cms")
    assert units_match([8, 23], [0, 2], "cms")
    # no tie: the two remaining units go to 14 and 12 minutes left over, not to 9
    assert units_match([27, 9, 14], [2, 0, 1], "cms")
    assert not units_match([27, 9, 14], [1, 1, 1], "cms")
    # a code documented and not billed (0 units) that the day's minutes give a unit to
    assert not units_match([30, 10], [2, 0], "cms")
    assert units_match([30, 5], [2, 0], "cms")


def test_rule_cases_agree(tmp_path, seen):
    cases = [c for f in all_case_files() for c in load_cases(f) if c.visits]
    for case in cases:
        run_case(case, Compare, tmp_path)
    assert seen.diffs == []
    # (most cases are made to find something: the walk gives up on them)
    assert seen.clean > 0 and seen.gave_up > 60
    # the cases' findings came from the groups, on states the walk gave up
    assert all(seen.found.get(code, 0) > 2 for code in ("TU001", "TU002", "TU005", "TU006"))


def test_sample_agrees(seen):
    _settle_file(
        str(SAMPLE / "therapy_batch.837"),
        str(SAMPLE / "therapy_visits.csv"),
        SAMPLE / "payer_profiles.xml",
    )
    assert seen.diffs == []
    assert seen.clean > 0 and seen.gave_up > 10 and seen.found["TU001"] > 2


def _generated(tmp_path: Path, claims: int, seed: int, edit=None, split=0.0):
    """Generated claims (one member each: no day pool) and their visit log, ``edit`` applied
    to the log's rows (a list of dicts) before it is written; ``split``: the share of lines
    given the code of the line before them in the claim, their rows too (when the two are of
    one date and discipline, one code on two lines of the day: TU004)."""
    raw, log = io.BytesIO(), io.StringIO()
    generate(raw, claims=claims, seed=seed, visits=log, defect_rate=0.3)
    rng = random.Random(seed)
    recoded: dict[str, str] = {}  # line control -> the code its line now has
    segments, previous, pending = [], None, None
    for seg in raw.getvalue().decode("latin-1").split("~"):
        s = seg.lstrip()
        if s.startswith("CLM*"):
            previous = None
        elif s.startswith("SV1*HC:"):
            parts = seg.split("*")
            composite = parts[1].split(":")
            code = composite[1]
            if previous is not None and rng.random() < split:
                composite[1] = code = previous
                parts[1] = ":".join(composite)
                seg = "*".join(parts)
                pending = code
            previous = code
        elif s.startswith("REF*6R*") and pending is not None:
            recoded[s.split("*")[2]] = pending
            pending = None
        segments.append(seg)
    path = tmp_path / f"gen{seed}.837"
    path.write_bytes("~".join(segments).encode("latin-1"))
    rows = list(csv.DictReader(io.StringIO(log.getvalue())))
    for row in rows:
        if row["line_control"] in recoded:
            row["cpt"] = recoded[row["line_control"]]
    if edit is not None:
        rows = edit(rows, rng)
    vpath = tmp_path / f"gen{seed}.csv"
    with open(vpath, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return str(path), str(vpath)


def _triggers(rows: list[dict], rng: random.Random) -> list[dict]:
    """Each of the walk's triggers on some claims: a row added with a line's control (a line's
    rows are several), a row's code changed under its control, a row added without a control
    (documented and not billed: 5 minutes count toward the day only, 20 support a unit; with
    or without a discipline), a
    row's control dropped (the join looks by code and date), its discipline dropped, the row
    dropped (its line's minutes unknown)."""
    out = []
    for row in rows:
        roll = rng.random()
        row = dict(row)
        if roll < 0.04 and row["line_control"]:
            out.append(row)
            row = dict(row, minutes="9")
        elif roll < 0.08:
            row["cpt"] = "97112" if row["cpt"] != "97112" else "97110"
        elif roll < 0.14:
            out.append(row)
            minutes = rng.choice(["5", "20"])
            # (with no discipline the row's day is the claim's one discipline, if it has one)
            disc = rng.choice(["", row["discipline"]])
            row = dict(row, line_control="", cpt="97035", minutes=minutes, discipline=disc)
        elif roll < 0.18:
            row["line_control"] = ""
        elif roll < 0.22:
            row["discipline"] = ""
        elif roll < 0.26:
            continue
        out.append(row)
    return out


@pytest.mark.parametrize("seed", [2, 23])
def test_generated_claims_agree(tmp_path, seen, seed):
    path, visits = _generated(tmp_path, 200, seed)
    _settle_file(path, visits)
    assert seen.diffs == []
    assert seen.clean > 100 and seen.gave_up > 20


def test_each_trigger_hands_the_claim_to_the_groups(tmp_path, seen):
    path, visits = _generated(tmp_path, 240, 31, _triggers, split=0.15)
    _settle_file(path, visits)
    assert seen.diffs == []
    assert seen.clean > 40 and seen.gave_up > 100
    found = ("TU001", "TU002", "TU004", "TU005", "TU006")
    assert all(seen.found.get(code, 0) > 3 for code in found), seen.found


def test_shared_days_and_no_pool_agree(tmp_path, seen):
    # Members sharing days: the pool's beneficiaries are the groups' (peers); the same file
    # with no pool prepared: alone on every day, as the walk then takes them.
    path, visits = _shared_days(tmp_path, 90, 7)
    _settle_file(path, visits)
    assert seen.diffs == []
    pooled_clean = seen.clean
    _settle_file(path, visits, pool=False)
    assert seen.diffs == []
    assert seen.gave_up > 60 and seen.clean > pooled_clean

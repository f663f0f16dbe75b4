"""check --jobs N: the same report as one process, whatever N (x12tool/preflight/parallel.py),
and the run plan that makes it so (x12tool/claims/plan.py)."""

from __future__ import annotations

import csv
import io
import json
import os
import pickle
import re
from collections import Counter

import pytest
from click.testing import CliRunner

from devtools.synth import generate
from x12tool.claims import scan
from x12tool.claims.plan import FilePlan, plan_run
from x12tool.claims.scan import head_rows
from x12tool.cli import cli
from x12tool.edi import SegmentReader
from x12tool.preflight import parallel
from x12tool.preflight.parallel import check_file
from x12tool.preflight.run import process_file
from x12tool.preflight.session import open_session
from x12tool.reports.spool import record_flags
from x12tool.rules import daypool
from x12tool.rules.daypool import prepare_file

CLONED = "Sit-to-stand transfers 3x10 with min assist, cues for hand placement and pacing"


def _write_log(path, rows: list[dict]) -> str:
    """A visit log of ``rows`` (dicts of one header) at ``path``."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return str(path)


def _every(n: int, payer: str) -> str | None:
    return "SHARED1" if n % 9 == 0 else "SHARED2" if n % 13 == 5 else None


def _scattered(tmp_path, claims=700, choose=_every, seed=11):
    """A generated file where two members have claims all over the file (by default every
    9th claim, every 13th) with the same 97530 note on every date of the first: their KX
    counts, progress-report days and cloned notes run across the whole file. ``choose(n,
    SBR09)`` names the member of claim ``n`` (None: keep the generated one)."""
    raw = io.BytesIO()
    log = io.StringIO()
    generate(raw, claims=claims, seed=seed, claims_per_st=700, visits=log, defect_rate=0.2)
    text = raw.getvalue().decode("latin-1")
    ids = re.findall(r"CLM\*([^*]+)\*", text)
    shared = {}
    out, n, payer = [], -1, ""
    for seg in text.split("~"):
        if seg.lstrip().startswith("SBR*"):
            payer = seg.split("*")[9]
        if seg.lstrip().startswith("NM1*IL*"):
            n += 1
            member = choose(n, payer)
            if member:
                shared[ids[n]] = member
                parts = seg.split("*")
                parts[9] = member
                seg = "*".join(parts)
        out.append(seg)
    path = tmp_path / f"scattered{seed}.837"
    path.write_bytes("~".join(out).encode("latin-1"))
    rows = list(csv.DictReader(io.StringIO(log.getvalue())))
    for row in rows:
        if shared.get(row["claim_id"]) == "SHARED1" and row["cpt"] == "97530":
            row["note_text"] = CLONED
        if shared.get(row["claim_id"]):
            row["progress_report"] = ""  # no progress report on file: DOC002 counts the days
    return str(path), _write_log(tmp_path / f"scattered{seed}.csv", rows)


@pytest.fixture(scope="module")
def scattered(tmp_path_factory):
    return _scattered(tmp_path_factory.mktemp("jobs"))


@pytest.fixture(autouse=True)
def small_shares(monkeypatch):
    # workers for small files too, so the tests stay quick (the default is 500 claims each)
    monkeypatch.setattr(parallel, "MIN_CLAIMS_PER_WORKER", 100)


def _check(path, visits, jobs, *more):
    result = CliRunner().invoke(
        cli,
        ["check", path, "--visits", visits, "--no-ig", "--format", "json", "--jobs", str(jobs)]
        + list(more),
    )
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def _texts(into: list):
    """An ``on_claim_text`` that keeps the texts and checks each record's flags."""

    def take(text: str, flags: int) -> None:
        assert flags == record_flags(json.loads(text))
        into.append(text)

    return take


def test_same_report_for_any_number_of_workers(scattered):
    path, visits = scattered
    one = _check(path, visits, 1)
    report = json.loads(one)
    codes = [f["code"] for c in report["claims"] for f in c["findings"]]
    # the cross-claim rules did fire across the file, so a wrong split would show
    assert codes.count("KX001") + codes.count("KX002") >= 5
    assert codes.count("DOC003") >= 5
    assert codes.count("DOC002") >= 1
    for jobs in (2, 3):
        assert _check(path, visits, jobs) == one


def test_visit_log_problems_found_in_workers_are_reported_alike(scattered, tmp_path):
    # A row's discipline and provider_role are judged when a rule first reads the row: with
    # workers that happens in the children, whose problems must reach the parent's report.
    path, visits = scattered
    with open(visits, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for i, row in enumerate(rows):
        if i % 40 == 7:
            row["discipline"] = "XT"
        elif i % 40 == 27:
            row["provider_role"] = "AID"
    bad = _write_log(tmp_path / "bad_values.csv", rows)
    one = _check(path, bad, 1)
    problems = json.loads(one)["visit_log"]["problems"]
    assert len(problems) >= 2 * (len(rows) // 40)
    assert [p["row"] for p in problems] == sorted(p["row"] for p in problems)
    for jobs in (2, 3):
        assert _check(path, bad, jobs) == one


def test_same_report_with_a_ledger(scattered, tmp_path):
    """With a SQLite ledger holding an earlier file of the same members: the parent reads the
    ledger's totals before the fork, each worker reads through its own connection."""
    earlier, earlier_visits = _scattered(tmp_path, claims=150, seed=12)
    db = str(tmp_path / "ledger.sqlite")
    sent = CliRunner().invoke(
        cli,
        ["preflight", earlier, "--visits", earlier_visits, "--no-ig", "--ledger", db]
        + ["--out-dir", str(tmp_path / "out")],
    )
    assert sent.exit_code in (0, 1), sent.output
    path, visits = scattered
    one = _check(path, visits, 1, "--ledger", db)
    without = _check(path, visits, 1, "--no-ledger")
    assert one != without  # the recorded claims changed the answer
    assert _check(path, visits, 3, "--ledger", db) == one


def test_workers_really_ran_and_summaries_add_up(scattered):
    path, visits = scattered
    session = open_session(visits=visits, inputs=[path])
    one: list[str] = []
    s1 = check_file(path, session.rules, session.ctx, jobs=1, on_claim_text=_texts(one))
    session = open_session(visits=visits, inputs=[path])
    three: list[str] = []
    s3 = check_file(path, session.rules, session.ctx, jobs=3, on_claim_text=_texts(three))
    assert (s1.workers, s3.workers) == (1, 3)
    assert three == one
    assert s3.as_dict() == s1.as_dict()


def test_a_failed_worker_means_one_process_not_a_wrong_answer(scattered):
    path, visits = scattered
    session = open_session(visits=visits, inputs=[path])
    plan = session.ctx.plans[path]
    want: list[str] = []
    check_file(path, session.rules, session.ctx, jobs=1, on_claim_text=_texts(want))
    session = open_session(visits=visits, inputs=[path])
    bad = session.ctx.plans[path]
    bad.crcs[len(bad.crcs) // 2] ^= 1  # the scan "saw" another claim there: workers stop
    got: list[str] = []
    summary = check_file(path, session.rules, session.ctx, jobs=2, on_claim_text=_texts(got))
    assert summary.workers == 1
    assert got == want
    assert plan.claims == summary.claims


def test_group_state_is_exact_however_far_apart_the_claims(tmp_path):
    """A Medicare member's first 30 claims open the file and their last claim closes it, over
    2,000 other beneficiaries later (the old run-only memory kept the last 2,000): the last
    claim is still counted after the first ones against the KX threshold."""
    picked: list[int] = []

    def choose(n: int, payer: str) -> str | None:
        if payer == "MB" and (len(picked) < 30 or n >= 2590):
            picked.append(n)
            return "SHARED1"
        return None

    path, visits = _scattered(tmp_path, claims=2600, choose=choose)
    first, last = picked[:30], picked[-1]
    assert last - first[-1] > 2000
    ids = re.findall(r"CLM\*([^*]+)\*", open(path, encoding="latin-1").read())
    session = open_session(visits=visits, inputs=[path])
    records: list[dict] = []
    check_file(path, session.rules, session.ctx, jobs=1, on_claim=records.append)
    by_id = {r["id"]: r for r in records}
    kx = [f for f in by_id[ids[last]]["findings"] if f["code"] in ("KX001", "KX002")]
    assert kx, "the far-apart member's threshold count was lost"
    assert any(ids[n] in f["message"] or "threshold" in f["message"] for f in kx for n in first)


def _two_patients_file(tmp_path) -> str:
    """Three subscribers; the first and the third have the same 2000C patient (last name and
    birth date), the second another one."""

    def claim(n, member, last, born):
        return [
            f"HL*{2 * n}*1*22*1",
            "SBR*P*18*******MB",
            f"NM1*IL*1*SUB{n}*A****MI*{member}",
            "NM1*PR*2*MEDICARE*****PI*00431",
            f"HL*{2 * n + 1}*{2 * n}*23*0",
            "PAT*19",
            f"NM1*QC*1*{last}*PAT",
            f"DMG*D8*{born}*F",
            f"CLM*C{n}*100***11:B:1*Y*A*Y*Y",
            "LX*1",
            "SV1*HC:97530:GP*100*UN*2***1",
            "DTP*472*D8*20260302",
        ]

    segs = ["ST*837*0001*005010X222A1", "HL*1**20*1", "NM1*85*2*CLINIC*****XX*1234567893"]
    segs += claim(1, "M1", "DOE", "19500101")
    segs += claim(2, "M2", "ROE", "19500101")
    segs += claim(3, "M3", "doe", "19500101")
    body = "~".join(segs) + "~"
    isa = (
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260302*1200*^*"
        "00501*000000001*0*P*:~GS*HC*S*R*20260302*1200*1*X*005010X222A1~"
    )
    tail = f"SE*{len(segs) + 1}*0001~GE*1*1~IEA*1*000000001~"
    path = tmp_path / "patients.837"
    path.write_text(isa + body + tail, encoding="latin-1")
    return str(path)


def test_plan_links_claims_by_member_and_by_patient(tmp_path):
    path = _two_patients_file(tmp_path)
    plan = FilePlan.build(path)
    assert plan.claims == 3
    assert plan.groups[0] == plan.groups[2] != plan.groups[1]  # same patient, any case
    assert list(plan.ends) == [0, 1, 1]
    routes = plan.routes(2)
    assert routes[0] == routes[2] != routes[1]
    assert plan.matches(0, "C1") and not plan.matches(0, "C2")


def test_groups_span_the_inputs_of_one_run(tmp_path):
    a = _two_patients_file(tmp_path)
    b = tmp_path / "again.837"
    b.write_bytes(open(a, "rb").read().replace(b"*C", b"*D"))
    plans = plan_run([a, str(b)])
    assert plans[a].groups[0] == plans[str(b)].groups[0]
    assert list(plans[a].ends) == [0, 0, 0]  # every group goes on into the second file
    assert list(plans[str(b)].ends) == [0, 1, 1]


def test_forked_worker_reads_the_visit_log_through_its_own_file(scattered):
    path, visits = scattered
    session = open_session(visits=visits, inputs=[path])
    log = session.ctx.visits
    parent_fh = log._fh
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            ok = log._fh is not parent_fh and not log._fh.closed
            os.write(w, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(w)
    got = os.read(r, 1)
    os.waitpid(pid, 0)
    os.close(r)
    assert got == b"1"
    assert log._fh is parent_fh


def test_workers_records_leave_no_folder_and_stale_ones_go(scattered, private_tempdir):
    """The workers' records (claim data) live in a 0700 folder named with the run's pid,
    removed at the end; a folder of a killed run is removed by the next one."""
    tmp_path, gone = private_tempdir
    dead = tmp_path / f"{parallel.FOLDER_PREFIX}{gone}-abc"
    dead.mkdir()
    (dead / "0.jsonl").write_text("{}\n")
    path, visits = scattered
    session = open_session(visits=visits, inputs=[path])
    summary = check_file(path, session.rules, session.ctx, jobs=2, on_claim_text=lambda t, f: None)
    assert summary.workers == 2
    assert not dead.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(parallel.FOLDER_PREFIX)]


def _enveloped(tmp_path, claims=600, seed=21):
    """A generated file re-enveloped as two interchanges, the first with two functional
    groups, six transaction sets in all, every terminator followed by CR LF; one member's
    claims in every set; a second billing provider in each set; every 4th subscriber loop
    with a second claim and every 7th preceded by a subscriber loop without claims (control
    numbers and counts made right again)."""
    raw, log = io.BytesIO(), io.StringIO()
    generate(raw, claims=claims, seed=seed, claims_per_st=claims // 6, visits=log, interchanges=2)
    segs = [s.strip() for s in raw.getvalue().decode("latin-1").split("~") if s.strip()]
    isa, gs = segs[0], segs[1]
    rows = list(csv.DictReader(io.StringIO(log.getvalue())))
    sets, loop, cur = [], 0, None
    for seg in segs:
        if seg.startswith("ST*"):
            cur = [seg]
        elif seg.startswith("SE*"):
            cur.append("SE*{}*" + seg.split("*")[2])
            sets.append(cur)
            cur = None
        elif seg.startswith("HL*") and seg.split("*")[3] == "22":
            loop += 1
            cur.append(seg)
        elif seg.startswith("NM1*IL*") and loop % 11 == 3:
            cur.append(seg.rsplit("*", 1)[0] + "*SPREAD1")  # the member in every set
        elif cur is not None:
            cur.append(seg)
    dup = {}

    def level(seg: str) -> str:
        return seg.split("*")[3] if seg.startswith("HL*") else ""

    def put(seg: str, **at: str) -> str:
        parts = seg.split("*")
        for i, value in at.items():
            parts[int(i[1:])] = value
        return "*".join(parts)

    for body in sets:
        first20 = next(i for i, s in enumerate(body) if level(s) == "20")
        billing = body[first20 : next(i for i, s in enumerate(body) if level(s) == "22")]
        out, k, n, parent = [], 0, 0, None
        while k < len(body):
            if level(body[k]) != "22":
                out.append(body[k])
                k += 1
                continue
            end = k + 1
            while level(body[end]) not in ("20", "22") and not body[end].startswith("SE*"):
                end += 1
            block = body[k:end]
            if n == 5:  # a second billing provider (2000A): the next loops are its own
                parent = f"8{k}"
                out += [put(billing[0], e1=parent)] + billing[1:]
            if parent:
                block[0] = put(block[0], e2=parent)
            if n % 7 == 2:  # a subscriber loop without claims, before this one
                cut = next(i for i, s in enumerate(block) if i and s.startswith(("CLM*", "HL*")))
                out += [put(block[0], e1=f"9{k}", e4="0")] + block[1:cut]
            out += block
            clm = [i for i, s in enumerate(block) if s.startswith("CLM*")]
            if n % 4 == 1 and len(clm) == 1 and not any(s.startswith("HL*") for s in block[1:]):
                cid = block[clm[0]].split("*")[1]  # a second claim in the loop
                dup[cid] = cid + "B"
                out += [put(block[clm[0]], e1=cid + "B")] + block[clm[0] + 1 :]
            n += 1
            k = end
        out[-1] = out[-1].format(len(out))
        body[:] = out
    layout = [[sets[:1], sets[1:3]], [sets[3:]]]
    text, group = [], 0
    for i, groups in enumerate(layout, 1):
        ctl = f"{i:09d}"
        text.append(isa[:90] + ctl + isa[99:])
        for members in groups:
            group += 1
            g = gs.split("*")
            g[6] = str(group)
            text.append("*".join(g))
            for body in members:
                text += body
            text.append(f"GE*{len(members)}*{group}")
        text.append(f"IEA*{len(groups)}*{ctl}")
    path = tmp_path / f"enveloped{seed}.837"
    path.write_bytes(("~\r\n".join(text) + "~\r\n").encode("latin-1"))
    rows += [dict(r, claim_id=dup[r["claim_id"]]) for r in rows if r["claim_id"] in dup]
    return str(path), _write_log(tmp_path / f"enveloped{seed}.csv", rows)


@pytest.fixture(scope="module")
def enveloped(tmp_path_factory):
    return _enveloped(tmp_path_factory.mktemp("envelopes"))


def test_enveloped_file_has_what_the_passes_must_get_right(enveloped):
    path, _ = enveloped
    text = open(path, "rb").read().decode("latin-1")
    assert text.count("ISA*") == 2 and text.count("\nGS*") == 3 and text.count("\nST*") == 6
    assert text.count("~\r\n") == text.count("~")
    assert len(re.findall(r"\nHL\*[^*]*\*\*20\*", text)) == 12
    plan = FilePlan.build(path)
    loops = list(plan.loops)
    assert any(a == b for a, b in zip(loops, loops[1:], strict=False))  # two claims, one loop
    assert any(b > a + 1 for a, b in zip(loops, loops[1:], strict=False))  # a loop without
    ids = re.findall(r"CLM\*([^*]+)\*", text)
    sets = [re.findall(r"NM1\*IL\*[^~]*\*SPREAD1~", part) for part in text.split("\nST*")[1:]]
    assert all(sets) and len(ids) == plan.claims


class _Passed(list):
    """The claims of each pass, and (``loops``) the subscriber loops each took."""

    def __init__(self) -> None:
        super().__init__()
        self.loops: list[int] = []
        self.jumps = 0  # passes jumped over (the plan knew where they end)

    def clear(self) -> None:
        super().clear()
        self.loops.clear()
        self.jumps = 0


@pytest.fixture
def passed(monkeypatch) -> list[int]:
    """The claim counts of the subscriber loops the segment reader passes over, as it goes."""
    counts = _Passed()
    real = SegmentReader.pass_over

    def counting(self, claims, done=None, loops=1, to=None):
        counts.append(claims)
        counts.loops.append(loops)
        counts.jumps += to is not None
        real(self, claims, done, loops, to)

    monkeypatch.setattr(SegmentReader, "pass_over", counting)
    return counts


def test_workers_pass_over_the_others_loops_and_read_the_same(enveloped, passed):
    """Each worker in turn, in this process: the loops it passes over are the others' whole
    loops, and together the workers give one process's records, positions and offsets too."""
    path, visits = enveloped
    session = open_session(visits=visits, inputs=[path])
    want: list[dict] = []
    one = process_file(path, session.rules, session.ctx, on_claim=want.append)
    routes = session.ctx.plans[path].routes(3)
    got: list[list[dict]] = []
    summaries = []
    for k in range(3):
        session = open_session(visits=visits, inputs=[path])
        prepare_file(path, session.ctx)  # as check_file does before the fork
        mine: list[dict] = []
        summaries.append(
            process_file(path, session.rules, session.ctx, on_claim=mine.append, worker=(k, routes))
        )
        got.append(mine)
        assert sum(passed) >= one.claims // 2  # most of the others' claims were passed over
        # runs of the others' loops in one pass each (a set or billing provider ends a run)
        assert max(passed.loops) > 3 and len(passed) < sum(passed.loops) / 2
        passed.clear()
    merged = [got[w].pop(0) for w in routes]
    assert merged == want
    assert [r["id"] for r in want] == re.findall(
        r"CLM\*([^*]+)\*", open(path, encoding="latin-1").read()
    )
    for part in summaries:
        assert part.sets == one.sets and part.set_findings == one.set_findings
    assert sum(s.claims for s in summaries) == one.claims


def test_same_report_for_any_number_of_workers_across_envelopes(enveloped):
    path, visits = enveloped
    one = _check(path, visits, 1)
    for jobs in (2, 3):
        assert _check(path, visits, jobs) == one


@pytest.mark.parametrize("wrong", ["loops", "breaks"])
def test_a_loop_that_holds_other_claims_than_the_plan_says_means_one_process(enveloped, wrong):
    path, visits = enveloped
    session = open_session(visits=visits, inputs=[path])
    want: list[str] = []
    check_file(path, session.rules, session.ctx, jobs=1, on_claim_text=_texts(want))
    session = open_session(visits=visits, inputs=[path])
    plan = session.ctx.plans[path]
    if wrong == "loops":
        # the plan "saw" a loop end inside a loop of two claims (of one worker): the other
        # worker's run of loops that takes it in holds the claims of one loop more than the
        # plan says (a run that ends at an HL 20 or ST, not at a loop without claims, which
        # the extra loop could be)
        routes, loops = plan.routes(2), plan.loops
        ends = [*plan.breaks, plan.claims]

        def detectable(i: int) -> bool:
            if loops[i] != loops[i - 1] or routes[i] != routes[i - 1]:
                return False
            end = next(b for b in ends if b > i)
            return end == plan.claims or loops[end] == loops[end - 1] + 1

        two = next(i for i in range(1, plan.claims) if detectable(i))
        for i in range(two, plan.claims):
            plan.loops[i] += 1
    else:
        # the plan missed every HL of level 20 and ST: runs stop early at them
        assert len(plan.breaks) > 6
        plan.breaks = plan.breaks[:1]
    got: list[str] = []
    summary = check_file(path, session.rules, session.ctx, jobs=2, on_claim_text=_texts(got))
    assert summary.workers == 1
    assert got == want


@pytest.mark.parametrize("which", ["scattered", "enveloped"])
def test_day_pool_prepass_passes_over_lone_claims_and_pools_the_same(
    which, request, monkeypatch, passed
):
    """The day pool's pre-pass models only claims whose group has another claim in the file
    and passes over loops of lone claims; the pool is the one a full read gives, also when
    the plan does not fit the file (it then reads the file whole)."""
    path, visits = request.getfixturevalue(which)

    def pool(plans=None) -> dict:
        session = open_session(visits=visits, inputs=[path])
        if plans is not None:
            session.ctx.plans = plans
        prepare_file(path, session.ctx)
        got = session.ctx.run_state("daypool", {})["pool"]
        return {"members": got.members, "claim_ids": got.claim_ids}

    full = pool(plans={})  # no plan: every claim modelled
    assert full["members"] and not passed
    fast = pool()
    assert fast == full
    assert sum(passed) > 0  # loops of lone claims were passed over
    plan = FilePlan.build(path)
    size = Counter(plan.groups)
    shared = next(n for n, g in enumerate(plan.groups) if size[g] > 1)
    plan.crcs[shared] ^= 1  # a claim the plan did not see there (a file changed since)
    fills = []
    real_fill = daypool._fill

    def fill(pool_, path_, ctx, multi, plan_, worker=None):
        fills.append(plan_ is not None)
        real_fill(pool_, path_, ctx, multi, plan_, worker)

    monkeypatch.setattr(daypool, "_fill", fill)
    assert pool(plans={path: plan}) == full
    assert fills == [True, False]  # the plan did not fit: read again, whole


def test_workers_without_a_visit_log(scattered):
    """check --jobs N with no --visits (the default on a big file is one worker a core): the
    report is one process's. A visit-log step of the merge once crashed here (exit 4)."""
    path, _ = scattered

    def check(jobs: int) -> str:
        argv = ["check", path, "--no-ig", "--format", "json", "--jobs", str(jobs)]
        result = CliRunner().invoke(cli, argv)
        assert result.exit_code in (0, 1), result.output
        return result.stdout

    one = check(1)
    assert json.loads(one)["summary"]["claims"] == 700
    assert check(2) == one


def test_beneficiary_day_unit_limits_across_claims_for_any_number_of_workers(tmp_path):
    """TU007 counts a 1-unit code per beneficiary-day across the file's claims (earlier claims
    first, x12tool/rules/dayunits.py): 100 members each with three claims of one date spread
    over the file, each billing a PT evaluation. The second and third claim of each member are
    over the day's limit, with one worker or several."""
    segs = ["ST*837*0001*005010X222A1", "HL*1**20*1", "NM1*85*2*CLINIC*****XX*1234567893"]
    for n in range(300):
        segs += [
            f"HL*{n + 2}*1*22*0",
            "SBR*P*18*******MB",
            f"NM1*IL*1*SUB*A****MI*M{n % 100:03d}",
            "NM1*PR*2*MEDICARE*****PI*00431",
            f"CLM*E{n:03d}*150***11:B:1*Y*A*Y*Y",
            "HI*ABK:M25561",
            "LX*1",
            "SV1*HC:97161:GP*150*UN*1***1",
            "DTP*472*D8*20260302",
        ]
    isa = (
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260302*1200*^*"
        "00501*000000001*0*P*:~GS*HC*S*R*20260302*1200*1*X*005010X222A1~"
    )
    path = tmp_path / "evaluations.837"
    tail = f"SE*{len(segs) + 1}*0001~GE*1*1~IEA*1*000000001~"
    path.write_text(isa + "~".join(segs) + "~" + tail, encoding="latin-1")

    def check(jobs: int) -> str:
        argv = ["check", str(path), "--no-ig", "--format", "json", "--jobs", str(jobs)]
        result = CliRunner().invoke(cli, argv)
        assert result.exit_code in (0, 1), result.output
        return result.stdout

    one = check(1)
    held = {
        c["id"]: f["message"]
        for c in json.loads(one)["claims"]
        for f in c["findings"]
        if f["code"] == "TU007"
    }
    assert sorted(held) == [f"E{n:03d}" for n in range(100, 300)]
    assert "E000 (1)" in held["E100"] and "E000 (1), E100 (1)" in held["E200"]
    for jobs in (2, 3):
        assert check(jobs) == one


def test_records_handed_back_in_runs_as_one_by_one(tmp_path):
    """_replay_blocks (a run of one worker's records at a time) gives the records of
    _replay in the same order, with their flags and status bits, also when a worker wrote
    fewer records than the routes give it (it stopped at a file error) and when a worker's
    number is a line break's byte."""
    from x12tool.reports.spool import CORRECTED, HELD, ClaimSpool

    routes = bytearray([0, 0, 10, 10, 10, 0, 1, 10, 0, 0, 1, 1, 1])
    statuses = ["ready", "held", "corrected"]
    for k in range(11):
        mine = [n for n, w in enumerate(routes) if w == k]
        if k == 1:
            mine = mine[:2]  # stopped early
        texts = [f'{{"claim_id": "C{n}", "status": "{statuses[n % 3]}"}}' for n in mine]
        (tmp_path / f"{k}.jsonl").write_text("".join(t + "\n" for t in texts))
        flags = bytes(
            (n % 4) | (HELD if n % 3 == 1 else CORRECTED if n % 3 == 2 else 0) for n in mine
        )
        (tmp_path / f"{k}.flags").write_bytes(flags)
    one: list = []
    parallel._replay(str(tmp_path), 11, routes, None, lambda t, f: one.append((t, f)))
    spool = ClaimSpool()
    parallel._replay_blocks(str(tmp_path), 11, routes, spool.add_block)
    assert list(spool.texts()) == [t for t, _ in one]
    assert len(one) == len(routes) - 2
    assert [json.loads(t)["claim_id"] for t, _ in one][:4] == ["C0", "C1", "C2", "C3"]
    # _replay gives record_flags alone; the spool adds the status bits from the text
    other = ClaimSpool()
    for t, f in one:
        assert f < 4
        other.add_text(t, f)
    assert spool.flags == other.flags and spool.count == other.count == len(one)
    spool.close()
    other.close()


def _reader_loops(path: str) -> tuple[list[tuple[int, int]], dict[int, tuple[int, int]]]:
    """Each subscriber loop's HL, and where a loop ends other than at the next loop's HL, as
    the segment reader finds them: (offset of the segment's text with the whitespace before
    it, segments before it)."""
    starts, ends, open_loop, after = [], {}, -1, 0
    with open(path, "rb") as fh:
        reader = SegmentReader(fh, path)
        term = reader.delims.segment
        for seg in reader:
            f = seg.fields
            level = f[3] if f[0] == "HL" and len(f) > 3 else ""
            place = (after, seg.index - 1)
            after = seg.offset + seg.raw.index(term) + 1  # the next one's whitespace on
            if level == "22":
                starts.append(place)
                open_loop = len(starts) - 1
            elif open_loop >= 0 and (
                level == "20" or f[0] in ("SE", "ST", "GS", "GE", "ISA", "IEA")
            ):
                ends[open_loop] = place
                open_loop = -1
    return starts, ends


@pytest.mark.parametrize(
    ("which", "chunk"),
    [("scattered", 1 << 16), ("enveloped", 1 << 16), ("enveloped", 211), ("scattered", 1000)],
)
def test_loop_spans_are_where_the_reader_finds_the_loops(which, chunk, request, monkeypatch):
    """The places of the subscriber loops (claims/scan.py LoopSpans), which a worker jumps
    to, are the reader's own, across sets, billing providers, interchanges, loops without
    claims, terminators followed by CR LF and wherever the scan's reads end; a plan built
    without them has none."""
    path, _ = request.getfixturevalue(which)
    monkeypatch.setattr(scan, "CHUNK", chunk)
    plan = plan_run([path], spans=True)[path]
    starts, ends = _reader_loops(path)
    assert plan.spans is not None and plan.spans.total == len(starts)
    # a run of loops ends at the next loop's HL, or where the last one ends otherwise
    for loop in range(len(starts)):
        for loops in (1, 3):
            last = loop + loops - 1
            if last >= len(starts):
                assert plan.span(loop, loops) is None
                continue
            to, passed = plan.span(loop, loops)
            end = ends.get(last) or starts[last + 1]
            assert (to, passed + starts[loop][1] + 1) == end
    assert plan.spans.ok and plan.span(-1, 1) is None
    assert FilePlan.build(path).spans is None
    # as the workers get them: through a pickle
    again = pickle.loads(pickle.dumps(plan.spans))
    assert [again.span(n, 2) for n in range(len(starts))] == [
        plan.span(n, 2) for n in range(len(starts))
    ]


def test_loop_spans_are_left_out_where_the_scan_cannot_vouch_for_them(tmp_path, scattered):
    """No places rather than wrong ones: a file whose terminator is a line break, and a file
    with an HL the reader would not take as a segment of its own."""
    path, _ = scattered
    text = open(path, "rb").read()
    newline = tmp_path / "newline.837"
    newline.write_bytes(re.sub(rb"~\s*", b"\n", text))
    assert plan_run([str(newline)], spans=True)[str(newline)].spans is None
    odd = tmp_path / "odd.837"
    at = re.compile(rb"~\s*HL\*").search(text, len(text) // 2).end() - 3
    odd.write_bytes(text[:at] + b"\x0b" + text[at:])
    plan = plan_run([str(odd)], spans=True)[str(odd)]
    loops = plan.spans.total
    assert plan.span(0, 1) is not None
    assert None in [plan.span(n, 1) for n in range(loops - 1)]
    assert not plan.spans.ok and plan.span(0, 1) is None  # none once one is wrong


@pytest.mark.parametrize("which", ["scattered", "enveloped"])
def test_workers_jump_over_the_others_loops_and_read_the_same(which, request, passed):
    """With the loops' places (a run that may use workers), each worker jumps over the others'
    stretches (no text read) and pools its own claims' days; together they give one process's
    records, positions and offsets, set findings and day pools."""
    path, visits = request.getfixturevalue(which)
    session = open_session(visits=visits, inputs=[path])
    want: list[dict] = []
    one = process_file(path, session.rules, session.ctx, on_claim=want.append)
    prepare_file(path, session.ctx)
    full = session.ctx.run_state("daypool", {})["pool"]
    routes = session.ctx.plans[path].routes(3)
    got: list[list[dict]] = []
    for k in range(3):
        session = open_session(visits=visits, inputs=[path], scan_ahead=True)
        assert session.ctx.plans[path].spans is not None
        passed.clear()
        prepare_file(path, session.ctx, worker=(k, routes))  # as each worker does
        pool = session.ctx.run_state("daypool", {})["pool"]
        assert passed.jumps and passed.jumps == len(passed)
        mine: list[dict] = []
        part = process_file(
            path, session.rules, session.ctx, on_claim=mine.append, worker=(k, routes)
        )
        assert passed.jumps == len(passed) and sum(passed) >= one.claims // 2
        assert part.sets == one.sets and part.set_findings == one.set_findings
        got.append(mine)
        # the day pool of the worker's own members: the full pool's, nothing of the others'
        members = {row[1] for n, row in enumerate(head_rows(path)) if routes[n] == k}
        assert pool.members == {m: p for m, p in full.members.items() if m in members}
        assert pool.members or k
    assert [got[w].pop(0) for w in routes] == want


def test_a_jump_to_where_no_loop_ends_means_one_process(enveloped):
    """A plan whose places are not the file's (a file changed since the scan): the workers
    jump to the wrong loops, read other claims than the plan says, and the file is checked
    in one process, with the same answer."""
    path, visits = enveloped
    session = open_session(visits=visits, inputs=[path])
    want: list[str] = []
    check_file(path, session.rules, session.ctx, jobs=1, on_claim_text=_texts(want))
    session = open_session(visits=visits, inputs=[path], scan_ahead=True)
    spans = session.ctx.plans[path].spans
    for n in range(len(spans.loops)):
        spans.loops[n] += 1  # each piece of the file holds the loops after those it holds
    got: list[str] = []
    summary = check_file(path, session.rules, session.ctx, jobs=2, on_claim_text=_texts(got))
    assert summary.workers == 1
    assert got == want

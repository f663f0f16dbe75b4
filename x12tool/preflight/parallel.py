"""``check --jobs N``: one input file checked by N worker processes, with one process's answer.

The run's plan (:mod:`x12tool.claims.plan`) puts every claim in a group: claims linked by a
member id or a 2000C patient, the reach of every cross-claim rule (KX and progress-report
counts, authorizations, the beneficiary's day, cloned notes). Each group goes to one worker,
the groups dealt out in runs (:meth:`~x12tool.claims.plan.FilePlan.routes`): a worker's claims
lie mostly in one stretch of the file, read the lean way, and the rest is passed over.
Workers are forked, so they share the session (reference data, visit log index, NCCI pairs)
without copying it; what they must not share (file offsets, SQLite connections) is reopened
in each (:mod:`x12tool.forksafe`).

Each worker reads only what it needs of the file. It reads every segment outside subscriber
loops (envelopes, set headers, billing-provider HL loops), so the envelope checks and
set-level findings are the same in each, and every subscriber loop (2000B, with its patient
loops and claims) that holds one of its claims. A loop none of whose claims it judges is
*passed over*: the plan's scan numbered each claim's subscriber loop, and the segment reader
(:meth:`x12tool.edi.reader.SegmentReader.pass_over`) finds the loop's end (the next HL of
level 20 or 22, SE or envelope segment) by regular expressions on the text, counting its
segments, bytes and CLMs without building a segment: positions, offsets and SE01 come out as
if it had been read; a run of such loops (up to its next claim, an HL of level 20 or an ST,
:meth:`~x12tool.claims.plan.FilePlan.run`) is passed over in one, its text counted without
being split into segments. Where the plan's scan found the loops' places (a run that may use
workers: :class:`~x12tool.claims.scan.LoopSpans`), the reader jumps over such a run instead,
its text not read at all: a worker reads the envelopes and its own stretches of the file. In a
loop it does read, the claims of other workers (possible when a subscriber has no member id)
come unparsed. The beneficiary's day across claims (x12tool/rules/daypool.py) each worker
pools for its own claims, by a pass over its own stretches: a claim's peers share its member
id, so its group and its worker. Its own claims it judges in file order and writes
their report records to a temporary file. The parent then takes the records back in file
order, following the plan, and adds up the workers' summaries (set-level findings counted
once).

Whatever is wrong inside a loop is found by a worker that reads it: a loop passed over by
some holds a claim of another, who reads it whole (loops without claims are read by all). A
worker that fails for any reason (unreadable input, a claim the plan's scan did not see, a
loop passed over that holds another number of claims than the plan says, a bug) makes the
parent check the file itself in one process, so errors are reported exactly as without
``--jobs``.

Not used with ``--ig`` (pyx12's validation already runs in worker processes of its own),
with a PostgreSQL ledger (its connection cannot cross a fork), or where ``fork`` is not
available; nor for ``fix`` and ``preflight``, whose outputs one process writes in file order.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from itertools import islice

from x12tool.claims.plan import FilePlan
from x12tool.edi.envelope_scan import known_broken_trailers
from x12tool.ledger.view import Ledger
from x12tool.preflight.run import PlanMismatch, Summary, process_file
from x12tool.reports.spool import CORRECTED, HELD, MONEY, NOTED
from x12tool.rules.base import Rule
from x12tool.rules.context import RuleContext
from x12tool.rules.daypool import prepare_file
from x12tool.tempdirs import run_folder

# The workers' records: claim data, 0700, removed at the end, or by a later run when this one
# was killed (x12tool/tempdirs.py).
FOLDER_PREFIX = "x12tool-jobs-"
# Fewer claims than this per worker are not worth a process (fork, another pass over the
# file, the merge): a 1,000-claim file is checked in about a second by one.
MIN_CLAIMS_PER_WORKER = 500


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def workers_for(plan: FilePlan, jobs: int, ctx: RuleContext, *, ig: bool) -> int:
    """How many workers check this file: 1 when parallel checking does not apply."""
    if jobs <= 1 or ig or not hasattr(os, "fork"):
        return 1
    store = getattr(ctx.ledger, "store", None)
    if store is not None and getattr(store, "kind", "") != "sqlite":
        return 1
    return max(1, min(jobs, 255, plan.claims // MIN_CLAIMS_PER_WORKER))


def check_file(
    path: str,
    rules: list[Rule],
    ctx: RuleContext,
    *,
    jobs: int = 1,
    unsafe: bool = False,
    ig: bool = False,
    show_phi: bool = False,
    on_claim: Callable[[dict], None] | None = None,
    on_claim_text: Callable[[str, int], None] | None = None,
    on_claim_block: Callable[[str, bytes], None] | None = None,
) -> Summary:
    """Check ``path`` as :func:`process_file` does (no output files), with up to ``jobs``
    worker processes. Claim records go to ``on_claim`` (a dict) or, cheaper when workers
    ran, to ``on_claim_text`` (the record's JSON text, as ``json.dumps`` gives it).
    ``on_claim_block`` (with ``on_claim_text``, cheaper still): where workers ran, runs of
    records as text (one a line, each with its newline) and their flags with the status bits
    (:meth:`~x12tool.reports.spool.ClaimSpool.add_block`)."""
    plan = ctx.plans.get(path)
    if plan is None:
        plan = ctx.plans[path] = FilePlan.build(path)
    workers = workers_for(plan, jobs, ctx, ig=ig)

    def one_process() -> Summary:
        return process_file(
            path,
            rules,
            ctx,
            unsafe=unsafe,
            ig=ig,
            show_phi=show_phi,
            on_claim=on_claim,
            on_claim_text=on_claim_text if on_claim is None else None,
        )

    if workers <= 1:
        return one_process()
    routes = plan.routes(workers)
    import pickle  # noqa: F401 - for the workers' summaries: once here, not in each worker

    # What every worker would read the whole file for, read once here before the fork (the
    # workers inherit it): the sets held for a wrong SE and, with a ledger, its pre-pass and
    # totals. The beneficiary's day across claims each worker pools for its own claims.
    known_broken_trailers(path)
    ledger = ctx.ledger if isinstance(ctx.ledger, Ledger) and ctx.ledger.file is None else None
    if ledger is not None:
        ledger.begin_file(path, ctx, rules)
    tmp = run_folder(FOLDER_PREFIX)
    try:
        pids = []
        for k in range(workers):
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child ends in os._exit
                _worker(k, routes, tmp, path, rules, ctx, unsafe=unsafe, show_phi=show_phi)
            pids.append(pid)
        ok = True
        for pid in pids:
            _, status = os.waitpid(pid, 0)
            ok = ok and os.waitstatus_to_exitcode(status) == 0
        results = [_result(tmp, k) for k in range(workers)] if ok else []
        if not ok or any(r is None for r in results):
            return one_process()
        summary = _merge([r[0] for r in results])
        for _, problems in results:
            # Rows' problems a worker found reading them (discipline, role, dates): the
            # report lists them as one process would (by row, each row once). No visit log:
            # no rows, no problems.
            if ctx.visits is not None:
                ctx.visits.add_problems(problems)
        summary.workers = workers
        if on_claim is None and on_claim_text is not None and on_claim_block is not None:
            _replay_blocks(tmp, workers, routes, on_claim_block)
        else:
            _replay(tmp, workers, routes, on_claim, on_claim_text)
        return summary
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if ledger is not None:
            ledger.end_file(commit=False)


def _worker(k, routes, tmp, path, rules, ctx, *, unsafe, show_phi) -> None:  # pragma: no cover
    """Runs in the forked child: check this worker's claims, leave the records and the summary
    in ``tmp``, and end the process (never returning into the parent's code)."""
    code = 1
    parent = os.getppid()
    try:
        # each record's flags with its status bits, one byte a record (k.flags)
        marks = bytearray()
        with open(os.path.join(tmp, f"{k}.jsonl"), "w", encoding="utf-8") as out:

            def put(text: str, flags: int) -> None:
                if os.getppid() != parent:
                    # The parent is gone (killed by a cron timeout, a kill -9): nobody will
                    # read these records, so stop now instead of checking the rest for nothing.
                    os._exit(1)
                # the record's JSON text, one a line; its flags and status (as
                # ClaimSpool.add_text finds it: "status" comes second in a record) apart
                out.write(text + "\n")
                at = text.find('"status": "') + 11
                if at > 10:
                    if text.startswith('held"', at):
                        flags |= HELD
                    elif text.startswith('corrected"', at):
                        flags |= CORRECTED
                marks.append(flags)

            # the day pool of this worker's claims (its pass reads only its own stretches)
            prepare_file(path, ctx, worker=(k, routes))
            summary = process_file(
                path,
                rules,
                ctx,
                unsafe=unsafe,
                show_phi=show_phi,
                worker=(k, routes),
                on_claim_text=put,
            )
        with open(os.path.join(tmp, f"{k}.flags"), "wb") as fh:
            fh.write(marks)
        problems = list(ctx.visits.problems) if ctx.visits is not None else []
        import pickle

        with open(os.path.join(tmp, f"{k}.summary"), "wb") as fh:
            pickle.dump((summary, problems), fh)
        code = 0
    except PlanMismatch:
        code = 3
    except BaseException:  # noqa: BLE001 - the parent redoes the file in one process
        code = 1
    finally:
        os._exit(code)


def _result(tmp: str, k: int) -> tuple[Summary, list] | None:
    import pickle

    try:
        with open(os.path.join(tmp, f"{k}.summary"), "rb") as fh:
            return pickle.load(fh)  # noqa: S301 - written by our own child, in our 0700 folder
    except (OSError, EOFError, pickle.UnpicklingError):
        return None


def _merge(parts: list[Summary]) -> Summary:
    """The workers' summaries as one: claim counts add up; what every worker read alike
    (set-level findings, reader notes, transaction sets) is taken once, from the first."""
    first = parts[0]
    out = Summary(ig=first.ig)
    out.notes = list(first.notes)
    out.sets = list(first.sets)
    out.fixed_gs = set(first.fixed_gs)
    out.held_trailers = set(first.held_trailers)
    out.set_findings = dict(first.set_findings)
    out.findings = dict(first.set_findings)
    for part in parts:
        out.claims += part.claims
        out.ready += part.ready
        out.corrected += part.corrected
        out.held += part.held
        out.fixed += part.fixed
        for sev, n in part.findings.items():
            out.findings[sev] += n - part.set_findings[sev]
        out.money.merge(part.money)
    return out


def _flags(tmp: str, k: int) -> bytes:
    with open(os.path.join(tmp, f"{k}.flags"), "rb") as fh:
        return fh.read()


def _replay(tmp, workers, routes, on_claim, on_claim_text) -> None:
    """The workers' records in file order: claim n's is the next line of its worker's file."""
    files = [open(os.path.join(tmp, f"{k}.jsonl"), encoding="utf-8") for k in range(workers)]  # noqa: SIM115
    flags = [_flags(tmp, k) for k in range(workers)]
    taken = [0] * workers
    try:
        for w in routes:
            line = files[w].readline()
            if not line:
                continue  # a claim the worker did not judge (it stopped at a file error)
            if on_claim_text is not None:
                # record_flags alone, as process_file gives them (the status bits apart)
                on_claim_text(line[:-1], flags[w][taken[w]] & (MONEY | NOTED))
            elif on_claim is not None:
                on_claim(json.loads(line))
            taken[w] += 1
    finally:
        for fh in files:
            fh.close()


# A run of claims of one worker in the routes (any byte, a line break among them)
_RUN = re.compile(rb"(.)\1*", re.DOTALL)
_BLOCK = 256  # records handed over at most at a time


def _replay_blocks(tmp, workers, routes, on_block) -> None:
    """:func:`_replay` a run of one worker's claims at a time (the routes deal claims out in
    runs, x12tool/claims/plan.py): its lines read and handed over in one piece, not one by
    one (at 100,000 claims the replay was ~5 % of the parent's serial time)."""
    files = [open(os.path.join(tmp, f"{k}.jsonl"), encoding="utf-8") for k in range(workers)]  # noqa: SIM115
    flags = [_flags(tmp, k) for k in range(workers)]
    taken = [0] * workers
    try:
        for m in _RUN.finditer(routes):
            w = routes[m.start()]
            fh = files[w]
            left = m.end() - m.start()
            while left > 0:
                # a few hundred kB at a time: a whole run (half the file's records) in one
                # string was tens of MB of the parent's peak memory
                size = min(left, _BLOCK)
                left -= size
                # fewer when the worker stopped at a file error (claims it did not judge)
                lines = list(islice(fh, size))
                if not lines:
                    break
                at = taken[w]
                taken[w] = at + len(lines)
                on_block("".join(lines), flags[w][at : at + len(lines)])
    finally:
        for fh in files:
            fh.close()

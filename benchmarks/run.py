"""Benchmark x12tool against the streaming floor and pyx12's own validation, in one run.

    python benchmarks/run.py [--sizes 1000,10000,100000] [--repeat N] [--skip-pyx12-above N]
                             [--out docs/performance.md]

Generates seeded 837P files with ``python -m devtools.synth`` into ``benchmarks/data/`` (reused
while the generator and its parameters are unchanged), then runs every command as a whole
process, file by file and pair by pair on the same file, and prints one table: wall time, CPU
time (user+sys of the process and the children it reaped), peak RSS, claims per second and the
ratios the performance targets are stated in, then whether each target holds. See
``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tabulate import tabulate

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
DATA = BENCH / "data"
SYNTH = ROOT / "devtools" / "synth.py"

BEGIN = "<!-- latest-figures:begin (written by benchmarks/run.py --out) -->"
END = "<!-- latest-figures:end -->"

LOAD_AT_START = os.getloadavg()[0]
MB = 1_000_000  # figures are in MB = 10^6 bytes

# target limits, from the issues (8; 20 replaced the first two: 6x the floor and 50x pyx12)
FLOOR_MAX = 20.0  # check --no-ig, one process, time <= 20x the floor
PYX12_MIN = 20.0  # check --no-ig, one process, at least 20x faster than pyx12 validation
JOBS2_PYX12_MIN = 35.0  # check --no-ig on two workers: at least 35x faster than pyx12
MEM_GROWTH_MAX = 1.5  # largest-size peak <= 1.5x the smallest-size peak
MEM_ABS_MAX = 150.0  # MB
IG_MAX = 0.6  # check --ig time <= 0.6x pyx12 validation
PREFLIGHT_MAX = 1.3  # preflight <= 1.3x check with the same options


# --------------------------------------------------------------------------- data files


@dataclass
class DataFile:
    size: int
    breaks: bool
    path: Path
    visits: Path
    meta: dict

    @property
    def variant(self) -> str:
        return "breaks" if self.breaks else "no breaks"

    @property
    def claims(self) -> int:
        return int(self.meta["counts"]["claims"])


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def generate(size: int, breaks: bool, args: argparse.Namespace) -> DataFile:
    stem = f"c{size}" + ("" if breaks else "-nobreaks")
    path, visits, meta_path = (DATA / f"{stem}{ext}" for ext in (".837", ".visits.csv", ".json"))
    key = {
        "claims": size,
        "seed": args.seed,
        "claims_per_st": args.claims_per_st,
        "defect_rate": args.defect_rate,
        "line_breaks": breaks,
        "synth_sha256": _sha256(SYNTH),
    }
    if path.exists() and visits.exists() and meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text())
        except ValueError:
            meta = {}
        if meta.get("key") == key and meta.get("sha256") == _sha256(path):
            return DataFile(size, breaks, path, visits, meta)
    note(f"generating {path.relative_to(ROOT)} ({size:,} claims) ...")
    tmp_path, tmp_visits = path.with_suffix(".837.tmp"), visits.with_suffix(".csv.tmp")
    cmd = [sys.executable, "-m", "devtools.synth", "--claims", str(size), "--seed", str(args.seed)]
    cmd += ["-o", str(tmp_path), "--visits", str(tmp_visits)]
    cmd += ["--claims-per-st", str(args.claims_per_st), "--defect-rate", str(args.defect_rate)]
    if not breaks:
        cmd.append("--no-line-breaks")
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"run.py: generator failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    counts = json.loads(proc.stdout.strip().splitlines()[-1])
    os.replace(tmp_path, path)
    os.replace(tmp_visits, visits)
    meta = {"key": key, "counts": counts, "sha256": _sha256(path)}
    meta_path.write_text(json.dumps(meta, indent=1) + "\n")
    return DataFile(size, breaks, path, visits, meta)


# --------------------------------------------------------------------------- tools


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


CORES = _cores()


@dataclass(frozen=True)
class Tool:
    key: str  # label in the tables
    kind: str  # floor | lines | check | preflight | pyx12
    ig: bool  # uses pyx12 (skipped above --skip-pyx12-above)
    ok_codes: tuple[int, ...]
    jobs: int = 1  # check --jobs (workers)

    def argv(self, f: DataFile, out_dir: Path | None) -> list[str]:
        py = sys.executable
        path, visits = str(f.path), str(f.visits)
        ig = "--ig" if self.ig else "--no-ig"
        if self.kind == "floor":
            return [py, str(BENCH / "floor.py"), path]
        if self.kind == "pyx12":
            return [py, str(BENCH / "pyx12_validate.py"), path]
        if self.kind == "lines":
            return [py, "-m", "x12tool", "lines", path, "--format", "csv"]
        if self.kind == "check":
            return [py, "-m", "x12tool", "check", path, "--visits", visits, ig, "--jobs"] + [
                str(self.jobs)
            ]
        assert self.kind == "preflight" and out_dir is not None
        return [py, "-m", "x12tool", "preflight", path, "--visits", visits, ig]


TOOLS = [
    Tool("floor", "floor", False, (0,)),
    Tool("lines", "lines", False, (0,)),
    Tool("check --no-ig", "check", False, (0, 1)),
    Tool("check --no-ig -j2", "check", False, (0, 1), jobs=2),
    *([Tool(f"check --no-ig -j{CORES}", "check", False, (0, 1), jobs=CORES)] if CORES > 2 else []),
    Tool("preflight --no-ig", "preflight", False, (0, 1)),
    Tool("check --ig", "check", True, (0, 1)),
    Tool("preflight --ig", "preflight", True, (0, 1)),
    Tool("pyx12 validate", "pyx12", True, (0, 1)),
]
TOOL = {t.key: t for t in TOOLS}


# --------------------------------------------------------------------------- measuring


@dataclass
class Run:
    wall: float
    cpu: float
    rss: float  # MB, largest single process (wait4 ru_maxrss: the process or a reaped child)
    tree: float  # MB, sampled sum of RSS over the process tree (0 when never sampled)
    procs: int  # most processes seen at once in the tree
    code: int
    stdout: str
    stderr: str
    report: str = ""  # sha256 of check's JSON report


class TreeSampler(threading.Thread):
    """Sums the memory of the launcher's descendants every ``interval`` seconds.

    wait4 gives the peak of the largest single process; when the command starts worker processes,
    their memory adds up, so this sampled sum is kept too ("tree MB"). It sums PSS, not RSS, so
    pages a forked worker still shares with its parent are not counted twice.
    """

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kb, self.procs = 0, 0
        self.stop = threading.Event()

    def _tree(self, pid: int, seen: set[int]) -> None:
        if pid in seen:
            return
        seen.add(pid)
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            return
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as fh:
                    kids = fh.read().split()
            except OSError:
                continue
            for kid in kids:
                self._tree(int(kid), seen)

    def sample(self) -> None:
        seen: set[int] = set()
        self._tree(self.pid, seen)
        seen.discard(self.pid)  # the launcher itself is not measured
        total = 0
        for pid in seen:
            total += self._pss_kb(pid)
        self.peak_kb = max(self.peak_kb, total)
        self.procs = max(self.procs, len(seen))

    @staticmethod
    def _pss_kb(pid: int) -> int:
        """Proportional set size (pages shared after fork counted once overall), else VmRSS."""
        for path, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
            try:
                with open(path) as fh:
                    for line in fh:
                        if line.startswith(key):
                            return int(line.split()[1])
            except (OSError, ValueError):
                continue
        return 0

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            self.sample()


# The measured command is started by this tiny launcher, not by run.py itself: on Linux a
# process's ru_maxrss keeps the high-water mark of the memory it was exec'ed from, so a child
# forked from run.py (about 26 MB) could never report less than that. The launcher runs with -I -S
# (about 8.5 MB, less than any Python process it starts), times the child from spawn to reap and
# writes wait4's figures to a file.
LAUNCHER = """
import os, sys, time
res, argv = sys.argv[1], sys.argv[2:]
t0 = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ)
_, st, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
with open(res, "w") as f:
    code = os.waitstatus_to_exitcode(st)
    f.write(f"{wall!r} {ru.ru_utime!r} {ru.ru_stime!r} {ru.ru_maxrss} {code}")
"""


# The commands run as an installed tool runs: with its modules byte-compiled once (pip compiles
# a wheel's modules when it installs them, as it did pyx12's). PYTHONDONTWRITEBYTECODE in the
# caller's environment would make every measured run compile x12tool's modules again.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(argv: list[str], capture: bool) -> Run:
    """Run ``argv`` as a whole process; wall, CPU and peak RSS from wait4 in the launcher."""
    fd, res = tempfile.mkstemp(prefix="rusage-", dir=DATA)
    os.close(fd)
    try:
        with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", LAUNCHER, res, *argv],
                cwd=ROOT,
                env=CHILD_ENV,
                stdin=subprocess.DEVNULL,
                stdout=out if capture else subprocess.DEVNULL,
                stderr=err,
            )
            sampler = TreeSampler(proc.pid)
            sampler.start()
            proc.wait()
            sampler.stop.set()
            sampler.join()
            out.seek(0)
            err.seek(0)
            stdout = out.read().decode("utf-8", "replace")
            stderr = err.read().decode("utf-8", "replace")
        fields = Path(res).read_text().split()
    finally:
        os.unlink(res)
    if proc.returncode != 0 or len(fields) != 5:
        raise RuntimeError(f"launcher failed ({proc.returncode}): {stderr.strip()[-300:]}")
    wall, utime, stime, maxrss_kib, code = fields
    return Run(
        wall=float(wall),
        cpu=float(utime) + float(stime),
        rss=int(maxrss_kib) * 1024 / MB,  # ru_maxrss is in KiB on Linux
        tree=sampler.peak_kb * 1024 / MB,
        procs=max(sampler.procs, 1),
        code=int(code),
        stdout=stdout,
        stderr=stderr,
    )


def run_tool(tool: Tool, f: DataFile) -> Run:
    out_dir = None
    if tool.kind == "preflight":
        out_dir = Path(tempfile.mkdtemp(prefix="preflight-out-", dir=DATA))
    argv = tool.argv(f, out_dir)
    report = None
    if tool.kind == "check":
        # to a file, not /dev/null: every --jobs row's report is compared with one process's
        fd, report = tempfile.mkstemp(prefix="report-", suffix=".json", dir=DATA)
        os.close(fd)
        argv += ["--format", "json", "-o", report]
    elif tool.kind == "preflight":
        argv += ["--out-dir", str(out_dir)]
    try:
        run = measure(argv, capture=tool.kind in ("floor", "pyx12"))
        if report is not None:
            run.report = _sha256(Path(report))
        return run
    finally:
        if out_dir is not None:
            shutil.rmtree(out_dir, ignore_errors=True)
        if report is not None:
            os.unlink(report)


@dataclass
class Result:
    file: DataFile
    tool: Tool
    runs: list[Run] = field(default_factory=list)
    skipped: str = ""  # reason, when not run
    failed: str = ""  # reason, when a run exited with an unexpected code

    @property
    def ok(self) -> bool:
        return bool(self.runs) and not self.skipped and not self.failed

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def rss(self) -> float:
        return max(r.rss for r in self.runs)

    @property
    def procs(self) -> int:
        return max(r.procs for r in self.runs)

    @property
    def tree(self) -> float:
        return max(r.tree for r in self.runs)

    @property
    def mem(self) -> float:
        """Peak memory for the targets: the larger of the single-process and the tree peak."""
        return max(self.rss, self.tree if self.procs > 1 else 0.0)

    @property
    def status(self) -> str:
        if self.skipped:
            return "skipped"
        if self.failed:
            return "FAILED"
        codes = sorted({r.code for r in self.runs})
        if self.tool.kind == "pyx12":
            return "/".join(sorted({r.stdout.strip() or "?" for r in self.runs}))
        if self.tool.kind == "floor":
            return "ok" if self.floor_counts_match() else "COUNT MISMATCH"
        if self.tool.kind in ("check", "preflight"):
            held = "/".join({0: "none held", 1: "held"}[c] for c in codes)
            if self.tool.kind == "check" and len({r.report for r in self.runs}) > 1:
                held += ", REPORTS DIFFER between runs"
            return held
        return "ok"

    def floor_counts_match(self) -> bool:
        m = re.search(r"claims=(\d+) lines=(\d+)", self.runs[0].stdout)
        c = self.file.meta["counts"]
        return bool(m) and (int(m[1]), int(m[2])) == (c["claims"], c["lines"])


def note(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def measure_file(f: DataFile, args: argparse.Namespace) -> list[Result]:
    results = [Result(f, t) for t in TOOLS]
    for r in results:
        if r.tool.ig and args.skip_pyx12_above is not None and f.size > args.skip_pyx12_above:
            r.skipped = f"--skip-pyx12-above {args.skip_pyx12_above}"
    for rep in range(args.repeat):
        for r in results:
            if r.skipped or r.failed:
                continue
            if rep and r.runs[0].wall > args.slow_seconds:
                continue  # slow command: one run is enough (see --slow-seconds)
            try:
                run = run_tool(r.tool, f)
            except (OSError, RuntimeError) as exc:
                r.failed = f"could not run: {exc}"
                note(f"  {f.size:>7} {f.variant:<9} {r.tool.key:<18} FAILED: {exc}")
                continue
            r.runs.append(run)
            note(
                f"  {f.size:>7} {f.variant:<9} {r.tool.key:<18} run {rep + 1}: "
                f"{run.wall:8.3f} s wall {run.cpu:8.3f} s CPU {run.rss:7.1f} MB exit {run.code}"
            )
            if run.code not in r.tool.ok_codes:
                last = (run.stderr.strip().splitlines() or ["(no stderr)"])[-1]
                r.failed = f"exit {run.code}: {last[:200]}"
    return results


def warm_up(args: argparse.Namespace) -> None:
    """One untimed pass of every command on a tiny file: byte-compiles, fills the page cache."""
    f = generate(50, True, args)
    note("warm-up on 50 claims ...")
    for t in TOOLS:
        try:
            run = run_tool(t, f)
        except (OSError, RuntimeError) as exc:
            note(f"  warm-up: {t.key} could not run: {exc}")
            continue
        if run.code not in t.ok_codes:
            last = (run.stderr.strip().splitlines() or ["(no stderr)"])[-1]
            note(f"  warm-up: {t.key} exited {run.code}: {last[:200]}")


# --------------------------------------------------------------------------- tables


def fnum(x: float | None, digits: int = 3) -> str:
    if x is None:
        return "–"
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 1:
        return f"{x:.2f}"
    return f"{x:.{digits}f}"


def fratio(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}×" if x < 100 else f"{x:,.0f}×"


def find(results: list[Result], f: DataFile, key: str) -> Result | None:
    for r in results:
        if r.file is f and r.tool.key == key:
            return r if r.ok else None
    return None


def ratio(a: Result | None, b: Result | None) -> float | None:
    return a.wall / b.wall if a and b and b.wall > 0 else None


def main_table(results: list[Result]) -> tuple[list[str], list[list[str]], list[str]]:
    show_tree = any(r.ok and r.procs > 1 for r in results)
    head = ["claims", "variant", "tool", "runs", "wall s", "CPU s", "peak RSS MB"]
    if show_tree:
        head += ["procs", "tree MB"]
    head += ["claims/s", "÷ floor", "pyx12 ÷ this", "÷ check", "status"]
    rows, notes = [], []
    for r in results:
        f, t = r.file, r.tool
        row = [f"{f.size:,}", f.variant, t.key]
        if not r.ok:
            if r.skipped:
                why = f"skipped ({r.skipped})"
            else:
                notes.append(f"{f.size:,} {f.variant}, {t.key}: {r.failed}")
                why = f"FAILED (note {len(notes)})"
            rows.append(row + [""] * (len(head) - 4) + [why])
            continue
        row += [str(len(r.runs)), fnum(r.wall), fnum(r.cpu), fnum(r.rss, 1)]
        if show_tree:
            row += [str(r.procs), fnum(r.tree, 1) if r.procs > 1 else "–"]
        row.append(fnum(f.claims / r.wall) if r.wall else "–")
        floor = find(results, f, "floor")
        row.append(fratio(ratio(r, floor)) if t.kind in ("lines", "check", "preflight") else "")
        pyx = find(results, f, "pyx12 validate")
        row.append(fratio(ratio(pyx, r)) if t.kind in ("check", "preflight") else "")
        if t.kind == "preflight":
            chk = find(results, f, "check " + ("--ig" if t.ig else "--no-ig"))
            row.append(fratio(ratio(r, chk)))
        else:
            row.append("")
        row.append(r.status)
        rows.append(row)
    return head, rows, notes


def scaling_table(results: list[Result], files: list[DataFile]) -> tuple[list[str], list[list]]:
    brk = sorted((f for f in files if f.breaks), key=lambda f: f.size)
    if len(brk) < 2:
        return [], []
    lo, hi = brk[0], brk[-1]
    head = ["tool"] + [f"wall s {f.size:,}" for f in brk] + [f"MB {f.size:,}" for f in brk]
    head += [f"time {hi.size:,}/{lo.size:,}", f"memory {hi.size:,}/{lo.size:,}"]
    rows = []
    for t in TOOLS:
        rs = [find(results, f, t.key) for f in brk]
        row = [t.key] + [fnum(r.wall) if r else "–" for r in rs]
        row += [fnum(r.mem, 1) if r else "–" for r in rs]
        a, b = rs[-1], rs[0]
        row.append(fratio(a.wall / b.wall) if a and b else "–")
        row.append(fratio(a.mem / b.mem) if a and b else "–")
        rows.append(row)
    return head, rows


def workers_table(results: list[Result], files: list[DataFile]) -> tuple[list[str], list[list]]:
    """check --no-ig by number of workers, and 8 workers projected from the 1- and 2-worker
    times: T(n) = S + P/n (S: what every worker or the parent does whole: start-up, the plan
    scan, reading the file, the merge; P: judging the claims), S and P solved from T(1), T(2)."""
    keys = [t for t in TOOLS if t.kind == "check" and not t.ig]
    head = ["claims", "variant"] + [f"{t.jobs} worker(s) s" for t in keys]
    head += [f"speed-up ×{t.jobs}" for t in keys[1:]]
    head += ["S s", "P s", "8 workers s (projected)", "pyx12 ÷ 8 workers"]
    rows = []
    for f in files:
        rs = [find(results, f, t.key) for t in keys]
        if not all(r and r.ok for r in rs):
            continue
        t1, t2 = rs[0].wall, rs[1].wall
        p = 2 * (t1 - t2)
        s_ = t1 - p
        t8 = s_ + p / 8
        pyx = find(results, f, "pyx12 validate")
        row = [f"{f.size:,}", f.variant] + [fnum(r.wall) for r in rs]
        row += [fratio(t1 / r.wall) for r in rs[1:]]
        row += [fnum(s_), fnum(p), fnum(t8), fratio(pyx.wall / t8) if pyx and pyx.ok else "–"]
        rows.append(row)
    return head, rows


def targets(results: list[Result], files: list[DataFile]) -> list[list[str]]:
    """Rows: target, file, figure, limit, result; plus one overall verdict row per target."""
    out: list[list[str]] = []

    def verdict(name: str, checks: list[tuple[str, str, str, bool | None]]) -> None:
        measured = [c for c in checks if c[3] is not None]
        if not measured:
            overall = "NOT MEASURED"
        else:
            overall = "PASS" if all(c[3] for c in measured) else "FAIL"
        out.append([f"**{name}**", "", "", "", f"**{overall}**"])
        for label, fig, limit, ok in checks:
            res = "not measured" if ok is None else ("PASS" if ok else "FAIL")
            out.append(["", label, fig, limit, res])

    def fl(f: DataFile) -> str:
        return f"{f.size:,} {f.variant}"

    c1, c2, c4, c5 = [], [], [], []
    for f in files:
        chk, floor, pyx = (
            find(results, f, k) for k in ("check --no-ig", "floor", "pyx12 validate")
        )
        x = ratio(chk, floor)
        c1.append(
            (fl(f), f"{fratio(x)} ({fnum(chk.wall)} s vs {fnum(floor.wall)} s)" if x else "–")
            + (f"≤ {FLOOR_MAX:g}×", None if x is None else x <= FLOOR_MAX)
        )
        x = ratio(pyx, chk)
        c2.append(
            (fl(f), f"{fratio(x)} ({fnum(pyx.wall)} s vs {fnum(chk.wall)} s)" if x else "–")
            + (f"≥ {PYX12_MIN:g}×", None if x is None else x >= PYX12_MIN)
        )
        ig = find(results, f, "check --ig")
        x = ratio(ig, pyx)
        c4.append(
            (fl(f), f"{fratio(x)} ({fnum(ig.wall)} s vs {fnum(pyx.wall)} s)" if x else "–")
            + (f"≤ {IG_MAX:g}×", None if x is None else x <= IG_MAX)
        )
        for opt in ("--no-ig", "--ig"):
            pf, ck = find(results, f, f"preflight {opt}"), find(results, f, f"check {opt}")
            x = ratio(pf, ck)
            c5.append(
                (
                    f"{fl(f)}, {opt}",
                    f"{fratio(x)} ({fnum(pf.wall)} s vs {fnum(ck.wall)} s)" if x else "–",
                    f"≤ {PREFLIGHT_MAX:g}×",
                    None if x is None else x <= PREFLIGHT_MAX,
                )
            )
    verdict(f"check --no-ig, one process, at most {FLOOR_MAX:g}× the floor's time", c1)
    verdict(f"check --no-ig, one process, at least {PYX12_MIN:g}× faster than pyx12", c2)
    c6, c7 = [], []
    for f in files:
        pyx, j2 = find(results, f, "pyx12 validate"), find(results, f, "check --no-ig -j2")
        x = ratio(pyx, j2)
        c6.append(
            (fl(f), f"{fratio(x)} ({fnum(pyx.wall)} s vs {fnum(j2.wall)} s)" if x else "–")
            + (f"≥ {JOBS2_PYX12_MIN:g}×", None if x is None else x >= JOBS2_PYX12_MIN)
        )
        one = find(results, f, "check --no-ig")
        for t in TOOLS:
            if t.kind != "check" or t.jobs == 1:
                continue
            r = find(results, f, t.key)
            same = None
            if one and r:
                same = {x.report for x in one.runs} == {x.report for x in r.runs}
            fig = "–" if same is None else ("same sha256" if same else "DIFFERENT")
            c7.append((f"{fl(f)}, {t.key}", fig, "byte-identical to --jobs 1", same))
    verdict(f"check --no-ig on two workers at least {JOBS2_PYX12_MIN:g}× faster than pyx12", c6)
    verdict("check's JSON report is the same for --jobs 1 and --jobs N", c7)

    c3 = []
    sizes = sorted({f.size for f in files})
    lo_f = next((f for f in files if f.size == sizes[0] and f.breaks), None)
    his = [f for f in files if f.size == sizes[-1]] if len(sizes) > 1 else []
    for key in ("check --no-ig", "check --ig", "preflight --no-ig", "preflight --ig"):
        lo = find(results, lo_f, key) if lo_f else None
        for hf in his:
            hi = find(results, hf, key)
            label = f"{key}: {fl(hf)} vs {fl(lo_f)}" if lo_f else key
            if lo and hi:
                g = hi.mem / lo.mem
                fig = f"{fratio(g)} ({fnum(hi.mem, 1)} MB vs {fnum(lo.mem, 1)} MB)"
                c3.append((label, fig, "≤ 1.5× and < 150 MB", g <= MEM_GROWTH_MAX and hi.mem < 150))
            else:
                c3.append((label, "–", "≤ 1.5× and < 150 MB", None))
    name = "peak memory: 100,000 claims ≤ 1.5× 1,000 claims, and < 150 MB"
    if sizes and (sizes[0], sizes[-1]) != (1000, 100000):
        name += f" (measured here: {sizes[-1]:,} vs {sizes[0]:,})"
    verdict(name, c3)
    verdict("check --ig at most 0.6× pyx12's single-process validation time", c4)
    verdict("preflight at most 1.3× check with the same options", c5)
    return out


# --------------------------------------------------------------------------- machine


def machine() -> list[tuple[str, str]]:
    def read(path: str) -> str:
        try:
            return Path(path).read_text()
        except OSError:
            return ""

    cpu = re.search(r"^model name\s*:\s*(.+)$", read("/proc/cpuinfo"), re.M)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", read("/proc/meminfo"), re.M)
    try:
        from importlib.metadata import version

        pyx12_version = version("pyx12")
    except Exception:  # reported, not fatal
        pyx12_version = "not installed"
    git = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "x12tool"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return [
        ("date", datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")),
        ("cores (nproc)", f"{usable} usable of {os.cpu_count()}"),
        ("CPU", cpu[1].strip() if cpu else platform.processor() or "unknown"),
        ("memory", f"{int(mem[1]) / 1024**2:.1f} GiB" if mem else "unknown"),
        ("OS", platform.platform()),
        ("load average (1 min)", f"{LOAD_AT_START:.2f} at start, {os.getloadavg()[0]:.2f} at end"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("pyx12", pyx12_version),
        ("x12tool", (git or "unknown") + (" + uncommitted changes in x12tool/" if dirty else "")),
    ]


# --------------------------------------------------------------------------- output


def files_table(files: list[DataFile]) -> tuple[list[str], list[list[str]]]:
    head = ["claims", "variant", "file", "MB", "segments", "ST sets", "SV1 lines", "defective"]
    rows = []
    for f in files:
        c = f.meta["counts"]
        rows.append(
            [
                f"{f.size:,}",
                f.variant,
                f.path.name,
                f"{c['bytes'] / MB:.2f}",
                f"{c['segments']:,}",
                str(c["transactions"]),
                f"{c['lines']:,}",
                f"{sum(c.get('defects', {}).values()):,}",
            ]
        )
    return head, rows


def render(results, files, args, notes_extra, fmt: str) -> str:
    md = fmt == "github"

    def tab(head, rows) -> str:
        align = ["left"] * 3 + ["right"] * (len(head) - 3)
        return tabulate(rows, head, tablefmt=fmt, disable_numparse=True, colalign=align)

    parts = []

    def section(title: str) -> None:
        parts.append(f"\n### {title}\n" if md else f"\n{title}\n{'=' * len(title)}")

    section("Files")
    parts.append(tab(*files_table(files)))
    section("Timings")
    if args.repeat == 1:
        how = "One run per command"
    else:
        how = (
            f"Median of {args.repeat} runs per command (a command whose first run took over "
            f"{args.slow_seconds:g} s ran once; see the runs column)"
        )
    parts.append(
        f"{how}; peak RSS is the largest of the runs; MB = 10^6 bytes. Each command is a whole "
        "process; the ratios compare wall times on the same file."
    )
    head, rows, notes = main_table(results)
    parts.append(tab(head, rows))
    all_notes = notes_extra + notes
    if all_notes:
        parts.append(
            "\n".join(
                (f"{i}. {n}" if md else f"  note {i}: {n}") for i, n in enumerate(all_notes, 1)
            )
        )
    head, rows = scaling_table(results, files)
    if rows:
        section("How the figures grow (files with line breaks)")
        parts.append(tab(head, rows))
    head, rows = workers_table(results, files)
    if rows:
        section("check --no-ig on several workers (--jobs)")
        parts.append(
            f"This machine has {CORES} core(s) for the run. The projection fits T(n) = S + P/n "
            "to the 1- and 2-worker times (S: start-up, the visit-log index and plan scan, "
            "the file-wide pre-passes, each worker's pass over the envelopes and the other "
            "workers' subscriber loops, the merge and the report; P: judging the claims, "
            "shared out); it ignores memory bandwidth and the parent's merge growing with n."
        )
        parts.append(tab(head, rows))
    section("Targets")
    trows = targets(results, files)
    if not md:
        trows = [[c.replace("**", "") for c in r] for r in trows]
    parts.append(
        tabulate(
            trows,
            ["target", "file", "figure", "limit", "result"],
            tablefmt=fmt,
            disable_numparse=True,
        )
    )
    section("Machine")
    parts.append(tabulate(machine(), ["", ""], tablefmt=fmt, disable_numparse=True))
    return "\n\n".join(p.strip("\n") if not p.startswith("\n###") else p.strip() for p in parts)


def write_markdown(path: Path, body: str, command: str) -> None:
    stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    block = (
        f"{BEGIN}\n\n"
        f"_Generated by `{command}` on {stamp}. Do not edit by hand: run the command again._\n\n"
        f"{body}\n\n{END}"
    )
    text = path.read_text() if path.exists() else ""
    if BEGIN in text and END in text:
        pre, rest = text.split(BEGIN, 1)
        post = rest.split(END, 1)[1]
        text = pre + block + post
    else:
        text = (
            "# x12tool performance\n\n"
            f"This file is generated by `{command}`.\n\n## Latest figures\n\n{block}\n"
        )
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python benchmarks/run.py", description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="1000,10000,100000", help="claim counts, comma-separated")
    p.add_argument("--repeat", type=int, default=3, help="runs per command (median; default 3)")
    p.add_argument(
        "--skip-pyx12-above",
        type=int,
        metavar="N",
        help="skip check --ig, preflight --ig and pyx12 validation for files over N claims",
    )
    p.add_argument(
        "--slow-seconds",
        type=float,
        default=60.0,
        help="run a command only once when its first run takes longer (default 60)",
    )
    p.add_argument(
        "--no-breaks",
        choices=("largest", "all", "none"),
        default="largest",
        help="sizes that also get a file without line breaks (default: the largest)",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--claims-per-st", type=int, default=5000)
    p.add_argument("--defect-rate", type=float, default=0.1)
    p.add_argument("--out", type=Path, help="also write the tables as Markdown into this file")
    args = p.parse_args(argv)
    try:
        args.sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        p.error("--sizes takes claim counts such as 1000,10000,100000")
    if not args.sizes or min(args.sizes) < 1 or args.repeat < 1:
        p.error("--sizes and --repeat must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = "python benchmarks/run.py" + "".join(
        " " + shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv)
    )
    DATA.mkdir(parents=True, exist_ok=True)
    cores = len(os.sched_getaffinity(0))
    if LOAD_AT_START > 0.5:
        note(
            f"WARNING: load average {LOAD_AT_START:.2f} on {cores} cores: other work is running; "
            "wall times (and the ratios) will be noisy. Run on an idle machine for figures to keep."
        )
    files = []
    for size in args.sizes:
        files.append(generate(size, True, args))
        if args.no_breaks == "all" or (args.no_breaks == "largest" and size == args.sizes[-1]):
            files.append(generate(size, False, args))
    warm_up(args)
    extra = []
    if args.skip_pyx12_above is not None:
        over = [f"{s:,}" for s in args.sizes if s > args.skip_pyx12_above]
        if over:
            extra.append(
                f"check --ig, preflight --ig and pyx12 validate were NOT run for "
                f"{', '.join(over)} claims (--skip-pyx12-above {args.skip_pyx12_above}); "
                "the targets that need them are not measured at that size."
            )
            note("NOTE: " + extra[-1])
    results: list[Result] = []
    for f in files:
        note(f"measuring {f.path.name} ({f.claims:,} claims, {f.variant}) ...")
        results += measure_file(f, args)
    print(render(results, files, args, extra, "simple"))
    if args.out:
        out = args.out if args.out.is_absolute() else Path.cwd() / args.out
        write_markdown(out, render(results, files, args, extra, "github"), command)
        note(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

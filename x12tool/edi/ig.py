"""Implementation-guide validation (SNIP 1-2) through pyx12, made safe to call, on both cores.

pyx12 4.0.0 crashes on a UTF-8 BOM, reports every indented segment, drops a last segment with no
terminator, only knows GS08 ``005010X222A1`` and logs every error to stderr
(``shared/research/edi-anchors.md`` D.1, D.6). So we never hand it the user's file: we write
normalized chunks (one segment per line, A2 label read as A1, every segment terminated; see
``ig_chunks``) and give pyx12 those, in worker processes when the file is large enough to gain
from it. pyx12's ``cur_line`` in a chunk maps back to the file-wide segment index, so findings
are the same, in the same order, whatever the number of workers.
"""

from __future__ import annotations

import bisect
import io
import json
import logging
import os
import shutil
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING

from x12tool.edi import pyx12_speed
from x12tool.edi.ig_chunks import Chunk, iter_split
from x12tool.tempdirs import run_folder

if TYPE_CHECKING:
    # imported when a pool is made: the process pool's modules (multiprocessing and its
    # friends) were ~13 ms of every run's start-up, with or without --ig
    from concurrent.futures import ProcessPoolExecutor

# Below this many (estimated) claims one in-process run beats starting worker processes: a
# forked worker costs ~0.1 s (map load) and pyx12 validates ~750 claims/s with pyx12_speed, so
# two workers already win at a few hundred claims (1,000 claims: 1.95 s in process, see
# docs/performance.md for the figures with workers).
PARALLEL_MIN_CLAIMS = 300
BYTES_PER_CLAIM = 600  # a therapy claim is ~600 bytes (perf-anchors.md)
# Chunk sizes. Small chunks let the caller check claims while the workers validate the next
# ones (it waits only for the chunk a claim is in); each chunk costs a map load (~0.1 s). Two
# chunks a worker, 500 to 5,000 claims each, but never fewer chunks than workers. Measured on
# 1,000 / 10,000 claims (docs/performance.md): 2 chunks of ~500 beat 6 of ~170 (1.33 s vs 1.48 s).
CHUNK_MIN_CLAIMS = 500
CHUNK_MAX_CLAIMS = 5000
CHUNKS_PER_WORKER = 2
# pyx12's HL01 count and HL02 parent checks (x12file.X12Base._parse_segment)
RENUMBERED_CODES = frozenset({"HL1", "HL2"})


@dataclass(frozen=True, slots=True)
class IgIssue:
    index: int  # file-wide segment index (1-based); 0 when pyx12 names no segment
    tag: str  # segment id, '' for interchange-level problems
    element: str  # e.g. "CLM05-1", '' when the segment as a whole is wrong
    code: str  # pyx12 error code (999 IK4/IK3 or TA1 code)
    message: str
    value: str = ""
    ref: str = ""  # X12 data element reference number (999 IK402), element errors only
    level: str = ""  # "isa", "gs", "st" (interchange, group, set-level), "" for segments


def quiet_pyx12() -> None:
    log = logging.getLogger("pyx12")
    if not any(isinstance(h, logging.NullHandler) for h in log.handlers):
        log.addHandler(logging.NullHandler())
    log.propagate = False


def run_pyx12(path: str) -> list[tuple]:
    """Validate one normalized chunk; (cur_line, tag, element, code, message, value, ref, level).

    Module level so that worker processes can run it. Never raises for bad input.
    """
    pyx12_speed.install()
    quiet_pyx12()
    try:
        with open(path, encoding="latin-1", newline="") as src:
            _, report = pyx12_document(src)
    except Exception as exc:  # pyx12 raises EngineError and others on input it rejects
        return [(0, "", "", "pyx12", f"pyx12 could not validate the file: {exc}", "", "", "")]
    return list(parse_json(report))


def pyx12_document(src) -> tuple[bool, str]:
    """pyx12's validation of one open document with the map its envelope names: (pyx12's
    verdict, its JSON error report). The 837P chunks and the 835 importer both read the JSON
    report (``parse_json``), not pyx12's 999. Raises what pyx12 raises on input it rejects."""
    import pyx12.params
    import pyx12.x12n_document

    fjson = io.StringIO()
    ok = pyx12.x12n_document.x12n_document(
        param=pyx12.params.params(),
        src_file=src,
        fd_997=io.StringIO(),
        fd_html=None,
        fd_json=fjson,
    )
    return bool(ok), fjson.getvalue()


def parse_json(text: str):
    try:
        doc = json.loads(text) if text.strip() else {}
    except ValueError:
        yield (0, "", "", "pyx12", "pyx12 produced an unreadable error report", "", "", "")
        return

    def err(line, tag, element, e, ref="", level=""):
        return (
            line or 0,
            tag,
            element,
            str(e.get("err_cde", "")),
            e.get("err_str", ""),
            str(e.get("err_val") or ""),
            ref,
            level,
        )

    for ic in doc.get("interchanges", []):
        for e in ic.get("errors", []):
            yield err(ic.get("cur_line"), "ISA", "", e, level="isa")
        for g in ic.get("groups", []):
            for e in g.get("errors", []):
                yield err(g.get("cur_line"), "GS", "", e, level="gs")
            for t in g.get("transactions", []):
                for e in t.get("errors", []):
                    yield err(t.get("cur_line"), "ST", "", e, level="st")
                for s in t.get("segments", []):
                    tag = s.get("seg_id", "")
                    for e in s.get("errors", []):
                        yield err(s.get("cur_line"), tag, "", e)
                    for el in s.get("elements", []):
                        name = f"{tag}{int(el.get('ele_pos') or 0):02d}"
                        if el.get("subele_pos"):
                            name += f"-{el['subele_pos']}"
                        for e in el.get("errors", []):
                            ref = str(el.get("ele_ref_num") or "")
                            yield err(s.get("cur_line"), tag, name, e, ref)


def _chunk_size(path: str, workers: int) -> int:
    try:
        claims = os.path.getsize(path) // BYTES_PER_CLAIM
    except OSError:
        claims = 0
    if workers <= 1 or claims < PARALLEL_MIN_CLAIMS:
        return 10**9  # one chunk
    size = max(CHUNK_MIN_CLAIMS, min(CHUNK_MAX_CLAIMS, claims // (CHUNKS_PER_WORKER * workers)))
    return min(size, -(-claims // workers))  # every worker gets a chunk


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


class IgStream:
    """pyx12 issues of a file, in file order, handed out as the caller's stream reaches them.

    Chunks are validated in worker processes while the caller checks claims; ``take`` blocks
    only until the chunk covering the asked range is done.
    """

    def __init__(self, path: str, workers: int | None = None) -> None:
        self.workers = default_workers() if workers is None else workers
        self.folder = run_folder(FOLDER_PREFIX)
        self.pool: ProcessPoolExecutor | None = None
        self.pending: deque[tuple[Chunk, Future | list]] = deque()
        self.keys: list[int] = []
        self.issues: list[IgIssue] = []
        self.seen: set[IgIssue] = set()
        self.covered = 0
        self.file_level: list[IgIssue] = []
        size = _chunk_size(path, self.workers)
        try:
            if size < 10**9:
                _preload()  # before the fork, so the workers share it instead of each importing it
                # Start the workers now: they load the 837P map (~0.1 s each) while this
                # process is still cutting the first chunks.
                self.pool = _pool(self.workers)
                self.pool.submit(int)
            for chunk in iter_split(path, self.folder, size):
                if self.pool is not None:
                    self.pending.append((chunk, self.pool.submit(run_pyx12, chunk.path)))
                else:
                    self.pending.append((chunk, run_pyx12(chunk.path)))
        except BaseException:
            self.close()
            raise

    def _collect_next(self) -> None:
        chunk, result = self.pending.popleft()
        if isinstance(result, Future):
            from concurrent.futures.process import BrokenProcessPool

            try:
                raw = result.result()
            except BrokenProcessPool:
                raw = run_pyx12(chunk.path)  # a worker died (killed, out of memory): redo here
        else:
            raw = result
        found = []
        for line, tag, element, code, message, value, ref, level in raw:
            if code in RENUMBERED_CODES and line and chunk.is_renumbered(line):
                continue  # about the chunk's own HL numbers; chunk.extra has the user's
            if line and chunk.is_copy(line, tag):
                continue  # a copy of segments pyx12 validated in the set's first piece
            index = chunk.original(line) if line else 0
            found.append((index, tag, element, code, message, value, ref, level))
        found.extend(chunk.extra)
        found.sort(key=lambda f: f[0])
        for fields in found:
            issue = IgIssue(*fields)
            index = issue.index
            if issue in self.seen:
                continue  # the same header line validated in two chunks
            self.seen.add(issue)
            if index <= 0:
                self.file_level.append(issue)
                continue
            at = bisect.bisect_right(self.keys, index)
            self.keys.insert(at, index)
            self.issues.insert(at, issue)
        self.covered = max(self.covered, chunk.last_index)
        try:
            os.unlink(chunk.path)
        except OSError:
            pass

    def take(self, first: int, last: int) -> list[IgIssue]:
        while self.pending and self.covered < last:
            self._collect_next()
        lo = bisect.bisect_left(self.keys, first)
        hi = bisect.bisect_right(self.keys, last)
        return self.issues[lo:hi]

    def all(self) -> list[IgIssue]:
        while self.pending:
            self._collect_next()
        return self.file_level + self.issues

    def close(self) -> None:
        for _, result in self.pending:
            if isinstance(result, Future):
                result.cancel()
        self.pending.clear()
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> IgStream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# Chunk folders are named with the pid of the run that owns them, so that the next run can remove
# those of runs that were killed (x12tool/tempdirs.py).
FOLDER_PREFIX = "x12tool-ig-"


def _preload() -> None:
    pyx12_speed.install()
    quiet_pyx12()
    import pyx12.params  # noqa: F401
    import pyx12.x12n_document  # noqa: F401


# Maps a worker loads when it starts (pyx12 4.0.0 names): the interchange control map and the
# 837P map, which every chunk of an 837P file needs.
WARM_MAPS = ("x12.control.00501.xml", "837.5010.X222.A1.xml")
_warm: dict[str, object] = {}


def _warm_worker() -> None:
    """Pool initializer: load the maps before the first chunk arrives.

    Each preloaded map is handed to pyx12 once, unused, exactly as ``load_map_file`` would
    have built it (same file, default parameters, package maps); later runs load their own, so
    no map object is ever shared between two validations.
    """
    _preload()
    import pyx12.map_if
    import pyx12.params

    param = pyx12.params.params()
    for name in WARM_MAPS:
        try:
            _warm[name] = pyx12.map_if.load_map_file(name, param)
        except Exception:  # noqa: BLE001 - a map that does not load is loaded (and fails) later
            continue
    original = pyx12.map_if.load_map_file

    def load_map_file(map_file, param, map_path=None):
        warm = _warm.pop(map_file, None) if map_path is None else None
        return warm if warm is not None else original(map_file, param, map_path)

    pyx12.map_if.load_map_file = load_map_file


def _pool(workers: int) -> ProcessPoolExecutor:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork: works from any caller (spawn would re-import an unguarded __main__); the workers
    # only read their chunk file and return plain tuples.
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_warm_worker,
    )


def validate(path: str, workers: int | None = None) -> list[IgIssue]:
    """All pyx12 issues of ``path`` (file-level ones first, then in file order)."""
    with IgStream(path, workers) as stream:
        return stream.all()

"""``x12tool outbox DIR``: the cron-safe pipeline (docs/sftp.md, "The outbox").

One run at a time holds ``DIR/.x12tool.lock``. Each new file in DIR is claimed by an atomic
rename into ``DIR/.work/``, preflighted, and its original moved to ``DIR/archive/YYYY-MM-DD/``;
the ready file goes to ``DIR/upload/``, held claims to ``DIR/held/``, reports to
``DIR/reports/``, a refused input to ``DIR/refused/``. The sha256 of every input is recorded in
``DIR/.x12tool-outbox.sqlite``, so the same content is never processed twice. With an upload
command, a ready file moves to ``DIR/sent/`` only when the command exits 0.

Crash safety, step by step (the lock is the kernel's: a killed run never leaves it behind):
1. claim: rename DIR/NAME -> .work/NAME. A killed run's .work/ files are taken first next run.
2. record (sha256, "processing", output name): a rerun of a half-done file reuses the same
   output names, so its outputs replace themselves instead of appearing twice in upload/.
3. preflight writes each output atomically (temp file, fsync, validate, rename).
4. record "done"; 5. move the original to archive/. A crash between 4 and 5 leaves it in
   .work/, and the next run archives it as already processed.
Uploads: the command runs, its success is recorded (sha256 of the ready file), then the file is
renamed into sent/. Only a crash between the command's exit and that record can send a file
twice; DUP001 (with a ledger) then holds its claims if they come back.
"""

from __future__ import annotations

import fnmatch
import os
import shlex
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from x12tool import exitcodes
from x12tool.edi import X12InputError
from x12tool.preflight.outputs import run_preflight
from x12tool.preflight.run import process_file
from x12tool.preflight.session import Session
from x12tool.preflight.validate import OutputValidationError
from x12tool.reports.ack_x12 import AckNumbers
from x12tool.reports.model import sha256_file

STATE_NAME = ".x12tool-outbox.sqlite"
FOLDERS = ("upload", "held", "reports", "archive", "refused", "sent")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox_files (
    sha256 TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    out_name TEXT NOT NULL,
    status TEXT NOT NULL,            -- processing | done | refused
    claims INTEGER, ready INTEGER, corrected INTEGER, held INTEGER,
    reason TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE TABLE IF NOT EXISTS outbox_uploads (
    sha256 TEXT PRIMARY KEY,         -- of the ready file that was uploaded
    name TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
"""


@dataclass
class InputResult:
    """What happened to one input file (one line of ``--format jsonl``)."""

    file: str
    sha256: str | None
    status: str  # ready | held | all-held | refused | duplicate | failed | would-*
    exit: int
    reason: str | None = None
    counts: dict | None = None
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class UploadResult:
    file: str
    ok: bool
    detail: str


@dataclass
class OutboxRun:
    inputs: list[InputResult] = field(default_factory=list)
    uploads: list[UploadResult] = field(default_factory=list)
    internal: bool = False

    @property
    def exit_code(self) -> int:
        if self.internal:
            return exitcodes.INTERNAL
        if any(not u.ok for u in self.uploads):
            return exitcodes.UPLOAD
        worst = max((r.exit for r in self.inputs), default=exitcodes.OK)
        return worst if worst in (exitcodes.INPUT, exitcodes.HELD) else exitcodes.OK


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _free_name(folder: str, name: str, tag: str) -> str:
    """``name`` if nothing in ``folder`` has it, else ``stem-TAG.ext`` (then -2, -3, ...)."""
    if not os.path.lexists(os.path.join(folder, name)):
        return name
    stem, ext = os.path.splitext(name)
    n = 1
    while True:
        candidate = f"{stem}-{tag}{ext}" if n == 1 else f"{stem}-{tag}-{n}{ext}"
        if not os.path.lexists(os.path.join(folder, candidate)):
            return candidate
        n += 1


def _move(src: str, folder: str, name: str, tag: str) -> str:
    os.makedirs(folder, exist_ok=True)
    target = os.path.join(folder, _free_name(folder, name, tag))
    os.rename(src, target)
    _fsync_dir(folder)
    return target


def _fsync_dir(folder: str) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _files(folder: str) -> list[str]:
    try:
        names = sorted(os.listdir(folder))
    except FileNotFoundError:
        return []
    return [n for n in names if not n.startswith(".") and os.path.isfile(os.path.join(folder, n))]


class Outbox:
    def __init__(
        self,
        folder: str,
        min_age: float = 0.0,
        keep: tuple[str, ...] = (),
        patterns: tuple[str, ...] = (),
    ) -> None:
        self.folder = folder
        self.patterns = tuple(patterns)  # fnmatch patterns of the names to take (empty: all)
        self.min_age = min_age
        # files of ours that may sit in DIR (the --log file): never inputs
        self.keep = {os.path.abspath(p) for p in keep if p}
        self.report_mode = 0o600
        self.acks: frozenset[str] = frozenset()
        self.numbers = AckNumbers()
        self.work = os.path.join(folder, ".work")

    def path(self, *parts: str) -> str:
        return os.path.join(self.folder, *parts)

    # --- the state file ---------------------------------------------------------------------

    def open_state(self, create: bool) -> sqlite3.Connection | None:
        path = self.path(STATE_NAME)
        if not create and not os.path.exists(path):
            return None
        if create and not os.path.exists(path):
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("PRAGMA synchronous=FULL")
        if create:
            db.executescript(_SCHEMA)
        return db

    # --- a run --------------------------------------------------------------------------------

    def pending(self) -> list[tuple[str, str]]:
        """(folder, name) of every file to take: a killed run's .work/ files first, then the
        new files not modified for ``min_age`` seconds (an exporter writing straight into the
        outbox may still be writing a younger one; it is taken next run)."""
        now = time.time()
        fresh = []
        for n in _files(self.folder):
            if os.path.abspath(os.path.join(self.folder, n)) in self.keep:
                continue
            if self.patterns and not any(fnmatch.fnmatchcase(n, p) for p in self.patterns):
                continue
            try:
                age = now - os.stat(os.path.join(self.folder, n)).st_mtime
            except FileNotFoundError:
                continue
            if age >= self.min_age:
                fresh.append((self.folder, n))
        return [(self.work, n) for n in _files(self.work)] + fresh

    def run(
        self,
        session: Session,
        *,
        unsafe: bool,
        ig: bool,
        show_phi: bool,
        upload_cmd: str | None,
        upload_timeout: float,
        echo: Callable[[str], None],
        report_mode: int = 0o600,
        acks: frozenset[str] = frozenset(),
    ) -> OutboxRun:
        self.report_mode = report_mode
        self.acks = acks
        self.numbers = AckNumbers()  # the run's acknowledgment control numbers
        for name in (".work", *FOLDERS):
            os.makedirs(self.path(name), mode=0o700, exist_ok=True)
        db = self.open_state(create=True)
        assert db is not None
        result = OutboxRun()
        try:
            for where, name in self.pending():
                r = self._one(db, session, where, name, unsafe=unsafe, ig=ig, show_phi=show_phi)
                if r is None:
                    continue
                result.inputs.append(r)
                if r.status == "failed":
                    result.internal = True
            if upload_cmd:
                for name in _files(self.path("upload")):
                    u = self._upload(db, name, upload_cmd, upload_timeout, echo)
                    result.uploads.append(u)
        finally:
            db.close()
        return result

    def _one(self, db, session, where, name, *, unsafe, ig, show_phi) -> InputResult | None:
        src = os.path.join(where, name)
        if where == self.folder:
            if os.path.lexists(os.path.join(self.work, name)):
                return None  # a same-named file is still in .work/ (failed); this one waits
            claimed = os.path.join(self.work, name)
            try:
                os.rename(src, claimed)  # atomic: the file is ours now
            except FileNotFoundError:
                return None  # taken away meanwhile
            src = claimed
        sha = sha256_file(src)
        today = date.today().isoformat()
        archive = self.path("archive", today)
        row = db.execute(
            "SELECT status, out_name, finished_at, name FROM outbox_files WHERE sha256 = ?", (sha,)
        ).fetchone()
        if row is not None and row[0] != "processing":
            recovered = where == self.work and row[3] == name
            dest = self.path("refused") if recovered and row[0] == "refused" else archive
            kept = _move(src, dest, name, sha[:8])
            if recovered:
                # a killed run's file, processed before it was killed: archive it and say so
                return InputResult(
                    file=name,
                    sha256=sha,
                    status="recovered",
                    exit=exitcodes.OK,
                    reason=f"processed at {row[2]} by a run that stopped before archiving it",
                    outputs={"archive": os.path.relpath(kept, self.folder)},
                )
            return InputResult(
                file=name,
                sha256=sha,
                status="duplicate",
                exit=exitcodes.OK,
                reason=f"same content as {row[3]}, already processed at {row[2]}; not processed "
                "again",
                outputs={"archive": os.path.relpath(kept, self.folder)},
            )
        if row is not None:
            out_name = row[1]  # a killed run's file: the same names again
        else:
            out_name = name
            for folder, suffix in (("upload", ""), ("held", ""), ("reports", ".json")):
                free = _free_name(self.path(folder), out_name + suffix, sha[:8])
                out_name = free[: len(free) - len(suffix)] if suffix else free
            db.execute(
                "INSERT INTO outbox_files (sha256, name, out_name, status, started_at) "
                "VALUES (?, ?, ?, 'processing', ?)",
                (sha, name, out_name, _now()),
            )
        targets = {
            "ready": self.path("upload", out_name),
            "held": self.path("held", out_name),
            "json": self.path("reports", out_name + ".json"),
            "txt": self.path("reports", out_name + ".txt"),
            "html": self.path("reports", out_name + ".html"),
            "worklist": self.path("reports", out_name + ".worklist.csv"),
        }
        try:
            done = run_preflight(
                src, session, self.folder, unsafe=unsafe, ig=ig, show_phi=show_phi,
                targets=targets, report_mode=self.report_mode,
                acks=self.acks, numbers=self.numbers,
            )  # fmt: skip
        except X12InputError as exc:
            reason = str(exc)
            note = self.path("reports", out_name + ".refused.txt")
            with open(note, "w", encoding="utf-8") as fh:
                os.fchmod(fh.fileno(), self.report_mode)
                fh.write(reason + "\n")
            db.execute(
                "UPDATE outbox_files SET status = 'refused', reason = ?, finished_at = ? "
                "WHERE sha256 = ?",
                (reason, _now(), sha),
            )
            kept = _move(src, self.path("refused"), name, sha[:8])
            return InputResult(
                file=name,
                sha256=sha,
                status="refused",
                exit=exitcodes.INPUT,
                reason=reason,
                outputs={
                    "refused": os.path.relpath(kept, self.folder),
                    "reason": os.path.relpath(note, self.folder),
                },
            )
        except OutputValidationError as exc:
            # A bug of ours: the file stays in .work/ and is tried again next run.
            return InputResult(
                file=name, sha256=sha, status="failed", exit=exitcodes.INTERNAL, reason=str(exc)
            )
        s = done.summary
        db.execute(
            "UPDATE outbox_files SET status = 'done', claims = ?, ready = ?, corrected = ?, "
            "held = ?, finished_at = ? WHERE sha256 = ?",
            (s.claims, s.ready, s.corrected, s.held, _now(), sha),
        )
        kept = _move(src, archive, name, sha[:8])
        outputs = {k: os.path.relpath(v, self.folder) for k, v in done.written.items()}
        outputs["archive"] = os.path.relpath(kept, self.folder)
        going = s.ready + s.corrected
        status = "ready" if not s.held else ("held" if going else "all-held")
        return InputResult(
            file=name,
            sha256=sha,
            status=status,
            exit=exitcodes.HELD if s.held else exitcodes.OK,
            counts=s.as_dict(),
            outputs=outputs,
        )

    def _upload(self, db, name, template, timeout, echo) -> UploadResult:
        path = self.path("upload", name)
        sha = sha256_file(path)
        if db.execute("SELECT 1 FROM outbox_uploads WHERE sha256 = ?", (sha,)).fetchone():
            # uploaded by a run killed before it could move the file: do not send it again
            sent = _move(path, self.path("sent"), name, sha[:8])
            return UploadResult(
                name, True, f"already uploaded -> {os.path.relpath(sent, self.folder)}"
            )
        argv = upload_argv(template, os.path.abspath(path))
        try:
            proc = subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
            rc = proc.returncode
            said = proc.stdout.decode("utf-8", "replace").strip().splitlines()
            why = f"exit {rc}" + (f": {said[-1][:200]}" if said else "")
        except FileNotFoundError:
            rc, why = 127, f"command not found: {argv[0]}"
        except subprocess.TimeoutExpired:
            rc, why = -1, f"no answer within {timeout:g} s"
        if rc != 0:
            return UploadResult(
                name, False, f"upload failed ({why}); it stays in upload/ and is tried next run"
            )
        db.execute(
            "INSERT OR REPLACE INTO outbox_uploads (sha256, name, uploaded_at) VALUES (?, ?, ?)",
            (sha, name, _now()),
        )
        sent = _move(path, self.path("sent"), name, sha[:8])
        return UploadResult(name, True, f"uploaded -> {os.path.relpath(sent, self.folder)}")

    # --- --dry-run ------------------------------------------------------------------------------

    def dry_run(self, session: Session, *, unsafe: bool, ig: bool, upload_cmd: str | None):
        """What a run would do; nothing is moved, written or recorded (not even the lock)."""
        db = self.open_state(create=False)
        result = OutboxRun()
        try:
            for where, name in self.pending():
                src = os.path.join(where, name)
                sha = sha256_file(src)
                row = None
                if db is not None:
                    row = db.execute(
                        "SELECT status, finished_at, name FROM outbox_files WHERE sha256 = ?",
                        (sha,),
                    ).fetchone()
                if row is not None and row[0] != "processing":
                    result.inputs.append(
                        InputResult(
                            name,
                            sha,
                            "would-skip",
                            exitcodes.OK,
                            reason=f"same content as {row[2]}, already processed at {row[1]}",
                        )
                    )
                    continue
                try:
                    s = process_file(src, session.rules, session.ctx, unsafe=unsafe, ig=ig)
                except X12InputError as exc:
                    result.inputs.append(
                        InputResult(name, sha, "would-refuse", exitcodes.INPUT, reason=str(exc))
                    )
                    continue
                result.inputs.append(
                    InputResult(
                        name,
                        sha,
                        "would-process",
                        exitcodes.HELD if s.held else exitcodes.OK,
                        counts=s.as_dict(),
                    )
                )
            if upload_cmd:
                for name in _files(self.path("upload")):
                    argv = upload_argv(upload_cmd, os.path.abspath(self.path("upload", name)))
                    result.uploads.append(
                        UploadResult(name, True, "would run: " + shlex.join(argv))
                    )
        finally:
            if db is not None:
                db.close()
        return result


def upload_argv(template: str, path: str) -> list[str]:
    """``sh -c TEMPLATE`` with ``{file}`` replaced by the ready file's path, shell-quoted (a
    file name can never inject a command). A shell, so that a pipe works:
    ``echo put {file} /inbound/ | sftp -b - clearinghouse`` (docs/sftp.md)."""
    return ["/bin/sh", "-c", template.replace("{file}", shlex.quote(path))]

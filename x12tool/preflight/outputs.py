"""preflight and fix: write outputs atomically after re-validating them.

Every output of one input is written to a temp file in its target folder; when processing is
done, each is re-read and re-validated (x12tool.preflight.validate); only when all pass are they
renamed into place, reports last. On any failure every temp file is removed: a broken or partial
file never appears in ``ready/``.
"""

from __future__ import annotations

import io
import itertools
import os
import tempfile
from collections.abc import Callable
from typing import TYPE_CHECKING

from x12tool.edi.errors import X12InputError
from x12tool.edi.writer import X12Writer
from x12tool.preflight.atomic import AtomicFile, publish_together
from x12tool.preflight.run import Sinks, Summary, process_file
from x12tool.preflight.session import Session
from x12tool.preflight.split import OutputSet, StructuralLog
from x12tool.preflight.validate import validate_output
from x12tool.reports.ack_x12 import AckNumbers, check_ack
from x12tool.reports.formats import write_report
from x12tool.reports.model import FileReport, report_head
from x12tool.reports.spool import ClaimSpool
from x12tool.values import Value, value_class

if TYPE_CHECKING:
    from x12tool.reports.ack_book import AckBook


class SameFileError(Exception):
    """An output path is the input itself."""


def _mode(path: str) -> int:
    # Outputs keep the input's permission bits, but are never readable by group or others.
    try:
        return os.stat(path).st_mode & 0o600 | 0o600
    except OSError:
        return 0o600


def _same(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


@value_class  # a dataclass writing its own __init__ (x12tool/values.py)
class PreflightResult(Value):
    summary: Summary
    written: dict[str, str]  # kind -> path

    def __init__(self, summary: Summary, written: dict[str, str]) -> None:
        self.summary = summary
        self.written = written


def default_targets(out_dir: str, name: str) -> dict[str, str]:
    """Where preflight writes the outputs of input NAME: ready/, held/, reports/."""
    return {
        "ready": os.path.join(out_dir, "ready", name),
        "held": os.path.join(out_dir, "held", name),
        "json": os.path.join(out_dir, "reports", name + ".json"),
        "txt": os.path.join(out_dir, "reports", name + ".txt"),
        "html": os.path.join(out_dir, "reports", name + ".html"),
        "worklist": os.path.join(out_dir, "reports", name + ".worklist.csv"),
    }


def run_preflight(
    path: str,
    session: Session,
    out_dir: str,
    *,
    unsafe: bool,
    ig: bool,
    show_phi: bool,
    html: bool = False,
    progress=None,
    acks: frozenset[str] = frozenset(),
    numbers: AckNumbers | None = None,
    targets: dict[str, str] | None = None,
    report_mode: int = 0o600,
    on_report: Callable[[FileReport], None] | None = None,
) -> PreflightResult:
    """Preflight one input into ``out_dir`` (or ``targets``). ``on_report`` gets the input's
    report (head and claim records) once its files are written, e.g. for a page that covers
    every input of the run; the records are readable only during the call."""
    name = os.path.basename(path)
    # ``targets`` (the outbox's folders and names) replaces the out-dir layout below.
    targets = targets or default_targets(out_dir, name)
    name = os.path.basename(targets["ready"])
    # acknowledgments sit beside the other reports, named like them
    targets = {**targets, **ack_targets(name, os.path.dirname(targets["json"]), acks)}
    for target in targets.values():
        if os.path.exists(target) and _same(target, path):
            raise SameFileError(f"{target}: output would overwrite the input")
    mode = _mode(path)
    ready = AtomicFile(targets["ready"], mode)
    held = AtomicFile(targets["held"], mode)
    # The corrected claims alone, for pyx12 (only a run that validates with it writes them).
    # Kept beside the ready temp file and named like it, so that a killed run's copy (it holds
    # claim data) is cleaned up by the next run.
    changed_fh = changed_path = None
    if ig:
        changed_fd, changed_path = tempfile.mkstemp(
            prefix=f".{name}.{os.getpid()}.changed.",
            suffix=".partial",
            dir=os.path.dirname(os.path.abspath(targets["ready"])),
        )
        changed_fh = os.fdopen(changed_fd, "wb")
    files = [ready, held]
    spool = ClaimSpool()
    book = None
    if acks:
        # The acknowledgments' modules are imported by the runs that write them (--ack).
        from x12tool.reports.ack_book import AckBook

        book = AckBook()
    ledger = session.ledger
    recording = None  # the ledger's transaction for this file (docs/ledger.md)
    try:
        if ledger is not None and ledger.writable:
            recording = ledger.begin_file(path, session.ctx, session.rules, write=True)
        on_outcome = _chain(
            recording.record if recording is not None else None,
            book.record if book is not None else None,
        )
        log = StructuralLog()
        counted = progress is not None and getattr(progress, "enabled", True)
        sinks = Sinks(
            ready=OutputSet(X12Writer(ready.fh), on_change=log.recorder("ready")),
            held=OutputSet(X12Writer(held.fh), on_change=log.recorder("held")),
            changed=OutputSet(X12Writer(changed_fh)) if changed_fh is not None else None,
            structural=log,
        )
        summary = process_file(
            path,
            session.rules,
            session.ctx,
            sinks=sinks,
            unsafe=unsafe,
            ig=ig,
            show_phi=show_phi,
            # records are kept as the JSON text check makes them, unless a progress line
            # counts them (it takes them as dicts)
            on_claim=progress.wrap(spool.add) if counted else None,
            on_claim_text=None if counted else spool.add_text,
            on_outcome=on_outcome,
        )
        if changed_fh is not None:
            changed_fh.close()
        going = summary.ready + summary.corrected
        written = {}
        # Both outputs are validated before either is moved into place: a failure leaves the
        # folder exactly as it was (no new ready file beside an old held one).
        ready.seal()
        held.seal()
        if going:
            # pyx12 re-checks only what we changed (claims it already passed are unchanged
            # bytes); the whole file gets our envelope/HL/LX re-read.
            if ig and summary.corrected:
                validate_output(
                    changed_path, claims=summary.corrected, pyx12=True, label="corrected claims"
                )
            validate_output(ready.temp, claims=going, pyx12=False, label="ready")
        if summary.held:
            # held claims go out as they came: their LX numbers are the input's own
            # a set held for its wrong trailer (ENV002) keeps that trailer: allowed, only there
            validate_output(
                held.temp,
                claims=summary.held,
                pyx12=False,
                label="held",
                check_lx=False,
                trailers=summary.held_trailers,
            )
        publish = []
        if going:
            publish.append(ready)
            written["ready"] = targets["ready"]
        else:
            ready.discard()
        if summary.held:
            publish.append(held)
            written["held"] = targets["held"]
        else:
            held.discard()
        publish_together(publish)
        # A rerun that sends (or holds) nothing must not leave an older run's file behind.
        if not going:
            _remove_stale(targets["ready"])
        if not summary.held:
            _remove_stale(targets["held"])
        if recording is not None:
            # What was sent is recorded only now that the ready file is in place.
            recording = None
            ledger.end_file(commit=True)
        # report file kind -> its format (x12tool.reports.formats)
        renders = {"json": "json", "txt": "text", "html": "html"}
        worklist = targets.get("worklist")
        if worklist and summary.held:
            # every held claim, for the billers (the HTML page links to it when it lists part)
            renders["worklist"] = "worklist"
        elif worklist:
            _remove_stale(worklist)
            worklist = None
        head = report_head(
            path,
            summary,
            session,
            outputs={k: os.path.relpath(v, out_dir) for k, v in written.items()},
            worklist=os.path.basename(worklist) if worklist else None,
        )
        file_report = FileReport(head, spool)
        for kind, fmt in renders.items():
            # reports may be group-readable (--report-mode); claim files never are
            report = AtomicFile(targets[kind], report_mode)
            files.append(report)
            # streamed into the temp file: a 100,000-claim report never sits in memory
            text = io.TextIOWrapper(report.fh, encoding="utf-8", newline="", write_through=True)
            write_report(fmt, text, file_report)
            text.flush()
            text.detach()
            report.commit()
            written[kind] = targets[kind]
        if acks:
            written.update(
                write_acks(
                    path,
                    out_dir,
                    acks,
                    numbers or AckNumbers(),
                    summary=summary,
                    book=book,
                    targets={k: targets[k] for k in ACK_KINDS if k in acks},
                )
            )
        if on_report is not None:
            on_report(file_report)
        return PreflightResult(summary, written)
    except BaseException:
        if recording is not None:
            ledger.end_file(commit=False)
        for f in files:
            if not f.done:
                f.discard()
        raise
    finally:
        spool.close()
        if book is not None:
            book.close()
        if changed_fh is not None:
            if not changed_fh.closed:
                changed_fh.close()
            try:
                os.unlink(changed_path)
            except OSError:
                pass


def _chain(*callbacks):
    live = [c for c in callbacks if c is not None]
    if not live:
        return None
    if len(live) == 1:
        return live[0]

    def call(outcome) -> None:
        for c in live:
            c(outcome)

    return call


# In the order they are written and numbered: a 999 answers the file before a 277CA answers
# its claims. The order is fixed so a run's control numbers do not depend on hashing.
ACK_KINDS = {"999": ".999", "277ca": ".277ca"}


def ack_targets(name: str, reports_dir: str, acks: frozenset[str]) -> dict[str, str]:
    return {k: os.path.join(reports_dir, name + ext) for k, ext in ACK_KINDS.items() if k in acks}


def write_acks(
    path: str,
    out_dir: str,
    acks: frozenset[str],
    numbers: AckNumbers,
    *,
    summary: Summary | None = None,
    book: AckBook | None = None,
    refusal: X12InputError | None = None,
    targets: dict[str, str] | None = None,
) -> dict[str, str]:
    """Write the acknowledgments of one input (docs/acknowledgments.md): 0600, temp + fsync +
    re-read + rename. A refused input (``refusal``) gets only its 999 (or TA1): none of its
    claims was judged, so there is no 277CA, and an older run's is removed. Raises
    :class:`X12InputError` when not even the ISA can be read (nothing to acknowledge)."""
    from x12tool.edi.envelope_sets import scan_envelopes
    from x12tool.reports.ack277 import render_277
    from x12tool.reports.ack999 import render_999

    if targets is None:
        targets = ack_targets(os.path.basename(path), os.path.join(out_dir, "reports"), acks)
    scan = scan_envelopes(path)
    written = {}
    for kind, target in targets.items():
        if kind == "277ca" and (book is None or refusal is not None):
            _remove_stale(target)
            continue
        if kind == "999":
            pieces = [
                render_999(
                    scan,
                    summary.ig_issues if summary is not None else [],
                    numbers,
                    claims=book.issue_claims if book is not None else None,
                    refusal=refusal,
                )
            ]
        else:
            pieces = render_277(scan, book, numbers)
            first = next(pieces, None)
            if first is None:
                # no set the 999 accepts (each held for its trailer, ENV002): nothing to answer
                _remove_stale(target)
                continue
            pieces = itertools.chain([first], pieces)
        out = AtomicFile(target, 0o600)
        try:
            for piece in pieces:
                out.fh.write(piece.encode("ascii", "replace"))
            out.commit(check_ack)
        except BaseException:
            if not out.done:
                out.discard()
            raise
        written[kind] = target
    return written


def _remove_stale(target: str) -> None:
    """A rerun that holds nothing must not leave an older run's held file behind."""
    try:
        os.unlink(target)
    except FileNotFoundError:
        pass


def run_fix(
    path: str, session: Session, output: str, *, unsafe: bool, ig: bool, on_outcome=None
) -> Summary:
    if os.path.exists(output) and _same(output, path):
        raise SameFileError(f"{output}: output would overwrite the input")
    out = AtomicFile(output, _mode(path))
    try:
        sinks = Sinks(everything=OutputSet(X12Writer(out.fh)))
        summary = process_file(
            path,
            session.rules,
            session.ctx,
            sinks=sinks,
            unsafe=unsafe,
            ig=ig,
            on_outcome=on_outcome,
        )
        out.commit(
            lambda p: validate_output(
                p,
                claims=summary.claims,
                pyx12=False,
                label="fixed",
                trailers=summary.held_trailers,
            )
        )
        return summary
    except BaseException:
        if not out.done:
            out.discard()
        raise

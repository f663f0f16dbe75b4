"""``x12tool check``: judge each input and write its report, without writing any claim file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from x12tool import exitcodes
from x12tool.edi import X12InputError
from x12tool.preflight.parallel import check_file
from x12tool.preflight.session import Session
from x12tool.reports.formats import ReportWriter
from x12tool.reports.model import FileReport, report_head
from x12tool.reports.spool import ClaimSpool


class ProgressDisplay(Protocol):
    enabled: bool  # it counts claim records (they come as dicts, not as ready JSON text)

    def wrap(self, callback: Callable[[dict], None]) -> Callable[[dict], None]: ...

    def done(self) -> None: ...


def check_files(
    paths: list[str],
    session: Session,
    writer: ReportWriter,
    *,
    jobs: int = 1,
    unsafe: bool,
    ig: bool,
    show_phi: bool,
    progress: Callable[[str], ProgressDisplay] | None = None,
    refused: Callable[[str, X12InputError], None] | None = None,
) -> int:
    """Check every input, one after the other (each with up to ``jobs`` worker processes,
    x12tool.preflight.parallel), into ``writer``; returns the exit code (3 when an input was
    refused, else 1 when a claim would be held, else 0).

    ``progress(path)`` makes the progress display of one input (``wrap``, ``done``);
    ``refused(path, error)`` hears of each input that cannot be read (it is left out)."""
    code = exitcodes.OK
    for path in paths:
        spool = ClaimSpool()
        try:
            shown = progress(path) if progress is not None else None
            counted = shown is not None and shown.enabled
            try:
                summary = check_file(
                    path,
                    session.rules,
                    session.ctx,
                    jobs=jobs,
                    unsafe=unsafe,
                    ig=ig,
                    show_phi=show_phi,
                    # records from the workers are copied as JSON text unless counted
                    on_claim=shown.wrap(spool.add) if counted else None,
                    on_claim_text=None if counted else spool.add_text,
                    on_claim_block=None if counted else spool.add_block,
                )
            finally:
                if shown is not None:
                    shown.done()
        except X12InputError as exc:
            spool.close()
            if refused is not None:
                refused(path, exc)
            code = exitcodes.INPUT
            continue
        try:
            if summary.held:
                code = max(code, exitcodes.HELD)
            writer.add(FileReport(report_head(path, summary, session), spool))
        finally:
            spool.close()
    writer.close()
    return code

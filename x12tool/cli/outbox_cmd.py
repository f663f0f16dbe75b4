"""``x12tool outbox DIR``: preflight every new file of a folder, safely from cron."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from x12tool import exitcodes
from x12tool.cli.app import cli
from x12tool.cli.options import SessionOptions, ack_option, report_mode_option, session_options
from x12tool.cli.runlog import RunLog, log_options

if TYPE_CHECKING:
    from x12tool.pipeline.outbox import OutboxRun


@cli.command("outbox")
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=False, exists=True))
@session_options()
@click.option("--unsafe-fixes", is_flag=True, help="Also apply unsafe fixes (KX, 59, units up).")
@click.option(
    "--upload-cmd",
    metavar="'CMD {file}'",
    help="Shell command run for each ready file in DIR/upload/ ({file} = its path, quoted). "
    "Exit 0 moves the file to DIR/sent/; anything else leaves it for the next run and makes "
    "this run exit 6.",
)
@click.option(
    "--upload-timeout",
    type=click.FloatRange(min=1),
    default=600,
    show_default=True,
    metavar="SECONDS",
    help="An upload command still running after this long counts as failed.",
)
@click.option(
    "--pattern",
    "patterns",
    multiple=True,
    metavar="GLOB",
    help="Take only files whose name matches (repeatable, e.g. '*.837'); others are left "
    "alone. Default: every file.",
)
@click.option(
    "--min-age",
    type=click.FloatRange(min=0),
    default=10,
    show_default=True,
    metavar="SECONDS",
    help="Take only files not modified for this long (an exporter may still be writing a "
    "younger one; it is taken next run).",
)
@report_mode_option
@ack_option
@click.option("--dry-run", is_flag=True, help="Say what would happen; change nothing.")
@log_options
def outbox_cmd(
    folder,
    session_opts: SessionOptions,
    unsafe_fixes,
    upload_cmd,
    upload_timeout,
    patterns,
    min_age,
    report_mode,
    acks,
    dry_run,
    fmt,
    log,
) -> int:
    """Preflight every new file in DIR: ready claims to DIR/upload/ (then DIR/sent/ with
    --upload-cmd), held claims to DIR/held/, reports to DIR/reports/, originals to
    DIR/archive/DATE/, refused inputs to DIR/refused/. One run at a time (exit 5 when another
    holds DIR); a file is never processed twice. Exit 0 all ready, 1 claims held, 3 an input
    refused, 5 another run holds DIR, 6 an upload failed."""
    if upload_cmd is not None and "{file}" not in upload_cmd:
        raise click.BadParameter(
            "must contain {file} (the ready file's path)", param_hint="--upload-cmd"
        )
    # Imported here: every run of x12tool registers this command, few run it (the outbox
    # imports sqlite3, subprocess and shlex).
    from x12tool.pipeline.lock import FolderLock
    from x12tool.pipeline.outbox import Outbox

    # The outbox's files are found later: the visit log is judged on its rows only here.
    session = session_opts.open(record=not dry_run)
    ig, show_phi = session_opts.ig, session_opts.show_phi
    box = Outbox(folder, min_age=min_age, keep=(log,), patterns=patterns)
    runlog = RunLog(fmt, log)
    if dry_run:
        result = box.dry_run(session, unsafe=unsafe_fixes, ig=ig, upload_cmd=upload_cmd)
    else:
        with FolderLock(folder, wait=0):
            result = box.run(
                session,
                unsafe=unsafe_fixes,
                ig=ig,
                show_phi=show_phi,
                upload_cmd=upload_cmd,
                upload_timeout=upload_timeout,
                echo=lambda m: click.echo(m, err=True),
                report_mode=report_mode,
                acks=acks,
            )
    _report(result, runlog, dry_run)
    return result.exit_code


def _report(result: OutboxRun, runlog: RunLog, dry_run: bool) -> None:
    for r in result.inputs:
        runlog.input(
            file=r.file,
            sha256=r.sha256,
            status=r.status,
            exit=r.exit,
            reason=r.reason,
            counts=r.counts,
            outputs=r.outputs,
        )
        if r.exit == exitcodes.INPUT and not dry_run:
            click.echo(
                f"x12tool: {r.file}: {r.reason} (input refused; moved to refused/)", err=True
            )
    for u in result.uploads:
        runlog.upload(file=u.file, ok=u.ok, detail=u.detail)
        if not u.ok:
            click.echo(f"x12tool: {u.file}: {u.detail}", err=True)
    runlog.totals(result.exit_code)

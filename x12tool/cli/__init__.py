"""Command-line interface: a thin Click layer over the library.

Every command returns its exit code; ``main`` turns errors into one line on stderr and an exit code
(see x12tool/exitcodes.py), never a traceback.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import NoReturn

import click

from x12tool import exitcodes
from x12tool.cli import app
from x12tool.cli.app import UserFileError, cli
from x12tool.edi.errors import X12InputError
from x12tool.pipeline.lock import FolderBusy
from x12tool.refdata import MapError
from x12tool.visits import VisitLogError


def main(argv: list[str] | None = None) -> None:
    if argv is None:  # the process runs this one command (not a test or a caller's loop)
        app._program_run = True
    try:
        rv = cli.main(args=argv, prog_name="x12tool", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("x12tool: aborted", err=True)
        sys.exit(exitcodes.USAGE)
    except click.exceptions.NoArgsIsHelpError as exc:
        exc.show()  # ``x12tool`` alone: the help text, as a user expects
        sys.exit(exitcodes.USAGE)
    except click.ClickException as exc:
        click.echo(f"x12tool: {_one_line(exc)}", err=True)
        sys.exit(exitcodes.USAGE)
    except X12InputError as exc:
        click.echo(f"x12tool: {exc}", err=True)
        sys.exit(exitcodes.INPUT)
    except FolderBusy as exc:
        click.echo(f"x12tool: {exc}; nothing was done", err=True)
        sys.exit(exitcodes.LOCKED)
    except BrokenPipeError:
        sys.exit(exitcodes.OK)
    except OSError as exc:
        message = _output_error(exc)
        if message is None:
            _crash(exc)
        click.echo(f"x12tool: {message}", err=True)
        sys.exit(exitcodes.USAGE if exc.errno in _SETUP_ERRNOS else exitcodes.INTERNAL)
    except KeyboardInterrupt:
        click.echo("x12tool: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        usage = _usage_error(exc)
        if usage is not None:
            click.echo(f"x12tool: {usage}", err=True)
            sys.exit(exitcodes.USAGE)
        _crash(exc)
    sys.exit(rv if isinstance(rv, int) else exitcodes.OK)


def _crash(exc: BaseException) -> NoReturn:
    from x12tool.cli.crash import write_crash_report  # its modules (traceback) only on a crash

    try:
        where = f"crash report (no patient data): {write_crash_report(exc)}"
    except OSError as err:  # the disk that is full for the outputs is full for the report too
        where = f"no crash report could be written ({err.strerror})"
    click.echo(f"x12tool: internal error ({type(exc).__name__}); {where}", err=True)
    sys.exit(exitcodes.INTERNAL)


def _one_line(exc: click.ClickException) -> str:
    """Click's usage errors print three lines (usage, hint, error); ours print one."""
    message = " ".join(exc.format_message().split()).rstrip(".")
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and ctx is not None:
        return f"{message} (see '{ctx.command_path} --help')"
    return message


# Output folder problems the user can fix (exit 2); other write errors (a full disk, an I/O
# error) are exit 4: nothing is written for the input, and a rerun later may succeed.
_SETUP_ERRNOS = frozenset(
    {errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.EISDIR, errno.EEXIST, errno.EROFS}
)
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def _output_error(exc: OSError) -> str | None:
    """One line for a file-system error writing outputs; None for anything else (a bug)."""
    if exc.errno not in _SETUP_ERRNOS | _WRITE_ERRNOS:
        return None
    name = exc.filename
    if name is not None:
        # A temp file's name (".ready.837.x1y2.partial") means nothing to the user: name its folder.
        base = os.path.basename(os.fspath(name))
        if base.startswith(".") and base.endswith(".partial"):
            name = os.path.dirname(os.fspath(name))
    what = f"cannot write {name}" if name is not None else "cannot write an output file"
    why = exc.strerror or os.strerror(exc.errno)
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        why += " (a file stands where a folder is needed)"
    return f"{what}: {why}; nothing was written for the input"


def _usage_error(exc: Exception) -> str | None:
    """Errors in the user's own side files (profiles, visit logs) are usage errors."""
    if isinstance(exc, UserFileError | VisitLogError | MapError):
        return str(exc)
    # The 835 analytics are imported only by the runs that use them: an error of theirs can
    # only come from a run that imported the module.
    analytics = sys.modules.get("x12tool.remit.analytics")
    if analytics is not None and isinstance(exc, analytics.ThresholdError):
        return str(exc)
    return None

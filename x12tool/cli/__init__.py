"""Command-line interface: a thin Click layer over the library.

Every command returns its exit code; ``main`` turns errors into one line on stderr and an exit code
(see x12tool/exitcodes.py), never a traceback.
"""

from __future__ import annotations

import sys

import click

from x12tool import exitcodes
from x12tool.cli import check as _check  # noqa: F401  (each import registers commands)
from x12tool.cli import ledger_cmd as _ledger_cmd  # noqa: F401
from x12tool.cli import lines as _lines  # noqa: F401
from x12tool.cli import maps_cmd as _maps_cmd  # noqa: F401
from x12tool.cli import money_cmd as _money_cmd  # noqa: F401
from x12tool.cli import preflight as _preflight  # noqa: F401
from x12tool.cli import rules_cmd as _rules_cmd  # noqa: F401
from x12tool.cli.app import cli
from x12tool.cli.crash import write_crash_report
from x12tool.edi.errors import X12InputError


def main(argv: list[str] | None = None) -> None:
    try:
        rv = cli.main(args=argv, prog_name="x12tool", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("x12tool: aborted", err=True)
        sys.exit(exitcodes.USAGE)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exitcodes.USAGE)
    except X12InputError as exc:
        click.echo(f"x12tool: {exc}", err=True)
        sys.exit(exitcodes.INPUT)
    except BrokenPipeError:
        sys.exit(exitcodes.OK)
    except KeyboardInterrupt:
        click.echo("x12tool: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        usage = _usage_error(exc)
        if usage is not None:
            click.echo(f"x12tool: {usage}", err=True)
            sys.exit(exitcodes.USAGE)
        path = write_crash_report(exc)
        click.echo(
            f"x12tool: internal error ({type(exc).__name__}); crash report (no patient data): "
            f"{path}",
            err=True,
        )
        sys.exit(exitcodes.INTERNAL)
    sys.exit(rv if isinstance(rv, int) else exitcodes.OK)


def _usage_error(exc: Exception) -> str | None:
    """Errors in the user's own side files (profiles, visit logs) are usage errors."""
    from x12tool.cli.app import UserFileError
    from x12tool.visits import VisitLogError

    if isinstance(exc, UserFileError | VisitLogError):
        return str(exc)
    try:
        from x12tool.refdata import MapError
    except ImportError:  # pragma: no cover
        return None
    if isinstance(exc, MapError):
        return str(exc)
    return None

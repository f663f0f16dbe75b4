"""The Click group every command module attaches to."""

from __future__ import annotations

import click

from x12tool import __version__


class UserFileError(Exception):
    """A side file the user gave us (visit log, profiles, CSV) is unreadable: exit 2."""


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="x12tool")
def cli() -> None:
    """Preflight outgoing 837P (005010X222A1) therapy claims before the clearinghouse sees them.

    \b
    Exit codes:
      0  nothing held: every claim is ready (or was corrected by safe fixes)
      1  claims held (or, for check, would be held)
      2  usage error: bad option, missing file or empty folder, unreadable visit log or profile file
      3  an input is not processable (not X12, broken envelope, unsupported version)
      4  internal error, or an output failed re-validation (nothing is written)
      5  another x12tool run holds the lock on the output folder (nothing was done)
      6  outbox --upload-cmd: an upload failed (the file stays in upload/ for the next run)
    """

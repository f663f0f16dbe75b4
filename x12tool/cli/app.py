"""The Click group every command module attaches to."""

from __future__ import annotations

import click

from x12tool import __version__


class UserFileError(Exception):
    """A side file the user gave us (visit log, profiles, CSV) is unreadable: exit 2."""


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="x12tool")
def cli() -> None:
    """Preflight outgoing 837P (005010X222A1) therapy claims before the clearinghouse sees them.

    Exit codes: 0 nothing held, 1 claims held or error findings, 2 usage error,
    3 input not processable, 4 internal error.
    """

"""The Click group every command module attaches to."""

from __future__ import annotations

import gc
import importlib

import click

from x12tool import __version__

# Command -> the modules of x12tool.cli that define it and its subcommands. A run imports only
# its own command's modules (and what they import): ``check`` does not pay for the ledger,
# outbox or maps commands' imports. ``--help``, an unknown name and a config file load them all.
COMMANDS = {
    "auth": ("auth_cmd",),
    "check": ("check",),
    "config": ("config_cmd",),
    "denials": ("denials_cmd",),
    "explain": ("rules_cmd",),
    "fix": ("preflight",),
    "ledger": ("ledger_cmd",),
    "lines": ("lines",),
    "maps": ("maps_cmd", "money_cmd", "remit_cmd"),  # money and remit add maps subcommands
    "outbox": ("outbox_cmd",),
    "preflight": ("preflight",),
    "remit": ("remit_cmd",),
    "rules": ("rules_cmd",),
}


class UserFileError(Exception):
    """A side file the user gave us (visit log, profiles, CSV) is unreadable: exit 2."""


class _Commands(dict):
    """``cli.commands``: a name of COMMANDS not registered yet imports its module."""

    def __missing__(self, name: str) -> click.Command:
        if name not in COMMANDS:
            raise KeyError(name)
        load_command(name)
        return dict.__getitem__(self, name)


class _LazyGroup(click.Group):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands(self.commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            load_command(cmd_name)
        else:  # click's "did you mean" picks from every command
            load_all_commands()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        load_all_commands()
        return super().list_commands(ctx)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        found = super().resolve_command(ctx, args)
        if _program_run:
            end_start_up()
        return found


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


_loaded: set[str] = set()  # commands registered and configured
_program_run = False  # main() without argv: this process is the run (console script, -m x12tool)


def end_start_up() -> None:
    """The command's modules are loaded: what start-up made lives until exit, so the collector
    leaves it out of every later collection (gc.freeze: ~40 M fewer instructions a run); on
    again if ``python -m x12tool`` switched it off for the imports."""
    global _program_run
    _program_run = False
    gc.freeze()
    # A check makes and drops a few hundred thousand small objects a run, nearly none of them
    # in cycles: a youngest generation of 20,000 (not 700) walks them 30 times less often
    # (~7 M fewer instructions at 1,000 claims; peak memory unchanged at 10,000).
    gc.set_threshold(20000, 10, 10)
    gc.enable()


def load_command(name: str) -> None:
    """Import the modules of command ``name`` (registering it) and, when a config file reaches
    the command, give it ``--config`` and its ``X12TOOL_*`` variables (docs/config.md)."""
    if name in _loaded:
        return
    for module in COMMANDS[name]:
        importlib.import_module(f"x12tool.cli.{module}")
    from x12tool.cli.config import CONFIGURABLE, make_configurable

    _loaded.add(name)
    if name in CONFIGURABLE:
        make_configurable(cli.commands[name])


def load_all_commands() -> None:
    for name in COMMANDS:
        load_command(name)

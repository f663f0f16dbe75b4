"""``x12tool config``: the settings each command would run with, and where each came from."""

from __future__ import annotations

import json
from pathlib import Path

import click

from x12tool.cli.app import cli
from x12tool.cli.config import (
    CONFIGURABLE,
    find_config,
    load_config,
    mask_secret,
    resolved_settings,
)


@cli.command("config")
@click.argument("commands", nargs=-1, type=click.Choice(CONFIGURABLE))
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, exists=True),
    help="Settings file (default: the nearest x12tool.toml or pyproject.toml [tool.x12tool]).",
)
def config_cmd(commands, config_file) -> int:
    """Print the resolved settings of check, fix, preflight and outbox (or COMMANDS): each
    value and where it came from (environment, config file, default). Passwords in URLs are
    shown as ***. Exit 2 for a bad config file."""
    path = Path(config_file) if config_file else find_config()
    config = load_config(path) if path is not None else None
    click.echo(f"# config file: {path if path is not None else '(none found)'}")
    for name in commands or CONFIGURABLE:
        command = cli.commands[name]
        click.echo(f"\n[{name}]")
        for key, value, origin in resolved_settings(command, config):
            click.echo(f"{key} = {_show(value)}  # {origin}")
    return 0


def _show(value) -> str:
    if value is None or not isinstance(value, str | int | float | tuple | list):
        # (Click's "no default" marker included)
        return "(not set)"
    if isinstance(value, tuple | list):
        return json.dumps([mask_secret(str(v)) for v in value])
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(mask_secret(value))
    return str(value)

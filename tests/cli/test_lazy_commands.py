"""Commands are imported when first looked up (x12tool/cli/app.py ``COMMANDS``): a run pays only
for its own command's modules, and ``--help`` still lists every command with the same text."""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys

import click

import x12tool.cli
from x12tool.cli.app import COMMANDS, cli, load_all_commands


def _tree_modules(command: click.Command) -> set[str]:
    """The modules defining ``command`` and its subcommands, at any depth."""
    found = {command.callback.__module__} if command.callback is not None else set()
    for sub in getattr(command, "commands", {}).values():
        found |= _tree_modules(sub)
    return found


def test_the_map_names_every_command_and_the_modules_that_build_it():
    for info in pkgutil.iter_modules(x12tool.cli.__path__):  # as the eager import did
        importlib.import_module(f"x12tool.cli.{info.name}")
    load_all_commands()
    assert sorted(cli.commands) == sorted(COMMANDS)
    for name, command in cli.commands.items():
        wanted = {f"x12tool.cli.{module}" for module in COMMANDS[name]}
        assert _tree_modules(command) <= wanted, name
    assert "--config" in {o for p in cli.commands["fix"].params for o in p.opts}
    assert "--config" not in {o for p in cli.commands["lines"].params for o in p.opts}


# Each command's help in a fresh process, looked up lazily one by one (the groups first, so a
# group whose subcommands live in several modules shows them all), then the top-level help and
# a mistyped name; the same after importing every command module up front, as the CLI used to.
_PROBE = """
import contextlib, io, sys
{setup}
from x12tool.cli import main
from x12tool.cli.app import COMMANDS
out = io.StringIO()
for argv in [[name, "--help"] for name in sorted(COMMANDS, reverse=True)] + [["--help"], ["chek"]]:
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            main(argv)
        except SystemExit as exc:
            print("exit", exc.code)
print(out.getvalue())
"""
_EAGER = (
    "import pkgutil, importlib, x12tool.cli\n"
    "for i in pkgutil.iter_modules(x12tool.cli.__path__):\n"
    "    importlib.import_module('x12tool.cli.' + i.name)"
)


def _probe(setup: str) -> str:
    code = _PROBE.format(setup=setup)
    env = {**os.environ, "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout


def test_help_is_the_same_whether_commands_load_lazily_or_up_front():
    lazy = _probe("")
    assert "import-pfs" in lazy and "import-rates" in lazy  # maps subcommands of other modules
    assert "Did you mean 'check'?" in lazy
    assert lazy == _probe(_EAGER)


def test_check_imports_no_other_command_module():
    others = {m for name, mods in COMMANDS.items() if name != "check" for m in mods}
    probe = (
        "import sys\nfrom x12tool.cli import main\n"
        "try:\n    main(['check', '--help'])\nexcept SystemExit:\n    pass\n"
        f"print(' '.join(m for m in {sorted(others)!r} if 'x12tool.cli.' + m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines()[-1] == ""


def test_a_program_run_freezes_start_up_and_turns_the_collector_back_on():
    # As ``python -m x12tool rules`` runs it: the collector off for the imports, main() without
    # argv; when the command runs, the collector is on and start-up's objects are frozen.
    probe = (
        "import gc, sys\ngc.disable()\nfrom x12tool.cli import main\n"
        "import x12tool.cli.rules_cmd as r\nbody = r.rules_cmd.callback\n"
        "def spy(*a, **k):\n"
        "    print('in command', gc.isenabled(), gc.get_freeze_count() > 1000, file=sys.stderr)\n"
        "    return body(*a, **k)\n"
        "r.rules_cmd.callback = spy\nsys.argv = ['x12tool', 'rules']\nmain()"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert run.returncode == 0 and "in command True True" in run.stderr


def test_main_with_arguments_leaves_the_collector_alone(capsys):
    import gc

    from x12tool.cli import main

    frozen = gc.get_freeze_count()
    try:
        main(["rules"])
    except SystemExit:
        pass
    assert gc.get_freeze_count() == frozen and gc.isenabled()

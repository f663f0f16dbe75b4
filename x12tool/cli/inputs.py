"""Input arguments: files, folders and globs."""

from __future__ import annotations

import glob
import os
import shutil
import sys
import tempfile

import click

STDIN_NAME = "stdin"  # the name outputs and reports of ``-`` carry


def stdin_file() -> str:
    """``-``: standard input, copied into a private temp file named ``stdin`` (the tools read a
    file twice: IG chunks, ledger pre-pass). Removed when the command ends."""
    ctx = click.get_current_context()
    known = ctx.meta.get("x12tool.stdin")
    if known is not None:
        return known
    folder = tempfile.mkdtemp(prefix="x12tool-stdin-")  # 0700: the copy holds claim data
    path = os.path.join(folder, STDIN_NAME)
    with open(path, "wb") as fh:
        os.fchmod(fh.fileno(), 0o600)
        shutil.copyfileobj(sys.stdin.buffer, fh, 1 << 20)
    ctx.call_on_close(lambda: shutil.rmtree(folder, ignore_errors=True))
    ctx.meta["x12tool.stdin"] = path
    return path


def expand_inputs(args: tuple[str, ...]) -> list[str]:
    """Files as given; a folder means its regular files (sorted, not recursive); a glob expands;
    ``-`` is standard input."""
    paths: list[str] = []
    for arg in args:
        if arg == "-":
            paths.append(stdin_file())
        elif os.path.isdir(arg):
            for name in sorted(os.listdir(arg)):
                full = os.path.join(arg, name)
                if os.path.isfile(full) and not name.startswith("."):
                    paths.append(full)
        elif os.path.exists(arg):
            paths.append(arg)
        else:
            matches = sorted(glob.glob(arg))
            if not matches:
                raise click.UsageError(f"no such file: {arg}")
            paths.extend(m for m in matches if os.path.isfile(m))
    return paths

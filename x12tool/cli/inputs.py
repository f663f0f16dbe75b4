"""Input arguments: files, folders and globs."""

from __future__ import annotations

import os
import sys

import click

STDIN_NAME = "stdin"  # the name outputs and reports of ``-`` carry


def stdin_file() -> str:
    """``-``: standard input, copied into a private temp file named ``stdin`` (the tools read a
    file twice: IG chunks, ledger pre-pass). Removed when the command ends."""
    import shutil
    import tempfile

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
    ``-`` is standard input. A folder or glob without a file is a usage error: an upload script
    pointed at the wrong folder must not look like a run that found nothing to hold."""
    paths: list[str] = []
    for arg in args:
        if arg == "-":
            paths.append(stdin_file())
        elif os.path.isdir(arg):
            found = [
                os.path.join(arg, name)
                for name in sorted(os.listdir(arg))
                if os.path.isfile(os.path.join(arg, name)) and not name.startswith(".")
            ]
            if not found:
                raise click.UsageError(f"no input files in {arg}")
            paths.extend(found)
        elif os.path.exists(arg):
            paths.append(arg)
        else:
            import glob  # only for a pattern: most runs name their files

            matches = sorted(glob.glob(arg))
            if not matches:
                raise click.UsageError(f"no such file: {arg}")
            files = [m for m in matches if os.path.isfile(m)]
            if not files:
                raise click.UsageError(f"no input files match {arg}")
            paths.extend(files)
    return paths


def one_input(arg: str) -> str:
    """IN of a command that takes one file (``fix``), read as :func:`expand_inputs` reads it
    (``-``, a missing file, an empty folder: the same errors); a folder or a glob of several files
    is a usage error."""
    paths = expand_inputs((arg,))
    if os.path.isdir(arg):
        raise click.UsageError(
            f"{arg} is a folder: this command takes one file (preflight takes a folder)"
        )
    if len(paths) > 1:
        raise click.UsageError(f"{arg} matches {len(paths)} files: this command takes one file")
    return paths[0]

"""Input arguments: files, folders and globs."""

from __future__ import annotations

import glob
import os

import click


def expand_inputs(args: tuple[str, ...]) -> list[str]:
    """Files as given; a folder means its regular files (sorted, not recursive); a glob expands."""
    paths: list[str] = []
    for arg in args:
        if os.path.isdir(arg):
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

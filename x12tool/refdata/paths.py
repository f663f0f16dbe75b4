"""Where the shipped maps live at run time."""

from __future__ import annotations

import os
from importlib.machinery import SourceFileLoader, SourcelessFileLoader
from pathlib import Path
from typing import TYPE_CHECKING

import x12tool

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable


def maps_dir() -> Traversable:
    """Return the directory holding the shipped maps.

    An installed wheel carries them as ``x12tool/_maps`` (pyproject force-include of the repo's
    top-level ``maps/``); a source checkout has them in ``maps/`` next to the package.
    """
    loader = getattr(x12tool.__spec__, "loader", None)
    if isinstance(loader, SourceFileLoader | SourcelessFileLoader):
        # What importlib.resources.files() gives for a package read from files (its reader is
        # the package's folder), without asking it: its first call imports zipfile and the
        # readers, ~15 M instructions of every run's start-up.
        packaged: Traversable = Path(loader.path).parent / "_maps"
    else:
        import importlib.resources  # a zip or other loader: ~8 M instructions, so only here

        packaged = importlib.resources.files("x12tool") / "_maps"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "maps"


def default_db_path() -> Path:
    """The imported-maps store (NCCI tables, PFS, GPCI) shared by ``ncci`` and ``money``:
    ``$XDG_DATA_HOME/x12tool/maps.sqlite``, or ``~/.local/share/x12tool/maps.sqlite``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "x12tool" / "maps.sqlite"

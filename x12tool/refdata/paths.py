"""Where the shipped maps live at run time."""

from __future__ import annotations

import importlib.resources
from importlib.resources.abc import Traversable
from pathlib import Path


def maps_dir() -> Traversable:
    """Return the directory holding the shipped maps.

    An installed wheel carries them as ``x12tool/_maps`` (pyproject force-include of the repo's
    top-level ``maps/``); a source checkout has them in ``maps/`` next to the package.
    """
    packaged = importlib.resources.files("x12tool") / "_maps"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "maps"

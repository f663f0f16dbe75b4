"""NCCI procedure-to-procedure (PTP) edits and MUE limits: the imported CMS tables and lookups.

See docs/ncci.md. ``open_index(ref, maps_db)`` is what ``check``/``preflight`` call.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from x12tool.ncci.lookup import MueLimit, NcciIndex
from x12tool.refdata import RefData
from x12tool.refdata.paths import default_db_path

if TYPE_CHECKING:
    from x12tool.ncci.store import NcciStore

__all__ = ["MueLimit", "NcciIndex", "NcciStore", "default_db_path", "open_index"]


def open_index(ref: RefData, maps_db: str | None) -> NcciIndex:
    """The index the rules use: with the store at ``maps_db`` (default: the user's data folder)
    when that file exists, else curated pairs only. Never creates the file."""
    path = Path(maps_db) if maps_db else default_db_path()
    if not path.is_file():
        return NcciIndex(ref, None)
    from x12tool.ncci.store import NcciStore

    return NcciIndex(ref, NcciStore(path, create=False))


def __getattr__(name: str):
    # The store's module is imported by a run that has a maps store (and by the maps
    # commands): most checks have none.
    if name == "NcciStore":
        from x12tool.ncci.store import NcciStore

        return NcciStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

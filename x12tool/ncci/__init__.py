"""NCCI procedure-to-procedure (PTP) edits and MUE limits: the imported CMS tables and lookups.

See docs/ncci.md. ``open_index(ref, maps_db)`` is what ``check``/``preflight`` call.
"""

from __future__ import annotations

from pathlib import Path

from x12tool.ncci.lookup import MueLimit, NcciIndex
from x12tool.ncci.store import NcciStore, default_db_path
from x12tool.refdata import RefData

__all__ = ["MueLimit", "NcciIndex", "NcciStore", "default_db_path", "open_index"]


def open_index(ref: RefData, maps_db: str | None) -> NcciIndex:
    """The index the rules use: with the store at ``maps_db`` (default: the user's data folder)
    when that file exists, else curated pairs only. Never creates the file."""
    path = Path(maps_db) if maps_db else default_db_path()
    store = NcciStore(path, create=False) if path.is_file() else None
    return NcciIndex(ref, store)

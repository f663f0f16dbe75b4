"""Where the ledger lives: a SQLite file (default in the user's data folder) or PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

ENV = "X12TOOL_LEDGER"  # --ledger's environment variable


def default_ledger_path() -> Path:
    """``$XDG_DATA_HOME/x12tool/ledger.sqlite``, or ``~/.local/share/x12tool/ledger.sqlite``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "x12tool" / "ledger.sqlite"


def is_postgres(spec: str) -> bool:
    return spec.startswith(("postgresql://", "postgres://"))


def describe(spec: str) -> str:
    """The store for messages: a path as given, a PostgreSQL URL without its password."""
    if not is_postgres(spec):
        return spec
    scheme, rest = spec.split("://", 1)
    at = rest.rfind("@", 0, rest.find("/") if "/" in rest else len(rest))
    if at > 0 and ":" in rest[:at]:
        user = rest[: rest.index(":")]
        rest = f"{user}:***{rest[at:]}"
    return f"{scheme}://{rest.split('?', 1)[0]}"

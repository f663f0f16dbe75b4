"""A SQLite file the project keeps data in (the maps store of NCCI/MUE and fee tables).

One place for what every such store does alike: open in autocommit mode (transactions are
explicit), close, ``with``, and one write transaction that commits whole or not at all.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from x12tool.forksafe import reopen_in_child

if TYPE_CHECKING:
    import sqlite3


def _connect(path: Path):
    # sqlite3 is imported by the runs that open a store: a check without a maps store (the
    # usual case) does not pay for its import.
    import sqlite3

    return sqlite3.connect(str(path), isolation_level=None)


class SqliteFile:
    def __init__(self, path: str | os.PathLike, *, create: bool = True) -> None:
        self.path = Path(path)
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif not self.path.is_file():
            raise FileNotFoundError(str(self.path))
        self.conn = _connect(self.path)
        reopen_in_child(self, SqliteFile._reopen)

    def _reopen(self) -> None:
        """In a forked worker: a connection of its own (x12tool.forksafe). The inherited one
        is kept, unused and unclosed: closing it could touch the parent's WAL state."""
        self._inherited = self.conn
        self.conn = _connect(self.path)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything inside commits together or not at all."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

"""Reopen, in a forked worker, what it must not share with its parent (``check --jobs``).

A forked child inherits its parent's open files and SQLite connections. A file read with
``seek()`` and ``read()`` shares one file offset with the parent and every sibling, so the
visit log's lookups in two workers would read each other's rows; and SQLite forbids using a
connection across ``fork()`` (sqlite.org, "How To Corrupt An SQLite Database File", §2.6).
An object that keeps one open registers a method that opens its own; it runs in every child
forked afterwards (``os.register_at_fork``) for as long as the object lives.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable


def reopen_in_child(obj: object, reopen: Callable[[object], None]) -> None:
    """Call ``reopen(obj)`` in each child forked while ``obj`` is alive. A failure is left
    for the child's first use of ``obj`` to report (it would fail there anyway)."""
    ref = weakref.ref(obj)

    def after() -> None:
        target = ref()
        if target is None:
            return
        try:
            reopen(target)
        except Exception:  # noqa: BLE001 - see the docstring
            pass

    os.register_at_fork(after_in_child=after)

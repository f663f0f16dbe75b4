"""The ledger as the rules and commands see it (``RuleContext.ledger``, a ``LedgerService``).

A :class:`Ledger` holds the store (or none: then only the run's own lines and ``--ytd``
amounts count) and the file scope of the input being processed. ``process_file`` opens a
read-only scope per file (check, fix); ``run_preflight`` opens a writing one that holds the
beneficiaries' locks from the first decision to the ledger's COMMIT after the ready file.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from x12tool.ledger.amounts import Amounts, read_amounts
from x12tool.ledger.errors import LedgerError
from x12tool.ledger.facts import FactsContext
from x12tool.ledger.paths import default_ledger_path
from x12tool.ledger.scope import FileScope

if TYPE_CHECKING:
    from x12tool.ledger.store import LedgerStore

# Test hook (tests/ledger): seconds to wait after a writing scope has taken its locks and read
# the ledger, so that two processes are sure to overlap. Never set in production.
HOLD_ENV = "X12TOOL_LEDGER_TEST_HOLD"
LEDGER = "ledger"  # what a rule lists in ``needs`` when it reads the ledger


class Ledger:
    def __init__(
        self,
        store: LedgerStore | None = None,
        ytd: Amounts | None = None,
        *,
        writable: bool = False,
    ) -> None:
        self.store = store
        self.ytd = ytd
        self.writable = writable and store is not None
        self.file: FileScope | None = None
        self._lazy: FileScope | None = None
        self.notes: list[str] = []

    @property
    def where(self) -> str:
        return self.store.where if self.store is not None else ""

    def begin_file(self, path: str, ctx: FactsContext, rules, *, write: bool = False) -> FileScope:
        """Open the scope of one input file: pre-pass, locks (when writing), totals.

        ``rules``: the run's rules; the pre-pass runs only when one of them lists ``"ledger"``
        in its ``needs`` (or when preflight records)."""
        if self.file is not None:
            raise RuntimeError("a ledger file scope is already open")
        write = write and self.writable
        scope = FileScope(self, ctx, path, write=write)
        # The pre-pass (a second read of the file) orders a beneficiary's lines by date across
        # the file. It is only worth its cost when there are amounts to add the run to (a
        # ledger or --ytd); with neither, the run's lines are counted in file order.
        has_totals = self.store is not None or self.ytd is not None
        if write or (has_totals and any(LEDGER in getattr(r, "needs", ()) for r in rules)):
            scope.prepass(path)
        if write:
            self.store.begin(scope.lock_keys())
        try:
            scope.load_all()
            hold = os.environ.get(HOLD_ENV)
            if write and hold:
                time.sleep(float(hold))
        except BaseException:
            if write:
                self.store.rollback()
            raise
        self.file = scope
        return scope

    def end_file(self, *, commit: bool) -> None:
        scope, self.file = self.file, None
        if scope is None or not scope.write:
            return
        if commit:
            self.store.commit()
        else:
            self.store.rollback()

    def scope(self) -> FileScope:
        """The open file's scope, else one that learns the run's claims as they are checked
        (for callers that check claims without process_file: file order, no pre-pass)."""
        if self.file is not None:
            return self.file
        if self._lazy is None:
            raise RuntimeError("no context for a lazy ledger scope")
        return self._lazy

    def forget_group(self, group: int) -> None:
        """A group's last claim is done (x12tool.claims.plan): a run-only scope drops the
        run lines of its members."""
        scope = self.file if self.file is not None else self._lazy
        if scope is not None:
            scope.forget_group(group)

    def scope_for(self, ctx: FactsContext) -> FileScope:
        """The scope a rule reads: the open file's, else a run-only scope that learns the
        claims of ``ctx`` as they are checked."""
        if self.file is None and self._lazy is None:
            self._lazy = FileScope(self, ctx)
        return self.scope()

    def close(self) -> None:
        if self.file is not None:
            self.end_file(commit=False)
        if self.store is not None:
            self.store.close()
            self.store = None


def open_ledger(
    spec: str | None = None,
    ytd: str | None = None,
    *,
    write: bool = False,
    enabled: bool = True,
) -> Ledger:
    """The session's ledger.

    ``spec``: a SQLite path or a ``postgresql://`` URL; without one, the default SQLite file
    when it exists (never created by check, fix or preflight). ``write``: preflight records what
    it sends (creating an explicitly named SQLite file); check and fix only read, and a named
    file that does not exist yet reads as empty. ``enabled=False`` (``--no-ledger``): no store.
    """
    amounts = read_amounts(ytd) if ytd else None
    store = None
    if enabled:
        if spec:
            if write or spec.startswith(("postgresql://", "postgres://")):
                store = open_store(spec, create=True)
            elif Path(spec).is_file():
                store = open_store(spec, create=False)
            elif Path(spec).is_dir():
                raise LedgerError(f"{spec}: is a folder, not a ledger file")
        else:
            default = default_ledger_path()
            if default.is_file():
                store = open_store(str(default), create=False)
    return Ledger(store, amounts, writable=write)


def open_store(spec: str, *, create: bool) -> LedgerStore:
    # The store's module (sqlite3) is imported by a run that has a ledger to open: most
    # checks have none and do not pay for its import.
    from x12tool.ledger.store import open_store

    return open_store(spec, create=create)

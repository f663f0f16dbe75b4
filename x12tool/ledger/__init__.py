"""The therapy ledger: what preflight sent, per beneficiary and year, across files and runs.

* :mod:`.facts`: the ledger facts of a claim's service lines (group, discipline, key, amount).
* :mod:`.amounts`: the ``member_id, year, group, amount`` CSV (``ledger import``, ``--ytd``).
* :mod:`.schema`, :mod:`.store`: the store (SQLite by default, PostgreSQL when shared).
* :mod:`.scope`: one input file's view: the run's lines, the ledger's totals, locks, recording.
* :mod:`.view`: :class:`Ledger`, what travels on ``RuleContext.ledger``.

The KX rules' own knowledge (thresholds, explanations) lives with them in ``x12tool.rules.kx``;
this package never imports the rules.

See docs/ledger.md for what counts, the concurrency design and the PHI note.
"""

from __future__ import annotations

from x12tool.ledger.errors import LedgerError
from x12tool.ledger.facts import GROUPS
from x12tool.ledger.paths import default_ledger_path, is_postgres
from x12tool.ledger.view import Ledger, open_ledger

__all__ = [
    "GROUPS",
    "Ledger",
    "LedgerError",
    "default_ledger_path",
    "is_postgres",
    "open_ledger",
]

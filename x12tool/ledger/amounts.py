"""The year-to-date amounts CSV: ``member_id, year, group, amount`` (``ledger import``, ``--ytd``).

``group`` is ``PT_SLP`` (also accepted: ``PT/SLP``, ``PT+SLP``, ``PTSLP``, ``PT-SLP``) or ``OT``;
``amount`` is dollars (``$`` and thousands commas allowed). Rows for the same member, year and
group are added up. Any bad row makes the whole file unusable (nothing is imported): the error
names the row, never the member id.
"""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

from x12tool.ledger.errors import LedgerError
from x12tool.ledger.facts import to_cents

COLUMNS = ("member_id", "year", "group", "amount")
_GROUPS = {"PT_SLP": "PT_SLP", "PT/SLP": "PT_SLP", "PT+SLP": "PT_SLP", "PTSLP": "PT_SLP"}
_GROUPS |= {"PT-SLP": "PT_SLP", "OT": "OT"}

Amounts = dict[tuple[str, int, str], int]  # (member, year, group) -> cents


def read_amounts(path: str | Path) -> Amounts:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return _parse(str(path), csv.reader(fh))
    except OSError as exc:
        raise LedgerError(f"{path}: cannot read amounts CSV: {exc.strerror}") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise LedgerError(f"{path}: not a readable CSV: {exc}") from None


def _parse(name: str, reader) -> Amounts:
    header = next(reader, None)
    if header is None:
        raise LedgerError(f"{name}: amounts CSV is empty")
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise LedgerError(
            f"{name}: amounts CSV lacks column(s) {', '.join(missing)} "
            f"(required: {', '.join(COLUMNS)})"
        )
    at = {c: names.index(c) for c in COLUMNS}
    out: Amounts = {}
    for n, row in enumerate(reader, start=1):
        if not any(v.strip() for v in row):
            continue
        values = {c: (row[i].strip() if i < len(row) else "") for c, i in at.items()}
        where = f"{name}: row {n}"
        member = values["member_id"]
        if not member:
            raise LedgerError(f"{where}: member_id is empty")
        try:
            year = int(values["year"])
        except ValueError:
            raise LedgerError(f"{where}: year {values['year']!r} is not a year") from None
        if not 1990 <= year <= 2200:
            raise LedgerError(f"{where}: year {year} is out of range")
        group = _GROUPS.get(values["group"].upper().replace(" ", ""))
        if group is None:
            raise LedgerError(f"{where}: group {values['group']!r} is not PT_SLP or OT")
        text = values["amount"].replace("$", "").replace(",", "")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise LedgerError(f"{where}: amount {values['amount']!r} is not a number") from None
        if not amount.is_finite() or amount < 0:
            raise LedgerError(f"{where}: amount {values['amount']!r} must be 0 or more")
        key = (member, year, group)
        out[key] = out.get(key, 0) + to_cents(amount)
    return out

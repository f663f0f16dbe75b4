"""Contract rates: the payer's fee schedule (``maps import-rates``) and the allowed amounts the
835s show (median of the last N paid lines per payer and code), beside our Medicare estimate.

CSV layout: ``payer_id,code,modifiers,rate`` (header required; ``modifiers`` empty, or joined
with ``:`` or ``-``; ``rate`` is dollars per unit). Any bad row rejects the whole file, naming
the row. Importing sets the rate of each (payer, code, modifiers) in the file; other rates stay.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from statistics import median

from x12tool.remit.notes import NOTE_PREFIX
from x12tool.remit.store import now, to_cents

COLUMNS = ("payer_id", "code", "modifiers", "rate")
RECENT = 10  # median of the last N paid lines (by date of service)


class RatesError(ValueError):
    """The rates CSV is unusable (a usage error, exit 2)."""


def _mods(text: str) -> str:
    parts = [m.strip().upper() for m in text.replace("-", ":").split(":") if m.strip()]
    return ":".join(sorted(parts))


def read_rates(path: str) -> dict[tuple[str, str, str], int]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except OSError as exc:
        raise RatesError(f"{path}: cannot read rates CSV: {exc.strerror}") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise RatesError(f"{path}: not a readable CSV: {exc}") from None
    if not rows:
        raise RatesError(f"{path}: rates CSV is empty")
    names = [h.strip().lower() for h in rows[0]]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise RatesError(
            f"{path}: rates CSV lacks column(s) {', '.join(missing)} "
            f"(required: {', '.join(COLUMNS)})"
        )
    at = {c: names.index(c) for c in COLUMNS}
    out: dict[tuple[str, str, str], int] = {}
    for n, row in enumerate(rows[1:], start=1):
        if not any(v.strip() for v in row):
            continue
        v = {c: (row[i].strip() if i < len(row) else "") for c, i in at.items()}
        where = f"{path}: row {n}"
        payer, code = v["payer_id"].upper(), v["code"].upper()
        if not payer:
            raise RatesError(f"{where}: payer_id is empty")
        if not (len(code) == 5 and code.isalnum()):
            raise RatesError(f"{where}: code {v['code']!r} is not a 5-character HCPCS/CPT code")
        try:
            rate = Decimal(v["rate"].replace("$", "").replace(",", ""))
        except InvalidOperation:
            raise RatesError(f"{where}: rate {v['rate']!r} is not a number") from None
        if not rate.is_finite() or rate < 0:
            raise RatesError(f"{where}: rate {v['rate']!r} must be 0 or more")
        key = (payer, code, _mods(v["modifiers"]))
        if key in out:
            raise RatesError(f"{where}: a second rate for {payer} {code} {key[2] or '(none)'}")
        out[key] = to_cents(rate)
    return out


def import_rates(store, path: str) -> int:
    rates = read_rates(path)
    store.begin()
    try:
        stamp = now()
        for (payer, code, mods), cents in sorted(rates.items()):
            store.execute(
                "INSERT INTO contract_rates (payer_id, code, modifiers, rate_cents, source,"
                " imported_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (payer_id, code, modifiers)"
                " DO UPDATE SET rate_cents = excluded.rate_cents, source = excluded.source,"
                " imported_at = CASE WHEN contract_rates.rate_cents = excluded.rate_cents"
                " THEN contract_rates.imported_at ELSE excluded.imported_at END",
                (payer, code, mods, cents, os.path.basename(path), stamp),
            )
        store.commit()
    except BaseException:
        store.rollback()
        raise
    return len(rates)


@dataclass
class RateRow:
    payer_id: str
    code: str
    modifiers: str
    contract: int | None  # cents per unit, imported
    median_allowed: int | None  # cents per unit, last RECENT paid lines
    lines: int  # paid lines the median is of
    source: str

    @property
    def rate(self) -> tuple[int | None, str]:
        """The payer's rate and its basis: the imported contract, else the remittances'."""
        if self.contract is not None:
            return self.contract, f"contract ({self.source})"
        if self.median_allowed is not None:
            return self.median_allowed, f"median allowed of the last {self.lines} paid line(s)"
        return None, "none"


def rate_table(store, payer: str | None = None, recent: int = RECENT) -> list[RateRow]:
    """Per payer and code (and modifier set for contracts): contract rate and median allowed
    per unit of the last ``recent`` paid lines (allowed > 0, by date of service)."""
    contracts = {
        (r[0], r[1], r[2]): (int(r[3]), r[4])
        for r in store.rows(
            "SELECT payer_id, code, modifiers, rate_cents, source FROM contract_rates"
        )
    }
    paid: dict[tuple[str, str], list[tuple[str, Decimal]]] = {}
    for pid, code, day, allowed, units in store.rows(
        "SELECT c.payer_id, l.code, l.service_date, l.allowed_cents, l.units FROM remit_lines l"
        " JOIN remit_claims c ON c.remit_id = l.remit_id WHERE l.denied = 0"
        " AND l.allowed_cents > 0"
    ):
        try:
            n = Decimal(units) if units else Decimal(1)
        except InvalidOperation:
            n = Decimal(1)
        if n <= 0:
            continue
        paid.setdefault((pid, code), []).append((day, Decimal(int(allowed)) / n))
    keys = {(p, c, m) for p, c, m in contracts} | {(p, c, "") for p, c in paid}
    out = []
    for p, c, m in sorted(keys):
        if payer and p != payer.strip().upper():
            continue
        recent_lines = sorted(paid.get((p, c), []))[-recent:] if not m else []
        contract = contracts.get((p, c, m))
        out.append(
            RateRow(
                p,
                c,
                m,
                contract[0] if contract else None,
                int(median(a for _, a in recent_lines).to_integral_value())
                if recent_lines
                else None,
                len(recent_lines),
                contract[1] if contract else "",
            )
        )
    return out


# Payer classes whose money figures take the payer's own rate where one is known: the Medicare
# PFS estimate is only a reference for them (docs/money.md "reference only"). Medicare Part B
# keeps the PFS, which is its rate.
RATED_CLASSES = frozenset({"commercial", "medicaid"})


class PayerRates:
    """Per-unit rates by (payer id, code, modifiers): the imported contract rate (same modifier
    set, else none), else the median allowed per unit of the payer's last 10 paid 835 lines."""

    def __init__(self, store) -> None:
        self._by: dict[tuple[str, str], list[RateRow]] = {}
        try:
            rows = rate_table(store)
        except Exception:  # noqa: BLE001 - a ledger from before these tables: no rates
            rows = []
        for r in rows:
            self._by.setdefault((r.payer_id, r.code), []).append(r)

    def __bool__(self) -> bool:
        return bool(self._by)

    def per_unit(self, payer: str, code: str, modifiers) -> tuple[int, str] | None:
        rows = self._by.get((payer, code))
        if not rows:
            return None
        mods = ":".join(sorted(m.strip().upper() for m in modifiers if m.strip()))
        exact = next((r for r in rows if r.modifiers == mods and r.contract is not None), None)
        plain = next((r for r in rows if not r.modifiers), None)
        for r in (exact, plain):
            if r is not None and r.rate[0] is not None:
                return r.rate
        return None


class RatedPricer:
    """The run's pricing with payer rates: lines of commercial and Medicaid claims whose payer
    has a rate for the code are priced at rate x units (note "payer rate: <basis>"); every
    other line keeps the Medicare estimate. Wraps the fee-schedule pricer (duck-typed: this
    layer does not import the money layer)."""

    def __init__(self, base, rates: PayerRates, ref) -> None:
        self.base = base
        self.rates = rates
        self.ref = ref
        self.fees = getattr(base, "fees", None)

    def price(self, claim, inputs=None):
        price = self.base.price(claim, inputs)
        payer_class = claim.payer_class or self.ref.payer_class(claim.subscriber.filing_indicator)
        if payer_class not in RATED_CLASSES:
            return price
        payer = (claim.subscriber.payer_id or "").strip().upper()
        items = inputs if inputs is not None else None
        rated = False
        for ln in price.lines:
            if ln.note.startswith(NOTE_PREFIX):
                continue  # a cached price already rated
            mods = ()
            if items is not None:
                src = next((i for i in items if i.key == ln.key), None)
                mods = src.modifiers if src is not None else ()
            elif 0 <= ln.key < len(claim.lines):
                mods = tuple(claim.lines[ln.key].modifiers)
            got = self.rates.per_unit(payer, ln.code, mods)
            if got is None:
                continue
            cents, basis = got
            amount = (Decimal(cents) * ln.units / 100).quantize(Decimal("0.01"))
            ln.amount = ln.before_assistant = amount
            ln.percent = None
            ln.note = f"{NOTE_PREFIX}: {basis}"
            rated = True
        if rated:
            price.lines_changed()  # its kept totals, if any were summed, are stale now
        return price

"""Denial and payment figures from the remittances in the ledger (``x12tool denials``, DEN001).

Everything is computed from ``remit_lines`` joined with ``remit_claims`` (the current
adjudication of each claim payment; reversed payments have no lines, so nothing counts twice).
Definitions (docs/remittance.md):

* a line is **denied** when the payer paid nothing on a charge for a reason other than the
  patient's cost share (``model.is_denied``);
* **denial rate** = denied lines / lines; **dollars denied** = the charges of the denied lines;
* **days to payment** = payment date (BPR16, else DTM*405) minus the date preflight recorded
  the claim as sent, averaged over the claim payments of the group (matched claims only, and
  only payments dated on or after that date);
* the **payer** of a line is the payer id our 837 sent the claim to (2010BB NM109) when the
  claim is matched, else the id the remittance gives (REF*2U, N104, else TRN03).
"""

from __future__ import annotations

import os
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from x12tool.remit.model import COST_SHARE

DIMENSIONS = (
    "payer",
    "code",
    "modifiers",
    "pair",
    "carc",
    "rarc",
    "discipline",
    "provider",
    "month",
)


@dataclass(slots=True)
class RemitLine:
    remit_id: str
    line_no: int
    claim_id: str
    payer_id: str
    payer_name: str
    payer_class: str
    day: date | None
    code: str
    modifiers: tuple[str, ...]
    charged: int  # cents
    paid: int
    allowed: int
    allowed_basis: str
    denied: bool
    rarcs: tuple[str, ...]
    provider: str
    sent_on: date | None
    paid_on: date | None
    matched: bool
    adjustments: list[tuple[str, str, int]] = field(default_factory=list)  # group, CARC, cents

    @property
    def denial_reasons(self) -> list[str]:
        """The CARCs that explain a denial (cost share left out), as GROUP-CARC."""
        return [f"{g}-{c}" for g, c, a in self.adjustments if a and (g, c) not in COST_SHARE]


def _d(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def load_lines(
    store,
    *,
    since: date | None = None,
    until: date | None = None,
    payer: str | None = None,
    code: str | None = None,
) -> list[RemitLine]:
    where, params = [], []
    if since is not None:
        where.append("l.service_date >= ?")
        params.append(since.isoformat())
    if until is not None:
        where.append("l.service_date <= ?")
        params.append(until.isoformat())
    if payer:
        where.append("c.payer_id = ?")
        params.append(payer.strip().upper())
    if code:
        where.append("l.code = ?")
        params.append(code.strip().upper())
    sql = (
        "SELECT l.remit_id, l.line_no, c.claim_id, c.payer_id, c.payer_name, c.payer_class,"
        " l.service_date, l.code, l.modifiers, l.charged_cents, l.paid_cents, l.allowed_cents,"
        " l.allowed_basis, l.denied, l.remarks, c.provider, c.sent_on, c.paid_on, c.matched"
        " FROM remit_lines l JOIN remit_claims c ON c.remit_id = l.remit_id"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY l.service_date, c.claim_id, l.remit_id, l.line_no"
    lines = [
        RemitLine(
            r[0],
            int(r[1]),
            r[2],
            r[3],
            r[4],
            r[5],
            _d(r[6]),
            r[7],
            tuple(m for m in r[8].split(":") if m),
            int(r[9]),
            int(r[10]),
            int(r[11]),
            r[12],
            bool(r[13]),
            tuple(r[14].split()),
            r[15],
            _d(r[16]),
            _d(r[17]),
            bool(r[18]),
        )
        for r in store.rows(sql, params)
    ]
    if lines:
        ids = sorted({ln.remit_id for ln in lines})
        adj: dict[tuple[str, int], list] = defaultdict(list)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ", ".join("?" * len(chunk))
            for rid, no, grp, carc, cents in store.rows(
                "SELECT remit_id, line_no, grp, carc, amount_cents FROM remit_adjustments"
                f" WHERE remit_id IN ({marks}) ORDER BY remit_id, line_no, seq",  # noqa: S608
                chunk,
            ):
                adj[(rid, int(no))].append((grp, carc, int(cents)))
        for ln in lines:
            ln.adjustments = adj.get((ln.remit_id, ln.line_no)) or adj.get((ln.remit_id, 0), [])
    return lines


# --- grouping


def _pairs(lines: list[RemitLine]) -> dict[int, list[str]]:
    """For each line (by position): the other codes billed on the same claim and date."""
    by_day: dict[tuple, list[int]] = defaultdict(list)
    for i, ln in enumerate(lines):
        by_day[(ln.remit_id, ln.day)].append(i)
    out: dict[int, list[str]] = {}
    for members in by_day.values():
        for i in members:
            others = sorted({lines[j].code for j in members if lines[j].code != lines[i].code})
            out[i] = others
    return out


def keys_for(dim: str, lines: list[RemitLine], therapy: dict[str, str]) -> list[list[str]]:
    if dim == "pair":
        pairs = _pairs(lines)
        return [[f"{ln.code} with {o}" for o in pairs.get(i, [])] for i, ln in enumerate(lines)]
    key: Callable[[RemitLine], list[str]] = {
        "payer": lambda ln: [ln.payer_id or "-"],
        "code": lambda ln: [ln.code],
        "modifiers": lambda ln: ["-".join(sorted(ln.modifiers)) or "(none)"],
        "carc": lambda ln: sorted({f"{g}-{c}" for g, c, a in ln.adjustments if a}),
        "rarc": lambda ln: sorted(set(ln.rarcs)),
        "discipline": lambda ln: [
            "/".join(sorted({therapy[m] for m in ln.modifiers if m in therapy})) or "-"
        ],
        "provider": lambda ln: [ln.provider or "-"],
        "month": lambda ln: [ln.day.strftime("%Y-%m") if ln.day else "-"],
    }[dim]
    return [key(ln) for ln in lines]


@dataclass
class Group:
    key: str
    lines: int = 0
    denied: int = 0
    charged: int = 0
    paid: int = 0
    allowed: int = 0
    denied_dollars: int = 0
    code_amount: int = 0  # carc dimension: the adjustments of that CARC
    waits: dict[str, int] = field(default_factory=dict)  # remit_id -> days to payment
    label: str = ""

    @property
    def rate(self) -> Decimal:
        return (Decimal(self.denied * 100) / self.lines).quantize(Decimal("0.1"))

    @property
    def days(self) -> Decimal | None:
        if not self.waits:
            return None
        return (Decimal(sum(self.waits.values())) / len(self.waits)).quantize(Decimal("0.1"))


def summarize(dim: str, lines: list[RemitLine], therapy: dict[str, str]) -> list[Group]:
    groups: dict[str, Group] = {}
    for ln, keys in zip(lines, keys_for(dim, lines, therapy), strict=True):
        for k in keys:
            g = groups.get(k)
            if g is None:
                g = groups[k] = Group(k, label=ln.payer_name if dim == "payer" else "")
            g.lines += 1
            g.denied += ln.denied
            g.charged += ln.charged
            g.paid += ln.paid
            g.allowed += ln.allowed
            if ln.denied:
                g.denied_dollars += ln.charged
            if dim == "carc":
                g.code_amount += sum(a for gr, c, a in ln.adjustments if f"{gr}-{c}" == k)
            # A payment dated before the ledger learned of the claim (history sent before the
            # ledger existed) says nothing about how long the payer took: left out.
            if ln.sent_on and ln.paid_on and ln.paid_on >= ln.sent_on:
                g.waits[ln.remit_id] = (ln.paid_on - ln.sent_on).days
    order = sorted(groups.values(), key=lambda g: (-g.denied_dollars, -g.denied, g.key))
    if dim == "carc":
        order.sort(key=lambda g: (-g.code_amount, g.key))
    elif dim == "month":
        order.sort(key=lambda g: g.key)
    return order


# --- patterns (DEN001, denials suggest)


@dataclass(frozen=True)
class Thresholds:
    min_lines: int = 5
    min_rate: Decimal = Decimal("0.60")
    days: int = 180


@dataclass
class Pattern:
    payer_id: str
    kind: str  # "code", "modifiers", "pair"
    code: str
    modifiers: tuple[str, ...] = ()
    other: str = ""  # the other code of a pair
    lines: int = 0
    denied: int = 0
    dollars: int = 0  # charges of the denied lines
    carcs: dict[str, int] = field(default_factory=dict)  # GROUP-CARC -> denied lines
    bypassed: int = 0  # denied lines that carried an NCCI bypass modifier (59, XE, XP, XS, XU)
    first: date | None = None
    last: date | None = None

    @property
    def rate(self) -> Decimal:
        return Decimal(self.denied) / self.lines if self.lines else Decimal(0)

    def describe(self) -> str:
        if self.kind == "pair":
            return f"{self.code} billed with {self.other} on the same date"
        if self.kind == "modifiers":
            return f"{self.code} with modifiers {'-'.join(self.modifiers) or '(none)'}"
        return self.code

    def top_carcs(self, n: int = 3, reasons=None) -> str:
        """``CO-97 x6``; with ``reasons`` (refdata.ReasonCodes) each CARC's short label too:
        ``CO-97 (bundled into another service) x6``, ``CO-999 (not in the shipped list) x6``."""
        top = sorted(self.carcs.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
        if reasons is None:
            return ", ".join(f"{c} x{k}" for c, k in top) or "no CARC"
        return ", ".join(f"{c} ({_carc_label(reasons, c)}) x{k}" for c, k in top) or "no CARC"


def _carc_label(reasons, key: str) -> str:
    return reasons.carc(key) if reasons.known(key) else "not in the shipped list"


ENV = "X12TOOL_DEN001"


class ThresholdError(ValueError):
    """X12TOOL_DEN001 is not readable (a usage error, exit 2)."""


def thresholds_from_env() -> Thresholds:
    """DEN001's thresholds: ``X12TOOL_DEN001="min_lines=5,min_rate=0.6,days=180"`` (any subset)."""
    return parse_thresholds(os.environ.get(ENV, ""), ENV)


def parse_thresholds(text: str, origin: str = "--denial-thresholds") -> Thresholds:
    """``min_lines=5,min_rate=0.6,days=180`` (any subset; empty: the defaults)."""
    text = (text or "").strip()
    if not text:
        return Thresholds()
    values = {}
    for part in text.split(","):
        name, _, value = part.partition("=")
        values[name.strip()] = value.strip()
    unknown = set(values) - {"min_lines", "min_rate", "days"}
    try:
        if unknown:
            raise ValueError
        th = Thresholds(
            min_lines=int(values.get("min_lines", 5)),
            min_rate=Decimal(values.get("min_rate", "0.60")),
            days=int(values.get("days", 180)),
        )
        if th.min_lines < 1 or not (0 < th.min_rate <= 1) or th.days < 1:
            raise ValueError
    except (ValueError, ArithmeticError):
        raise ThresholdError(
            f"{origin}={text!r}: expected min_lines=N (>= 1), min_rate=0.NN (0-1], days=N (>= 1)"
        ) from None
    return th


BYPASS = frozenset({"59", "XE", "XP", "XS", "XU"})


def _add(p: Pattern, ln: RemitLine) -> None:
    p.lines += 1
    if ln.day is not None:
        p.first = min(p.first or ln.day, ln.day)
        p.last = max(p.last or ln.day, ln.day)
    if ln.denied:
        p.denied += 1
        p.dollars += ln.charged
        p.bypassed += bool(BYPASS & set(ln.modifiers))
        for c in dict.fromkeys(ln.denial_reasons):
            p.carcs[c] = p.carcs.get(c, 0) + 1


def patterns(lines: Iterable[RemitLine]) -> dict[tuple, Pattern]:
    """Every (payer, code), (payer, code, modifier set) and (payer, code, other code on the same
    claim and date) with its line and denial counts."""
    lines = list(lines)
    out: dict[tuple, Pattern] = {}
    pairs = _pairs(lines)
    for i, ln in enumerate(lines):
        mods = tuple(sorted(ln.modifiers))
        keys = [
            (ln.payer_id, "code", ln.code, (), ""),
            (ln.payer_id, "modifiers", ln.code, mods, ""),
            *((ln.payer_id, "pair", ln.code, (), o) for o in pairs.get(i, [])),
        ]
        for k in keys:
            p = out.get(k)
            if p is None:
                p = out[k] = Pattern(k[0], k[1], k[2], k[3], k[4])
            _add(p, ln)
    return out


def significant(found: dict[tuple, Pattern], th: Thresholds) -> dict[tuple, Pattern]:
    return {k: p for k, p in found.items() if p.lines >= th.min_lines and p.rate >= th.min_rate}


class DenialHistory:
    """DEN001's view of the remittances: a payer's remitted lines read once, the significant
    patterns of the window ending on a date of service computed once per (payer, date)."""

    def __init__(self, store, th: Thresholds | None = None) -> None:
        self.store = store
        self.th = th if th is not None else thresholds_from_env()
        self._lines: dict[str, list[RemitLine]] = {}
        self._found: dict[tuple, dict[tuple, Pattern]] = {}
        self._days: dict[str, list[date]] = {}
        self._since: dict[str, date] = {}

    @property
    def window_days(self) -> int:
        return self.th.days

    def patterns(self, payer: str, day: date) -> dict[tuple, Pattern]:
        key = (payer, day)
        got = self._found.get(key)
        if got is None:
            start = day - timedelta(days=self.th.days)
            lines = self._lines.get(payer)
            if lines is None or start < self._since[payer]:
                # Only the history a window can reach is read (memory stays bounded by it):
                # from a year before the first window needed; read again if an earlier one is.
                since = start - timedelta(days=365)
                try:
                    lines = load_lines(self.store, payer=payer, since=since)
                except Exception:  # noqa: BLE001 - a ledger from before the remittance tables
                    lines = []
                # By date of service (load order), undated lines left out: the window is a slice.
                lines = self._lines[payer] = [ln for ln in lines if ln.day is not None]
                self._days[payer] = [ln.day for ln in lines]
                self._since[payer] = since
            days = self._days[payer]
            lo = bisect_left(days, start)
            window = lines[lo : bisect_right(days, day)]
            got = self._found[key] = significant(patterns(window), self.th)
        return got


def unmatched(store, payer: str | None = None) -> tuple[list[list], list[list]]:
    """(claims, lines): remitted claim payments not matched to a sent claim, and remitted lines
    of matched claims not matched to one of our lines."""
    where, params = "", []
    if payer:
        where, params = " AND c.payer_id = ?", [payer.strip().upper()]
    claims = [
        [r[0], r[1], r[2], f"{Decimal(int(r[3])) / 100:.2f}", r[4], r[5]]
        for r in store.rows(
            "SELECT c.claim_id, c.payer_id, c.status, c.paid_cents, c.paid_on, c.source_file"
            " FROM remit_claims c WHERE c.matched = 0" + where + " ORDER BY c.paid_on, c.claim_id",
            params,
        )
    ]
    lines = [
        list(r)
        for r in store.rows(
            "SELECT c.claim_id, c.payer_id, l.line_no, l.code, l.modifiers, l.service_date"
            " FROM remit_lines l JOIN remit_claims c ON c.remit_id = l.remit_id"
            " WHERE c.matched = 1 AND l.line_key = ''" + where + " ORDER BY c.claim_id, l.line_no",
            params,
        )
    ]
    return claims, lines

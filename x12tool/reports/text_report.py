"""The text report billers read: a summary, then one block per claim with findings."""

from __future__ import annotations

from typing import TextIO

from x12tool.money.amounts import dollars
from x12tool.reports.model import FileReport
from x12tool.reports.spool import MONEY, NOTED, select, tally
from x12tool.reports.table import plain_table, simple_table

REFERENCE_NOTE = (
    "Medicare estimate, reference only: this payer does not pay by the Medicare fee schedule"
)


def _money_rows(m: dict) -> list[list[str]]:
    return [
        ["allowed as billed (Medicare est.)", dollars(m["allowed_as_billed"])],
        ["allowed as sent", dollars(m["allowed_as_sent"])],
        ["at risk (held claims)", dollars(m["at_risk"])],
        ["overbilling avoided", dollars(m["overbilling_avoided"])],
        ["underbilled (documented, not billed)", dollars(m["underbilled"])],
        ["CQ/CO reduction", dollars(m.get("reduction", "0"))],
        ["sequestration 2% (not deducted above)", dollars(m.get("sequestration", "0"))],
    ]


def _claim_money(m: dict | None) -> str:
    if not m:
        return ""
    text = (
        f"  allowed as billed {dollars(m['allowed_as_billed'])}, "
        f"as sent {dollars(m['allowed_as_sent'])}"
    )
    for key, label in (
        ("at_risk", "at risk"),
        ("overbilling_avoided", "overbilling avoided"),
        ("underbilled", "underbilled"),
        ("reduction", "CQ/CO reduction"),
    ):
        if m.get(key) and m[key] != "0.00":
            text += f", {label} {dollars(m[key])}"
    if m.get("payer_rates"):
        text += f" (payer's own rate on {m['payer_rates']}, Medicare estimate otherwise)"
    elif m.get("reference_only"):
        text += " (Medicare estimate, reference only)"
    return text + "\n"


MAX_TABLE_ROWS = 500
FINDING_HEADERS = ("code", "severity", "segment", "line", "message", "fix", "$")
FINDING_WRAP = (None, None, None, None, 64, None, None)  # the message wraps at 64 characters


# amount text -> dollars(text), for the money table's three amounts a row: a report's amounts
# repeat (0.00, the usual line prices). Kept small, the first amounts met stay.
_DOLLARS: dict[str, str] = {}


def _dollars(value: str) -> str:
    got = _DOLLARS.get(value)
    if got is None:
        got = dollars(value)
        if type(value) is str and len(_DOLLARS) < 4096:
            _DOLLARS[value] = got
    return got


def _basis_mark(money: dict) -> str:
    """(payer rate 1/2)": lines at the payer's own rate; " (ref.)": Medicare estimate only."""
    if money.get("payer_rates"):
        n, _, rest = money["payer_rates"].partition(" of ")
        return f" (payer rate {n}/{rest.split()[0]})"
    return " (ref.)" if money.get("reference_only") else ""


def _fix(f: dict) -> str:
    if f["resolution"] == "fixed":
        return "fixed"
    if f["fix"]:
        return f["fix"]["applicability"]
    return "none"


MAX_STRUCTURAL_LINES = 200


def _structural(out: TextIO, records: list[dict]) -> None:
    """Segments written differently from the input that are not fixes (docs/design.md)."""
    if not records:
        return
    out.write("\nstructural changes (not fixes: what writing a subset of the claims requires)\n")
    for rec in records[:MAX_STRUCTURAL_LINES]:
        many = f" (and {rec['segments'] - 1} more HLs after it)" if rec["segments"] > 1 else ""
        out.write(
            f"  {rec['output']}: {rec['segment']} at segment {rec['position']}{many}: "
            f"{rec['reason']}\n    - {rec['before']}\n    + {rec['after']}\n"
        )
    if len(records) > MAX_STRUCTURAL_LINES:
        out.write(
            f"  ({len(records) - MAX_STRUCTURAL_LINES} more; the JSON report lists every one)\n"
        )


def write_text(out: TextIO, head: dict, records) -> None:
    s = head["summary"]
    out.write(f"x12tool report for {head['file']}\n")
    rows = [
        ["claims", s["claims"]],
        ["ready (go as is)", s["ready"]],
        ["corrected (go after safe fixes)", s["corrected"]],
        ["held", s["held"]],
        [
            "findings",
            f"{s['findings']['error']} error, {s['findings']['warning']} warning, "
            f"{s['findings']['info']} info",
        ],
    ]
    for key, label in (("ig", "IG validation (pyx12)"),):
        if key in head:
            rows.append([label, "on" if head[key] else "off"])
    money = s.get("money")
    if money:
        rows.extend(_money_rows(money))
    out.write(plain_table(rows) + "\n")
    if money:
        out.write(f"money basis: {head.get('money_basis', 'national')}")
        out.write(f" ({head['money_detail']})\n" if head.get("money_detail") else "\n")
        refs = [c for c, v in money.get("by_payer_class", {}).items() if v.get("reference_only")]
        if refs:
            out.write(f"reference only: {', '.join(refs)} claims ({REFERENCE_NOTE})\n")
    for note in head.get("notes", []):
        out.write(f"note: {note}\n")
    for rec in head.get("transaction_sets") or []:
        out.write(f"\ntransaction set {rec['st']} (ST at segment {rec['position']})\n")
        for f in rec["findings"]:
            out.write(f"  {f['code']} {f['severity']}: {f['message']} [{_fix(f)}]\n")
        for ch in rec["changes"]:
            out.write(f"  - {ch['before']}\n  + {ch['after']}\n")
    _structural(out, head.get("structural_changes") or [])
    vlog = head.get("visit_log")
    if vlog:
        out.write(f"visit log: {vlog['path']} ({vlog['rows']} rows")
        out.write(f", {len(vlog['problems'])} bad rows)\n" if vlog["problems"] else ")\n")
        for p in vlog["problems"][:20]:
            out.write(f"  row {p['row']}: {p['message']}\n")
    # A table a person reads: capped (memory stays flat on a 100,000-claim batch); the JSON
    # report lists every claim.
    table = []
    for rec in select(records, MONEY):
        if len(table) >= MAX_TABLE_ROWS:
            break
        table.append(
            [
                rec["id"],
                rec["status"],
                rec["payer_class"] + _basis_mark(rec["money"]),
                _dollars(rec["money"]["allowed_as_billed"]),
                _dollars(rec["money"]["allowed_as_sent"]),
                _dollars(rec["money"]["at_risk"]) if rec["money"].get("at_risk") != "0.00" else "",
            ]
        )
    more = tally(records, MONEY) - len(table)
    if table:
        out.write("\nestimated Medicare allowed amount per claim (ref. = reference only)\n")
        out.write(
            simple_table(
                table,
                ["claim", "status", "payer class", "as billed", "as sent", "at risk"],
                align=("left", "left", "left", "right", "right", "right"),
            )
            + "\n"
        )
        if more:
            out.write(f"({more} more claims; the JSON report lists every claim)\n")
    for rec in select(records, NOTED):
        out.write(
            f"\nclaim {rec['id']}  [{rec['status'].upper()}]  payer class {rec['payer_class']}"
            f"  ST {rec['st']}  CLM at segment {rec['position']}\n"
        )
        out.write(_claim_money(rec.get("money")))
        table = [
            [
                f["code"],
                f["severity"],
                f"{f['segment']}@{f['position']}" if f["segment"] else "",
                f["line"] or "",
                f["message"],
                _fix(f),
                dollars(f["money"]) if f.get("money") else "",
            ]
            for f in rec["findings"]
        ]
        if table:
            out.write(simple_table(table, FINDING_HEADERS, wrap=FINDING_WRAP) + "\n")
        for ch in rec["changes"]:
            out.write(f"  - {ch['before']}\n" if ch["before"] else "")
            out.write(f"  + {ch['after']}\n" if ch["after"] else "")


class TextReport:
    """The text report of each input, one after the other."""

    def __init__(self, out: TextIO, *, many: bool = False) -> None:
        self.out = out

    def add(self, report: FileReport) -> None:
        write_text(self.out, *report)

    def close(self) -> None:
        pass

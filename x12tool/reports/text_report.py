"""The text report billers read: a summary, then one block per claim with findings."""

from __future__ import annotations

from typing import TextIO

from tabulate import tabulate


def _fix(f: dict) -> str:
    if f["resolution"] == "fixed":
        return "fixed"
    if f["fix"]:
        return f["fix"]["applicability"]
    return "none"


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
    out.write(tabulate(rows, tablefmt="plain", disable_numparse=True) + "\n")
    for note in head.get("notes", []):
        out.write(f"note: {note}\n")
    vlog = head.get("visit_log")
    if vlog:
        out.write(f"visit log: {vlog['path']} ({vlog['rows']} rows")
        out.write(f", {len(vlog['problems'])} bad rows)\n" if vlog["problems"] else ")\n")
        for p in vlog["problems"][:20]:
            out.write(f"  row {p['row']}: {p['message']}\n")
    for rec in records:
        if not rec["findings"] and not rec["changes"]:
            continue
        out.write(
            f"\nclaim {rec['id']}  [{rec['status'].upper()}]  payer class {rec['payer_class']}"
            f"  ST {rec['st']}  CLM at segment {rec['position']}\n"
        )
        table = [
            [
                f["code"],
                f["severity"],
                f"{f['segment']}@{f['position']}" if f["segment"] else "",
                f["line"] or "",
                f["message"],
                _fix(f),
            ]
            for f in rec["findings"]
        ]
        if table:
            out.write(
                tabulate(
                    table,
                    headers=["code", "severity", "segment", "line", "message", "fix"],
                    tablefmt="simple",
                    disable_numparse=True,
                    maxcolwidths=[None, None, None, None, 70, None],
                )
                + "\n"
            )
        for ch in rec["changes"]:
            out.write(f"  - {ch['before']}\n" if ch["before"] else "")
            out.write(f"  + {ch['after']}\n" if ch["after"] else "")

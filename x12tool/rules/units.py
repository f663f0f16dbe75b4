"""Timed-code unit arithmetic: the CMS 8-minute rule and the AMA/CPT per-code rule.

CMS, Pub 100-04 Ch. 5 §20.2 (quoted by First Coast, cms-rules.md §1a [H]): the total timed minutes
of the day set the number of units (8-22 -> 1, 23-37 -> 2, ...: ``(m + 7) // 15`` from 8 minutes
on); each code first gets its full 15-minute units, and each remaining unit goes to the code with
the most minutes left over. This reproduces CMS's worked examples 1-4. Ties are the provider's
choice: we keep the code that was billed with more units, then the one with more minutes, then
the first one, so a correct claim is never "fixed" into another correct claim.

AMA/CPT ("rule of eights", cms-rules.md §1b [M]): each code on its own by the same table.
"""

from __future__ import annotations

from dataclasses import dataclass


def table_units(minutes: int) -> int:
    """Units for ``minutes`` of timed service by the 8-minute table (CMS §20.2 C)."""
    return 0 if minutes < 8 else (minutes + 7) // 15


@dataclass(frozen=True, slots=True)
class CodeMinutes:
    code: str
    minutes: int
    billed: int = 0  # units billed, for tie-breaking only


def cms_units(items: list[CodeMinutes]) -> dict[str, int]:
    """Share the day's units among codes (CMS total-time method). One entry per code."""
    total = sum(i.minutes for i in items)
    units = {i.code: i.minutes // 15 for i in items}
    remaining = table_units(total) - sum(units.values())
    order = sorted(
        range(len(items)),
        key=lambda n: (-(items[n].minutes % 15), -items[n].billed, -items[n].minutes, n),
    )
    for n in order:
        if remaining <= 0:
            break
        if items[n].minutes % 15 == 0:
            continue  # nothing left over: a full unit would bill minutes not furnished
        units[items[n].code] += 1
        remaining -= 1
    return units


def ama_units(items: list[CodeMinutes]) -> dict[str, int]:
    """Each code by itself (AMA/CPT substantial-portion method)."""
    return {i.code: table_units(i.minutes) for i in items}


def supported_units(items: list[CodeMinutes], method: str) -> dict[str, int]:
    return cms_units(items) if method == "cms" else ama_units(items)

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

from typing import NamedTuple


def table_units(minutes: int) -> int:
    """Units for ``minutes`` of timed service by the 8-minute table (CMS §20.2 C)."""
    return 0 if minutes < 8 else (minutes + 7) // 15


class CodeMinutes(NamedTuple):
    """One code of the day. The functions below take any ``(code, minutes, billed)`` tuples:
    the day's walk (x12tool.rules.therapy) feeds them plain ones, one per code per group."""

    code: str
    minutes: int
    billed: int = 0  # units billed, for tie-breaking only


def cms_units(items) -> dict[str, int]:
    """Share the day's units among codes (CMS total-time method). One entry per code."""
    total = 0
    units: dict[str, int] = {}
    for code, minutes, _billed in items:
        total += minutes
        units[code] = minutes // 15
    remaining = table_units(total) - sum(units.values())
    if remaining <= 0:
        return units
    # Most minutes left over first; ties by units billed, then minutes, then first seen. A code
    # with nothing left over (it sorts last) never gets a unit: a full unit would bill minutes
    # not furnished.
    order = sorted(
        (-(minutes % 15), -billed, -minutes, n, code)
        for n, (code, minutes, billed) in enumerate(items)
    )
    for left, _b, _m, _n, code in order:
        if remaining <= 0 or not left:
            break
        units[code] += 1
        remaining -= 1
    return units


def ama_units(items) -> dict[str, int]:
    """Each code by itself (AMA/CPT substantial-portion method)."""
    return {code: table_units(minutes) for code, minutes, _billed in items}


def supported_units(items, method: str) -> dict[str, int]:
    """``items``: ``(code, minutes, billed)`` tuples (:class:`CodeMinutes` or plain)."""
    return cms_units(items) if method == "cms" else ama_units(items)


def supported_of(minutes: dict[str, int], billed: dict[str, int], method: str) -> dict[str, int]:
    """:func:`supported_units` of a day held as dicts (code -> minutes, code -> units billed),
    as the day's walk keeps it: the same units, without a tuple per code (it runs for every
    day of every claim)."""
    # (plain loops: a comprehension is a call of its own, and this runs for every day)
    if method != "cms":
        units: dict[str, int] = {}
        for code, m in minutes.items():
            units[code] = 0 if m < 8 else (m + 7) // 15  # table_units(m)
        return units
    total = full = 0
    units = {}
    left = []  # codes with minutes left over, first seen first
    for code, m in minutes.items():
        total += m
        q = m // 15
        units[code] = q
        full += q
        if m - q * 15:
            left.append(code)
    remaining = (0 if total < 8 else (total + 7) // 15) - full  # table_units(total) - full
    if remaining <= 0:
        return units
    # As cms_units: a unit each to the codes with the most minutes left over (ties: units
    # billed, then minutes, then first seen).
    if remaining < len(left):
        if remaining == 1:
            # One unit to give (the usual day): the code with the most minutes left over,
            # found in one pass; the sort below only when the most is shared (a tie)
            best = None
            most = 0
            tie = False
            for c in left:
                rest = minutes[c] % 15
                if rest > most:
                    best, most, tie = c, rest, False
                elif rest == most:
                    tie = True
            if not tie:
                units[best] += 1
                return units
        order = []
        n = 0
        for c in left:
            m = minutes[c]
            order.append((-(m % 15), -billed.get(c, 0), -m, n, c))
            n += 1
        order.sort()
        for entry in order[:remaining]:
            units[entry[4]] += 1
        return units
    for code in left:
        units[code] += 1
    return units


def units_match(minutes: list[int], billed: list[int], method: str) -> bool:
    """Whether ``billed`` (units per code) is what ``minutes`` support: :func:`supported_of`
    compared with the day's units, for a day of distinct codes held as two parallel lists
    (the day's walk checks a claim's usual day this way, without a dict per code)."""
    if method != "cms":
        for m, b in zip(minutes, billed):  # noqa: B905 - parallel lists
            if b != (0 if m < 8 else (m + 7) // 15):  # table_units(m)
                return False
        return True
    # Each code's units must be its full ones, or one more from minutes left over; CMS gives
    # the day's remaining units to the codes with the most minutes left over.
    total = full = left = extra = 0
    low = 15  # the fewest minutes left over of a code billed one more unit
    high = 0  # the most minutes left over of a code billed only its full units
    for m, b in zip(minutes, billed):  # noqa: B905
        total += m
        q = m // 15
        full += q
        rest = m - q * 15
        if rest:
            left += 1
            if b == q + 1:
                extra += 1
                if rest < low:
                    low = rest
            elif b == q:
                if rest > high:
                    high = rest
            else:
                return False
        elif b != q:
            return False
    remaining = (0 if total < 8 else (total + 7) // 15) - full  # table_units(total) - full
    if remaining <= 0:
        return not extra
    if remaining >= left:
        return extra == left  # every code with minutes left over gets one more unit
    if extra != remaining:
        return False
    if low != high:
        # The codes billed one more unit are those with the most minutes left over exactly
        # when each has more left over than every code that is not (no tie to break).
        return low > high
    # A tie on minutes left over across the line: supported_of's order (units billed, then
    # minutes, then first seen) decides.
    order = []
    n = 0
    for m, b in zip(minutes, billed):  # noqa: B905
        if m % 15:
            order.append((-(m % 15), -b, -m, n))
        n += 1
    order.sort()
    chosen = {entry[3] for entry in order[:remaining]}
    n = 0
    for m, b in zip(minutes, billed):  # noqa: B905
        if b != m // 15 + (n in chosen):
            return False
        n += 1
    return True

"""What the fixed parts of a lean claim pipeline cost in pure Python, before any real rule.

    python benchmarks/lean_sketch.py FILE.837 VISITS.csv [--rules 25] [--repeat 3]

Issue 20's targets put ``check --no-ig`` at 20 times the floor (``benchmarks/floor.py``: split
the bytes into segments, count). This sketch measures, stage by stage and cumulatively, the
least a checker must do on top of the floor, each stage written as lean as plain Python allows
(no classes, tuples, one dict lookup where a real step does many):

1. read    : the floor's loop (chunks, split on the terminator, split elements)
2. model   : claims and their service lines as tuples (code, modifiers, units, charge, date)
3. visits  : the visit log read alongside, rows split and grouped by claim (a streaming merge:
             the log is in claim order; csv quoting is not handled, so this is a lower bound)
4. rules   : RULES functions per claim, each one pass over the lines with one table lookup
             (a real rule does many; TU001's beneficiary-day walk is one of them)
5. money   : each line priced once with Decimal (RVU x conversion factor, rounded to cents)
6. records : one JSON record per claim (id, status, money), as the report writes

It prints microseconds per claim and multiples of the floor for each stage, so the closing note
of issue 20 can say how much of the 20x budget a lean design spends before judging anything.
Standard library only; not part of the tool.
"""

from __future__ import annotations

import argparse
import json
import time
from decimal import ROUND_HALF_UP, Decimal

from floor import CHUNK, delimiters  # the floor's own reading (run from benchmarks/)

CENT = Decimal("0.01")
CF = Decimal("33.4009")  # a conversion factor's magnitude; the value does not change the cost


def _segments(path: str):
    with open(path, "rb") as fh:
        rest = fh.read(CHUNK)
        el, term = delimiters(rest)
        eof = False
        while not eof:
            chunk = fh.read(CHUNK)
            eof = not chunk
            segs = (rest + chunk).split(term)
            rest = b"" if eof else segs.pop()
            for seg in segs:
                yield seg.strip().split(el)


def stage_read(path: str, _visits: str, _rules: int) -> int:
    n = 0
    for e in _segments(path):
        if e[0] == b"CLM":
            n += 1
    return n


def _claims(path: str):
    """(claim id, lines) per claim; a line is (code, modifiers, units, charge, date)."""
    cid = None
    lines: list = []
    line = None
    for e in _segments(path):
        tag = e[0]
        if tag == b"CLM":
            if cid is not None:
                yield cid, lines
            cid, lines, line = e[1].decode("latin-1"), [], None
        elif tag == b"SV1" and cid is not None:
            comp = e[1].decode("latin-1").split(":")
            line = [comp[1], tuple(comp[2:6]), int(e[4] or 0), e[2].decode("latin-1"), None]
            lines.append(line)
        elif tag == b"DTP" and line is not None and e[1] == b"472":
            line[4] = e[3].decode("latin-1")
    if cid is not None:
        yield cid, lines


def stage_model(path: str, _visits: str, _rules: int) -> int:
    return sum(1 for _ in _claims(path))


def _rows(visits: str):
    """(claim id, rows) in file order; a row is its list of fields."""
    with open(visits, encoding="utf-8") as fh:
        fh.readline()
        cid, rows = None, []
        for text in fh:
            f = text.rstrip("\n").split(",", 13)
            if f[0] != cid:
                if cid is not None:
                    yield cid, rows
                cid, rows = f[0], []
            rows.append(f)
        if cid is not None:
            yield cid, rows


def _joined(path: str, visits: str):
    rows = _rows(visits)
    pending = next(rows, None)
    for cid, lines in _claims(path):
        mine = []
        while pending is not None and pending[0] <= cid:
            if pending[0] == cid:
                mine = pending[1]
            pending = next(rows, None)
        yield cid, lines, mine


def stage_visits(path: str, visits: str, _rules: int) -> int:
    return sum(1 for _ in _joined(path, visits))


TIMED = {code: 15 for code in ("97110", "97112", "97116", "97140", "97530", "97535", "97750")}


def _rule(lines, rows, found):
    # One pass over the lines with one lookup: the least any rule does.
    for line in lines:
        if TIMED.get(line[0]) is None and line[2] > 4:
            found.append(line)


def _judged(path: str, visits: str, rules: int):
    for cid, lines, rows in _joined(path, visits):
        found: list = []
        for _ in range(rules):
            _rule(lines, rows, found)
        yield cid, lines, found


def stage_rules(path: str, visits: str, rules: int) -> int:
    return sum(1 for _ in _judged(path, visits, rules))


def _priced(path: str, visits: str, rules: int):
    for cid, lines, found in _judged(path, visits, rules):
        total = Decimal(0)
        for line in lines:
            rvu = Decimal(len(line[0]))  # stands in for the RVU lookup
            total += (rvu * CF * line[2]).quantize(CENT, ROUND_HALF_UP)
        yield cid, found, total


def stage_money(path: str, visits: str, rules: int) -> int:
    return sum(1 for _ in _priced(path, visits, rules))


def stage_records(path: str, visits: str, rules: int) -> int:
    n = 0
    dumps = json.dumps
    for cid, found, total in _priced(path, visits, rules):
        dumps(
            {"id": cid, "status": "held" if found else "ready", "findings": [], "money": str(total)}
        )
        n += 1
    return n


STAGES = [
    ("read", stage_read),
    ("model", stage_model),
    ("visits", stage_visits),
    ("rules", stage_rules),
    ("money", stage_money),
    ("records", stage_records),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("visits")
    ap.add_argument("--rules", type=int, default=25)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    best = {}
    for _ in range(args.repeat):
        for name, fn in STAGES:
            t0 = time.perf_counter()
            claims = fn(args.file, args.visits, args.rules)
            dt = time.perf_counter() - t0
            best[name] = min(best.get(name, dt), dt)
    floor = best["read"]
    print(f"{claims:,} claims, {args.rules} rule passes; best of {args.repeat}")
    print(f"{'stage (cumulative)':<20}{'s':>8}{'us/claim':>10}{'x floor':>9}")
    for name, _ in STAGES:
        t = best[name]
        print(f"{name:<20}{t:8.3f}{t / claims * 1e6:10.1f}{t / floor:9.1f}")


if __name__ == "__main__":
    main()

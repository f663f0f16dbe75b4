"""The streaming floor: what merely reading an 837 file costs in pure Python.

Reads FILE in 1 MiB chunks, splits segments on the terminator (the byte after ISA16), counts CLM
segments and SV1 lines and sums SV104. No loops, no validation, no objects: the lower bound any
pure-Python tool pays for the bytes. Standard library only; used by ``benchmarks/run.py``.

    python benchmarks/floor.py FILE   ->   claims=N lines=L units=U
"""

from __future__ import annotations

import sys
from decimal import Decimal

CHUNK = 1 << 20  # 1 MiB


def delimiters(head: bytes) -> tuple[bytes, bytes]:
    """Element separator and segment terminator from the start of the interchange."""
    start = head.find(b"ISA")
    if start < 0:
        raise ValueError("no ISA segment at the start of the file")
    el = head[start + 3 : start + 4]
    pos = start
    for _ in range(16):  # ISA16 (component separator) follows the 16th element separator
        pos = head.find(el, pos + 1)
        if pos < 0:
            raise ValueError("ISA segment too short")
    term = head[pos + 2 : pos + 3]  # the byte after the one-byte ISA16
    if not term:
        raise ValueError("ISA segment too short")
    return el, term


def count(path: str) -> tuple[int, int, int | Decimal]:
    """(claims, SV1 lines, sum of SV104) of the file at ``path``."""
    claims = lines = 0
    units: int | Decimal = 0
    with open(path, "rb") as fh:
        rest = fh.read(CHUNK)
        el, term = delimiters(rest)
        eof = False
        while not eof:
            chunk = fh.read(CHUNK)
            eof = not chunk
            segs = (rest + chunk).split(term)
            rest = b"" if eof else segs.pop()  # carry the partial last segment
            for seg in segs:
                e = seg.lstrip().split(el)
                sid = e[0]
                if sid == b"SV1":
                    lines += 1
                    raw = e[4] if len(e) > 4 else b""
                    try:
                        units += int(raw or 0)
                    except ValueError:  # a decimal quantity (R type), e.g. 1.5
                        units += Decimal(raw.decode("ascii"))
                elif sid == b"CLM":
                    claims += 1
    return claims, lines, units


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python benchmarks/floor.py FILE", file=sys.stderr)
        return 2
    claims, lines, units = count(args[0])
    print(f"claims={claims} lines={lines} units={units}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

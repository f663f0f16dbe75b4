"""Read CMS's PPRRVU (PFS relative value) file and GPCI file into the fee store.

* PPRRVU, native CSV layout (e.g. ``PPRRVU2026_Jul_nonQPP.csv`` from RVU26x.zip): title and
  copyright lines, then a header stacked over several lines that ends with the line starting
  ``HCPCS,MOD,...``; one row per HCPCS+MOD. Columns are found by their stacked header names
  (``WORK RVU``, ``NON-FAC PE RVU``, ...) with the 2026 positions as fallback. Only codes and
  numbers are stored: the DESCRIPTION column (AMA copyright) is never read into the store.
* GPCI (Addendum E, ``GPCI2026.csv``): title lines, a header naming the MAC, state, locality
  number, locality name and the work (PW), PE and MP GPCIs; the work GPCI "with 1.0 floor" is
  preferred when the file has both. Without a recognisable header the columns are taken in
  that order.

Bad rows are collected with their line numbers and skipped; blank and footnote lines (text but
no numbers) are skipped silently.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from x12tool.money.store import FeeStore, Gpci, LocalityRow


class FeeImportError(Exception):
    """The file cannot be imported at all (unreadable, no year, no data rows)."""


@dataclass(frozen=True)
class BadRow:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class FeeImportResult:
    file: str
    kind: str
    year: int
    rows: int = 0
    bad: list[BadRow] = field(default_factory=list)
    note: str = ""


def _read(path: Path) -> tuple[list[tuple[int, list[str]]], str]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FeeImportError(f"{path}: {exc.strerror or exc}") from exc
    sha = hashlib.sha256(data).hexdigest()
    text = data.decode("utf-8-sig", errors="replace")
    sample = text[:4096]
    delim = "\t" if sample.count("\t") > sample.count(",") else ","
    rows = [(n, row) for n, row in enumerate(csv.reader(io.StringIO(text), delimiter=delim), 1)]
    return rows, sha


def _num(value: str) -> Decimal:
    v = value.strip()
    if not v:
        return Decimal("0")
    return Decimal(v)


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.strip().upper())


# ------------------------------------------------------------------------------------ PPRRVU

PFS_COLUMNS = {  # joined stacked header name -> 2026 position
    "status": ("STATUS CODE", 3),
    "work": ("WORK RVU", 5),
    "pe_nf": ("NON-FAC PE RVU", 6),
    "nf_na": ("NON-FAC NA INDICATOR", 7),
    "pe_f": ("FACILITY PE RVU", 8),
    "f_na": ("FACILITY NA INDICATOR", 9),
    "mp": ("MP RVU", 10),
    "pctc": ("PCTC IND", 13),
    "mult": ("MULT PROC", 18),
    "cf": ("CONV FACTOR", 25),
}


def _pfs_year(rows, path: Path, year: int | None) -> int:
    if year:
        return year
    for _, row in rows[:15]:
        for cell in row:
            m = re.search(r"\b(20\d\d)\b.*(FEE SCHEDULE|RELATIVE VALUE)", cell.upper())
            if m:
                return int(m.group(1))
    m = re.search(r"RVU(\d\d)", path.name.upper())
    if m:
        return 2000 + int(m.group(1))
    raise FeeImportError(f"{path}: cannot tell the PFS year from the file; give --year")


def parse_pfs(path: Path, year: int | None = None):
    """(year, rows, conversion factors, bad rows, sha256) of a PPRRVU file."""
    rows, sha = _read(path)
    start = next((i for i, (_, r) in enumerate(rows) if r and _norm(r[0]) == "HCPCS"), None)
    if start is None:
        raise FeeImportError(
            f"{path}: no header line starting with HCPCS: not a CMS PPRRVU file in its native "
            "layout"
        )
    year = _pfs_year(rows[:start], path, year)
    # the stacked header: the lines after the last blank line before the HCPCS line
    first = start
    while first > 0 and any(c.strip() for c in rows[first - 1][1]) and first > start - 6:
        first -= 1
    width = max(len(r) for _, r in rows[first : start + 1])
    names = []
    for col in range(width):
        parts = [
            r[col].strip() for _, r in rows[first : start + 1] if col < len(r) and r[col].strip()
        ]
        names.append(_norm(" ".join(parts)))
    pos = {}
    for key, (name, fallback) in PFS_COLUMNS.items():
        hits = [i for i, n in enumerate(names) if n.endswith(name)]
        if key in ("pe_f", "f_na"):
            hits = [i for i in hits if "NON-FAC" not in names[i] and "OPPS" not in names[i]]
        if key == "work":
            hits = [i for i in hits if "OPPS" not in names[i]]
        pos[key] = hits[0] if hits else fallback
    out, bad, cfs = [], [], {}
    name = path.name
    for line, row in rows[start + 1 :]:
        if not row or not any(c.strip() for c in row):
            continue
        code = row[0].strip().upper()
        if not re.fullmatch(r"[0-9A-Z]{4}[0-9A-Z]", code):
            if any(re.fullmatch(r"-?\d+(\.\d+)?", c.strip()) for c in row[1:]):
                bad.append(BadRow(name, line, f"HCPCS {row[0]!r} is not a 5-character code"))
            continue  # footnote
        mod = row[1].strip().upper() if len(row) > 1 else ""
        try:
            get = {k: (row[i].strip() if i < len(row) else "") for k, i in pos.items()}
            values = (
                code,
                mod,
                get["status"].upper(),
                str(_num(get["work"])),
                str(_num(get["pe_nf"])),
                str(_num(get["pe_f"])),
                str(_num(get["mp"])),
                get["mult"],
                get["pctc"],
                int(get["nf_na"].upper() == "NA"),
                int(get["f_na"].upper() == "NA"),
            )
            if not values[2]:
                raise ValueError("no status code")
            if get["cf"]:
                cfs[_num(get["cf"])] = cfs.get(_num(get["cf"]), 0) + 1
        except (InvalidOperation, ValueError) as exc:
            bad.append(BadRow(name, line, f"{code}: unreadable number ({exc})"))
            continue
        out.append(values)
    if not out:
        raise FeeImportError(f"{path}: no RVU rows found")
    return year, out, cfs, bad, sha


def import_pfs(store: FeeStore, path: str | Path, year: int | None = None) -> FeeImportResult:
    path = Path(path)
    year, rows, cf_counts, bad, sha = parse_pfs(path, year)
    upper = path.name.upper()
    apm = "qualifying" if "_QPP" in upper and "NONQPP" not in upper else "non_qualifying"
    cfs = {}
    note = ""
    if cf_counts:
        cf = max(cf_counts, key=cf_counts.get)  # the file's (one) physician conversion factor
        cfs[apm] = cf
        note = f"conversion factor {cf} ({apm.replace('_', '-')} APM)"
    with store.transaction():
        sid = store.add_source("pfs", path.name, sha, year)
        store.replace_pfs_year(year, rows, cfs, sid)
        store.finish_source(sid, len(rows), len(bad))
    return FeeImportResult(path.name, "pfs", year, len(rows), bad, note)


# ------------------------------------------------------------------------------------ GPCI


def _gpci_header(rows):
    for i, (_, row) in enumerate(rows[:30]):
        names = [_norm(c) for c in row]
        if any("LOCALITY" in n for n in names) and any("GPCI" in n for n in names):
            return i, names
    return None, None


def _find(names: list[str], *must: str, avoid: tuple[str, ...] = ()) -> int | None:
    for i, n in enumerate(names):
        if all(m in n for m in must) and not any(a in n for a in avoid):
            return i
    return None


def parse_gpci(path: Path, year: int | None = None):
    rows, sha = _read(path)
    hdr, names = _gpci_header(rows)
    if names is not None:
        cols = {
            "mac": _find(names, "CONTRACTOR")
            if _find(names, "CONTRACTOR") is not None
            else _find(names, "MAC"),
            "state": _find(names, "STATE"),
            "loc": _find(names, "LOCALITY", "NUMBER"),
            "name": _find(names, "LOCALITY", "NAME"),
            "work": _find(names, "PW", "GPCI", "WITH 1.0 FLOOR", avoid=("WITHOUT",))
            if _find(names, "PW", "GPCI", "WITH 1.0 FLOOR", avoid=("WITHOUT",)) is not None
            else _find(names, "PW", "GPCI", avoid=("WITHOUT",)),
            "pe": _find(names, "PE", "GPCI"),
            "mp": _find(names, "MP", "GPCI"),
        }
        if cols["loc"] is None:
            cols["loc"] = _find(names, "LOCALITY", avoid=("NAME",))
        missing = [k for k, v in cols.items() if v is None and k not in ("state", "name")]
        if missing:
            raise FeeImportError(f"{path}: header lacks {', '.join(missing)} column(s)")
        if year is None:
            m = re.search(r"\b(20\d\d)\b", names[cols["pe"]])
            year = int(m.group(1)) if m else None
        body = rows[hdr + 1 :]
    else:
        cols = dict(zip(("mac", "state", "loc", "name", "work", "pe", "mp"), range(7), strict=True))
        body = rows
    if year is None:
        for _, row in rows[:10]:
            m = re.search(r"\b(20\d\d)\b", " ".join(row))
            if m:
                year = int(m.group(1))
                break
    if year is None:
        m = re.search(r"GPCI(20\d\d)", path.name.upper())
        if m:
            year = int(m.group(1))
    if year is None:
        raise FeeImportError(f"{path}: cannot tell the GPCI year from the file; give --year")
    out: dict[tuple[str, str], LocalityRow] = {}
    bad: list[BadRow] = []
    name = path.name
    for line, row in body:
        cells = [c.strip() for c in row]
        if not any(cells):
            continue

        def cell(key, cells=cells):
            i = cols[key]
            return cells[i] if i is not None and i < len(cells) else ""

        nums = [cell("work"), cell("pe"), cell("mp")]
        if not any(nums) and not cell("loc"):
            continue  # title or footnote line
        mac = re.sub(r"\D", "", cell("mac"))
        loc = cell("loc").strip()
        if not mac or not loc:
            bad.append(BadRow(name, line, "missing MAC or locality number"))
            continue
        try:
            g = Gpci(*(Decimal(n) for n in nums))
        except InvalidOperation:
            bad.append(BadRow(name, line, f"GPCI values are not numbers: {nums}"))
            continue
        if not all(Decimal("0.3") <= v <= Decimal("3") for v in (g.work, g.pe, g.mp)):
            bad.append(BadRow(name, line, f"GPCI value out of range 0.3-3.0: {nums}"))
            continue
        mac, loc = mac.zfill(5), loc.zfill(2)
        out[(mac, loc)] = LocalityRow(
            year, mac, loc, cell("state"), cell("name").strip().strip("*").strip(), g
        )
    if not out:
        raise FeeImportError(f"{path}: no GPCI rows found")
    return year, list(out.values()), bad, sha


def import_gpci(store: FeeStore, path: str | Path, year: int | None = None) -> FeeImportResult:
    path = Path(path)
    year, rows, bad, sha = parse_gpci(path, year)
    with store.transaction():
        sid = store.add_source("gpci", path.name, sha, year)
        store.replace_gpci_year(year, rows, sid)
        store.finish_source(sid, len(rows), len(bad))
    return FeeImportResult(path.name, "gpci", year, len(rows), bad, f"{len(rows)} localities")

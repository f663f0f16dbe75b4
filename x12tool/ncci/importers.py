"""Import CMS's practitioner PTP edit files and MUE table into the store, as CMS ships them.

PTP (Medicare NCCI practitioner PTP edits, e.g. ``ccipra-v321r0-f1.txt``): tab-delimited text,
a few copyright/header lines first, then one edit per line::

    Column 1 <TAB> Column 2 <TAB> * (in existence prior to 1996) <TAB> Effective Date (YYYYMMDD)
    <TAB> Deletion Date ("*" = none, or YYYYMMDD) <TAB> Modifier indicator (0/1/9)
    <TAB> PTP Edit Rationale

MUE (practitioner services MUE table)::

    HCPCS/CPT Code, Practitioner Services MUE Values, MUE Adjudication Indicator
    ("2 Date of Service Edit: Policy"), MUE Rationale

Both are also accepted as CSV with the same columns (CMS also ships .xlsx: export it to
tab-delimited text or CSV first). Header lines are skipped until the first row that looks like
data (codes in the code columns and an 8-digit date / a number in the value column); after that a
row that does not parse is a *bad row*: collected with its line number, never fatal. Files are
read as a stream and written with ``executemany`` in batches, so memory stays flat whatever the
file size; each call is one transaction.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from x12tool.ncci.store import NcciStore

BATCH = 20_000
HCPCS = re.compile(r"^[A-Z0-9]\d{3}[A-Z0-9]$")
_DATE8 = re.compile(r"^\d{8}$")


@dataclass(frozen=True, slots=True)
class BadRow:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class FileResult:
    file: str
    label: str
    sha256: str
    rows: int = 0
    bad: list[BadRow] = field(default_factory=list)
    bad_count: int = 0  # all bad rows; ``bad`` keeps the first MAX_BAD of them


@dataclass
class ImportResult:
    kind: str
    files: list[FileResult] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def bad(self) -> list[BadRow]:
        return [b for f in self.files for b in f.bad]

    @property
    def bad_count(self) -> int:
        return sum(f.bad_count for f in self.files)


MAX_BAD = 1000  # bad rows kept per file (all are counted)


class NcciImportError(ValueError):
    """A file that cannot be imported at all (unreadable, or no data rows)."""


# --------------------------------------------------------------------------- helpers


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def quarter_label(name: str, sha256: str) -> str:
    """A quarter label from a CMS file name, else the file's sha256 prefix.

    ``..._2026Q1...`` / ``...Q1_2026...`` -> 2026Q1; PTP ``ccipra-v321r0-f1.txt`` -> 2026Q2
    (NCCI version 32.1: major version 26 was January 2020, minor .0-.3 is the quarter);
    MUE ``..._Eff_01-01-2026.csv`` / ``Eff_2026-01-01`` / ``20260101`` -> 2026Q1.
    """
    stem = Path(name).name
    m = re.search(r"(20\d\d)[ _.-]?Q([1-4])", stem, re.I)
    if m:
        return f"{m.group(1)}Q{m.group(2)}"
    m = re.search(r"Q([1-4])[ _.-]?(20\d\d)", stem, re.I)
    if m:
        return f"{m.group(2)}Q{m.group(1)}"
    m = re.search(r"v(\d\d)(\d)r(\d)", stem, re.I)
    if m and 0 <= int(m.group(2)) <= 3:
        year = 1994 + int(m.group(1))
        return f"{year}Q{int(m.group(2)) + 1} (v{m.group(1)}.{m.group(2)}r{m.group(3)})"
    for pattern, order in (
        (r"(\d\d)[-_](\d\d)[-_](20\d\d)", "mdy"),
        (r"(20\d\d)[-_](\d\d)[-_](\d\d)", "ymd"),
        (r"(20\d\d)(\d\d)(\d\d)", "ymd"),
    ):
        m = re.search(pattern, stem)
        if m:
            parts = [int(g) for g in m.groups()]
            year, month = (parts[2], parts[0]) if order == "mdy" else (parts[0], parts[1])
            if 1 <= month <= 12:
                return f"{year}Q{(month - 1) // 3 + 1}"
    return f"sha256:{sha256[:12]}"


def _lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of a tab-delimited or CSV file, streamed."""
    with path.open("rb") as probe:
        head = probe.read(65536)
    tabbed = b"\t" in head
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as fh:
        if tabbed:
            for n, line in enumerate(fh, 1):
                yield n, [f.strip() for f in line.rstrip("\r\n").split("\t")]
        else:
            reader = csv.reader(fh)
            prev = 0
            for fields in reader:
                # line_num is the line where the record ended; a record starts after ``prev``
                start, prev = prev + 1, reader.line_num
                yield start, [f.strip() for f in fields]


def _day(text: str) -> int | None:
    """YYYYMMDD as an int, or None when it is not a real date."""
    if not _DATE8.match(text):
        return None
    try:
        date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None
    return int(text)


def _blank(fields: list[str]) -> bool:
    return not any(fields)


# --------------------------------------------------------------------------- PTP


def _ptp_looks_like_data(fields: list[str]) -> bool:
    return (
        len(fields) >= 6
        and bool(HCPCS.match(fields[0].upper()))
        and bool(HCPCS.match(fields[1].upper()))
        and bool(_DATE8.match(fields[3]))
    )


def _ptp_row(
    fields: list[str],
) -> tuple[tuple[str, str, int, int | None, str], None] | tuple[None, str]:
    if len(fields) < 6:
        return None, f"expected at least 6 fields, found {len(fields)}"
    c1, c2 = fields[0].upper(), fields[1].upper()
    for name, code in (("column 1", c1), ("column 2", c2)):
        if not HCPCS.match(code):
            return None, f"{name} {code!r} is not a HCPCS/CPT code"
    if fields[2] not in ("", "*"):
        return None, f"'in existence prior to 1996' field {fields[2]!r} is not '*' or empty"
    eff = _day(fields[3])
    if eff is None:
        return None, f"effective date {fields[3]!r} is not a YYYYMMDD date"
    deleted: int | None
    if fields[4] in ("*", ""):
        deleted = None
    else:
        deleted = _day(fields[4])
        if deleted is None:
            return None, f"deletion date {fields[4]!r} is not '*' or a YYYYMMDD date"
        if deleted < eff:
            return None, f"deletion date {fields[4]} is before the effective date {fields[3]}"
    ind = fields[5]
    if ind not in ("0", "1", "9"):
        return None, f"modifier indicator {ind!r} is not 0, 1 or 9"
    return (c1, c2, eff, deleted, ind), None


def _mue_looks_like_data(fields: list[str]) -> bool:
    return (
        len(fields) >= 3
        and bool(HCPCS.match(fields[0].upper()))
        and fields[1].isascii()
        and fields[1].isdigit()
        and fields[2][:1] in ("1", "2", "3")
    )


def _mue_row(fields: list[str]) -> tuple[tuple[str, int, int, str], None] | tuple[None, str]:
    if len(fields) < 3:
        return None, f"expected at least 3 fields, found {len(fields)}"
    code = fields[0].upper()
    if not HCPCS.match(code):
        return None, f"code {code!r} is not a HCPCS/CPT code"
    if not (fields[1].isascii() and fields[1].isdigit()):
        return None, f"MUE value {fields[1]!r} is not a whole number"
    mai = fields[2][:1]
    if mai not in ("1", "2", "3"):
        return None, f"MUE adjudication indicator {fields[2]!r} does not start with 1, 2 or 3"
    rationale = fields[3] if len(fields) > 3 else ""
    return (code, int(fields[1]), int(mai), rationale), None


def _import(
    store: NcciStore,
    kind: str,
    paths: Iterable[str | Path],
    looks_like_data,
    parse,
    put,
) -> ImportResult:
    result = ImportResult(kind)
    paths = [Path(p) for p in paths]
    for p in paths:
        if not p.is_file():
            raise NcciImportError(f"{p}: no such file")
    with store.transaction():
        for path in paths:
            sha = sha256_of(path)
            fr = FileResult(str(path), quarter_label(path.name, sha), sha)
            source_id = store.upsert_source(kind, path.name, sha, fr.label)
            batch: list[tuple] = []
            started = False
            for n, fields in _lines(path):
                if _blank(fields):
                    continue
                if not started:
                    if not looks_like_data(fields):
                        continue  # copyright notice and column headings
                    started = True
                row, err = parse(fields)
                if err is not None:
                    fr.bad_count += 1
                    if len(fr.bad) < MAX_BAD:
                        fr.bad.append(BadRow(str(path), n, err))
                    continue
                batch.append((*row, source_id))
                if len(batch) >= BATCH:
                    put(batch)
                    fr.rows += len(batch)
                    batch = []
            if batch:
                put(batch)
                fr.rows += len(batch)
            if not started:
                raise NcciImportError(
                    f"{path}: no data rows found (is this a CMS practitioner "
                    f"{'PTP edit file' if kind == 'ptp' else 'MUE table'}? .xlsx must be "
                    "exported to tab-delimited text or CSV first)"
                )
            store.finish_source(source_id, fr.rows, fr.bad_count)
            result.files.append(fr)
    return result


def import_ptp(store: NcciStore, paths: Iterable[str | Path]) -> ImportResult:
    """Import CMS practitioner PTP edit files (all in one transaction)."""
    return _import(store, "ptp", paths, _ptp_looks_like_data, _ptp_row, store.put_ptp)


def import_mue(store: NcciStore, path: str | Path) -> ImportResult:
    """Import the CMS practitioner services MUE table (one transaction)."""
    return _import(store, "mue", [path], _mue_looks_like_data, _mue_row, store.put_mue)

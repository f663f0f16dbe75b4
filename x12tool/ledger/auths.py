"""Prior authorizations: the CSV the PM system exports, and what a claim line counts against one.

Layout (docs/payers.md): ``member_id, payer_id, auth_number, discipline, start_date, end_date,
visits, units`` and the optional ``code``. ``visits`` and ``units`` may each be blank, but not
both. ``code`` blank (or ``timed``) means the units are for all timed codes together; a code
(``97530``) means the units are for that code alone. One authorization with units per code is
one row per code, all with the same number.

Any bad row makes the whole file unusable (nothing is imported, so a half-read export never
holds claims for a missing authorization): every bad row is listed by its row number (the
header is row 0), never with its member id.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from x12tool.ledger.errors import LedgerError

COLUMNS = (
    "member_id",
    "payer_id",
    "auth_number",
    "discipline",
    "start_date",
    "end_date",
    "visits",
    "units",
)
OPTIONAL = ("code",)
DISCIPLINES = frozenset({"PT", "OT", "SLP"})
ALL_TIMED = ""  # the ``code`` of units authorized for every timed code together
MAX_SHOWN = 20  # bad rows listed in the error; the count says how many more
# REF02 of 2300 REF*G1 is AN 1..50 (005010X222A1 2300 REF Prior Authorization).
_AUTH_NUMBER = re.compile(r"[!-~](?:[ -~]{0,48}[!-~])?")
_CODE = re.compile(r"[0-9A-Z][0-9]{3}[0-9A-Z]")


@dataclass(frozen=True, slots=True)
class Authorization:
    member: str
    payer_id: str
    number: str
    discipline: str  # PT, OT, SLP
    start: date
    end: date
    visits: int | None
    units: int | None
    code: str = ALL_TIMED  # which codes the units cover: "" = all timed codes

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.member, self.payer_id, self.number, self.discipline, self.code)


def _date(text: str) -> date | None:
    text = text.strip()
    for parse in (date.fromisoformat,):
        try:
            return parse(text)
        except ValueError:
            pass
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)  # MM/DD/YYYY, as PM exports write
    if m:
        try:
            return date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
        except ValueError:
            return None
    return None


def _count(text: str, name: str, problems: list[str]) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):
        problems.append(f"{name} {text!r} is not a whole number")
        return None
    return int(text)


def read_authorizations(path: str | Path) -> list[Authorization]:
    """Every row of the file, or LedgerError listing every bad row by number."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return parse_authorizations(str(path), csv.reader(fh))
    except OSError as exc:
        raise LedgerError(f"{path}: cannot read authorization CSV: {exc.strerror}") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise LedgerError(f"{path}: not a readable CSV: {exc}") from None


def parse_authorizations(name: str, reader) -> list[Authorization]:
    header = next(reader, None)
    if header is None:
        raise LedgerError(f"{name}: authorization CSV is empty")
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise LedgerError(
            f"{name}: authorization CSV lacks column(s) {', '.join(missing)} "
            f"(required: {', '.join(COLUMNS)}; optional: code)"
        )
    at = {c: names.index(c) for c in (*COLUMNS, *OPTIONAL) if c in names}
    out: dict[tuple, Authorization] = {}
    bad: list[str] = []
    for n, row in enumerate(reader, start=1):
        if not any(v.strip() for v in row):
            continue
        v = {c: (row[i].strip() if i < len(row) else "") for c, i in at.items()}
        problems: list[str] = []
        for col in ("member_id", "payer_id", "auth_number"):
            if not v[col]:
                problems.append(f"{col} is empty")
        if v["auth_number"] and not _AUTH_NUMBER.fullmatch(v["auth_number"]):
            problems.append("auth_number must be 1-50 printable characters (REF*G1)")
        disc = v["discipline"].upper()
        if disc not in DISCIPLINES:
            problems.append(f"discipline {v['discipline']!r} is not PT, OT or SLP")
        start, end = _date(v["start_date"]), _date(v["end_date"])
        if start is None:
            problems.append(f"start_date {v['start_date']!r} is not YYYY-MM-DD or MM/DD/YYYY")
        if end is None:
            problems.append(f"end_date {v['end_date']!r} is not YYYY-MM-DD or MM/DD/YYYY")
        if start is not None and end is not None and end < start:
            problems.append("end_date is before start_date")
        visits = _count(v["visits"], "visits", problems)
        units = _count(v["units"], "units", problems)
        if visits is None and units is None and not v["visits"] and not v["units"]:
            problems.append("neither visits nor units is given")
        code = v.get("code", "").upper()
        if code in ("TIMED", "ALL", "*"):
            code = ALL_TIMED
        if code and not _CODE.fullmatch(code):
            problems.append(f"code {v.get('code')!r} is not a 5-character HCPCS/CPT code")
        if code and units is None:
            problems.append("code is given but units is blank")
        if problems:
            bad.append(f"row {n}: {'; '.join(problems)}")
            continue
        auth = Authorization(
            member=v["member_id"],
            payer_id=v["payer_id"].upper(),
            number=v["auth_number"],
            discipline=disc,
            start=start,
            end=end,
            visits=visits,
            units=units,
            code=code,
        )
        if auth.key in out:
            bad.append(
                f"row {n}: the same member, payer, auth_number, discipline and code as an "
                "earlier row"
            )
            continue
        out[auth.key] = auth
    if bad:
        more = f" (and {len(bad) - MAX_SHOWN} more)" if len(bad) > MAX_SHOWN else ""
        raise LedgerError(
            f"{name}: {len(bad)} bad row(s), nothing imported: "
            + " | ".join(bad[:MAX_SHOWN])
            + more
        )
    return list(out.values())

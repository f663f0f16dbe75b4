"""The visit log: the minutes (and documentation checklist) the 837 cannot carry.

A CSV exported from the clinic's EMR, one row per code per date of service. Required columns:
``claim_id, service_date, cpt, minutes``; optional ``line_control, discipline, provider_role``, the
97530 documentation checklist, ``progress_report`` and ``note_text``. Unknown columns are ignored.
A bad row is reported with its row number and skipped; it does not stop the run.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

REQUIRED = ("claim_id", "service_date", "cpt", "minutes")
CHECKLIST = (
    "functional_activity",
    "medical_necessity",
    "one_on_one",
    "patient_response",
    "plan_of_care",
)
OPTIONAL = (
    "line_control",
    "discipline",
    "provider_role",
    *CHECKLIST,
    "progress_report",
    "note_text",
)
DISCIPLINES = frozenset({"PT", "OT", "SLP"})
ROLES = frozenset({"PT", "PTA", "OT", "OTA", "SLP"})


class VisitLogError(Exception):
    """The visit log cannot be used at all (missing file or required columns): exit 2."""


@dataclass(frozen=True, slots=True)
class VisitRow:
    row: int  # 1-based data row number (the header is row 0), as shown to users
    claim_id: str
    service_date: date
    cpt: str
    minutes: int
    line_control: str = ""
    discipline: str = ""
    provider_role: str = ""
    checklist: tuple[tuple[str, str], ...] = ()  # (column, "Y"/"N"/"") for present columns
    progress_report: str = ""
    note_text: str = ""

    def checklist_missing(self) -> list[str]:
        return [name for name, value in self.checklist if value != "Y"]


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int
    message: str


class VisitLog:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.problems: list[RowProblem] = []
        self.columns: tuple[str, ...] = ()
        self._by_claim: dict[str, list[VisitRow]] = defaultdict(list)
        self.rows = 0
        self._load()

    @property
    def has_checklist(self) -> bool:
        return all(c in self.columns for c in CHECKLIST)

    def _load(self) -> None:
        try:
            fh = open(self.path, newline="", encoding="utf-8-sig")  # noqa: SIM115
        except OSError as exc:
            raise VisitLogError(f"{self.path}: cannot read visit log: {exc.strerror}") from None
        with fh:
            reader = csv.reader(fh)
            try:
                header = next(reader)
            except StopIteration:
                raise VisitLogError(f"{self.path}: visit log is empty") from None
            except (csv.Error, UnicodeDecodeError) as exc:
                raise VisitLogError(f"{self.path}: visit log is not CSV: {exc}") from None
            names = [h.strip().lower() for h in header]
            missing = [c for c in REQUIRED if c not in names]
            if missing:
                raise VisitLogError(
                    f"{self.path}: visit log lacks required column(s) {', '.join(missing)} "
                    f"(required: {', '.join(REQUIRED)})"
                )
            self.columns = tuple(n for n in names if n in REQUIRED or n in OPTIONAL)
            index = {n: i for i, n in enumerate(names) if n in REQUIRED or n in OPTIONAL}
            n = 0
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    break
                except (csv.Error, UnicodeDecodeError) as exc:
                    n += 1
                    self.problems.append(RowProblem(n, f"unreadable row: {exc}"))
                    continue
                n += 1
                if not any(v.strip() for v in values):
                    continue
                row = self._row(n, values, index)
                if row is not None:
                    self._by_claim[row.claim_id].append(row)
                    self.rows += 1

    def _row(self, n: int, values: list[str], index: dict[str, int]) -> VisitRow | None:
        def get(name: str) -> str:
            i = index.get(name)
            return values[i].strip() if i is not None and i < len(values) else ""

        claim_id = get("claim_id")
        if not claim_id:
            self.problems.append(RowProblem(n, "claim_id is empty"))
            return None
        text = get("service_date")
        try:
            day = date.fromisoformat(text)
        except ValueError:
            self.problems.append(RowProblem(n, f"service_date {text!r} is not YYYY-MM-DD"))
            return None
        cpt = get("cpt").upper()
        if not cpt:
            self.problems.append(RowProblem(n, "cpt is empty"))
            return None
        text = get("minutes")
        if not text.isdigit():
            self.problems.append(RowProblem(n, f"minutes {text!r} is not a whole number"))
            return None
        discipline = get("discipline").upper()
        if discipline and discipline not in DISCIPLINES:
            self.problems.append(RowProblem(n, f"discipline {discipline!r} is not PT, OT or SLP"))
            discipline = ""
        role = get("provider_role").upper()
        if role and role not in ROLES:
            self.problems.append(RowProblem(n, f"provider_role {role!r} is not PT/PTA/OT/OTA/SLP"))
            role = ""
        checklist = tuple((c, get(c).upper()[:1]) for c in CHECKLIST if c in index)
        return VisitRow(
            row=n,
            claim_id=claim_id,
            service_date=day,
            cpt=cpt,
            minutes=int(text),
            line_control=get("line_control"),
            discipline=discipline,
            provider_role=role,
            checklist=checklist,
            progress_report=get("progress_report").upper()[:1],
            note_text=get("note_text"),
        )

    def for_claim(self, claim_id: str) -> list[VisitRow]:
        return self._by_claim.get(claim_id, [])

    def claim_ids(self):
        return self._by_claim.keys()

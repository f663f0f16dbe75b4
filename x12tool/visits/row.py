"""One row of the visit log, as the rules read it."""

from __future__ import annotations

from datetime import date

NO_POC: tuple[date | None, date | None, date | None] = (None, None, None)


# Checklist parses a layout remembers: a log writes its marks from a handful of spellings
# ("Y", "y", " Y ", "yes", "N", ""), so a few dozen distinct mark tuples cover a whole log.
CHECKLIST_MEMO_MAX = 256


class RowLayout:
    """Where a log's lazily read columns sit in a row's padded values (one per log)."""

    __slots__ = ("checklist", "marks", "progress", "note", "parsed")

    def __init__(self, checklist: tuple[str, ...], marks, progress: int, note: int) -> None:
        self.checklist = checklist  # the checklist columns the header has, in CHECKLIST order
        self.marks = marks  # values -> the tuple of those columns' raw values
        self.progress = progress
        self.note = note
        # raw marks -> (checklist pairs, names not "Y"): one parse per distinct spelling
        # rather than one per row (DOC001 reads the checklist of every 97530 row)
        self.parsed: dict[tuple[str, ...], tuple[tuple, tuple[str, ...]]] = {}

    def parse(self, values) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
        """(checklist pairs, the names whose mark is not "Y") of a row's values."""
        raw = self.marks(values)
        got = self.parsed.get(raw)
        if got is None:
            pairs = parse_checklist(self.checklist, raw)
            got = (pairs, tuple(name for name, value in pairs if value != "Y"))
            if len(self.parsed) >= CHECKLIST_MEMO_MAX:
                self.parsed.clear()  # a log of odd spellings: keep the memo small
            self.parsed[raw] = got
        return got


def progress_mark(raw: str) -> str:
    """A row's ``progress_report`` from its raw value: trimmed, upper case, first letter."""
    return raw.strip().upper()[:1]


def parse_checklist(names: tuple[str, ...], raw) -> tuple[tuple[str, str], ...]:
    """(column, mark) pairs: each raw value trimmed, upper-cased, its first letter kept."""
    return tuple(zip(names, [v.strip().upper()[:1] for v in raw], strict=True))


class VisitRow:
    """One usable row of the visit log.

    A plain slots object rather than a frozen dataclass (whose ``__init__`` sets each field
    through ``object.__setattr__``, ~5 times the cost): a run builds one per row the rules
    ask for. The checklist and the note are kept as the row's raw values and trimmed only
    when a rule reads them (DOC001 the checklist of 97530 rows, DOC003 the note). Rows are
    shared by every rule reading the claim and must not be changed.
    """

    __slots__ = (
        "row",  # 1-based data row number (the header is row 0), as shown to users
        "claim_id",
        "service_date",
        "cpt",
        "minutes",
        "line_control",
        "discipline",
        "provider_role",
        # plan of care in effect on this date: start, certification (signature) date, end
        "poc",
        "_checklist",
        # "Y", "N" or "" (the raw value trimmed, upper case, first letter): set when built,
        # a plain slot rather than a property read from the raw values, as the ledger's
        # facts read it on every row of every claim
        "progress_report",
        "_note",
        "_raw",  # (values, RowLayout) the lazy fields are read from; None: given when built
    )

    def __init__(
        self,
        row: int,
        claim_id: str,
        service_date: date,
        cpt: str,
        minutes: int,
        line_control: str = "",
        discipline: str = "",
        provider_role: str = "",
        checklist: tuple[tuple[str, str], ...] = (),  # (column, "Y"/"N"/"") for present columns
        progress_report: str = "",
        note_text: str = "",
        poc: tuple[date | None, date | None, date | None] = NO_POC,
        _raw: tuple | None = None,
    ) -> None:
        self.row = row
        self.claim_id = claim_id
        self.service_date = service_date
        self.cpt = cpt
        self.minutes = minutes
        self.line_control = line_control
        self.discipline = discipline
        self.provider_role = provider_role
        self.poc = poc
        if _raw is None:
            self._checklist, self._note = checklist, note_text
            self.progress_report = progress_report
        else:
            self._checklist = self._note = None
            values, layout = _raw
            self.progress_report = progress_mark(values[layout.progress])
        self._raw = _raw

    @property
    def checklist(self) -> tuple[tuple[str, str], ...]:
        got = self._checklist
        if got is None:
            values, layout = self._raw
            got = self._checklist = layout.parse(values)[0]
        return got

    @property
    def note_text(self) -> str:
        got = self._note
        if got is None:
            values, layout = self._raw
            got = self._note = values[layout.note].strip()
        return got

    def checklist_missing(self) -> list[str]:
        return list(self.checklist_gaps())

    def checklist_gaps(self) -> tuple[str, ...]:
        """The checklist columns whose mark is not "Y", as :meth:`checklist_missing` (a
        shared tuple, not a new list: DOC001 asks for every 97530 row, most complete)."""
        raw = self._raw
        if raw is None:  # a row given its checklist when built
            return tuple(name for name, value in self._checklist if value != "Y")
        pairs, gaps = raw[1].parse(raw[0])
        if self._checklist is None:
            self._checklist = pairs
        return gaps

    def _key(self) -> tuple:
        return (
            self.row,
            self.claim_id,
            self.service_date,
            self.cpt,
            self.minutes,
            self.line_control,
            self.discipline,
            self.provider_role,
            self.checklist,
            self.progress_report,
            self.note_text,
            self.poc,
        )

    # Equal when every field is (as the dataclass it replaces compared), however read.
    def __eq__(self, other: object) -> bool:
        if other.__class__ is not VisitRow:
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        names = (*VisitRow.__slots__[:8], "checklist", "progress_report", "note_text", "poc")
        fields = ", ".join(f"{n}={v!r}" for n, v in zip(names, self._key(), strict=True))
        return f"VisitRow({fields})"

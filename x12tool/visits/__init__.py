"""The visit log: the minutes (and documentation checklist) the 837 cannot carry.

A CSV exported from the clinic's EMR, one row per code per date of service. Required columns:
``claim_id, service_date, cpt, minutes``; optional ``line_control, discipline, provider_role``, the
97530 documentation checklist, ``progress_report`` and ``note_text``. Unknown columns are ignored.
A bad row is reported with its row number and skipped. Every row is checked when the log is
read, so :meth:`VisitLog.stats_line` can say how much of the log is usable; a log that cannot
serve the run (more than half its rows bad, or no claim of the input found in it) stops the run
with exit 2 unless the user accepts a partly bad log (``--visits-partial``). See docs/visit-log.md.
"""

from __future__ import annotations

import csv
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice
from operator import itemgetter
from pathlib import Path

from x12tool.forksafe import reopen_in_child
from x12tool.visits.records import cut_records, cut_records_bytes, span_values, split_text
from x12tool.visits.records import split_record as _split_record
from x12tool.visits.row import NO_POC, RowLayout, VisitRow

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
    *("poc_start", "poc_certified", "poc_end"),
)
# Plan-of-care dates (POC001, docs/payers.md): read apart from _ROW_COLUMNS, blank when absent.
POC_COLUMNS = ("poc_start", "poc_certified", "poc_end")
# The columns _row reads, in the order it unpacks them.
_ROW_COLUMNS = (
    *REQUIRED,
    "line_control",
    "discipline",
    "provider_role",
    "progress_report",
    "note_text",
)
DISCIPLINES = frozenset({"PT", "OT", "SLP"})
ROLES = frozenset({"PT", "PTA", "OT", "OTA", "SLP"})
# Bytes read ahead when the visit log is read in file order (VisitLog._read).
_BLOCK = 1 << 16


def _tuple_getter(indexes: list[int]):
    """values -> the tuple of values at ``indexes`` (itemgetter gives a bare value for one index
    and cannot take none)."""
    if len(indexes) >= 2:
        return itemgetter(*indexes)
    if indexes:
        only = indexes[0]
        return lambda values: (values[only],)
    return lambda values: ()


def _claim_key(claim_id: str) -> int:
    """The index key of a claim id (a module function so tests can force collisions). Keyed
    on the case-folded id, so a claim whose id the EMR wrote in another case is still found;
    the exact id is preferred when both exist (see :meth:`VisitLog.for_claim`)."""
    return hash(claim_id.casefold())


def parse_date(text: str) -> date | None:
    """A service date as EMR exports write it: ``YYYY-MM-DD``, ``YYYYMMDD``, ``MM/DD/YYYY`` or
    ``M/D/YYYY`` (US month first). Anything else (week dates, two-digit years) is None."""
    try:
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            return date.fromisoformat(text)
        if len(text) == 8 and text.isascii() and text.isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        parts = text.split("/")
        if len(parts) == 3 and len(parts[2]) == 4 and 1 <= len(parts[0]) <= 2:
            if 1 <= len(parts[1]) <= 2 and all(p.isascii() and p.isdigit() for p in parts):
                return date(int(parts[2]), int(parts[0]), int(parts[1]))
    except ValueError:
        return None
    return None


_DATE_PROBLEM = "service_date {!r} is not YYYY-MM-DD, MM/DD/YYYY or YYYYMMDD"
_MINUTES_PROBLEM = "minutes {!r} is not a whole number (15, 15 min or 15.0)"
_MINUTE_SUFFIXES = ("minutes", "minute", "mins", "min", "m")


def parse_minutes(text: str) -> int | None:
    """Whole minutes as EMR exports write them: ``15``, ``15 min`` (or mins, minutes, m),
    ``15.0``. A fraction (``15.5``), a negative or an empty value is None."""
    if text.isascii() and text.isdigit():
        return int(text)
    low = text.lower()
    for suffix in _MINUTE_SUFFIXES:
        if low.endswith(suffix):
            low = low[: -len(suffix)].rstrip()
            break
    if low.isascii() and low.isdigit():
        return int(low)
    whole, dot, frac = low.partition(".")
    if dot and whole.isascii() and whole.isdigit() and frac and set(frac) == {"0"}:
        return int(whole)
    return None


_UNSEEN = object()


class VisitLogError(Exception):
    """The visit log cannot be used at all (missing file or required columns): exit 2."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int
    message: str


class VisitLog:
    """The visit log, indexed by claim id and read from disk on demand.

    Loading scans the file once, checks every row (bad rows are counted, reported and left
    out) and keeps only where each claim's usable rows are: per run of consecutive rows of one
    claim, the hash of its case-folded claim id and of the exact id, byte offset, first row
    number and row count, in five flat arrays with a hash table over them (~48 bytes a claim;
    a dict of claim ids would take ~140, which at 100,000 claims was most of the growth of
    ``check``'s memory, see docs/performance.md). A claim's rows are parsed into
    :class:`VisitRow` when a rule first asks for them; rows whose claim id only shares the
    hash are read and dropped.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.problems: list[RowProblem] = []
        self.columns: tuple[str, ...] = ()
        self.rows = 0
        # spans in file order: hash(claim_id), byte offset, first row number, row count; and an
        # open-addressing table of span numbers + 1 (0: empty), slot = hash & (size - 1)
        self._table = array("q")
        self._hashes = array("q")
        self._offsets = array("Q")
        self._firsts = array("I")
        self._counts = array("I")
        self._lengths = array("Q")  # bytes of each span (its records are contiguous)
        self._fields: dict[str, int] = {}
        self._checklist: tuple[str, ...] = ()
        self._width = 0
        self._cols: tuple[int, ...] = ()
        self._checklist_cols: tuple[tuple[str, int], ...] = ()
        self._poc_cols: tuple[tuple[str, int], ...] = ()
        self._problem_rows: set[int] = set()
        self._bad_rows: set[int] = set()
        self._exact = array("q")
        self._cache: dict[str, list[VisitRow]] = {}
        self._has_checklist = False
        self._layout: RowLayout | None = None
        self._dates: dict[str, date | None] = {}  # parse_date's answers (a log has few dates)
        # The last block read (file offset, bytes): a log written in the claims' order is read
        # as a stream, one block for many claims, instead of a seek and read per claim.
        self._block: tuple[int, bytes] = (0, b"")
        try:
            self._fh = open(self.path, "rb")  # noqa: SIM115 - kept open for lookups
        except OSError as exc:
            raise VisitLogError(f"{self.path}: cannot read visit log: {exc.strerror}") from None
        try:
            self._load()
        except BaseException:
            self._fh.close()
            raise
        # lookups seek and read: a forked worker needs its own file offset (x12tool.forksafe)
        reopen_in_child(self, VisitLog._reopen)

    def _reopen(self) -> None:
        if not self._fh.closed:
            self._fh = open(self.path, "rb")  # noqa: SIM115 - kept open for lookups
            self._block = (0, b"")

    @property
    def has_checklist(self) -> bool:
        return self._has_checklist

    def close(self) -> None:
        self._fh.close()

    def _records(self, fh) -> Iterator[tuple[int, bytes]]:
        """(offset, bytes) of each CSV record, joining lines inside quoted fields."""
        offset = fh.tell()
        pending = b""
        start = offset
        for line in fh:
            if not pending:
                start = offset
            offset += len(line)
            pending += line
            if pending.count(b'"') % 2:
                continue  # a quoted field spans the line break
            yield start, pending
            pending = b""
        if pending:
            yield start, pending

    def _load(self) -> None:
        fh = self._fh
        head = fh.readline()
        if head.startswith(b"\xef\xbb\xbf"):
            head = head[3:]
        if not head.strip():
            raise VisitLogError(f"{self.path}: visit log is empty")
        try:
            header = next(csv.reader([head.decode("utf-8")]))
        except (csv.Error, UnicodeDecodeError, StopIteration) as exc:
            raise VisitLogError(f"{self.path}: visit log is not CSV: {exc}") from None
        names = [h.strip().lower() for h in header]
        missing = [c for c in REQUIRED if c not in names]
        if missing:
            raise VisitLogError(
                f"{self.path}: visit log lacks required column(s) {', '.join(missing)} "
                f"(required: {', '.join(REQUIRED)})"
            )
        self.columns = tuple(n for n in names if n in REQUIRED or n in OPTIONAL)
        self._fields = {n: i for i, n in enumerate(names) if n in REQUIRED or n in OPTIONAL}
        self._checklist = tuple(c for c in CHECKLIST if c in self._fields)
        self._has_checklist = all(c in self.columns for c in CHECKLIST)
        # Column positions for _row: a column the header lacks points one past the last column,
        # where _row pads a record with "", so a missing column reads as empty.
        self._cols = tuple(self._fields.get(c, len(names)) for c in _ROW_COLUMNS)
        self._checklist_cols = tuple((c, self._fields[c]) for c in self._checklist)
        # _row takes its columns with one C-level call each rather than a generator per row;
        # the checklist, progress report and note are left to the row to read when asked.
        self._take = itemgetter(*self._cols[:7])
        self._layout = RowLayout(
            self._checklist,
            _tuple_getter([i for _, i in self._checklist_cols]),
            self._cols[7],
            self._cols[8],
        )
        self._poc_cols = tuple((c, self._fields[c]) for c in POC_COLUMNS if c in self._fields)
        # The fields a row reads: a record that has them all (the usual case when the header
        # has every column) is used as it is, without a padded copy.
        self._width = 1 + max(
            (*self._cols, *(i for _, i in self._checklist_cols), *(i for _, i in self._poc_cols))
        )
        key = self._fields["claim_id"]
        hashes, exact, offsets = array("q"), array("q"), array("Q")
        firsts, counts = array("I"), array("I")
        lengths = array("Q")
        last_claim = None
        n = 0
        # Every row is checked here (not only the rows a rule asks for), so the stats line can
        # say how much of the log is usable before any claim is judged.
        check = self._check_values
        for offset, record in self._records(fh):
            n += 1
            if not record.strip(b"\r\n\t ,"):
                last_claim = None  # a span covers consecutive records only
                continue
            self.rows += 1
            try:
                values = _split_record(record)
            except (csv.Error, UnicodeDecodeError) as exc:
                self._bad(n, f"unreadable row: {exc}")
                last_claim = None
                continue
            claim_id = values[key].strip() if key < len(values) else ""
            if not claim_id:
                self._bad(n, "claim_id is empty")
                last_claim = None
                continue
            problem = check(values)
            if problem is not None:
                self._bad(n, problem)  # reported now and left out of the index
                last_claim = None
                continue
            if claim_id == last_claim and counts[-1] < 0xFFFFFFFF:
                counts[-1] += 1  # consecutive rows of one claim: one span
                lengths[-1] += len(record)
                continue
            hashes.append(_claim_key(claim_id))
            exact.append(hash(claim_id))
            offsets.append(offset)
            firsts.append(n)
            counts.append(1)
            lengths.append(len(record))
            last_claim = claim_id
        self._exact = exact
        self._hashes, self._offsets, self._firsts, self._counts = hashes, offsets, firsts, counts
        self._lengths = lengths
        # A hash table in a flat array rather than sorting (sorting 100,000 keys made ~7 MB of
        # short-lived ints, which showed in the peak memory): at most half full, linear probing.
        size = 1 << max(4, (2 * len(hashes)).bit_length())
        table = array("q", bytes(8 * size))
        mask = size - 1
        for number, h in enumerate(hashes, start=1):
            slot = h & mask
            while table[slot]:
                slot = (slot + 1) & mask
            table[slot] = number
        self._table = table

    def _problem(self, row: int, message: str) -> None:
        if row not in self._problem_rows:
            self._problem_rows.add(row)
            self.problems.append(RowProblem(row, message))

    def add_problems(self, problems: list[RowProblem]) -> None:
        """Problems another process found reading this log's rows (``check --jobs``'s
        workers find a row's discipline, role and date problems when a rule reads it)."""
        for p in problems:
            self._problem(p.row, p.message)

    def _bad(self, row: int, message: str) -> None:
        """A row that cannot be used at all (it is skipped)."""
        self._bad_rows.add(row)
        self._problem(row, message)

    @property
    def bad(self) -> int:
        return len(self._bad_rows)

    def _check_values(self, values: list[str]) -> str | None:
        """Why a row cannot be used (None: it can); the same tests as :meth:`_row`."""
        cols = self._cols
        width = len(values)
        day_text = values[cols[1]].strip() if cols[1] < width else ""
        if self._date(day_text) is None:
            return _DATE_PROBLEM.format(day_text)
        if not (values[cols[2]].strip() if cols[2] < width else ""):
            return "cpt is empty"
        minutes = values[cols[3]].strip() if cols[3] < width else ""
        if parse_minutes(minutes) is None:
            return _MINUTES_PROBLEM.format(minutes)
        return None

    def _date(self, text: str) -> date | None:
        """parse_date, remembered: a log's rows share a few hundred dates."""
        dates = self._dates
        got = dates.get(text, _UNSEEN)
        if got is _UNSEEN:
            if len(dates) >= 4096:
                dates.clear()  # keeps the memo small whatever the log holds
            got = dates[text] = parse_date(text)
        return got

    # --- whether the log can serve a run
    def match(self, claim_id: str) -> str | None:
        """ "exact" when the log has rows under this claim id as written, "case" when only
        under the same id in another case, None when it has none."""
        spans = self._spans(_claim_key(claim_id))
        if not spans:
            return None
        h = hash(claim_id)
        return "exact" if any(self._exact[s] == h for s in spans) else "case"

    def usable_problem(self, matched: int, claims: int, *, partial: bool = False) -> str | None:
        """Why the log cannot serve the run (None: it can). More than half its rows bad (unless
        ``partial``), or none of the input's claims in it."""
        if self.rows and self.bad * 2 > self.rows and not partial:
            return (
                "more than half of the visit log's rows are unusable (the formats are in the docs, "
                "'The visit log'; --visits-partial accepts a partly bad log)"
            )
        if claims and not matched:
            return "no claim of the input is in the visit log (claim_id must be the 837's CLM01)"
        return None

    def stats_line(self, matched: int, unmatched: int, case_only: int = 0) -> str:
        """The one line printed after reading the log."""
        case = f" ({case_only} only by claim id in another case)" if case_only else ""
        first = ""
        if self.problems:
            p = min(self.problems, key=lambda p: p.row)
            first = f"; first bad row {p.row}: {p.message}" if p.row in self._bad_rows else ""
        return (
            f"visit log {self.path}: {self.rows} row(s) read, {self.bad} bad{first}; "
            f"claims of the input matched: {matched}{case}, unmatched: {unmatched}"
        )

    def for_claim(self, claim_id: str) -> list[VisitRow]:
        cached = self._cache.get(claim_id)
        if cached is not None:
            return cached
        rows: list[VisitRow] = []
        others: list[VisitRow] = []  # the same id in another case
        folded = None
        for span in self._spans(_claim_key(claim_id)):  # file order, as rows were written
            first = self._firsts[span]
            n = first - 1
            for record in self._span_records(span):
                n += 1
                try:
                    if record.__class__ is list:
                        values = record  # already split
                    elif record.__class__ is str:
                        values = split_text(record)
                    else:
                        values = _split_record(record)
                except (csv.Error, UnicodeDecodeError) as exc:
                    self._bad(n, f"unreadable row: {exc}")
                    values = []
                if values and "".join(values).strip():  # some field is not blank
                    row = self._row(n, values)
                    if row is None:
                        pass
                    elif row.claim_id == claim_id:
                        rows.append(row)
                    else:
                        if folded is None:
                            folded = claim_id.casefold()
                        if row.claim_id.casefold() == folded:
                            others.append(row)
        if not rows and others:
            # Claim ids are compared as the 837 has them first; only when no row has the id
            # exactly do rows with the same id in another case count (the stats line says so).
            rows = others
        if len(self._cache) >= 16:  # the fix loop re-reads the same claim; keep a few
            self._cache.pop(next(iter(self._cache)))
        self._cache[claim_id] = rows
        return rows

    def _span_records(self, span: int) -> list:
        """The records of one span: each already split into its fields (the usual shapes), or
        as text to split, or as bytes when the span is not valid UTF-8 (so each record's own
        decoding reports the bad one)."""
        offset, count, length = self._offsets[span], self._counts[span], self._lengths[span]
        # A span is `count` contiguous records: read in one piece and cut into records as
        # _records cuts the file, without a generator and a buffered read per line.
        chunk = self._read(offset, length)
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError:
            records: list = cut_records_bytes(chunk)
        else:
            records = span_values(text) or cut_records(text)
        if len(records) != count:
            # not what the index saw (the file changed?): read record by record as before
            self._fh.seek(offset)
            self._block = (0, b"")
            records = [r for _, r in islice(self._records(self._fh), count)]
        return records

    def _read(self, offset: int, length: int) -> bytes:
        """``length`` bytes at ``offset``. Served from the last block read when it holds them;
        a read that starts at or just past that block's end (the log in the claims' order, a
        streaming merge) reads the next block ahead; any other (a log in another order, the
        index's random access) reads only what it needs."""
        start, block = self._block
        end = start + len(block)
        if start <= offset and offset + length <= end:
            return block[offset - start : offset - start + length]
        fh = self._fh
        fh.seek(offset)
        if end <= offset < end + _BLOCK and block:
            block = fh.read(max(length, _BLOCK))
            self._block = (offset, block)
            return block[:length]
        got = fh.read(length)
        self._block = (offset, got)  # so the next claim's span, right after, starts a stream
        return got

    def _spans(self, h: int) -> list[int]:
        """Span numbers whose key is ``h``, in file order."""
        spans = []
        table, hashes = self._table, self._hashes
        if table:
            mask = len(table) - 1
            slot = h & mask
            while number := table[slot]:
                if hashes[number - 1] == h:
                    spans.append(number - 1)
                slot = (slot + 1) & mask
        return sorted(spans)

    def _row(self, n: int, values: list[str]) -> VisitRow | None:
        # Called for every row a rule asks for (100,000 claims: ~400,000 rows), so it indexes
        # a padded record by precomputed positions instead of looking names up per field, and
        # leaves the checklist, progress report and note to the row (read when asked).
        if len(values) < self._width:
            values = values + [""] * (self._width - len(values))
        claim_id, day_text, cpt, minutes, control, discipline, role = map(
            str.strip, self._take(values)
        )
        if not claim_id:
            self._bad(n, "claim_id is empty")
            return None
        day = self._date(day_text)
        if day is None:
            self._bad(n, _DATE_PROBLEM.format(day_text))
            return None
        cpt = cpt.upper()
        if not cpt:
            self._bad(n, "cpt is empty")
            return None
        whole = int(minutes) if minutes.isdigit() and minutes.isascii() else parse_minutes(minutes)
        if whole is None:
            self._bad(n, _MINUTES_PROBLEM.format(minutes))
            return None
        if discipline:
            discipline = discipline.upper()
            if discipline not in DISCIPLINES:
                self._problem(n, f"discipline {discipline!r} is not PT, OT or SLP")
                discipline = ""
        if role:
            role = role.upper()
            if role not in ROLES:
                self._problem(n, f"provider_role {role!r} is not PT/PTA/OT/OTA/SLP")
                role = ""
        poc = self._poc(n, values) if self._poc_cols else NO_POC
        # positional (a call with keywords costs more); the checklist, progress report and
        # note come from the raw values when read
        return VisitRow(
            n,
            claim_id,
            day,
            cpt,
            whole,
            control,
            discipline,
            role,
            (),
            "",
            "",
            poc,
            (values, self._layout),
        )

    @property
    def has_poc(self) -> bool:
        return bool(self._poc_cols)

    def _poc(self, n: int, values: list[str]) -> tuple:
        got = {}
        for name, i in self._poc_cols:
            text = values[i].strip()
            value = None
            if text:
                value = parse_date(text)  # the service_date formats
                if value is None:
                    self._problem(n, f"{name} {text!r} is not YYYY-MM-DD, MM/DD/YYYY or YYYYMMDD")
            got[name] = value
        return tuple(got.get(c) for c in POC_COLUMNS)

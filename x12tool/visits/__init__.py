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
import os
from array import array
from collections.abc import Iterator
from datetime import date
from itertools import islice
from operator import itemgetter
from pathlib import Path

from x12tool.forksafe import reopen_in_child
from x12tool.values import FrozenSlots, set_field, value_class
from x12tool.visits.records import (
    cut_records,
    cut_records_bytes,
    lines_fast,
    lines_values,
    span_values,
    split_text,
)
from x12tool.visits.records import split_record as _split_record
from x12tool.visits.row import NO_POC, RowLayout, VisitRow, progress_mark

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
# What VisitLog._lean_rows takes as it is (blank: not given).
_LEAN_DISCIPLINES = DISCIPLINES | {""}
_LEAN_ROLES = ROLES | {""}
# Bytes read ahead when the visit log is read in file order (VisitLog._read).
_BLOCK = 1 << 16
# Bytes read at a time when the log is indexed (_blocks): a block's lines and their fields are
# short-lived, so the block stays small next to the index of a large log.
_LOAD_BLOCK = 1 << 18


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


# How a span's claim id is written (VisitLog._forms).
_OTHER, _FOLDED, _UPPER = 0, 1, 2


def _id_form(claim_id: str) -> int:
    # (an ASCII id with an upper-case letter is not its own fold: the forms do not overlap)
    if claim_id.isupper() and claim_id.isascii():
        return _UPPER
    if claim_id == claim_id.casefold():
        return _FOLDED
    return _OTHER


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


def _blocks(fh) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) of the rest of the file in blocks of whole records: each block ends
    after a line break where the quotes read so far are even (a line break inside a quoted
    field does not end a record), the last one at the end of the file."""
    offset = fh.tell()
    rest = b""
    while True:
        # a record longer than a block (a quote never closed) doubles the read, so a hostile
        # log costs a few copies of itself rather than one per block
        block = fh.read(max(_LOAD_BLOCK, len(rest)))
        if not block:
            if rest:
                yield offset, rest
            return
        data = rest + block if rest else block
        cut = data.rfind(b"\n") + 1
        quotes = data.count(b'"', 0, cut)
        while cut and quotes % 2:
            back = data.rfind(b"\n", 0, cut - 1) + 1
            quotes -= data.count(b'"', back, cut)
            cut = back
        if not cut:
            rest = data  # one record longer than the block: read on
            continue
        yield offset, data[:cut]
        offset += cut
        rest = data[cut:]


_UNSEEN = object()


class VisitLogError(Exception):
    """The visit log cannot be used at all (missing file or required columns): exit 2."""


@value_class  # a frozen dataclass with slots writing its own __init__ (x12tool/values.py)
class RowProblem(FrozenSlots):
    __slots__ = ("row", "message")
    row: int
    message: str

    def __init__(self, row: int, message: str) -> None:
        set_field(self, "row", row)
        set_field(self, "message", message)


class VisitLog:
    """The visit log, indexed by claim id and read from disk on demand.

    Loading scans the file once, checks every row (bad rows are counted, reported and left
    out) and keeps only where each claim's usable rows are: per run of consecutive rows of one
    claim, the hash of its case-folded claim id, the id's case form, byte offset, first row
    number, row count and bytes, in flat arrays with a hash table over them (~34 bytes a
    claim with the table; a dict of claim ids would take ~140, which at 100,000 claims was
    most of the growth of ``check``'s memory, see docs/performance.md). A claim's rows are
    parsed into
    :class:`VisitRow` when a rule first asks for them; rows whose claim id only shares the
    hash are read and dropped.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.problems: list[RowProblem] = []
        self.columns: tuple[str, ...] = ()
        self.rows = 0
        # spans in file order: hash(claim_id), byte offset, first row number, row count; and an
        # open-addressing table of span numbers + 1 (0: empty), slot = hash % size. Offsets and
        # lengths take 4 bytes each in a log under 2 GB (see _index).
        self._table = array("I")
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
        # How each span's claim id is written, so match() can tell an exact id from one in
        # another case without keeping a second hash per span: _FOLDED (the id is its own
        # case fold: digits, lower case), _UPPER (ASCII upper case, the usual CLM01) or
        # _OTHER, whose hash(id) is kept in _other_ids by span.
        self._forms = bytearray()
        self._other_ids: dict[int, int] = {}
        # 1 for a span whose key another span shares (a claim's rows apart in the file, the id
        # in another case, a hash collision): only those need the table's full probe.
        self._shared = bytearray()
        # The span after the last one for_claim / match served: claims asked for in the log's
        # order (the usual run) find theirs there without probing the table.
        self._next = self._next_match = 0
        # The claim id every row of the last span _lean_rows read has (None: not known).
        self._span_id: str | None = None
        self._cache: dict[str, list[VisitRow]] = {}
        self._cached: list[str] = []  # _cache's keys, oldest first
        self._has_checklist = False
        self._layout: RowLayout | None = None
        self._dates: dict[str, date | None] = {}  # parse_date's answers (a log has few dates)
        # a code as written -> trimmed and upper case (a log has few distinct codes)
        self._codes: dict[str, str] = {}
        # a progress_report value as written -> its mark (a log has few spellings)
        self._marks: dict[str, str] = {}
        # plain digit minutes seen at load -> their int (a log has few distinct values)
        self._whole: dict[str, int] = {}
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
        self._index(fh)
        # A hash table in a flat array rather than sorting (sorting 100,000 keys made ~7 MB of
        # short-lived ints, which showed in the peak memory): at most half full, linear probing.
        # Span numbers in 4 bytes each and a size of twice the spans (not the next power of
        # two, up to four times): the table was a third of the index.
        hashes = self._hashes
        size = max(16, 2 * len(hashes) + 1)
        table = array("I", bytes(4 * size))
        shared = bytearray(len(hashes))
        for number, h in enumerate(hashes, start=1):
            slot = h % size
            while other := table[slot]:
                if hashes[other - 1] == h:  # spans of one key probe through each other
                    shared[other - 1] = shared[number - 1] = 1
                slot += 1
                if slot == size:
                    slot = 0
            table[slot] = number
        self._table = table
        self._shared = shared

    def _index(self, fh) -> None:
        """Check every row and note where each claim's usable rows are (see the class).

        The log is read in record-aligned blocks; a block of one-line records of the shapes EMR
        exports write (the usual case) is split with one call and checked in one loop, without
        a generator, a decode and a split per record (the index is built in the parent before
        ``check --jobs`` forks, so its cost is serial). Any other block (quoted line breaks,
        bytes that are not UTF-8, other quoting) is read record by record as before; both give
        the same index, the same row numbers and the same problems (tests/visits)."""
        key = self._fields["claim_id"]
        cols = self._cols
        c_day, c_cpt, c_min = cols[1], cols[2], cols[3]
        need = 1 + max(key, c_day, c_cpt, c_min)
        dates, whole = self._dates, self._whole
        # A span's offset and bytes fit 4 bytes in a log under 2 GB (read as it grows, a log
        # far past that when opened still fits 8)
        wide = "Q" if os.fstat(fh.fileno()).st_size >= 1 << 31 else "I"
        hashes, offsets = array("q"), array(wide)
        firsts, counts = array("I"), array("I")
        lengths = array(wide)
        forms, other_ids = bytearray(), {}
        last_claim = None
        n = rows = 0
        # Every row is checked here (not only the rows a rule asks for), so the stats line can
        # say how much of the log is usable before any claim is judged.
        check = self._check_values
        for offset, data in _blocks(fh):
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                lines = split = None
            else:
                lines = text.split("\n")
                if not lines[-1]:
                    lines.pop()  # the block ends with its line break
                split = lines if lines_fast(lines) else None
            if split is None:
                # record by record: each record's own decode and split report a bad one
                for record in cut_records_bytes(data):
                    n += 1
                    start = offset
                    offset += len(record)
                    if not record.strip(b"\r\n\t ,"):
                        last_claim = None  # a span covers consecutive records only
                        continue
                    rows += 1
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
                    form = _id_form(claim_id)
                    if form == _OTHER:
                        other_ids[len(forms)] = hash(claim_id)
                    forms.append(form)
                    offsets.append(start)
                    firsts.append(n)
                    counts.append(1)
                    lengths.append(len(record))
                    last_claim = claim_id
                continue
            # One line a record, split only as far as the columns read here (the quoted
            # note, when there is one, comes after them). Sizes in bytes: a line's characters
            # when the block is ASCII.
            sizes = map(len, lines if text.isascii() else data.split(b"\n"))
            # The last span's row count and bytes, kept in ints while the loop grows it and
            # stored back when another span starts and at the block's end (an array item read
            # and written per row cost more than the rest of the row's bookkeeping).
            run = counts[-1] if counts else 0
            run_bytes = lengths[-1] if lengths else 0
            good_day = None  # the last date text that parsed (a claim's rows share a date)
            for line, size in zip(lines, sizes, strict=False):
                n += 1
                size += 1  # its line break (one too many for a last line without one: below)
                start = offset
                offset += size
                values = line.split(",", need)
                if len(values) <= need or (
                    '"' in line and '"' in line[: len(line) - len(values[-1])]
                ):
                    values = lines_values([line])[0]  # the columns read reach the last field
                claim_id = values[key].strip() if key < len(values) else ""
                if not claim_id:
                    last_claim = None
                    if not line.strip("\r\t ,"):
                        continue  # a blank record: not a row
                    rows += 1
                    self._bad(n, "claim_id is empty")
                    continue
                rows += 1
                # the usual row: a date and minutes already seen (the memos' keys are trimmed,
                # so a key found as it is needs no trimming) and a code; else the full check
                if len(values) < need:
                    problem = check(values)
                else:
                    day_text = values[c_day]
                    if (
                        (day_text == good_day or dates.get(day_text) is not None)
                        and values[c_min] in whole
                        and values[c_cpt].strip()
                    ):
                        problem = None
                        good_day = day_text
                    else:
                        problem = check(values)
                if problem is not None:
                    self._bad(n, problem)  # reported now and left out of the index
                    last_claim = None
                    continue
                if claim_id == last_claim and run < 0xFFFFFFFF:
                    run += 1  # consecutive rows of one claim: one span
                    run_bytes += size
                    continue
                if run:
                    counts[-1], lengths[-1] = run, run_bytes
                hashes.append(_claim_key(claim_id))
                form = _id_form(claim_id)
                if form == _OTHER:
                    other_ids[len(forms)] = hash(claim_id)
                forms.append(form)
                offsets.append(start)
                firsts.append(n)
                counts.append(1)
                lengths.append(size)
                run, run_bytes = 1, size
                last_claim = claim_id
            if run:
                counts[-1], lengths[-1] = run, run_bytes
            if not data.endswith(b"\n") and last_claim is not None:
                lengths[-1] -= 1  # the file's last record has no line break
        self._forms, self._other_ids = forms, other_ids
        self._hashes, self._offsets, self._firsts, self._counts = hashes, offsets, firsts, counts
        self._lengths = lengths
        self.rows = rows

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
        whole = parse_minutes(minutes)
        if whole is None:
            return _MINUTES_PROBLEM.format(minutes)
        if minutes.isdigit() and minutes.isascii() and len(self._whole) < 4096:
            self._whole[minutes] = whole  # the plain minutes _index and _lean_rows take as seen
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
        key = _claim_key(claim_id)
        nxt = self._next_match
        if nxt < len(self._hashes) and self._hashes[nxt] == key and not self._shared[nxt]:
            spans = [nxt]  # the span after the last one matched (see _next)
        else:
            spans = self._spans(key)
            if not spans:
                return None
        self._next_match = spans[-1] + 1
        # A span's key is its id's case fold, so the id is the one asked for exactly when
        # both are written alike: both their own fold, or both ASCII upper case (the fold of
        # ASCII is its lower case); ids of other forms compare by hash.
        forms = self._forms
        asked = _id_form(claim_id)
        for s in spans:
            form = forms[s]
            if form != _OTHER:
                if form == asked:
                    return "exact"
            elif self._other_ids[s] == hash(claim_id):
                return "exact"
        return "case"

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
        key = _claim_key(claim_id)
        nxt = self._next
        if nxt < len(self._hashes) and self._hashes[nxt] == key and not self._shared[nxt]:
            # The span after the last one read, and no other span has its key: the log is
            # read in the claims' order (a streaming merge) without probing the table.
            spans = [nxt]
        else:
            spans = self._spans(key)  # file order, as rows were written
        if spans:
            self._next = spans[-1] + 1
        rows: list[VisitRow] = []
        others: list[VisitRow] = []  # the same id in another case
        for span in spans:
            self._span_id = None
            got = self._lean_rows(span)
            if got is None:
                got = self._general_rows(span)
            elif self._span_id == claim_id and len(spans) == 1:
                rows = got  # every row has the id as asked (the usual claim)
                break
            for row in got:
                if row.claim_id == claim_id:
                    rows.append(row)
                elif row.claim_id.casefold() == claim_id.casefold():
                    others.append(row)
        if not rows and others:
            # Claim ids are compared as the 837 has them first; only when no row has the id
            # exactly do rows with the same id in another case count (the stats line says so).
            rows = others
        cache = self._cache
        order = self._cached
        while len(cache) >= 16 and order:  # the fix loop re-reads the same claim; keep a few
            # the oldest goes, named by the list of keys in the order they came: a dict
            # popped from its front keeps the holes, and finding its first key walked them
            cache.pop(order.pop(0), None)
        cache[claim_id] = rows
        order.append(claim_id)
        return rows

    def _lean_rows(self, span: int) -> list[VisitRow] | None:
        """The rows of a span whose records are one line each of the shapes EMR exports write
        (None for any other span: :meth:`_general_rows` reads it). The span's text is cut into
        lines with one call, and each line is split and its row built in one loop: a clean row
        (a date and minutes seen at load, a code, a valid or blank discipline and role, no
        plan-of-care columns) without a call of :meth:`_row`; any other row goes to _row,
        which reports its problems (a row's problem is kept once, so a span given up half
        way and read again by _general_rows reports nothing twice). The rows are those
        _general_rows gives (tests/visits compares them)."""
        offset, count = self._offsets[span], self._counts[span]
        chunk = self._read(offset, self._lengths[span])
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError:
            return None
        lines = text.split("\n")
        if not lines[-1]:
            lines.pop()  # the text ends with its line break
        if len(lines) != count:
            return None
        width, dates, layout, whole = self._width, self._dates, self._layout, self._whole
        c_id, c_day, c_cpt, c_min, c_ctl, c_disc, c_role, c_prog = self._cols[:8]
        marks = self._marks
        new = object.__new__
        lean = not self._poc_cols
        rows = []
        n = self._firsts[span] - 1
        # A span's rows are consecutive rows of one claim, most of one date: a value equal to
        # the previous row's needs no trimming or lookup of its own.
        last_day_text = last_id_text = None
        day = None
        claim_id = ""
        span_id = None  # the claim id of every row so far ("" once they differ or unknown)
        cr = "\r" in text  # (rare: a CRLF log) looked for in each line only when there is one
        nul_free = "\0" not in text
        codes = self._codes
        for line in lines:
            n += 1
            # lines_values's split, inlined: None (the general reader) for any other shape
            if cr and "\r" in line:
                line = line.rstrip("\r")
                if "\r" in line:
                    return None
            q = line.find('"')
            if q < 0:
                values = line.split(",") if line else []
            elif (
                # last_field_quoted(line, q), inline (no call per row), the note cut once:
                # no NUL is looked for in each line unless the span has one
                line[-1] == '"'
                and q < len(line) - 1
                and (q == 0 or line[q - 1] == ",")
                and '"' not in (note := line[q + 1 : -1])
                and (nul_free or "\0" not in line)
            ):
                values = line[:q].split(",")
                values[-1] = note
            else:
                return None
            if lean:
                if len(values) < width:
                    values += [""] * (width - len(values))  # as _row pads: missing reads ""
                # A value found as it is among the memos' trimmed keys or in the sets needs
                # no trimming; the others are trimmed here as _row trims them.
                day_text = values[c_day]
                if day_text != last_day_text:
                    last_day_text = day_text
                    day = dates.get(day_text)  # filled when the log was loaded
                got = whole.get(values[c_min])
                discipline = values[c_disc]
                role = values[c_role]
                if (
                    day is not None
                    and got is not None
                    and discipline in _LEAN_DISCIPLINES
                    and role in _LEAN_ROLES
                ):
                    id_text = values[c_id]
                    if id_text != last_id_text:
                        last_id_text = id_text
                        claim_id = id_text.strip()
                        if span_id is None:
                            span_id = claim_id
                        elif claim_id != span_id:
                            span_id = ""
                    cpt = codes.get(values[c_cpt])
                    if cpt is None:
                        cpt = values[c_cpt].strip().upper()
                        if len(codes) < 4096:
                            codes[values[c_cpt]] = cpt
                    if claim_id and cpt:
                        # VisitRow(n, claim_id, ..., _raw=(values, layout)) with its slots
                        # set here: the class call and __init__ cost three times these
                        # stores (the rows are compared with _row's in tests/visits)
                        row = new(VisitRow)
                        row.row = n
                        row.claim_id = claim_id
                        row.service_date = day
                        row.cpt = cpt
                        row.minutes = got
                        row.line_control = values[c_ctl].strip()
                        row.discipline = discipline
                        row.provider_role = role
                        row.poc = NO_POC
                        row._checklist = row._note = None  # read from _raw when asked
                        mark = values[c_prog]  # progress_mark(mark), remembered by value
                        progress = marks.get(mark)
                        if progress is None:
                            progress = progress_mark(mark)
                            if len(marks) < 4096:
                                marks[mark] = progress
                        row.progress_report = progress
                        row._raw = (values, layout)
                        rows.append(row)
                        continue
            if values and "".join(values).strip():  # some field is not blank
                span_id = ""  # _row's row: not counted above
                row = self._row(n, values)
                if row is not None:
                    rows.append(row)
        # for_claim takes the rows as they are when each has the id it asks for
        self._span_id = span_id or None
        return rows

    def _general_rows(self, span: int) -> list[VisitRow]:
        """The rows of any span, record by record (quoted line breaks, bytes that are not
        UTF-8, a file changed since it was indexed)."""
        rows = []
        n = self._firsts[span] - 1
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
                if row is not None:
                    rows.append(row)
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
            size = len(table)
            slot = h % size
            while number := table[slot]:
                if hashes[number - 1] == h:
                    spans.append(number - 1)
                slot += 1
                if slot == size:
                    slot = 0
        return sorted(spans) if len(spans) > 1 else spans  # probe order is not file order

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

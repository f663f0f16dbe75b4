"""Per-claim report records spooled to a temporary file, so memory stays flat on big files."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator
from itertools import compress

# What a reader of the records may want without decoding every one: on a 10,000-claim batch
# the text report needs the records with money (its table) and those with findings or changes
# (its claim blocks), and nine in ten claims have neither findings nor changes.
MONEY = 1  # the record has a money estimate
NOTED = 2  # the record has findings or changes
# The claim's status, for the readers that want only held (the worklist) or held and corrected
# claims (the HTML page): kept by the spool beside record_flags's bits, found in the text.
HELD = 4
CORRECTED = 8
PENDING = 64  # records a spool holds before writing them (a few tens of kB)


def record_flags(record: dict) -> int:
    """The :data:`MONEY` and :data:`NOTED` bits of a report record."""
    return (MONEY if record.get("money") else 0) | (
        NOTED if record["findings"] or record["changes"] else 0
    )


def status_flags(record: dict) -> int:
    """The :data:`HELD` and :data:`CORRECTED` bits of a report record."""
    status = record.get("status")
    return HELD if status == "held" else CORRECTED if status == "corrected" else 0


def _text_status(text: str) -> int:
    """:func:`status_flags` of a record's JSON text. A claim record's "status" comes second,
    after its id, whose text is JSON-encoded (a quote inside it escaped): the first such key
    in the text is the claim's."""
    at = text.find('"status": "')
    if at < 0:
        return 0
    if text.startswith('held"', at + 11):
        return HELD
    if text.startswith('corrected"', at + 11):
        return CORRECTED
    return 0


def _picks(flag: int) -> bytes:
    """The table that turns a record's flags byte into 1 when it has ``flag``, else 0."""
    table = _PICKS.get(flag)
    if table is None:
        table = bytes(1 if i & flag else 0 for i in range(256))
        if len(_PICKS) < 64:
            _PICKS[flag] = table
    return table


_PICKS: dict[int, bytes] = {}  # flag -> _picks(flag) (a few flags: bounded by the callers')


def _all_flags(record: dict) -> int:
    return record_flags(record) | status_flags(record)


class ClaimSpool:
    def __init__(self) -> None:
        self.fh = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        self.count = 0
        self.flags = bytearray()  # one byte a record (100,000 claims: 100 kB)
        # records not written yet, each with its newline: written PENDING at a time, since a
        # text file's write() costs about as much as encoding a short record
        self._pending: list[str] = []

    def add(self, record: dict) -> None:
        # Encoded once, as the JSON report writes a record (json.dumps defaults), so the JSON
        # report copies the text (texts()) instead of decoding and encoding it again.
        self.add_text(json.dumps(record), record_flags(record))

    def add_text(self, text: str, flags: int | None = None) -> None:
        """A record already encoded (``json.dumps(record)``, one line), with its
        :func:`record_flags` when the caller has them (the spool adds the status bits)."""
        pending = self._pending
        pending.append(text + "\n")
        if len(pending) >= PENDING:
            self._write()
        if flags is None:
            flags = record_flags(json.loads(text))
        # the status (_text_status, inline: this runs for every claim of a check)
        at = text.find('"status": "') + 11
        if at > 10 and text[at] in "hc":
            flags |= _text_status(text)
        self.flags.append(flags)
        self.count += 1

    def add_block(self, text: str, flags: bytes) -> None:
        """Records already encoded, one a line each with its newline (``text``), and their
        flags with the status bits (one byte a record): ``check --jobs`` hands a run of one
        worker's records over in one piece (x12tool/preflight/parallel.py)."""
        if self._pending:
            self._write()
        self.fh.write(text)
        self.flags += flags
        self.count += len(flags)

    def _write(self) -> None:
        self.fh.write("".join(self._pending))
        self._pending.clear()

    def texts(self) -> Iterator[str]:
        """Each record's JSON text (one line, as ``json.dumps(record)`` gives it)."""
        if self._pending:
            self._write()
        self.fh.flush()
        self.fh.seek(0)
        for line in self.fh:
            yield line[:-1]

    def __iter__(self) -> Iterator[dict]:
        for text in self.texts():
            yield json.loads(text)

    def select(self, flag: int) -> Iterator[dict]:
        """The records that have ``flag``, in order; the others are not decoded."""
        if self._pending:
            self._write()
        self.fh.flush()
        self.fh.seek(0)
        # the lines passed over without a Python step each: one byte a record, 1 where the
        # record has ``flag`` (bytearray.translate), picks the lines (itertools.compress)
        loads = json.loads
        for line in compress(self.fh, self.flags.translate(_picks(flag))):
            yield loads(line)

    def tally(self, flag: int) -> int:
        """How many records have ``flag``."""
        return self.flags.translate(_picks(flag)).count(1)

    def close(self) -> None:
        self.fh.close()


def select(records: Iterable[dict], flag: int) -> Iterator[dict]:
    """:meth:`ClaimSpool.select` for any records (a spool, or dicts in a list)."""
    if isinstance(records, ClaimSpool):
        return records.select(flag)
    return (r for r in records if _all_flags(r) & flag)


def tally(records: Iterable[dict], flag: int) -> int:
    if isinstance(records, ClaimSpool):
        return records.tally(flag)
    return sum(1 for r in records if _all_flags(r) & flag)

"""The visit log's bytes cut into CSV records and fields, as the csv module reads them.

EMR exports write a few record shapes (no quotes; only the last field, the note, quoted); those
are split with string methods, which cost a fraction of a csv.reader per record
(docs/performance.md), and every other shape goes to the csv module.
"""

from __future__ import annotations

import csv


def split_record(record: bytes) -> list[str]:
    """The fields of one CSV record (see :func:`split_text`)."""
    return split_text(record.decode("utf-8"))


def split_text(text: str) -> list[str]:
    """The fields of one decoded CSV record."""
    got = fast_split(text.rstrip("\r\n"))
    return got if got is not None else next(csv.reader([text]), [])


def fast_split(line: str) -> list[str] | None:
    """The fields of a record (without its line break) in the shapes EMR exports write, as the
    csv module reads them; None for any other shape. A record without quotes or stray line
    breaks splits on commas; a csv.reader per record cost more than the rules that read the
    row (docs/performance.md)."""
    if "\r" in line or "\n" in line:
        return None
    quotes = line.count('"')
    if quotes == 0:
        return line.split(",") if line else []
    if quotes == 2:
        # The other common shape: only the last field quoted (a note with commas). Its fields
        # are the commas' split before the opening quote, then the text between the quotes.
        q = line.find('"')
        if line[-1] == '"' and q < len(line) - 1 and (q == 0 or line[q - 1] == ","):
            if "\0" not in line:
                return line[:q].split(",")[:-1] + [line[q + 1 : -1]]
    return None


def span_values(text: str) -> list[list[str]] | None:
    """The fields of each record of a run of whole records, when every record is one line of
    a shape :func:`fast_split` takes (then no quoted field spans a line break, so lines are
    records); None otherwise."""
    parts = text.split("\n")
    if not parts[-1]:
        parts.pop()  # the text ends with its line break
    return lines_values(parts)


def lines_values(lines: list[str]) -> list[list[str]] | None:
    """:func:`fast_split` of each line (its line break cut off; a trailing CR is cut here), in
    one loop: a claim's span or a block of the log is split with one call rather than one per
    row (the call and its checks were a fifth of the log's cost, docs/performance.md). None as
    soon as a line is not of a shape fast_split takes, so the caller reads the records the
    general way."""
    out = []
    append = out.append
    for line in lines:
        if "\r" in line:
            line = line.rstrip("\r")
            if "\r" in line:
                return None
        q = line.find('"')
        if q < 0:
            append(line.split(",") if line else [])
        elif last_field_quoted(line, q):
            # only the last field quoted: the commas' split before it, then its text
            values = line[:q].split(",")
            values[-1] = line[q + 1 : -1]
            append(values)
        else:
            return None
    return out


def lines_fast(lines: list[str]) -> bool:
    """Whether every line is of a shape :func:`lines_values` takes (then each line is one
    record, split on its commas up to its one quoted last field): the visit log's index
    checks a block with this and splits each line only as far as the columns it reads."""
    for line in lines:
        if "\r" in line:
            line = line.rstrip("\r")
            if "\r" in line:
                return False
        q = line.find('"')
        # last_field_quoted(line, q), inline: a call per line was most of the loop's cost
        if q >= 0 and not (
            line[-1] == '"'
            and q < len(line) - 1
            and (q == 0 or line[q - 1] == ",")
            and '"' not in line[q + 1 : -1]
            and "\0" not in line
        ):
            return False
    return True


def last_field_quoted(line: str, q: int) -> bool:
    """``line`` (its first quote at ``q``) quotes its last field only, with no quote inside
    it: the one quoted shape :func:`lines_values` splits without the csv module (a note
    with commas, as EMR exports write it)."""
    # No quote between the first and the last character (the field's text, which the callers
    # cut out next: a slice and a search cost a third of line.count's argument parsing).
    return (
        line[-1] == '"'
        and q < len(line) - 1
        and (q == 0 or line[q - 1] == ",")
        and '"' not in line[q + 1 : -1]
        and "\0" not in line
    )


def cut_records_bytes(chunk: bytes) -> list[bytes]:
    """:func:`cut_records` of undecoded bytes."""
    parts = chunk.split(b"\n")
    last = parts.pop()
    records = [p + b"\n" for p in parts]
    if last:
        records.append(last)
    if b'"' not in chunk:
        return records
    joined, pending = [], b""
    for line in records:
        pending += line
        if pending.count(b'"') % 2:
            continue
        joined.append(pending)
        pending = b""
    if pending:
        joined.append(pending)
    return joined


def cut_records(text: str) -> list[str]:
    """The CSV records of a run of whole records, cut as :meth:`VisitLog._records` cuts the
    file: lines with their line break, joined while a quoted field is open."""
    parts = text.split("\n")
    last = parts.pop()  # "" when the text ends with its line break
    records = [p + "\n" for p in parts]
    if last:
        records.append(last)  # the file's last record, without a line break
    if '"' not in text:
        return records
    joined, pending = [], ""
    for line in records:
        pending += line
        if pending.count('"') % 2:
            continue  # a quoted field spans the line break
        joined.append(pending)
        pending = ""
    if pending:
        joined.append(pending)
    return joined

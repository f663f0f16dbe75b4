"""Plain-text tables for the text report, written without tabulate's per-cell machinery.

The text report prints one small table per claim with findings; on a 10,000-claim file
tabulate's general path (type guessing, ANSI-aware wrapping, width functions) was most of the
parent's time in ``check --jobs N``. This writes the one layout the report uses, tabulate's
``simple`` format with numbers left as text, and gives the same characters:
``tests/reports/test_table.py`` compares the two on generated tables.

- a column is as wide as its longest line, and at least its header plus two;
- cells are stripped of surrounding blanks, every line of a multi-line cell too;
- a row of multi-line cells takes as many lines as its tallest cell (none if all are empty);
- every printed line is stripped of trailing blanks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

HEADER_PADDING = 2  # tabulate's MIN_PADDING: a column is at least its header plus two


def _wrapper_class():
    import textwrap  # only for the messages _plain_wrap hands back

    class _Wrapper(textwrap.TextWrapper):
        """textwrap, except that a word longer than the width is cut at the width, not after
        a hyphen inside it (as tabulate cuts it)."""

        def _handle_long_word(self, reversed_chunks, cur_line, cur_len, width):
            space_left = 1 if width < 1 else width - cur_len
            if self.break_long_words:
                chunk = reversed_chunks[-1]
                cur_line.append(chunk[:space_left])
                reversed_chunks[-1] = chunk[space_left:]
            elif not cur_line:
                cur_line.append(reversed_chunks.pop())

    return _Wrapper


# one wrapper a width: wrap() keeps no state between calls, and making one costs about as
# much as wrapping a short message
_WRAPPERS: dict[int, object] = {}
_SPACES = re.compile("( +)")


def _letter(c: str) -> bool:
    # a letter as textwrap's patterns take one: a word character that is not a digit
    return (c.isalnum() or c == "_") and not c.isdecimal()


def _word_chunks(line: str, start: int, end: int, out: list[str]) -> None:
    """The chunks textwrap makes of the word ``line[start:end]`` (no "--" in it): it is cut
    after a hyphen that has a letter right after it and then another (or a hyphen and a
    letter), and before it two letters, or a letter, a hyphen and a letter; at least one
    character before the hyphen belongs to the chunk it ends."""
    n = len(line)
    first = start
    h = line.find("-", start + 1, end)
    while h >= 0:
        if (
            h - first >= 1
            and h + 2 < n
            and _letter(line[h + 1])
            and (
                _letter(line[h + 2]) or (line[h + 2] == "-" and h + 3 < n and _letter(line[h + 3]))
            )
            and h >= 2
            and _letter(line[h - 1])
            and (_letter(line[h - 2]) or (line[h - 2] == "-" and h >= 3 and _letter(line[h - 3])))
        ):
            out.append(line[first : h + 1])
            first = h + 1
        h = line.find("-", h + 1, end)
    out.append(line[first:end])


def _plain_wrap(line: str, width: int) -> list[str] | None:
    """``textwrap.wrap(line, width)`` for the usual message: printable, no "--" (textwrap's
    em-dash) and no word or run of blanks wider than ``width``;
    None for anything else (textwrap itself then). Its chunks are then the runs of blanks
    and the words, cut after some hyphens (:func:`_word_chunks`), filled greedily as
    textwrap fills them: blanks that end a line
    are dropped, and so are those that would start any line but the first. textwrap's
    general path (its word-splitting pattern, whitespace munging, per-chunk bookkeeping) was
    most of the time of a text report's findings tables."""
    if not line.isprintable() or "--" in line:
        return None
    if len(line) <= width:
        return [line.rstrip(" ")]
    chunks: list[str] = []
    at = 0
    for part in _SPACES.split(line):
        if "-" in part:
            _word_chunks(line, at, at + len(part), chunks)
        elif part:
            chunks.append(part)
        at += len(part)
    lines: list[str] = []
    cur: list[str] = []
    cur_len = 0
    for chunk in chunks:
        size = len(chunk)
        if size > width:
            return None
        if cur_len + size <= width:
            cur.append(chunk)
            cur_len += size
            continue
        if cur and cur[-1][0] == " ":
            cur.pop()
        if cur:
            lines.append("".join(cur))
        if chunk[0] == " ":
            cur, cur_len = [], 0  # (a new line does not start with blanks)
        else:
            cur, cur_len = [chunk], size
    if cur and cur[-1][0] == " ":
        cur.pop()
    if cur:
        lines.append("".join(cur))
    return lines


def _wrap(line: str, width: int) -> list[str]:
    plain = _plain_wrap(line, width)
    if plain is not None:
        return plain
    wrapper = _WRAPPERS.get(width)
    if wrapper is None:
        wrapper = _wrapper_class()(width=width)
        if len(_WRAPPERS) < 64:
            _WRAPPERS[width] = wrapper
    return wrapper.wrap(line)


def _wrapped(cell: str, width: int) -> str:
    # Each non-blank line wrapped on its own, blank lines dropped (as tabulate's maxcolwidths).
    return "\n".join(
        "\n".join(_wrap(line, width)) for line in cell.splitlines() if line.strip() != ""
    )


def simple_table(
    rows: Sequence[Sequence[str]],
    headers: Sequence[str],
    *,
    align: Sequence[str] | None = None,
    wrap: Sequence[int | None] | None = None,
) -> str:
    """``rows`` of text under ``headers``; ``align``: "left" or "right" per column (left by
    default); ``wrap``: a width per column to wrap its text at, or None."""
    ncols = len(headers)
    align = align or ("left",) * ncols
    texts = []
    for row in rows:
        out = []
        for i, cell in enumerate(row):
            text = str(cell)
            width = wrap[i] if wrap else None
            if width is not None:
                text = _wrapped(text, width)
            out.append(text)
        texts.append(out)
    # A line break in any cell (before stripping) makes every cell a list of lines, and a row
    # of empty cells then takes no line at all (as tabulate's multi-line mode does).
    multiline = any("\n" in t or "\r" in t for row in texts for t in row)
    if not multiline:
        cells = [[t.strip() for t in row] for row in texts]
    else:
        cells = [[t.strip().splitlines() for t in row] for row in texts]
    widths = [len(h) + HEADER_PADDING for h in headers]
    for row in cells:
        for i, lines in enumerate(row):
            for line in [lines] if not multiline else lines:
                if len(line) > widths[i]:
                    widths[i] = len(line)
    if len(align) != ncols or any(len(row) != ncols for row in cells):
        return _ragged(cells, headers, align, widths, multiline)
    # one format string a line: "<" and ">" pad with blanks as str.ljust and str.rjust do
    line = "  ".join(
        f"{{:{'>' if a == 'right' else '<'}{w}}}" for a, w in zip(align, widths, strict=True)
    ).format
    out_lines = [line(*headers).rstrip(), "  ".join("-" * w for w in widths)]
    if not multiline:
        out_lines += [line(*row).rstrip() for row in cells]
    else:
        for row in cells:
            height = max(map(len, row), default=0)
            if height == 1 and all(row):
                out_lines.append(line(*[lines[0] for lines in row]).rstrip())
                continue
            for k in range(height):
                out_lines.append(
                    line(*[lines[k] if k < len(lines) else "" for lines in row]).rstrip()
                )
    return "\n".join(out_lines)


def _ragged(
    cells: list[list], headers: Sequence[str], align: Sequence[str], widths: list[int], multiline
) -> str:
    """:func:`simple_table`'s lines for rows that do not have a cell per header (or an
    ``align`` that does not): each cell padded on its own."""
    if not multiline:
        cells = [[[t] for t in row] for row in cells]
    pads = [str.rjust if a == "right" else str.ljust for a in align]
    out_lines = [
        "  ".join(pads[i](h, widths[i]) for i, h in enumerate(headers)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    for row in cells:
        height = max((len(lines) for lines in row), default=0)
        for k in range(height):
            out_lines.append(
                "  ".join(
                    pads[i](lines[k] if k < len(lines) else "", widths[i])
                    for i, lines in enumerate(row)
                ).rstrip()
            )
    return "\n".join(out_lines)


def plain_table(rows: Sequence[Sequence[object]]) -> str:
    """``tabulate(rows, tablefmt="plain", disable_numparse=True)``, the text report's summary.

    Written here for the cells that summary holds (printable ASCII text and ints): every run
    that prints a text report prints it, and importing tabulate for it cost more than the
    rest of the report on a small file. Cells are stripped, columns left-aligned at their
    longest cell and joined by two blanks, lines stripped of trailing blanks. Anything else
    (a wide or control character, another type, ragged rows) goes to tabulate itself.
    """
    texts = []
    width = len(rows[0]) if rows else 0
    for row in rows:
        if len(row) != width:
            return tabulate(rows, tablefmt="plain", disable_numparse=True)
        out = []
        for cell in row:
            kind = type(cell)
            if kind is int:
                out.append(str(cell))
            elif kind is str and cell.isascii() and cell.isprintable():
                out.append(cell.strip())
            else:
                return tabulate(rows, tablefmt="plain", disable_numparse=True)
        texts.append(out)
    if not texts:
        return tabulate(rows, tablefmt="plain", disable_numparse=True)
    widths = [max(len(row[i]) for row in texts) for i in range(width)]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in texts
    )


def tabulate(*args, **kwargs) -> str:
    """``tabulate.tabulate``, imported on first use: importing tabulate (it imports
    importlib.metadata) took ~13 ms of every run's start-up, a tenth of a small file's
    ``check``, and most runs print no table of its making."""
    from tabulate import tabulate as real

    return real(*args, **kwargs)

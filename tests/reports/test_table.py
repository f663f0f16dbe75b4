"""The text report's table writer gives tabulate's ``simple`` layout, character for character."""

from __future__ import annotations

import random
import string

import pytest
from tabulate import tabulate

from x12tool.reports.table import plain_table, simple_table
from x12tool.reports.text_report import FINDING_HEADERS, FINDING_WRAP

MONEY_HEADERS = ("claim", "status", "payer class", "as billed", "as sent", "at risk")
MONEY_ALIGN = ("left", "left", "left", "right", "right", "right")
WORD_CHARS = string.ascii_letters + string.digits + "-.,:;()/$@*'\"%#"


def _tabulate(rows, headers, **kw) -> str:
    return tabulate(rows, headers=list(headers), tablefmt="simple", disable_numparse=True, **kw)


def _message(rnd: random.Random) -> str:
    # Sentences as the rules write them, now and then a word longer than the 64 columns
    # (a URL, a run of codes joined by hyphens).
    words = []
    for _ in range(rnd.randint(1, 45)):
        n = rnd.randint(60, 150) if rnd.random() < 0.03 else rnd.randint(1, 14)
        words.append("".join(rnd.choice(WORD_CHARS) for _ in range(n)))
    return rnd.choice([" ", " ", "  "]).join(words)


@pytest.mark.parametrize("seed", range(4))
def test_findings_table_matches_tabulate(seed):
    rnd = random.Random(seed)
    for _ in range(150):
        rows = [
            [
                rnd.choice(["TU001", "DOC002", "KX001"]),
                rnd.choice(["error", "warning"]),
                rnd.choice(["", "SV1@12", "CLM@104"]),
                rnd.choice(["", "1", "12"]),
                _message(rnd),
                rnd.choice(["fixed", "safe", "unsafe", "none"]),
                rnd.choice(["", "$12.34", "-$1,204.00"]),
            ]
            for _ in range(rnd.randint(1, 4))
        ]
        want = _tabulate(rows, FINDING_HEADERS, maxcolwidths=list(FINDING_WRAP))
        assert simple_table(rows, FINDING_HEADERS, wrap=FINDING_WRAP) == want


def _cell(rnd: random.Random, chars: str) -> str:
    return "".join(rnd.choice(chars) for _ in range(rnd.choice([0, 1, 4, 9, 30])))


@pytest.mark.parametrize("seed", range(4))
def test_aligned_table_matches_tabulate(seed):
    rnd = random.Random(100 + seed)
    chars = WORD_CHARS + "  \t\n"
    for _ in range(300):
        ncols = rnd.randint(1, 6)
        headers = [rnd.choice(MONEY_HEADERS + ("", "x" * rnd.randint(1, 12))) for _ in range(ncols)]
        align = [rnd.choice(["left", "right"]) for _ in range(ncols)]
        rows = [
            [
                "".join(rnd.choice(chars) for _ in range(rnd.choice([0, 1, 4, 9, 30])))
                for _ in headers
            ]
            for _ in range(rnd.randint(1, 5))
        ]
        assert simple_table(rows, headers, align=align) == _tabulate(rows, headers, colalign=align)


def test_layout_by_hand():
    rows = [
        ["A1", "ready", "commercial (ref.)", "1.50", "1.50", ""],
        ["B22", "held", "mcr", "10.00", "0.00", "10.00"],
    ]
    assert simple_table(rows, MONEY_HEADERS, align=MONEY_ALIGN).splitlines() == [
        "claim    status    payer class          as billed    as sent    at risk",
        "-------  --------  -----------------  -----------  ---------  ---------",
        "A1       ready     commercial (ref.)         1.50       1.50",
        "B22      held      mcr                      10.00       0.00      10.00",
    ]


def test_long_word_is_cut_at_the_width_not_after_a_hyphen():
    # One chunk for textwrap (no break between digits and a hyphen): Python 3.11's textwrap
    # would cut it after the hyphen; tabulate, and so the report, cut it at the width.
    word = "1" * 10 + "-" + "2" * 60
    text = simple_table([[word]], ["message"], wrap=[64])
    assert text.splitlines()[2:] == [word[:64], word[64:]]
    assert text == _tabulate([[word]], ["message"], maxcolwidths=[64])


def _plain_cell(rnd: random.Random):
    kind = rnd.random()
    if kind < 0.25:
        return rnd.choice([0, 7, 1000, -3, 123456789])
    if kind < 0.3:
        # beyond what plain_table writes itself: tabulate's own answer is given
        return rnd.choice([None, True, 1.5, "é", "a\tb", "two\nlines", "\x1b[1mx"])
    return _cell(rnd, WORD_CHARS + "   ")


@pytest.mark.parametrize("seed", range(3))
def test_plain_table_matches_tabulate(seed):
    rnd = random.Random(200 + seed)
    for _ in range(300):
        ncols = rnd.randint(1, 3)
        rows = [[_plain_cell(rnd) for _ in range(ncols)] for _ in range(rnd.randint(0, 6))]
        if rows and rnd.random() < 0.05:
            rows[-1] = rows[-1][:-1]  # ragged
        want = tabulate(rows, tablefmt="plain", disable_numparse=True)
        assert plain_table(rows) == want, rows


def test_plain_table_writes_the_summary_without_tabulate(monkeypatch):
    import x12tool.reports.table as table

    monkeypatch.setattr(table, "tabulate", lambda *a, **k: pytest.fail("tabulate called"))
    rows = [["claims", 1000], ["ready (go as is)", 927], ["findings", "1 error, 2 warning"]]
    assert plain_table(rows) == (
        "claims            1000\nready (go as is)  927\nfindings          1 error, 2 warning"
    )


def _wrap_line(rnd: random.Random) -> str:
    # Messages' words: dates and code ranges (hyphens between digits), hyphens between
    # letters (where textwrap may break), em-dashes, runs of blanks, now and then a word or
    # run of blanks wider than the column, a non-ASCII letter or a tab.
    parts = [
        "2026-05-08",
        "97110-97546",
        "one-on-one",
        "payer-specific",
        "a-b-c",
        "ab-c-de",
        "ab-cd-ef-gh",
        "X-ray",
        "e-mail",
        "under_score-x",
        "é-àb",
        "1a-b2",
        "-lead",
        "trail-",
        "ab-",
        "a-bc",
        "ab--cd",
        "x--y",
        "GP/GO/GN",
        "é",
        "(visit-log",
        "\t",
        "9" * rnd.randint(60, 80),
        " " * rnd.randint(60, 70),
    ]
    words = []
    for _ in range(rnd.randint(1, 40)):
        if rnd.random() < 0.15:
            words.append(rnd.choice(parts))
        else:
            words.append(
                "".join(rnd.choice(WORD_CHARS.replace("-", "")) for _ in range(rnd.randint(1, 12)))
            )
    return (
        rnd.choice(["", " ", "  "])
        + rnd.choice([" ", " ", "  ", "   "]).join(words)
        + rnd.choice(["", " ", "  "])
    )


@pytest.mark.parametrize("seed", range(3))
def test_plain_wrap_agrees_with_textwrap(seed):
    # The fast wrap either answers as the textwrap wrapper does or hands the line back
    # (None); the usual message (no hyphen between letters) must take the fast path.
    import x12tool.reports.table as table

    wrapper = table._wrapper_class()
    rnd = random.Random(300 + seed)
    fast = 0
    for _ in range(2000):
        line = _wrap_line(rnd)
        if line.strip() == "":
            continue
        width = rnd.choice([8, 20, 64, 64, 64])
        got = table._plain_wrap(line, width)
        if got is not None:
            fast += 1
            assert got == wrapper(width=width).wrap(line), (line, width)
        assert table._wrap(line, width) == wrapper(width=width).wrap(line), (line, width)
    assert fast > 600
    assert table._plain_wrap("97530 on 2026-05-08 " * 6, 64) is not None
    assert table._plain_wrap("unless a payer-specific edit needs it " * 3, 64) is not None

"""The HTML pages made with lxml.etree alone (x12tool.reports.html_builder) are, byte for byte,
the pages lxml.html's builder and tostring made."""

from __future__ import annotations

import random
import subprocess
import sys
import types

import lxml.html
import pytest
from lxml.html import builder as LE

from x12tool.reports import html_builder
from x12tool.reports import html_report as H

from .html_cases import finding

# what a claim id, member id, message or file name may hold, hostile ones included
TEXTS = [
    "",
    "x",
    "TC01",
    "0",
    "a & b < c > d \"q\" 's'",
    "&amp; &#38; &lt;",
    '<meta http-equiv="Content-Type" content="text/html">',
    "é — · ñ 日本 😀",
    "  spaced  \t tab\nnew line\r",
    "]]> <!-- --> <script>x</script>",
    "\u2028\u00a0\u200b",
]


def _text(rnd: random.Random) -> str:
    return rnd.choice(TEXTS)


def _finding(rnd: random.Random) -> dict:
    return finding(rnd, TEXTS)


def _record(rnd: random.Random) -> dict:
    rec = {
        "id": _text(rnd) or "C1",
        "status": rnd.choice(["held", "corrected", "ready"]),
        "payer_class": rnd.choice(["medicare_b", "", "commercial", _text(rnd)]),
        "position": rnd.choice([None, 7]),
        "st": rnd.choice([None, "0001"]),
        "findings": [_finding(rnd) for _ in range(rnd.randint(0, 3))],
        "changes": [
            {
                "position": rnd.choice([None, 0, 14]),
                "before": rnd.choice([None, "", "SV1*HC:97110*40", _text(rnd)]),
                "after": rnd.choice([None, "", "SV1*HC:97110*20", _text(rnd)]),
            }
            for _ in range(rnd.randint(0, 2))
        ],
    }
    if rnd.random() < 0.8:
        rec["member_id"] = rnd.choice(["", "*******DQ51", _text(rnd)])
    kind = rnd.random()
    if kind < 0.8:
        money = {k: rnd.choice(["0", "12.5", "-3.10"]) for k in ("at_risk", "allowed_as_billed")}
        if rnd.random() < 0.5:
            money["allowed_as_sent"] = "7.00"
        if kind < 0.3:
            money["payer_rates"] = rnd.choice(["", "2 lines", _text(rnd)])
        elif kind < 0.5:
            money["reference_only"] = rnd.choice([True, False])
        rec["money"] = money
    return rec


def _head(rnd: random.Random, n: int) -> dict:
    head = {
        "file": rnd.choice(["f.837", _text(rnd)]) or "g.837",
        "sha256": "ab" * 32,
        "tool_version": rnd.choice(["0.1.0", _text(rnd)]),
        "ig": rnd.random() < 0.5,
        "summary": {
            "claims": n,
            "ready": 1,
            "corrected": 2,
            "held": 3,
            "findings": {"error": 4, "warning": 5, "info": 6},
        },
    }
    if rnd.random() < 0.5:
        head["worklist"] = rnd.choice(["f.worklist.csv", "a b é&\"'<>.csv"])
    if rnd.random() < 0.7:
        classes = {
            cls: {
                "allowed_as_sent": rnd.choice(["0", "10.5"]),
                "at_risk": rnd.choice(["0", "3"]),
                "overbilling_avoided": rnd.choice(["0", "1.25"]),
                "reference_only": rnd.random() < 0.3,
            }
            for cls in rnd.sample(["medicare_b", "medicaid", _text(rnd) or "x"], rnd.randint(0, 3))
        }
        head["summary"]["money"] = {
            "allowed_as_billed": "100",
            "allowed_as_sent": "90",
            "at_risk": "5",
            "overbilling_avoided": "3",
            "underbilled": "0",
            "by_payer_class": classes,
        }
        head["money_basis"] = rnd.choice(["national", _text(rnd)])
        if rnd.random() < 0.5:
            head["money_detail"] = _text(rnd)
    return head


def _lxml_html_page(page) -> str:
    return lxml.html.tostring(
        page, doctype="<!DOCTYPE html>", encoding="unicode", pretty_print=True
    )


TAGS = [
    n for n in dir(html_builder) if n.isupper() and n[0] != "_" and n not in ("PARSER", "CLASS")
]
# lxml.html's builder and serializer under html_builder's names: the page as it was made
OLD_MAKER = types.SimpleNamespace(
    **{name: getattr(LE, name) for name in TAGS}, CLASS=LE.CLASS, page_text=_lxml_html_page
)


def _pages(seed: int, cap: int) -> list[tuple[dict, list]]:
    rnd = random.Random(seed)
    inputs = []
    for _ in range(rnd.randint(1, 3)):
        records = [_record(rnd) for _ in range(rnd.randint(0, cap))]
        inputs.append((_head(rnd, len(records)), records))
    return inputs


def _render(inputs) -> str:
    page = H.HtmlPage(None)
    for report in inputs:
        page.add(report)
    return page.render()


@pytest.mark.parametrize("seed", range(12))
def test_pages_are_the_bytes_lxml_html_wrote(seed, monkeypatch):
    monkeypatch.setattr(H, "MAX_LISTED", 4)  # the "more not listed" notes too
    inputs = _pages(seed, 10)
    made = _render(inputs)
    monkeypatch.setattr(H, "E", OLD_MAKER)
    assert made == _render(inputs)


def test_each_tag_is_lxml_html_builders():
    assert len(TAGS) > 20
    for name in TAGS:
        made, built = getattr(html_builder, name)("t"), getattr(LE, name)("t")
        assert (made.tag, _lxml_html_page(made)) == (built.tag, _lxml_html_page(built))


def test_texts_lxml_refuses_are_refused_alike():
    for bad in ("\x00", "a\x01b", "\x1b[0m"):
        with pytest.raises(ValueError):
            html_builder.SPAN(bad)
        with pytest.raises(ValueError):
            LE.SPAN(bad)


def test_the_page_does_not_import_lxml_html(tmp_path):
    probe = (
        "import sys\n"
        "from x12tool.reports.html_report import HtmlPage\n"
        "import io\n"
        "HtmlPage(io.StringIO()).write()\n"
        "print(sorted(m for m in sys.modules if m.startswith('lxml.html')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_the_denials_page_is_the_bytes_lxml_html_wrote(monkeypatch):
    from datetime import date

    from x12tool.reports import denials_html as D

    rnd = random.Random(5)
    lines = [
        types.SimpleNamespace(
            day=rnd.choice([None, date(2026, 3, 1), date(2026, 4, 2), date(2026, 5, 3)]),
            payer_id=rnd.choice(["", "00952", _text(rnd)]),
            denied=rnd.random() < 0.3,
        )
        for _ in range(60)
    ]
    groups = [
        types.SimpleNamespace(key=_text(rnd) or "CO-45", code_amount=rnd.randint(0, 9999))
        for _ in range(12)
    ]
    tables = {
        dim: [
            {"key": _text(rnd), "by": dim, "label": _text(rnd), "lines": n, "carc_amount": "1.00"}
            for n in range(rnd.randint(0, 4))
        ]
        for dim in ("carc", "rarc", "code", "payer")
    }
    reasons = types.SimpleNamespace(describe=lambda: {"note": TEXTS[4]}, as_of="2026-12-02")
    made = D.denials_page(lines, tables, groups, reasons)
    monkeypatch.setattr(D, "E", OLD_MAKER)
    assert "<svg" in made and "<table>" in made
    assert made == D.denials_page(lines, tables, groups, reasons)

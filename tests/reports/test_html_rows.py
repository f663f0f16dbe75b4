"""The HTML report's claim rows, made in place, are the tree lxml.html's builder made."""

from __future__ import annotations

import random

import lxml.html
import pytest
from lxml.html import builder as E

from x12tool.reports import html_report as H

from .html_cases import finding

TEXTS = ["", "x", "a & b < c > d \"q\" 's'", "é — ·", "  spaced  ", "TC01", "0"]


def _text(rnd: random.Random) -> str:
    return rnd.choice(TEXTS)


def _money(rnd: random.Random) -> dict | None:
    kind = rnd.random()
    if kind < 0.2:
        return None
    money = {k: rnd.choice(["0", "12.5", "-3.10"]) for k in ("at_risk", "allowed_as_billed")}
    if rnd.random() < 0.5:
        money["allowed_as_sent"] = "7.00"
    if kind < 0.4:
        money["payer_rates"] = rnd.choice(["", "2 lines", "all lines"])
    elif kind < 0.6:
        money["reference_only"] = rnd.choice([True, False])
    return money


def _finding(rnd: random.Random) -> dict:
    return finding(rnd, TEXTS)


def _record(rnd: random.Random) -> dict:
    rec = {
        "id": _text(rnd) or "C1",
        "status": rnd.choice(["held", "corrected", "ready"]),
        "payer_class": rnd.choice(["medicare_b", "", "commercial"]),
        "findings": [_finding(rnd) for _ in range(rnd.randint(0, 3))],
        "changes": [
            {
                "position": rnd.choice([None, 0, 14]),
                "before": rnd.choice([None, "", "SV1*HC:97110*40"]),
                "after": rnd.choice([None, "", "SV1*HC:97110*20"]),
            }
            for _ in range(rnd.randint(0, 2))
        ],
    }
    if rnd.random() < 0.8:
        rec["member_id"] = rnd.choice(["", "*******DQ51"])
    money = _money(rnd)
    if money is not None or rnd.random() < 0.5:
        rec["money"] = money
    return rec


def _page(*children) -> str:
    # pretty-printed inside a block, where libxml2's line breaks depend on the tree's shape
    return lxml.html.tostring(E.DIV(*children), encoding="unicode", pretty_print=True)


def _listed_built(rec: dict):
    return E.TR(
        E.TD(E.CODE(rec["id"])),
        E.TD(H._status(rec["status"])),
        E.TD(rec["payer_class"], " ", H._ref_badge(rec)),
        E.TD(rec.get("member_id", "")),
        E.TD(E.CLASS("num"), H._money(rec, "allowed_as_billed")),
        E.TD(E.CLASS("num"), H._money(rec, "allowed_as_sent")),
        E.TD(E.CLASS("num"), H._money(rec, "at_risk")),
        E.TD(", ".join(sorted({f["code"] for f in rec["findings"]}))),
    )


def _change_built(ch: dict):
    return E.TR(
        E.TD(E.CLASS("num"), str(ch.get("position") or "")),
        E.TD(E.SPAN(E.CLASS("seg before"), ch["before"] or "—")),
        E.TD(E.SPAN(E.CLASS("seg after"), ch["after"] or "(deleted)")),
    )


@pytest.mark.parametrize("seed", range(3))
def test_rows_made_in_place_are_the_builders(seed):
    rnd = random.Random(seed)
    for _ in range(150):
        rec = _record(rnd)
        made = H._PARSER.makeelement("div")
        H._claim_head_in(made, rec)
        H._findings_into(H._SUB(made, "table"), rec["findings"])
        assert _page(*made) == _page(H._claim_head(rec), H._findings_table_built(rec["findings"]))
        assert _page(H._findings_table(rec["findings"])) == _page(
            H._findings_table_built(rec["findings"])
        )
        # the claims table and the corrected claims' changes, through a whole section
        section = H._file_section(
            {"file": "f.837", "sha256": "0" * 64, "summary": _summary()}, [rec]
        )
        claims = section.find(".//table[@class='claims']")
        want = E.TABLE(E.CLASS("claims"), claims[0].__copy__(), E.TBODY(_listed_built(rec)))
        if rec["findings"] or rec["changes"]:
            assert _page(claims) == _page(want)
        changes = section.find(".//table[@class='changes']")
        if rec["status"] == "corrected":
            want = E.TABLE(
                E.CLASS("changes"),
                E.THEAD(E.TR(E.TH(E.CLASS("num"), "segment"), E.TH("before"), E.TH("after"))),
                E.TBODY(*[_change_built(ch) for ch in rec["changes"]]),
            )
            assert _page(changes) == _page(want)


def _summary() -> dict:
    return {
        "claims": 1,
        "ready": 0,
        "corrected": 0,
        "held": 0,
        "findings": {"error": 0, "warning": 0, "info": 0},
    }

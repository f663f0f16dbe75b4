"""The claim model's value memos: the same text gives the same value, memory stays bounded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from x12tool.claims import parse
from x12tool.claims.model import ServiceLine
from x12tool.edi.delimiters import Delimiters
from x12tool.edi.segment import Segment


def test_memoised_values_are_the_parsed_values_and_the_memo_is_bounded(monkeypatch):
    monkeypatch.setattr(parse, "_MEMO_MAX", 5)
    monkeypatch.setattr(parse, "_decimals", {})
    monkeypatch.setattr(parse, "_dates", {})
    texts = ["1", "1.0", "-2.50", "", "1e3", "١", "+.5", "3.", "4..0", "12", "1"]
    for _ in range(2):  # second round: answered from the memo (or after it was cleared)
        for t in texts:
            assert parse.parse_decimal(t) == parse._parse_decimal(t)
            assert str(parse.parse_decimal(t)) == str(parse._parse_decimal(t))  # "1.0" stays
        for t in ["20260302", "20260230", "2026030", "x0260302", "20260302"]:
            assert parse.parse_d8(t) == parse._parse_d8(t)
        assert len(parse._decimals) <= 5 and len(parse._dates) <= 5
    assert parse.parse_decimal("1.0") == Decimal("1.0") and parse.parse_decimal("1e3") is None
    assert parse.parse_d8("20260302") == date(2026, 3, 2) and parse.parse_d8("20260230") is None


def _sv1_line(sv107: str, component: str) -> ServiceLine:
    delims = Delimiters("*", "^", component, "~")
    lx = Segment(["LX", "1"], 1, 0, None, delims)
    sv1 = Segment(
        ["SV1", f"HC{component}97110", "40", "UN", "1", "", "", sv107], 2, 0, None, delims
    )
    return parse.service_line([lx, sv1], 0, 2)


def test_memoised_pointers_keep_to_their_separator_and_problems(monkeypatch):
    monkeypatch.setattr(parse, "_MEMO_MAX", 2)
    monkeypatch.setattr(parse, "_pointers", {})
    for _ in range(2):  # second round: answered from the memo (or after it was cleared)
        line = _sv1_line("1:2", ":")
        assert line.pointers == [1, 2] and not line.problems
        line = _sv1_line("1:2", ">")  # one pointer "1:2", which is no number here
        assert line.pointers == [] and [p.element for p in line.problems] == ["SV107"]
        line = _sv1_line("3>x", ">")
        assert line.pointers == [3] and [p.element for p in line.problems] == ["SV107"]
        assert _sv1_line("", ":").pointers == [] and _sv1_line("4", ":").pointers == [4]
        assert _sv1_line("1:2", ":").pointers is not _sv1_line("1:2", ":").pointers
        assert all(len(memo) <= 2 for memo in parse._pointers.values())
    assert "1:2" not in parse._pointers[">"] and "3>x" not in parse._pointers[">"]

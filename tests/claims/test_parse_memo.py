"""The claim model's value memos: the same text gives the same value, memory stays bounded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from x12tool.claims import parse


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

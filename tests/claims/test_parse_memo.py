"""The claim model's value memos: the same text gives the same value, memory stays bounded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from conftest import SAMPLE, public_files

from x12tool.claims import Claim, iter_items, parse
from x12tool.claims.model import ServiceLine
from x12tool.edi import X12InputError, X12Source
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


def _line_values(line: ServiceLine) -> tuple:
    """A line's values, its problems told by element and message (segments compared apart)."""
    return (
        line.start,
        line.end,
        line.number,
        line.qualifier,
        line.code,
        line.modifiers,
        line.charge,
        line.unit_basis,
        line.units,
        line.place_of_service,
        line.pointers,
        line.date_from,
        line.date_to,
        line.line_control,
        [(p.element, p.message) for p in line.problems],
    )


SV1_TEXTS = [
    ["SV1", "HC:97110:GP", "40", "UN", "1", "", "", "1:2"],
    ["SV1", "HC:97110:GP:59::KX:description", "40.50", "UN", "2", "11", "", "1"],
    ["SV1", "HC:97110", "4O", "UN", "x", "", "", "1:z"],  # three problems
    ["SV1", "HC:97530:GO", "52", "UN", "1"],  # short: SV105-SV107 absent
    ["SV1", "HC"],
]


def _sv1_lines(fields: list[str], component: str, raw: bool) -> ServiceLine:
    delims = Delimiters("*", "^", component, "~")
    text = "*".join(f.replace(":", component) for f in fields)
    lx = Segment(["LX", "1"], 1, 0, "LX*1~" if raw else None, delims)
    sv1 = Segment(text.split("*"), 2, 5, text + "~\n" if raw else None, delims)
    return parse.service_line([lx, sv1], 0, 2)


def test_an_sv1_read_again_from_its_text_gives_the_values_of_a_new_reading(monkeypatch):
    """Segments without raw text are always read anew: each SV1 with its text gives the same
    line, the first time and from the memo, with lists of its own; the memo keeps to its
    delimiters, keeps no SV1 that has a problem, and stays bounded."""
    monkeypatch.setattr(parse, "_sv1s", {})
    for most in (100, 3):
        monkeypatch.setattr(parse, "_TEXT_MEMO_MAX", most)
        for _ in range(3):
            for fields in SV1_TEXTS:
                for component in (":", ">"):
                    want = _line_values(_sv1_lines(fields, component, raw=False))
                    got = _sv1_lines(fields, component, raw=True)
                    again = _sv1_lines(fields, component, raw=True)
                    assert _line_values(got) == want and _line_values(again) == want
                    assert again.modifiers is not got.modifiers
                    assert again.pointers is not got.pointers
            assert all(len(memo) <= most + 1 for memo in parse._sv1s.values())
    # the same text read under another component separator is another SV1
    assert _sv1_lines(SV1_TEXTS[0], ":", raw=True).code == "97110"
    other = Delimiters("*", "^", ">", "~")
    sv1 = Segment(["SV1", "HC:97110:GP", "40", "UN", "1", "", "", "1"], 2, 5, None, other)
    sv1.raw = "SV1*HC:97110:GP*40*UN*1***1~\n"
    line = parse.service_line([Segment(["LX", "1"], 1, 0, None, other), sv1], 0, 2)
    assert line.qualifier == "HC:97110:GP" and line.code == ""
    assert not any("4O" in text for memo in parse._sv1s.values() for text in memo)


def test_claims_read_with_the_memos_are_the_claims_read_without(monkeypatch):
    """Every claim of the sample and the fixtures, read with its segments' text (the SV1 and
    HI memos used, once cold and once warm) and from copies without it (read anew)."""
    monkeypatch.setattr(parse, "_sv1s", {})
    monkeypatch.setattr(parse, "_his", {})

    def values(claim):
        return (
            claim.diagnoses,
            [s.offset for s in claim.hi],
            [(p.element, p.message, p.segment.offset) for p in claim.problems],
            [_line_values(line) for line in claim.lines],
        )

    read = 0
    for path in [*public_files(), SAMPLE / "therapy_batch.837"]:
        for warm in (False, True):
            for claim in _claims(path):
                copies = [
                    Segment(list(s.fields), s.position, s.offset, None, s.delims)
                    for s in claim.segments
                ]
                anew = parse.claim(
                    copies,
                    claim.envelope,
                    claim.billing,
                    claim.subscriber_block,
                    claim.patient_block,
                    claim.billing_provider,
                    claim.subscriber,
                    claim.patient,
                )
                assert values(claim) == values(anew)
                read += warm
    assert read > 22 and parse._sv1s and parse._his


def _claims(path) -> list[Claim]:
    try:
        with X12Source(path) as src:
            return [c for c in iter_items(src.segments(), str(path)) if isinstance(c, Claim)]
    except X12InputError:
        return []


DTP_TEXTS = [
    "DTP*472*D8*20260302",
    "DTP*472*D8*20260230",  # no such day
    "DTP*472*RD8*20260302-20260304",
    "DTP*472*D8",
    "DTP*472",
    "DTP*454*D8*20260302",  # not the service date
]


def _dtp_line(text: str, raw: bool) -> ServiceLine:
    delims = Delimiters("*", "^", ":", "~")
    lx = Segment(["LX", "1"], 1, 0, None, delims)
    dtp = Segment(text.split("*"), 2, 5, text + "~\n" if raw else None, delims)
    return parse.service_line([lx, dtp], 0, 2)


def test_a_service_date_read_again_from_its_text_is_the_date_of_a_new_reading(monkeypatch):
    monkeypatch.setattr(parse, "_dtps", {})
    for _ in range(2):
        for text in DTP_TEXTS:
            want = _line_values(_dtp_line(text, raw=False))
            assert _line_values(_dtp_line(text, raw=True)) == want
            assert _line_values(_dtp_line(text, raw=True)) == want
    (memo,) = parse._dtps.values()
    assert set(memo) == {"DTP*472*D8*20260302~\n"}

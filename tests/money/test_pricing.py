"""The fee-schedule arithmetic: the issue's worked check, MPPR, CQ/CO, status, rounding."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from x12tool.money import FeeSchedule, cents, dollars, fmt
from x12tool.money.pricing import LineInput, price_lines
from x12tool.money.schedule import LocalityError, parse_locality
from x12tool.refdata import load_refdata

DAY = date(2026, 3, 2)


@pytest.fixture(scope="module")
def fees():
    return FeeSchedule(load_refdata())


def line(key, code, units, mods=("GP",), day=DAY):
    return LineInput(key, code, tuple(mods), Decimal(units), day)


def amounts(fees, *lines):
    return [str(lp.amount) for lp in price_lines(fees, lines).lines]


def test_worked_check_first_unit_of_97530(fees):
    # 1.05 x 33.4009 = 35.070945 -> $35.07
    assert amounts(fees, line(0, "97530", 1)) == ["35.07"]


def test_worked_check_second_unit_same_day_on_its_own_line(fees):
    # (0.44 + 0.60/2 + 0.01) x 33.4009 = 25.050675 -> $25.05
    assert amounts(fees, line(0, "97530", 1), line(1, "97530", 1)) == ["35.07", "25.05"]


def test_two_units_on_one_line_are_the_same_money(fees):
    assert amounts(fees, line(0, "97530", 2)) == ["60.12"]


def test_mppr_full_pe_goes_to_the_highest_pe_unit(fees):
    # 97530 PE 0.60 > 97110 PE 0.41: 97110 gets half PE even though it comes first.
    got = amounts(fees, line(0, "97110", 1), line(1, "97530", 1))
    assert got == [
        str(cents((Decimal("0.45") + Decimal("0.205") + Decimal("0.01")) * Decimal("33.4009"))),
        "35.07",
    ]
    assert got[0] == "22.21"


def test_mppr_is_per_date(fees):
    other = date(2026, 3, 3)
    assert amounts(fees, line(0, "97530", 1), line(1, "97530", 1, day=other)) == ["35.07", "35.07"]


def test_cq_is_85_percent_from_2022(fees):
    # 97110: 0.87 x 33.4009 = 29.058783; x 0.85 = 24.699966 -> $24.70
    p = price_lines(fees, [line(0, "97110", 1, ("GP", "CQ"))])
    assert str(p.total) == "24.70"
    assert str(p.reduction) == "4.36"  # 29.06 - 24.70
    # before 2022-01-01 CQ/CO did not reduce the payment
    early = price_lines(fees, [line(0, "97110", 1, ("GP", "CQ"), day=date(2021, 6, 1))])
    assert early.reduction == 0


def test_status_without_payment_is_zero(fees):
    p = price_lines(fees, [line(0, "97010", 1), line(1, "97014", 1), line(2, "99999", 1)])
    assert [str(lp.amount) for lp in p.lines] == ["0.00", "0.00", "0.00"]
    assert "status B" in p.lines[0].note and "status I" in p.lines[1].note
    assert "no PFS RVUs" in p.lines[2].note


def test_bundled_code_takes_no_full_pe_unit(fees):
    # 97010 (status B) is not priced, so it cannot take the full-PE unit from 97530.
    assert amounts(fees, line(0, "97010", 1), line(1, "97530", 1)) == ["0.00", "35.07"]


def test_minutes_as_units_price_at_zero(fees):
    ln = LineInput(0, "97110", ("GP",), Decimal(38), DAY, priceable=False)
    assert price_lines(fees, [ln]).total == 0


def test_rounding_is_half_up_to_cents():
    assert str(cents(Decimal("0.005"))) == "0.01"
    assert str(cents(Decimal("2.675"))) == "2.68"  # float would give 2.67
    assert str(cents(Decimal("-0.005"))) == "-0.01"
    assert fmt(Decimal("-0.001")) == "0.00"
    assert fmt(Decimal("1240")) == "1240.00"
    assert dollars("1240.07") == "$1,240.07"


def test_locality_specs():
    assert parse_locality("4412:1") == (None, "04412", "01")
    assert parse_locality("1234567893=11302:00") == ("1234567893", "11302", "00")
    with pytest.raises(LocalityError):
        parse_locality("TX-Austin")


def test_a_locality_needs_an_imported_gpci_file():
    with pytest.raises(LocalityError, match="import-gpci"):
        FeeSchedule(load_refdata(), None, ["04412:31"])


def test_national_basis_is_described():
    f = FeeSchedule(load_refdata())
    assert f.basis == "national"
    assert "all GPCIs 1.0" in f.describe() and "33.4009" in f.describe()


def test_line_by_key_whatever_the_order_and_for_hypothetical_lines(fees):
    # ClaimPrice.line(k) looks at index k first; keys out of order, a missing key and the
    # hypothetical lines (key -1, the first one wins) still answer as a scan would.
    priced = price_lines(
        fees, [line(1, "97530", 1), line(0, "97110", 1), line(-1, "97112", 1), line(-1, "97140", 1)]
    )
    assert priced.line(0).code == "97110" and priced.line(1).code == "97530"
    assert priced.line(-1).code == "97112"
    assert priced.line(7) is None
    in_order = price_lines(fees, [line(0, "97530", 1), line(1, "97110", 1)])
    assert [in_order.line(i).code for i in (0, 1)] == ["97530", "97110"]


def test_line_amounts_kept_per_combination_equal_a_fresh_computation(fees):
    from x12tool.money import pricing

    lines = [
        line(0, "97530", "2"),
        line(1, "97110", "2.0", ("GP", "CQ")),
        line(2, "97110", 2, ("GP", "CQ"), day=date(2021, 6, 1)),
        line(3, "97112", 3),
        line(4, "97110", 2, ("GP", "CQ")),
    ]

    def priced():
        return [
            (str(lp.amount), str(lp.before_assistant), str(lp.reduced_units), lp.percent)
            for lp in price_lines(fees, lines).lines
        ]

    pricing._LINE_AMOUNTS.clear()
    fresh = priced()
    assert priced() == fresh  # the second time from the kept amounts
    # (the figures of the pricing before amounts were kept) 2026: 97530 has the day's highest
    # PE unit; the CQ lines are 85% and the same whether their units read "2.0" or "2"; the
    # 2021 line is priced with CY2026 RVUs, takes its own day's full unit and no CQ reduction
    assert fresh == [
        ("60.12", "60.12", "1", None),
        ("37.76", "44.42", "2.00", 85),
        ("51.27", "51.27", "1", None),
        ("74.65", "74.65", "3.00", None),
        ("37.76", "44.42", "2.00", 85),
    ]


def test_assistant_percent_by_date_for_one_modifier_set(fees):
    # the CQ terms are looked up once for ("GP", "CQ"); each line's date still decides
    p = price_lines(
        fees,
        [
            line(0, "97110", 1, ("GP", "CQ")),
            line(1, "97110", 1, ("GP", "CQ"), day=date(2021, 6, 1)),
        ],
    )
    assert [lp.percent for lp in p.lines] == [85, None]


def test_report_amounts_are_formatted_alike_whatever_the_exponent():
    assert fmt(Decimal("-0.001")) == "0.00"
    assert fmt(Decimal("0")) == "0.00"
    assert fmt(Decimal("2.005")) == "2.01"
    assert fmt(Decimal("2.0050")) == "2.01"
    assert fmt(Decimal("-3.1")) == "-3.10"
    assert fmt(None) == "0.00"


def test_normal_code_and_modifiers():
    from x12tool.money.pricing import normal_code, normal_modifiers

    assert normal_code(" 97110 ") == "97110"
    assert normal_code(None) == ""
    assert normal_modifiers([" gp", "cq "]) == ("GP", "CQ")
    assert normal_modifiers(["GP"]) == ("GP",)


def test_notes_and_fallback_years_as_each_line_is_priced_again():
    """The schedule's per-code terms are kept: the second pricing gives the same notes and
    the year fallback of a line priced at 0 (minutes as units) is still noted."""
    fees = FeeSchedule(load_refdata())
    lines = [
        line(0, "97010", 1),
        LineInput(1, " 97530 ", ("GP",), Decimal(1), date(2031, 1, 5), priceable=False),
        line(2, "", 1),
        LineInput(3, "99999", (), Decimal(1), None),
        line(4, "97530", 0),
        line(5, "97530", 1),
    ]
    expect = [
        ("97010: PFS status B, no separate payment", "0.00", None),
        ("units not reported as UN: priced at 0 as sent", "0.00", None),
        (": no PFS RVUs loaded", "0.00", None),
        ("99999: no PFS RVUs loaded", "0.00", None),
        ("", "0.00", 2026),
        ("", "35.07", 2026),
    ]
    for _ in range(2):
        p = price_lines(fees, lines)
        got = [(lp.note, str(lp.amount), lp.rate.year if lp.rate else None) for lp in p.lines]
        assert got == expect
        assert fees.fallbacks == {(2031, 2026)} and fees.years_used == {2026}

"""One pricing pass per claim state: the fused pass over a claim's lines (price_claim, with its
memo of the lines as billed) gives what line_inputs + price_lines gave, the totals kept on the
price equal the sums of its lines, and the money totals add every figure."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest

from devtools.synth import generate
from x12tool.claims import Claim, iter_items
from x12tool.edi import X12Source
from x12tool.edi.envelope_scan import lenient_for
from x12tool.money import FeeSchedule, MoneyTotals
from x12tool.money.effects import ClaimMoney, Pricer
from x12tool.money.pricing import line_inputs, price_claim, price_lines
from x12tool.money.totals import FIELDS
from x12tool.refdata import load_refdata

ROOT = Path(__file__).resolve().parents[2]


def _claims(path: str) -> list[Claim]:
    with X12Source(path) as src:
        return [
            c
            for c in iter_items(src.segments(lenient=lenient_for(path)), path)
            if isinstance(c, Claim)
        ]


@pytest.fixture(scope="module")
def claims(tmp_path_factory) -> list[Claim]:
    """The sample batch, the public 837P fixtures and 300 generated claims (with defects: units
    in minutes, CQ/CO lines, codes without RVUs)."""
    out = _claims(str(ROOT / "fixtures/sample/therapy_batch.837"))
    for path in sorted((ROOT / "fixtures/public").iterdir()):
        if path.suffix in (".837", ".edi", ".txt"):
            try:
                out.extend(_claims(str(path)))
            except Exception:  # noqa: BLE001 - a fixture this reader refuses: not a pricing case
                continue
    raw = io.BytesIO()
    generate(raw, claims=300, seed=7, claims_per_st=300, defect_rate=0.3)
    gen = tmp_path_factory.mktemp("gen") / "gen.837"
    gen.write_bytes(raw.getvalue())
    out.extend(_claims(str(gen)))
    return out


def _as_text(price) -> list[tuple]:
    # the exact text of each Decimal, not only its value: the reports and tests print them
    return [
        (
            lp.key,
            lp.code,
            str(lp.units),
            str(lp.amount),
            str(lp.before_assistant),
            str(lp.reduced_units),
            lp.percent,
            lp.rate,
            lp.note,
        )
        for lp in price.lines
    ]


def _inputs_text(inputs) -> list[tuple]:
    return [(i.key, i.code, i.modifiers, str(i.units), i.day, i.priceable) for i in inputs]


def test_price_claim_agrees_with_line_inputs_and_price_lines(claims):
    assert len(claims) > 300
    fees = FeeSchedule(load_refdata())
    for _round in range(2):  # the second round from the memo of the lines as billed
        for c in claims:
            npi = c.billing_provider.npi if c.billing_provider else None
            want = price_lines(fees, line_inputs(c), npi)
            got = price_claim(fees, c, npi)
            assert _as_text(got) == _as_text(want), c.id
            assert _inputs_text(got.inputs) == _inputs_text(line_inputs(c)), c.id
            assert str(got.total) == str(want.total)
            assert str(got.reduction) == str(want.reduction)


def test_claim_totals_are_the_sums_of_their_lines(claims):
    pricer = Pricer(FeeSchedule(load_refdata()))
    seen_mppr = seen_cq = False
    for c in claims:
        p = pricer.price(c)
        assert pricer.price(c) is p  # one price per claim object (state)
        total = sum((ln.amount for ln in p.lines), Decimal("0.00"))
        reduction = sum((ln.before_assistant - ln.amount for ln in p.lines), Decimal("0.00"))
        assert (str(p.total), str(p.reduction)) == (str(total), str(reduction))
        seen_mppr = seen_mppr or any(ln.reduced_units for ln in p.lines)
        seen_cq = seen_cq or any(ln.percent for ln in p.lines)
    assert seen_mppr and seen_cq  # the cases were there to agree on


def test_money_totals_add_every_figure_zero_or_not():
    totals = MoneyTotals()
    figures = {name: Decimal(f"{i + 1}.0{i}") for i, name in enumerate(FIELDS)}
    totals.add(ClaimMoney("medicare_b", **figures))
    totals.add(ClaimMoney("medicaid", by_rule={"TU001": Decimal("1.50")}))
    totals.add(ClaimMoney("medicaid", **{name: Decimal("0.00") for name in FIELDS}))
    assert totals.claims == 3
    assert totals.totals == figures
    assert totals.by_class["medicare_b"] == figures
    assert totals.by_class["medicaid"] == dict.fromkeys(FIELDS, Decimal(0))
    assert totals.reference_classes == {"medicaid"}
    assert totals.by_rule == {"TU001": Decimal("1.50")}


def _reference_amounts(fees, inputs, npi) -> list[tuple[str, str]]:
    """The PFS arithmetic of the module docstring, written out plainly per line (no memo):
    (amount, before CQ/CO) of each line, rounded half-up to cents."""
    from x12tool.money.amounts import cents

    terms = []
    for ln in inputs:
        rate, multi = None, False
        if ln.code and ln.priceable:
            rate, _note, multi = fees.line_terms(ln.code, ln.day.year if ln.day else None, npi)
        terms.append((rate, multi))

    def pe(i):
        r = terms[i][0]
        return r.pe * r.gpci.pe

    days: dict = {}
    for i, ln in enumerate(inputs):
        if terms[i][1] and ln.units > 0:
            days.setdefault(ln.day, []).append(i)
    top = {max(idxs, key=lambda i: (pe(i), -i)) for idxs in days.values()}
    out = []
    for i, ln in enumerate(inputs):
        rate, multi = terms[i]
        if rate is None or ln.units <= 0:
            out.append(("0.00", "0.00"))
            continue
        full = (min(ln.units, 1) if i in top else 0) if multi else ln.units
        work_mp = (rate.work * rate.gpci.work + rate.mp * rate.gpci.mp) * ln.units
        raw = (work_mp + pe(i) * full + pe(i) * Decimal("0.5") * (ln.units - full)) * rate.cf
        pct = None
        for percent, effective in fees.assistant_terms(ln.modifiers):
            if not (effective and ln.day is not None and ln.day < effective):
                pct = percent
                break
        amount = raw * pct / 100 if pct is not None else raw
        out.append((str(cents(amount)), str(cents(raw))))
    return out


def test_priced_claims_agree_with_the_arithmetic_written_out(claims):
    fees = FeeSchedule(load_refdata())
    pricer = Pricer(fees)
    for c in claims:
        npi = c.billing_provider.npi if c.billing_provider else None
        p = pricer.price(c)
        got = [(str(ln.amount), str(ln.before_assistant)) for ln in p.lines]
        assert got == _reference_amounts(fees, p.inputs, npi), c.id


def test_a_fresh_price_rated_line_by_line_totals_the_rated_amounts(claims):
    """A payer-rate wrapper (x12tool.remit.rates.RatedPricer) sets a fresh price's line amounts
    (amount and before-CQ/CO alike) before anyone reads its totals: the totals are of the rated
    lines, and a price without CQ/CO lines still reduces nothing."""
    fees = FeeSchedule(load_refdata())
    plain = next(c for c in claims if c.lines and not any("CQ" in ln.modifiers for ln in c.lines))
    assisted = next(c for c in claims if any("CQ" in ln.modifiers for ln in c.lines))
    for c in (plain, assisted):
        p = Pricer(fees).price(c)
        for ln in p.lines:
            ln.amount = ln.before_assistant = Decimal("10.00")
            ln.percent = None
        assert str(p.total) == f"{10 * len(p.lines)}.00"
        assert str(p.reduction) == "0.00"


def test_totals_read_before_lines_are_re_priced_are_summed_again(claims):
    """A price whose totals were read and whose lines a wrapper then re-prices (it says so with
    lines_changed(), as RatedPricer does) gives the new lines' totals, not the kept ones."""
    fees = FeeSchedule(load_refdata())
    c = next(c for c in claims if len(c.lines) > 1)
    p = Pricer(fees).price(c)
    before = p.total
    for ln in p.lines:
        ln.amount = ln.before_assistant = Decimal("10.00")
    p.lines_changed()
    assert str(p.total) == f"{10 * len(p.lines)}.00" != str(before)
    assert str(p.reduction) == "0.00"


def test_claim_totals_agree_with_the_price_summed(claims):
    """The money step's sums without the price objects (claim_totals, Pricer.totals) give the
    total, reduction, line count and notes of price_claim, to the exact Decimal text."""
    from x12tool.money.pricing import claim_totals

    fees = FeeSchedule(load_refdata())
    pricer = Pricer(fees)
    seen_cq = False
    for c in claims:
        npi = c.billing_provider.npi if c.billing_provider else None
        want = price_claim(fees, c, npi)
        notes = [ln.note for ln in want.lines if ln.note]
        for got in (claim_totals(fees, c, npi), pricer.totals(c)):
            total, reduction, lines, got_notes = got
            assert (str(total), str(reduction), lines, got_notes) == (
                str(want.total),
                str(want.reduction),
                len(want.lines),
                notes,
            ), c.id
        pricer.price(c)  # now kept: totals reads the kept price
        assert pricer.totals(c)[:3] == (want.total, want.reduction, len(want.lines))
        seen_cq = seen_cq or bool(want.reduction)
    assert seen_cq


def test_sequestration_is_two_percent_of_medicare_share_in_cents():
    """The money step's sequestration (one factor, memo of amounts) is the cents of 2 % of 80 %
    of the allowed amount, taken as two products, for amounts around every rounding edge."""
    from x12tool.money.amounts import cents
    from x12tool.money.effects import MEDICARE_SHARE, SEQUESTRATION
    from x12tool.preflight.money import _sequestration

    amounts = [Decimal(n).scaleb(-2) for n in range(-400, 40000, 7)]
    amounts += [Decimal("31.25"), Decimal("93.75"), Decimal("-31.25"), Decimal("0.00")]
    amounts += [Decimal("1234567.81"), Decimal("31.2500"), Decimal("0.3125")]
    for _ in range(2):  # the second time from the memo
        for a in amounts:
            want = cents(a * MEDICARE_SHARE * SEQUESTRATION)
            got = _sequestration(a)
            assert got == want and str(got) == str(want), a

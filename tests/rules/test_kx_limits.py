"""The KX thresholds in cents, kept per reference data and year."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from x12tool.refdata import load_refdata
from x12tool.rules.kx import kx_limit, review_limit


class Ref:
    def __init__(self, pt_slp, ot, review):
        t = SimpleNamespace(pt_slp=Decimal(pt_slp), ot=Decimal(ot), review=Decimal(review))
        self.asked = 0
        self._t = t

    def kx_threshold(self, year):
        self.asked += 1
        return self._t if year == 2026 else None


def test_thresholds_of_the_shipped_data():
    ref = load_refdata()
    assert kx_limit(ref, 2026, "PT_SLP") == kx_limit(ref, 2026, "OT") == 248000
    assert review_limit(ref, 2026) == 300000
    assert kx_limit(ref, 2019, "OT") is None and review_limit(ref, 2019) is None


def test_each_reference_data_has_its_own_thresholds():
    a, b = Ref("100.50", "200", "0"), Ref("300", "400.01", "3000")
    for _ in range(3):
        assert (kx_limit(a, 2026, "PT_SLP"), kx_limit(a, 2026, "OT")) == (10050, 20000)
        assert review_limit(a, 2026) is None  # no review amount
        assert (kx_limit(b, 2026, "PT_SLP"), kx_limit(b, 2026, "OT")) == (30000, 40001)
        assert review_limit(b, 2026) == 300000
    assert a.asked == b.asked == 1

"""Payer-logic settings in profiles (docs/payers.md): inheritance, overlay, removal, schema."""

from __future__ import annotations

import pytest

from x12tool.refdata import MapError, load_refdata

USER = """<?xml version="1.0" encoding="UTF-8"?>
<profiles schema_version="1">
  <profile name="medicaid">
    <timed_unit_cap max="4"/>
    <require_modifier value="GP" lines="therapy"/>
  </profile>
  <profile name="state_plan" extends="medicaid">
    <match payer_id="MCD1"/>
    <prior_auth value="true" counts="both"/>
    <unit_cap code="97530" max="2"/>
    <refuse_modifier value="59" instead="XE XS XP XU"/>
  </profile>
  <profile name="state_plan_b" extends="state_plan">
    <match payer_id="MCD2"/>
    <timed_unit_cap max="4" enabled="false"/>
    <unit_cap code="97530" max="3"/>
    <require_modifier value="GP" enabled="false"/>
    <prior_auth value="true" warn_remaining="5"/>
  </profile>
</profiles>
"""


def test_shipped_profiles_require_nothing():
    ref = load_refdata()
    for name in ("default", "medicare_b", "medicaid", "medicare_advantage", "commercial"):
        p = ref.profile(name)
        assert not p.prior_auth and not p.unit_caps and p.timed_unit_cap is None
        assert not p.required_modifiers and not p.refused_modifiers
        assert p.auth_warn_remaining == 2 and p.auth_counts == "visits"


def test_inherit_overlay_and_remove(tmp_path):
    path = tmp_path / "p.xml"
    path.write_text(USER)
    ref = load_refdata(path)
    mcd = ref.profile_for("medicaid", "OTHER")
    assert mcd.timed_unit_cap == 4 and mcd.required_modifiers == (("GP", "therapy"),)
    assert not mcd.prior_auth
    a = ref.profile_for("medicaid", "MCD1")
    assert a.name == "state_plan" and a.prior_auth and a.auth_counts == "both"
    assert a.timed_unit_cap == 4 and a.unit_cap("97530") == 2
    assert a.refused_modifiers == (("59", ("XE", "XS", "XP", "XU")),)
    b = ref.profile_for("medicaid", "MCD2")
    assert b.timed_unit_cap is None and b.unit_cap("97530") == 3
    assert b.required_modifiers == () and b.refused_modifiers == a.refused_modifiers
    assert b.prior_auth and b.auth_counts == "both" and b.auth_warn_remaining == 5


@pytest.mark.parametrize(
    "setting",
    [
        '<unit_cap code="97530" max="0"/>',
        '<timed_unit_cap max="four"/>',
        '<prior_auth value="true" counts="days"/>',
        '<refuse_modifier value="59" instead="X"/>',
        '<prior_auth value="true"/><prior_auth value="false"/>',
    ],
)
def test_bad_settings_are_refused(tmp_path, setting):
    path = tmp_path / "p.xml"
    path.write_text(
        f'<profiles schema_version="1"><profile name="x"><match payer_id="X1"/>{setting}'
        "</profile></profiles>"
    )
    with pytest.raises(MapError):
        load_refdata(path)


def test_visit_log_poc_columns(tmp_path):
    from datetime import date

    from x12tool.visits import VisitLog

    path = tmp_path / "v.csv"
    path.write_text(
        "claim_id,service_date,cpt,minutes,poc_start,poc_certified,poc_end\n"
        "C1,2026-02-02,97110,15,2026-01-05,2026-01-12,\n"
        "C1,2026-02-03,97110,15,01/05/2026,2026-13-01,2026-03-01\n"
    )
    log = VisitLog(path)
    rows = log.for_claim("C1")
    assert log.has_poc
    assert rows[0].poc == (date(2026, 1, 5), date(2026, 1, 12), None)
    assert rows[1].poc == (date(2026, 1, 5), None, date(2026, 3, 1))
    assert [(p.row, p.message) for p in log.problems] == [
        (2, "poc_certified '2026-13-01' is not YYYY-MM-DD, MM/DD/YYYY or YYYYMMDD")
    ]
    plain = tmp_path / "p.csv"
    plain.write_text("claim_id,service_date,cpt,minutes\nC1,2026-02-02,97110,15\n")
    log = VisitLog(plain)
    assert not log.has_poc and log.for_claim("C1")[0].poc == (None, None, None)

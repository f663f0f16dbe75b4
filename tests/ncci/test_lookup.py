"""NcciIndex: the date window, indicator 9, imported data beats curated, profiles, MUE."""

from __future__ import annotations

from datetime import date

from ncci.common import PTP_CSV
from x12tool.ncci import NcciIndex, default_db_path, open_index
from x12tool.ncci.importers import import_ptp
from x12tool.refdata import load_refdata

D = date(2026, 3, 2)


def pairs(index, a, b, day=D, profile=None):
    return [(p.column1, p.column2, p.indicator) for p in index.pairs_for(a, b, day, profile)]


def test_either_order(index):
    assert pairs(index, "97140", "97530") == [("97140", "97530", "1")]
    assert pairs(index, "97530", "97140") == [("97140", "97530", "1")]


def test_effective_window(index):
    # 97140/97530: in force 2020-01-01 .. 2020-03-31, deleted 2020-04-01, again from 2020-10-01
    assert pairs(index, "97140", "97530", date(2019, 12, 31)) == []
    assert pairs(index, "97140", "97530", date(2020, 1, 1)) == [("97140", "97530", "1")]
    assert pairs(index, "97140", "97530", date(2020, 3, 31)) == [("97140", "97530", "1")]
    assert pairs(index, "97140", "97530", date(2020, 4, 1)) == []  # the deletion date
    assert pairs(index, "97140", "97530", date(2020, 9, 30)) == []
    assert pairs(index, "97140", "97530", date(2020, 10, 1)) == [("97140", "97530", "1")]


def test_indicator_9_ignored(index):
    assert pairs(index, "97530", "97161", date(2020, 1, 1)) == []
    assert pairs(index, "97530", "97161") == []


def test_indicator_0(index):
    assert pairs(index, "97110", "97750") == [("97110", "97750", "0")]


def test_no_pair_same_code_or_blank(index):
    assert pairs(index, "97530", "97530") == []
    assert pairs(index, "", "97530") == []


def test_imported_beats_curated(ref, store):
    curated = NcciIndex(ref, None)
    assert pairs(curated, "97161", "97140") == [("97161", "97140", "1")]  # curated, enabled
    assert pairs(curated, "97530", "97116") == []  # curated, disabled
    import_ptp(store, [PTP_CSV])  # has 97530/97116 and 97140/97530, not 97161/97140
    imported = NcciIndex(ref, store)
    assert pairs(imported, "97530", "97116") == [("97530", "97116", "1")]
    assert pairs(imported, "97161", "97140") == []
    assert imported.pairs_for("97530", "97116", D)[0].source.startswith(
        "CMS practitioner PTP file ptp_practitioner_2026Q1.csv"
    )


def test_profile_switches(tmp_path, full_store):
    f = tmp_path / "profiles.xml"
    f.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<profiles schema_version="1">
  <profile name="no_medicare" extends="commercial">
    <match payer_id="NOM"/>
    <ncci_medicare value="false"/>
    <extra_pair id="p-97110-97530" column1="97110" column2="97530" modifier_indicator="1"/>
  </profile>
  <profile name="strict" extends="commercial">
    <match payer_id="STRICT"/>
    <enable_pair id="commercial-97140-97530-no-bypass"/>
  </profile>
</profiles>
"""
    )
    ref = load_refdata(f)
    index = NcciIndex(ref, full_store)
    nom, strict = ref.profile("no_medicare"), ref.profile("strict")
    assert pairs(index, "97140", "97530", profile=nom) == []
    assert pairs(index, "97110", "97530", profile=nom) == [("97110", "97530", "1")]
    assert index.mue("97530", D, nom) is None
    # the payer's indicator-0 pair replaces the imported Medicare one
    assert pairs(index, "97140", "97530", profile=strict) == [("97140", "97530", "0")]
    assert pairs(index, "97110", "97750", profile=strict) == [("97110", "97750", "0")]


def test_mue(index, ref):
    assert index.mue("97530", D) == (4, 2)
    assert index.mue("97035", D).mai == 1
    assert index.mue("97116", D) is None
    assert NcciIndex(ref, None).mue("97530", D) is None


def test_lookups_are_cached(index):
    first = index.pairs_for("97140", "97530", D)
    assert index.pairs_for("97140", "97530", D) == first
    # the store is read once per column order; the second call is answered from the memo
    info = index._store_pairs.cache_info()
    assert (info.misses, info.hits) == (2, 0)
    # the memo keeps the pairs of any date: the date filter still applies per call
    assert index.pairs_for("97140", "97530", date(1990, 1, 1)) == []


def test_open_index(ref, tmp_path, full_store, monkeypatch):
    assert open_index(ref, str(full_store.path)).has_ptp
    missing = tmp_path / "none.sqlite"
    assert not open_index(ref, str(missing)).has_ptp
    assert not missing.exists()  # never created
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_db_path() == tmp_path / "xdg" / "x12tool" / "maps.sqlite"
    assert not open_index(ref, None).has_ptp

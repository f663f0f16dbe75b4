"""maps import-pfs / import-gpci, and an imported GPCI file changing the estimate."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import SAMPLE

from x12tool.money import FeeSchedule
from x12tool.money.importers import FeeImportError, import_gpci, import_pfs
from x12tool.money.pricing import LineInput, price_lines
from x12tool.money.store import FeeStore
from x12tool.refdata import load_refdata

DATA = Path(__file__).parent / "data"
GPCI = DATA / "GPCI_TEST.csv"  # made-up values, labelled as such in the file
PFS = DATA / "PPRRVU_TEST.csv"  # made-up 2030 values in CMS's native layout
CMS_PFS = Path("/work/shared/reference/cms/PPRRVU2026_Jul_nonQPP.csv")
BATCH = SAMPLE / "therapy_batch.837"
VISITS = SAMPLE / "therapy_visits.csv"
ONE_97530 = LineInput(0, "97530", ("GP",), Decimal(1), date(2026, 3, 2))


def test_gpci_import_reports_bad_rows_with_line_numbers(tmp_path):
    with FeeStore(tmp_path / "m.sqlite") as store:
        result = import_gpci(store, GPCI)
        assert (result.year, result.rows) == (2026, 3)
        assert [(b.line, "not numbers" in b.message) for b in result.bad] == [(7, True)]
        row = store.localities("04412", "31")[0]
        assert (row.state, row.gpci.pe) == ("TX", Decimal("1.100"))


def test_imported_gpci_changes_the_estimate_for_its_locality(tmp_path):
    ref = load_refdata()
    with FeeStore(tmp_path / "m.sqlite") as store:
        import_gpci(store, GPCI)
        national = price_lines(FeeSchedule(ref, store), [ONE_97530]).total
        local = FeeSchedule(ref, store, ["04412:31"])
        # (0.44 x 1.000 + 0.60 x 1.100 + 0.01 x 0.800) x 33.4009 = 37.0082 -> $37.01
        assert str(national) == "35.07"
        assert str(price_lines(local, [ONE_97530]).total) == "37.01"
        assert local.basis == "04412:31"
        # per billing provider: only that NPI's claims use the locality
        per = FeeSchedule(ref, store, ["1234567893=04412:99"])
        # (0.44 x 1.000 + 0.60 x 0.900 + 0.01 x 0.700) x 33.4009 = 32.9667 -> $32.97
        assert str(price_lines(per, [ONE_97530], npi="1234567893").total) == "32.97"
        assert str(price_lines(per, [ONE_97530], npi="1999999984").total) == "35.07"


def test_pfs_import_native_layout_codes_and_numbers_only(tmp_path):
    db = tmp_path / "m.sqlite"
    with FeeStore(db) as store:
        result = import_pfs(store, PFS)
        assert (result.year, result.rows) == (2030, 4)
        assert [b.line for b in result.bad] == [14]  # the 97112 row with "x.50"
        fees = FeeSchedule(load_refdata(), store)
        day = date(2030, 1, 15)
        p = price_lines(fees, [LineInput(0, "97530", ("GP",), Decimal(2), day)])
        # CF 40.0000 from the file: (0.50+0.70+0.02) x 40 + (0.50+0.35+0.02) x 40 = 83.60
        assert str(p.total) == "83.60"
        # 2026 services still price with the shipped 2026 RVUs
        assert str(price_lines(fees, [ONE_97530]).total) == "35.07"
    conn = sqlite3.connect(db)
    cols = [r[1] for r in conn.execute("PRAGMA table_info(fee_rvu)")]
    assert not any("desc" in c.lower() for c in cols)


@pytest.mark.skipif(not CMS_PFS.is_file(), reason="CMS PPRRVU2026 file not in ../shared")
def test_the_real_cms_file_matches_the_shipped_values(tmp_path):
    with FeeStore(tmp_path / "m.sqlite") as store:
        result = import_pfs(store, CMS_PFS)
        assert result.year == 2026 and result.rows > 19000 and not result.bad
        assert store.conversion_factor(2026, "non_qualifying") == Decimal("33.4009")
        ref = load_refdata()
        for code in ("97530", "97110", "97140", "97161", "97010", "97014"):
            got, shipped = store.rvu(code, 2026), ref.rvu(code, 2026)
            assert (got.work, got.pe_nonfacility, got.mp, got.status, got.mult_proc) == (
                shipped.work,
                shipped.pe_nonfacility,
                shipped.mp,
                shipped.status,
                shipped.mult_proc,
            )


def test_not_a_pprrvu_file(tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("a,b,c\n1,2,3\n")
    with FeeStore(tmp_path / "m.sqlite") as store, pytest.raises(FeeImportError, match="HCPCS"):
        import_pfs(store, bad)


def test_cli_import_gpci_and_locality(cli, tmp_path):
    db = tmp_path / "maps.sqlite"
    r = cli("maps", "import-gpci", GPCI, "--maps-db", db)
    assert r.returncode == 0, r.stderr
    assert "3 localities imported for 2026, 1 bad" in r.stdout
    assert "GPCI_TEST.csv:7:" in r.stderr
    r = cli("maps", "fees", "--maps-db", db)
    assert r.returncode == 0 and "GPCI_TEST.csv" in r.stdout

    def summary(*extra):
        r = cli("check", BATCH, "--visits", VISITS, "--format", "json", "--maps-db", db, *extra)
        assert r.returncode == 1, r.stderr
        return json.loads(r.stdout)

    national = summary()
    local = summary("--locality", "04412:31")
    assert national["money_basis"] == "national"
    assert local["money_basis"] == "04412:31"
    assert "TEST LOCALITY A" in local["money_detail"]
    nat, loc = national["summary"]["money"], local["summary"]["money"]
    assert Decimal(loc["allowed_as_billed"]) > Decimal(nat["allowed_as_billed"])

    r = cli("check", BATCH, "--maps-db", db, "--locality", "04412:77")
    assert r.returncode == 2 and "no GPCI for locality 04412:77" in r.stderr
    assert "Traceback" not in r.stderr


def test_cli_bad_import_file_is_a_usage_error(cli, tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("nothing here\n")
    r = cli("maps", "import-gpci", bad, "--maps-db", tmp_path / "m.sqlite")
    assert r.returncode == 2 and "Traceback" not in r.stderr

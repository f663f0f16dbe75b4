"""Importing CMS-layout PTP and MUE files into the store."""

from __future__ import annotations

import pytest

from ncci.common import MUE, PTP, PTP_CSV
from x12tool.ncci import NcciStore
from x12tool.ncci.importers import NcciImportError, import_mue, import_ptp, quarter_label

DATA_ROWS_PTP = 31  # 32 rows after the headings, one of them bad


def test_ptp_import_skips_headings_and_counts(store):
    result = import_ptp(store, [PTP])
    assert result.rows == DATA_ROWS_PTP
    assert store.count("ptp") == DATA_ROWS_PTP
    assert store.ptp_rows("97140", "97530") == [
        (20200101, 20200401, "1", 1),
        (20201001, None, "1", 1),
    ]
    assert store.ptp_rows("97530", "97161") == [(20200101, 20200101, "9", 1)]
    assert store.ptp_rows("97150", "97110") == [(19960101, 20200401, "1", 1)]  # '*' pre-1996


def test_bad_row_reported_with_line_number(store):
    result = import_ptp(store, [PTP])
    assert [str(b) for b in result.bad] == [f"{PTP}:28: column 2 '97535X' is not a HCPCS/CPT code"]
    assert result.bad_count == 1
    assert store.sources("ptp")[0].bad_rows == 1


def test_import_twice_does_not_double(store):
    import_ptp(store, [PTP])
    import_mue(store, MUE)
    before = (store.count("ptp"), store.count("mue"), store.count("sources"))
    import_ptp(store, [PTP])
    import_mue(store, MUE)
    assert (store.count("ptp"), store.count("mue"), store.count("sources")) == before


def test_next_file_updates_rows_in_place(store):
    import_ptp(store, [PTP])
    import_ptp(store, [PTP_CSV])  # same edits, as CSV: upserted on (col1, col2, effective)
    assert store.count("ptp") == DATA_ROWS_PTP
    ids = {s.file_name: s.id for s in store.sources("ptp")}
    assert store.ptp_rows("97530", "97116") == [(20201001, None, "1", ids[PTP_CSV.name])]


def test_quarter_label_recorded(store):
    import_ptp(store, [PTP])
    import_mue(store, MUE)
    (ptp,) = store.sources("ptp")
    (mue,) = store.sources("mue")
    assert ptp.label == "2026Q1 (v32.0r0)" and ptp.file_name == PTP.name and ptp.rows == 31
    assert mue.label == "2026Q1" and len(mue.sha256) == 64


@pytest.mark.parametrize(
    "name,label",
    [
        ("ccipra-v321r0-f3.txt", "2026Q2 (v32.1r0)"),
        ("ccipra-v313r0-f1.TXT", "2025Q4 (v31.3r0)"),
        ("PTP_2026Q1.csv", "2026Q1"),
        ("ptp q3 2025.txt", "2025Q3"),
        ("MCR_MUE_PractitionerServices_Eff_10-01-2025.csv", "2025Q4"),
        ("mue_2026-04-01.csv", "2026Q2"),
        ("edits.txt", "sha256:0123456789ab"),
    ],
)
def test_quarter_label_from_name(name, label):
    assert quarter_label(name, "0123456789abcdef" * 4) == label


def test_csv_layout(store):
    result = import_ptp(store, [PTP_CSV])
    assert result.rows == 3 and not result.bad
    assert store.ptp_rows("97110", "97750") == [(20200101, None, "0", 1)]


def test_mue_import(store):
    result = import_mue(store, MUE)
    assert result.rows == 13
    assert [str(b) for b in result.bad] == [f"{MUE}:11: MUE value 'four' is not a whole number"]
    assert store.mue_row("97530") == (4, 2, "Clinical: Data", 1)
    assert store.mue_row("97035") == (2, 1, "Clinical: Data", 1)
    assert store.mue_row("97116") is None


def test_ptp_bad_rows_of_every_kind(tmp_path, store):
    f = tmp_path / "ptp.txt"
    lines = [
        "heading line",
        "97140\t97530\t\t20201001\t*\t1\tok",
        "97140\t97530\t\t2020101\t*\t1\tshort date",
        "97140\t97110\t\t20201001\t2020\t1\tbad deletion",
        "97140\t97112\t\t20201001\t*\t7\tbad indicator",
        "97140\t97113\t\t20201001\t20190101\t1\tdeleted before effective",
        "97140\t97116\tx\t20201001\t*\t1\tbad pre-1996 flag",
        "97140\t97150",
        "",
        "97140\t97161\t\t20201332\t*\t1\tnot a date",
    ]
    f.write_text("\n".join(lines) + "\n")
    result = import_ptp(store, [f])
    assert result.rows == 1
    assert [b.line for b in result.bad] == [3, 4, 5, 6, 7, 8, 10]
    assert "modifier indicator '7'" in result.bad[2].message


def test_not_a_ptp_file(tmp_path, store):
    f = tmp_path / "x.txt"
    f.write_text("hello\nworld\n")
    with pytest.raises(NcciImportError, match="no data rows"):
        import_ptp(store, [f])
    assert store.count("sources") == 0  # the transaction rolled back


def test_all_files_in_one_transaction(tmp_path, store):
    bad = tmp_path / "empty.txt"
    bad.write_text("nothing here\n")
    with pytest.raises(NcciImportError):
        import_ptp(store, [PTP, bad])
    assert store.count("ptp") == 0


def test_store_is_wal(tmp_path):
    with NcciStore(tmp_path / "s.sqlite") as s:
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

"""``x12tool maps import-ncci / import-mue / info``."""

from __future__ import annotations

from ncci.common import MUE, PTP


def test_import_and_info(cli, tmp_path):
    db = tmp_path / "m.sqlite"
    r = cli("maps", "import-ncci", PTP, "--maps-db", db)
    assert r.returncode == 0, r.stderr
    assert f"{PTP}:28: column 2 '97535X' is not a HCPCS/CPT code" in r.stderr
    assert "31 row(s) imported, 1 bad, quarter 2026Q1" in r.stdout
    r = cli("maps", "import-mue", MUE, "--maps-db", db)
    assert r.returncode == 0 and f"{MUE}:11:" in r.stderr
    r = cli("maps", "info", "--maps-db", db)
    assert r.returncode == 0
    assert "PTP edits: 31 row(s); MUE values: 13" in r.stdout
    assert PTP.name in r.stdout and MUE.name in r.stdout and "2026Q1" in r.stdout


def test_bad_rows_shown_first_20_then_count(cli, tmp_path):
    f = tmp_path / "ptp.txt"
    rows = ["97140\t97530\t\t20201001\t*\t1\tok"] + [
        f"97140\t97530\t\t20201001\t*\t7\tbad {n}" for n in range(25)
    ]
    f.write_text("\n".join(rows) + "\n")
    r = cli("maps", "import-ncci", f, "--maps-db", tmp_path / "m.sqlite")
    assert r.returncode == 0
    shown = [ln for ln in r.stderr.splitlines() if ln.startswith(f"{f}:")]
    assert len(shown) == 20 and shown[0].startswith(f"{f}:2: ")
    assert "... and 5 more bad row(s)" in r.stderr


def test_missing_file_is_usage_error(cli, tmp_path):
    r = cli("maps", "import-ncci", tmp_path / "nope.txt", "--maps-db", tmp_path / "m.sqlite")
    assert r.returncode == 2 and "no such file" in r.stderr


def test_info_without_store(cli, tmp_path):
    r = cli("maps", "info", "--maps-db", tmp_path / "none.sqlite")
    assert r.returncode == 0 and "no NCCI store" in r.stdout
    assert not (tmp_path / "none.sqlite").exists()

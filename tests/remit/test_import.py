"""`x12tool remit import`: matching, what is stored, reversals, re-imports, bad input; SQLite and
PostgreSQL. The scenario is docs/remittance.md's worked example (tests/remit/scenario.py)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from remit.build import Clp, Svc, remit_text
from remit.common import record_sent
from remit.scenario import write_all
from x12tool.cli import main
from x12tool.ledger.store import open_store

TABLES = ("remit_claims", "remit_lines", "remit_adjustments", "remit_plb", "remit_files")


def run(*args):
    """The CLI in process: (exit code, stdout, stderr)."""
    runner = CliRunner()
    result = runner.invoke(_entry, list(map(str, args)), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


import click  # noqa: E402


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("argv", nargs=-1, type=click.UNPROCESSED)
def _entry(argv):
    main(list(argv))


def dump(spec) -> dict[str, list[tuple]]:
    with open_store(spec) as store:
        return {t: sorted(map(tuple, store.rows(f"SELECT * FROM {t}"))) for t in TABLES}


@pytest.fixture
def history(tmp_path, ledger_spec):
    sent, first, second = write_all(tmp_path)
    assert record_sent(ledger_spec, sent) == 7  # therapy lines recorded
    return ledger_spec, first, second


def test_first_remittance_matches_and_stores_per_line(history):
    spec, first, _ = history
    code, out, err = run("remit", "import", first, "--ledger", spec)
    assert code == 0, err
    assert "6 claim(s) (5 matched), 8 service line(s) (7 matched, 2 denied)" in out
    assert "unmatched claim ZZ999" in out
    with open_store(spec) as store:
        lines = {
            (r[0], r[1]): r[2:]
            for r in store.rows(
                "SELECT claim_id, code, line_key, match_basis, charged_cents, paid_cents,"
                " allowed_cents, allowed_basis, denied, remarks FROM remit_lines"
            )
        }
        claims = {
            r[0]: r[1:]
            for r in store.rows(
                "SELECT claim_id, matched, payer_id, payer_class, trace, paid_on, sent_on"
                " FROM remit_claims"
            )
        }
        adj = store.rows(
            "SELECT l.claim_id, l.code, a.grp, a.carc, a.amount_cents FROM remit_adjustments a"
            " JOIN remit_lines l ON l.remit_id = a.remit_id AND l.line_no = a.line_no"
            " ORDER BY l.claim_id, l.code, a.seq"
        )
    # REF*6R first, else code + modifiers + date (97530 with GP and 59 as we sent it).
    assert lines[("C1", "97110")][:2] == ("6R:C1L1", "REF*6R")
    assert lines[("C1", "97530")][:2] == ("LX:2", "code+modifiers+date")
    assert lines[("C2", "97530")][:2] == ("LX:2", "code+modifiers+date")
    # Allowed: AMT*B6 where present, else paid + PR adjustments.
    assert lines[("C1", "97530")][4:6] == (3500, "AMT*B6")
    assert lines[("C1", "97110")][4:6] == (3000, "paid+PR")
    assert lines[("C4", "97750")][2:] == (5000, 0, 0, "paid+PR", 1, "")  # PR-204: denied
    assert lines[("C2", "97530")][2:] == (4500, 0, 0, "paid+PR", 1, "M15")  # CO-97
    assert lines[("C3", "97110")][6] == 0  # CO-151 cut 2 units: paid, not a denial
    assert ("C3", "97110", "CO", "151", 8000) in adj
    # Unmatched: kept and listed, with the payer the remittance names.
    assert lines[("ZZ999", "97110")][:2] == ("", "")
    assert claims["ZZ999"][:3] == (0, "00952", "medicare_b")
    assert claims["C1"][:5] == (1, "00952", "medicare_b", "CHK1001", "2026-04-01")
    assert claims["C1"][5]  # the date preflight recorded it (days to payment)


def test_reversal_replaces_and_reimport_changes_nothing(history):
    spec, first, second = history
    assert run("remit", "import", first, "--ledger", spec, "--no-ig")[0] == 0
    code, out, err = run("remit", "import", second, "--ledger", spec, "--no-ig")
    assert code == 0, err
    assert "1 reversal(s)" in out
    state = dump(spec)
    c5 = [r for r in state["remit_claims"] if r[2] == "C5"]
    assert sorted((r[3], r[5]) for r in c5) == [("1", 2500), ("22", 0)]  # status, paid
    paid = sum(r[11] for r in state["remit_lines"])  # paid_cents
    assert paid == 3000 + 3500 + 3000 + 0 + 12000 + 0 + 2500 + 2000  # C5 counted once: 25.00
    assert len(state["remit_lines"]) == 8
    # Importing either file again, in any order, changes nothing.
    for f in (second, first, second):
        assert run("remit", "import", f, "--ledger", spec, "--no-ig")[0] == 0
        assert dump(spec) == state


def test_reversal_before_the_original_is_not_undone_by_it(tmp_path, ledger_spec):
    _, first, second = write_all(tmp_path)
    assert run("remit", "import", second, "--ledger", ledger_spec, "--no-ig")[0] == 0
    code, out, _ = run("remit", "import", first, "--ledger", ledger_spec, "--no-ig")
    assert "older than the one stored" in out
    with open_store(ledger_spec) as store:
        rows = store.rows("SELECT status, paid_cents FROM remit_claims WHERE claim_id = 'C5'")
    assert sorted(rows) == [("1", 2500), ("22", 0)]


def test_bad_input_one_line_and_nothing_stored(tmp_path):
    spec = str(tmp_path / "l.sqlite")
    good = remit_text([Clp("C1", lines=[Svc("97110")])])
    cases = {
        "truncated": (good[: good.index("SE*")], "file ends without SE"),
        "amount": (
            good.replace("SVC*HC:97110:GP*40.00", "SVC*HC:97110:GP*4O.00"),
            "(SVC): byte 507: SVC02 is not an amount",
        ),
        "4010": (
            good.replace("*00501*", "*00401*"),
            "ISA12 version '00401' is not supported; x12tool reads 005010 (ISA12 00501) "
            "835 remittances (005010X221A1) only",
        ),
        "837": (good.replace("GS*HP", "GS*HC"), "an 835 remittance group has GS01 'HP'"),
        "count": (good.replace("SE*", "SE*9"), "SE01 says"),
    }
    for name, (text, message) in cases.items():
        path = tmp_path / f"{name}.835"
        path.write_text(text, encoding="latin-1")
        code, out, err = run("remit", "import", path, "--ledger", spec, "--no-ig")
        assert code == 3, (name, out, err)
        assert err.count("\n") == 1 and message in err and "Traceback" not in err, (name, err)
        assert str(path) in err
    with open_store(spec) as store:
        assert store.rows("SELECT COUNT(*) FROM remit_claims")[0][0] == 0


def test_the_837_path_still_refuses_an_835(tmp_path):
    path = tmp_path / "r.835"
    path.write_text(remit_text([Clp("C1", lines=[Svc("97110")])]), encoding="latin-1")
    code, _, err = run("check", path, "--no-ig")
    assert code == 3
    assert "GS01 'HP' is not supported" in err and "x12tool remit import" in err


def test_fixture_files_are_the_scenario(tmp_path):
    """fixtures/remit835 (docs/remittance.md's worked example) is what scenario.py builds."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "fixtures" / "remit835"
    for built in write_all(tmp_path):
        assert (folder / built.name).read_bytes() == built.read_bytes(), built.name

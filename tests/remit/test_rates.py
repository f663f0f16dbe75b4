"""`maps import-rates` and `denials rates`: contract rates beside the 835s' median allowed."""

from __future__ import annotations

from remit.common import record_sent
from remit.scenario import write_all
from remit.test_import import run
from x12tool.ledger.store import open_store


def test_contract_rates_and_median_allowed(tmp_path, ledger_spec):
    sent, first, second = write_all(tmp_path)
    record_sent(ledger_spec, sent)
    for f in (first, second):
        assert run("remit", "import", f, "--ledger", ledger_spec, "--no-ig")[0] == 0
    rates = tmp_path / "rates.csv"
    rates.write_text("payer_id,code,modifiers,rate\n00952,97530,,$38.50\n00952,97110,GP,31\n")
    code, out, err = run("maps", "import-rates", rates, "--ledger", ledger_spec)
    assert code == 0 and "2 contract rate(s) imported" in out, err
    with open_store(ledger_spec) as store:
        before = sorted(map(tuple, store.rows("SELECT * FROM contract_rates")))
    assert run("maps", "import-rates", rates, "--ledger", ledger_spec)[0] == 0
    with open_store(ledger_spec) as store:
        assert sorted(map(tuple, store.rows("SELECT * FROM contract_rates"))) == before
    code, out, err = run("denials", "--ledger", ledger_spec, "rates", "--year", "2026")
    assert code == 0, err
    rows = {tuple(ln.split()[:3]): ln.split() for ln in out.splitlines()[2:]}
    # 97110 allowed per unit: C1 30, C3 120 / 6 units = 20, C5 30 (re-payment), ZZ999 20.
    assert "25.00" in rows[("00952", "97110", "25.00")]
    assert rows[("00952", "97530", "38.50")][-2:] == ["contract", "(rates.csv)"]
    assert ["00952", "97140", "30.00", "27.72", "30.00"] == rows[("00952", "97140", "30.00")][:5]


def test_bad_rates_file_is_one_line_and_imports_nothing(tmp_path):
    spec = str(tmp_path / "l.sqlite")
    rates = tmp_path / "rates.csv"
    rates.write_text("payer_id,code,modifiers,rate\n00952,97530,,38.50\n00952,9753,,1\n")
    code, _, err = run("maps", "import-rates", rates, "--ledger", spec)
    assert code == 2 and "row 2: code '9753' is not a 5-character" in err
    assert err.count("\n") == 1
    with open_store(spec) as store:
        assert store.rows("SELECT COUNT(*) FROM contract_rates")[0][0] == 0


def test_money_figures_use_the_payers_rate_for_commercial_claims(tmp_path):
    import json

    from remit.common import D1, claim, line, write_837

    spec = str(tmp_path / "l.sqlite")
    rates = tmp_path / "rates.csv"
    rates.write_text("payer_id,code,modifiers,rate\n60054,97530,,38.50\n00952,97530,,99\n")
    assert run("maps", "import-rates", rates, "--ledger", spec)[0] == 0

    def money(path):
        code, out, err = run("check", path, "--ledger", spec, "--no-ig", "--format", "json")
        return {c["id"]: c["money"] for c in json.loads(out)["claims"]}

    body = claim("N1", line("97530", charge="90", units="2", day=D1), line("97110", day=D1))
    commercial = write_837(tmp_path / "ci.837", body, payer_id="60054")
    text = commercial.read_text().replace("SBR*P*18*******MB~", "SBR*P*18*******CI~")
    commercial.write_text(text)
    got = money(commercial)["N1"]
    assert got["payer_rates"] == "1 of 2 line(s)"
    # 2 x 38.50 at the contract rate + 97110 at its PFS estimate as priced in the claim
    # (national 2026, after the therapy MPPR: 22.21).
    assert got["allowed_as_billed"] == "99.21"
    # Medicare Part B keeps the fee schedule even when a rate is on file for the payer.
    medicare = write_837(tmp_path / "mb.837", body)
    assert "payer_rates" not in money(medicare)["N1"]
    code, out, _ = run("check", commercial, "--ledger", spec, "--no-ig")
    assert "commercial (payer rate 1/2)" in out

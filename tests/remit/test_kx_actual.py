"""The KX/$3,000 ledger counts the payer's allowed amounts where a remittance has them, our
estimate until then, and the finding says which (docs/remittance.md)."""

from __future__ import annotations

import json

from remit.common import D1, claim, line, record_sent, write_837
from remit.scenario import write_all
from remit.test_import import run
from x12tool.ledger.store import open_store


def amounts(spec) -> dict[tuple[str, str], tuple[int, int]]:
    with open_store(spec) as store:
        return {(r[0], r[1]): (int(r[7]), int(r[9])) for r in store.member_lines("MEMBER001")}


def test_allowed_from_835_replaces_the_estimate(tmp_path, ledger_spec):
    sent, first, second = write_all(tmp_path)
    record_sent(ledger_spec, sent)
    before = amounts(ledger_spec)
    assert all(remitted == 0 for _, remitted in before.values())
    assert before[("C3", "LX:1")][0] > 12000  # our estimate for 97110 x 6
    for f in (first, second):
        assert run("remit", "import", f, "--ledger", ledger_spec, "--no-ig")[0] == 0
    after = amounts(ledger_spec)
    assert after == {
        ("C1", "6R:C1L1"): (3000, 1),
        ("C1", "LX:2"): (3500, 1),  # AMT*B6
        ("C2", "LX:1"): (3000, 1),
        ("C2", "LX:2"): (0, 1),  # 97530-59, CO-97: nothing allowed
        ("C3", "LX:1"): (12000, 1),  # 4 of 6 units allowed
        ("C4", "LX:1"): (0, 1),  # PR-204 denied
        ("C5", "LX:1"): (3000, 1),  # the re-payment: 25.00 paid + PR-2 5.00; reversal gone
    }


def test_kx_message_says_which_amounts(tmp_path):
    spec = str(tmp_path / "l.sqlite")
    sent, first, _ = write_all(tmp_path)
    record_sent(spec, sent)
    new = write_837(tmp_path / "new.837", claim("N1", line("97110", "GP:KX", day=D1)))

    def kx003():
        code, out, err = run("check", new, "--ledger", spec, "--no-ig", "--format", "json")
        doc = json.loads(out)
        found = [f for c in doc["claims"] for f in c["findings"]]
        return [f["message"] for f in found if f["code"] == "KX003"]

    assert "ledger" in kx003()[0] and "(estimated)" in kx003()[0]
    assert run("remit", "import", first, "--ledger", spec, "--no-ig")[0] == 0
    message = kx003()[0]
    assert "payer-allowed from 835s $245.00 on 7 line(s)" in message, message
    assert "the payer's from 835s where remitted, else estimated" in message

"""Remittances in the authorization count (docs/payers.md, "Denied visits"): a line the payer
denied as not authorized (CARC 15, 197, 198) stops using its slot; any other denial keeps it;
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from remit.build import Clp, Svc, write_remit

from ledger.test_auth import (
    DAYS,
    MEMBER,
    PROFILES,
    auth003_claims,
    auth_csv,
    held,
    invoke,
    write_837,
)
from x12tool.ledger.authremit import freed_lines

SHOW = "3 visits on authorization A123456 (PT, 2026-03-01 to 2026-03-31): {} used, {} left"


def denial(claim_id: str, day: date, group: str, carc: str, *, status: str = "4") -> Clp:
    line = Svc("97110", charge="40.00", paid="0.00", day=day, cas=[(group, carc, "40.00")])
    return Clp(claim_id, status=status, lines=[line], filing="CI", icn=f"ICN{claim_id}")


def paid(claim_id: str, day: date, icn: str = "") -> Clp:
    line = Svc("97110", charge="40.00", paid="30.00", day=day, cas=[("CO", "45", "10.00")])
    return Clp(claim_id, status="1", lines=[line], filing="CI", icn=icn or f"ICN{claim_id}")


def setup(ledger_spec, tmp_path):
    """3 visits authorized, 3 sent; the 4th claim would cross and is held."""
    profiles = tmp_path / "profiles.xml"
    profiles.write_text(PROFILES)
    r = invoke("auth", "import", auth_csv(tmp_path / "a.csv", 3), "--ledger", ledger_spec)
    assert r.exception is None, r.output
    out = tmp_path / "out"
    args = ("--out-dir", out, "--ledger", ledger_spec, "--no-ig", "--profiles", profiles)
    sent = write_837(tmp_path / "sent.837", [(f"C{i}", DAYS[i - 1]) for i in (1, 2, 3)])
    r = invoke("preflight", sent, *args)
    assert r.exception is None and r.return_value == 0, r.output
    crossing = write_837(tmp_path / "crossing.837", [("C4", DAYS[3])])
    r = invoke("preflight", crossing, *args)
    assert r.return_value == 1 and held(out, "crossing.837") == ["C4"], r.output
    return out, args, crossing


def remit(ledger_spec, path, claims, **kw):
    r = invoke(
        "remit",
        "import",
        write_remit(path, claims, payer_id="ACME1", **kw),
        "--ledger",
        ledger_spec,
    )
    assert r.exception is None, r.output


def show(ledger_spec) -> str:
    r = invoke("auth", "show", MEMBER, "--ledger", ledger_spec)
    assert r.exception is None, r.output
    return r.output


def test_denied_as_not_authorized_frees_the_slot(ledger_spec, tmp_path):
    out, args, crossing = setup(ledger_spec, tmp_path)
    era = tmp_path / "era1.835"
    remit(ledger_spec, era, [paid("C1", DAYS[0]), denial("C2", DAYS[1], "CO", "197")])
    assert SHOW.format(2, 1) in show(ledger_spec)
    for _ in range(2):  # re-importing the 835 (and re-running the file) changes nothing
        r = invoke("preflight", crossing, *args)
        assert r.exception is None and r.return_value == 0, r.output
        assert held(out, "crossing.837") == []
        assert auth003_claims(out, "crossing.837") == {"C4": "warning"}  # 0 left
        text = show(ledger_spec)
        assert SHOW.format(3, 0) in text  # C1, C3, C4
        assert f"claim C2 {DAYS[1].isoformat()} 97110: denied CO-197" in text
        remit(ledger_spec, era, [paid("C1", DAYS[0]), denial("C2", DAYS[1], "CO", "197")])


def test_other_denials_keep_counting(ledger_spec, tmp_path):
    out, args, crossing = setup(ledger_spec, tmp_path)
    remit(
        ledger_spec,
        tmp_path / "era.835",
        [denial("C1", DAYS[0], "CO", "97"), denial("C2", DAYS[1], "PR", "204")],
    )
    r = invoke("preflight", crossing, *args)
    assert r.return_value == 1 and held(out, "crossing.837") == ["C4"]
    assert SHOW.format(3, 0) in show(ledger_spec)
    assert "freed" not in show(ledger_spec)


def test_a_later_remittance_decides(ledger_spec, tmp_path):
    out, args, crossing = setup(ledger_spec, tmp_path)
    remit(ledger_spec, tmp_path / "era1.835", [denial("C2", DAYS[1], "CO", "198")])
    assert SHOW.format(2, 1) in show(ledger_spec)
    # the payer reverses the denial and pays the visit: it counts again
    rev = Clp("C2", status="22", lines=[], filing="CI", icn="ICNC2")
    remit(
        ledger_spec,
        tmp_path / "era2.835",
        [rev, paid("C2", DAYS[1], icn="ICNC2B")],
        paid_on=date(2026, 5, 1),
        control="000000102",
        trace="CHK1002",
    )
    assert SHOW.format(3, 0) in show(ledger_spec)
    r = invoke("preflight", crossing, *args)
    assert r.return_value == 1 and held(out, "crossing.837") == ["C4"]


def test_a_reversal_alone_counts_as_sent(ledger_spec, tmp_path):
    setup(ledger_spec, tmp_path)
    remit(ledger_spec, tmp_path / "era1.835", [denial("C3", DAYS[2], "CO", "15")])
    assert SHOW.format(2, 1) in show(ledger_spec)
    rev = Clp("C3", status="22", lines=[], filing="CI", icn="ICNC3")
    remit(
        ledger_spec,
        tmp_path / "era2.835",
        [rev],
        paid_on=date(2026, 5, 1),
        control="000000102",
        trace="CHK1002",
    )
    assert SHOW.format(3, 0) in show(ledger_spec)


LINE = ("C1", "LX:1", "2026-03-02", "97110")


def remit_line(remit_id, paid_on, paid=0, denied=1, line_no=1):
    return (*LINE, remit_id, line_no, paid_on, paid, denied)


def test_the_rule_on_its_own():
    sent = {LINE: ("2026-03-02", "1")}
    deny = [("R1", 1, "CO", "197")]
    assert freed_lines([remit_line("R1", "2026-04-01")], deny, sent) == {LINE: "CO-197"}
    # a claim-level reason for a line with no adjustments of its own
    claim_level = [("R1", 0, "CO", "198")]
    assert freed_lines([remit_line("R1", "2026-04-01")], claim_level, sent) == {LINE: "CO-198"}
    # paid, or denied for another reason: counts
    assert freed_lines([remit_line("R1", "2026-04-01", paid=3000, denied=0)], deny, sent) == {}
    assert freed_lines([remit_line("R1", "2026-04-01")], [("R1", 1, "CO", "97")], sent) == {}
    # the latest payment date decides; a disagreement on the same date counts
    both = deny + [("R2", 1, "CO", "45")]
    later_paid = [remit_line("R1", "2026-04-01"), remit_line("R2", "2026-05-01", 3000, 0)]
    assert freed_lines(later_paid, both, sent) == {}
    later_denied = [remit_line("R2", "2026-04-01", 3000, 0), remit_line("R1", "2026-05-01")]
    assert freed_lines(later_denied, both, sent) == {LINE: "CO-197"}
    same_day = [remit_line("R1", "2026-04-01"), remit_line("R2", "2026-04-01", 3000, 0)]
    assert freed_lines(same_day, both, sent) == {}
    # a replacement sent after the denial is not what the denial saw
    replaced = {LINE: ("2026-04-10", "7")}
    assert freed_lines([remit_line("R1", "2026-04-01")], deny, replaced) == {}

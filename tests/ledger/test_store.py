"""The store on both backends: recording, reruns, replacement, void, imports, locks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from x12tool.ledger import LedgerError, open_ledger
from x12tool.ledger.amounts import read_amounts
from x12tool.ledger.facts import ClaimFacts, LineFact
from x12tool.ledger.scope import count_since_report
from x12tool.ledger.store import lock_key, open_store

M = "MEMBER001"


def line(n: int, day: date, cents: int = 2906, code: str = "97110", progress=False) -> LineFact:
    return LineFact(
        index=n - 1,
        number=n,
        key=f"LX:{n}",
        day=day,
        code=code,
        modifiers=("GP",),
        discipline="PT",
        group="PT_SLP",
        units=Decimal(1),
        cents=cents,
        kx=False,
        progress=progress,
    )


def claim(cid: str, *lines: LineFact, frequency: str = "1", member: str = M) -> ClaimFacts:
    return ClaimFacts(member, cid, 0, frequency, True, tuple(lines), frozenset({2026}))


def total(store) -> int:
    return sum(int(r[7]) for r in store.member_lines(M))


def record(store, *claims):
    store.begin({(M, 2026)})
    for c in claims:
        store.record_claim(c, "test.837")
    store.commit()


def test_rerun_counts_nothing_twice(ledger_spec):
    with open_store(ledger_spec) as store:
        a = claim("A", line(1, date(2026, 3, 2)), line(2, date(2026, 3, 3)))
        record(store, a)
        record(store, a)
        assert total(store) == 2 * 2906
        assert len(store.member_lines(M)) == 2


def test_replacement_replaces_and_void_removes(ledger_spec):
    with open_store(ledger_spec) as store:
        record(store, claim("A", line(1, date(2026, 3, 2)), line(2, date(2026, 3, 3))))
        record(store, claim("B", line(1, date(2026, 3, 4))))
        record(store, claim("A", line(1, date(2026, 3, 2), 5000), frequency="7"))
        assert sorted((r[0], int(r[7])) for r in store.member_lines(M)) == [
            ("A", 5000),
            ("B", 2906),
        ]
        record(store, claim("A", line(1, date(2026, 3, 2)), frequency="8"))
        assert [r[0] for r in store.member_lines(M)] == ["B"]


def test_same_claim_sent_again_replaces_its_date_and_code(ledger_spec):
    # The fix loop may renumber LX after deleting a line: the same date and code of the same
    # claim is the same service, whatever its line key.
    with open_store(ledger_spec) as store:
        record(store, claim("A", line(3, date(2026, 3, 2))))
        record(store, claim("A", line(2, date(2026, 3, 2))))
        assert total(store) == 2906


def test_progress_dates_recorded_and_voided(ledger_spec):
    with open_store(ledger_spec) as store:
        record(store, claim("A", line(1, date(2026, 3, 2), progress=True)))
        assert store.member_progress(M) == [("PT", "2026-03-02", "A")]
        record(store, claim("A", frequency="8"))
        assert store.member_progress(M) == []


def test_import_replaces_per_member_year_group(ledger_spec, tmp_path):
    csv = tmp_path / "ytd.csv"
    csv.write_text(
        "member_id,year,group,amount\n"
        f'{M},2026,PT_SLP,"$1,000.50"\n{M},2026,PT_SLP,99.50\n{M},2026,OT,12\n'
    )
    amounts = read_amounts(csv)
    assert amounts[(M, 2026, "PT_SLP")] == 110000
    with open_store(ledger_spec) as store:
        store.import_external(amounts, "ytd.csv")
        store.import_external(amounts, "ytd.csv")
        got = sorted((r[1], int(r[2])) for r in store.member_external(M))
        assert got == [("OT", 1200), ("PT_SLP", 110000)]


def test_rollback_leaves_the_ledger_as_it_was(ledger_spec):
    with open_store(ledger_spec) as store:
        record(store, claim("A", line(1, date(2026, 3, 2))))
        store.begin({(M, 2026)})
        store.record_claim(claim("B", line(1, date(2026, 3, 3))), "x.837")
        store.rollback()
        assert [r[0] for r in store.member_lines(M)] == ["A"]


@pytest.mark.parametrize(
    "text,error",
    [
        ("member_id,year,amount\nM,2026,1\n", "lacks column(s) group"),
        ("member_id,year,group,amount\nM,20x6,PT_SLP,1\n", "row 1: year"),
        ("member_id,year,group,amount\nM,2026,PT,1\n", "row 1: group 'PT'"),
        ("member_id,year,group,amount\nM,2026,OT,-5\n", "row 1: amount"),
        ("member_id,year,group,amount\n,2026,OT,5\n", "row 1: member_id is empty"),
    ],
)
def test_bad_amounts_csv(tmp_path, text, error):
    csv = tmp_path / "bad.csv"
    csv.write_text(text)
    with pytest.raises(LedgerError, match=error.replace("(", r"\(").replace(")", r"\)")):
        read_amounts(csv)


def test_check_does_not_create_a_sqlite_ledger(tmp_path):
    path = tmp_path / "none.sqlite"
    ledger = open_ledger(str(path), write=False)
    assert ledger.store is None and not path.exists()
    # and the default path is used only when it exists
    assert open_ledger(None).store is None


def test_sqlite_ledger_is_wal_and_private(tmp_path):
    path = tmp_path / "l.sqlite"
    with open_store(str(path)) as store:
        assert store.rows("PRAGMA journal_mode")[0][0] == "wal"
    assert path.stat().st_mode & 0o077 == 0


def test_lock_keys_are_stable_and_never_reserved():
    assert lock_key(M, 2026) == lock_key(M, 2026)
    assert lock_key(M, 2026) != lock_key(M, 2025)
    assert all(lock_key(f"M{i}", 2026) not in (0, -1) for i in range(2000))


def test_progress_count():
    days = [date(2026, 1, d) for d in range(5, 17)]  # 12 consecutive days
    gap = count_since_report("PT", days[-1], days, set())
    assert (gap.days, gap.first_day) == (12, days[0])
    gap = count_since_report("PT", days[-1], days, {days[9]})
    assert (gap.days, gap.last_report) == (2, days[9])
    later = days + [date(2026, 6, 1)]
    assert count_since_report("PT", later[-1], later, set()).days == 1  # > 90 days: new episode

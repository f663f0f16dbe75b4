"""The claim spool hands back the records a report asks for, decoding only those."""

from __future__ import annotations

import json

from x12tool.reports.spool import MONEY, NOTED, ClaimSpool, record_flags, select, tally


def _record(n: int, *, money: bool, findings: int = 0, changes: int = 0) -> dict:
    return {
        "id": f"C{n}",
        "findings": [{"code": "TU001"}] * findings,
        "changes": [{"before": "a", "after": "b"}] * changes,
        **({"money": {"allowed_as_billed": "1.00"}} if money else {}),
    }


RECORDS = [
    _record(0, money=True),
    _record(1, money=False, findings=1),
    _record(2, money=True, changes=1),
    _record(3, money=False),
    _record(4, money=True, findings=2, changes=1),
]


def test_flags():
    assert [record_flags(r) for r in RECORDS] == [MONEY, NOTED, MONEY | NOTED, 0, MONEY | NOTED]


def test_select_and_tally_on_a_spool_and_on_a_list_agree():
    spool = ClaimSpool()
    try:
        for i, rec in enumerate(RECORDS):
            if i % 2:  # as the workers' records come: text, with or without its flags
                spool.add_text(json.dumps(rec), record_flags(rec) if i == 1 else None)
            else:
                spool.add(rec)
        assert list(spool) == RECORDS
        for flag in (MONEY, NOTED):
            want = [r for r in RECORDS if record_flags(r) & flag]
            assert list(select(spool, flag)) == want == list(select(RECORDS, flag))
            assert tally(spool, flag) == len(want) == tally(RECORDS, flag)
    finally:
        spool.close()


def test_select_decodes_only_the_records_asked_for():
    spool = ClaimSpool()
    try:
        spool.add_text("not json: never decoded", 0)
        spool.add(RECORDS[1])
        assert [r["id"] for r in spool.select(NOTED)] == ["C1"]
        assert spool.tally(MONEY) == 0
    finally:
        spool.close()


def test_records_held_back_and_written_in_batches_come_back_in_order():
    from x12tool.reports.spool import PENDING

    spool = ClaimSpool()
    try:
        texts = [json.dumps({"id": f"C{n}", "findings": [], "changes": []}) for n in range(150)]
        for n, text in enumerate(texts):
            spool.add_text(text, 0)
            if n == PENDING + 3:
                assert list(spool.texts()) == texts[: n + 1]  # read while some are pending
        assert list(spool.texts()) == texts
        assert spool.count == 150
    finally:
        spool.close()


def test_status_bits_come_from_the_claims_status_only():
    """HELD and CORRECTED (the worklist's and the HTML page's records) are found in a
    record's text as in its dict: a finding whose message quotes a status is no status."""
    from x12tool.reports.spool import CORRECTED, HELD, status_flags

    quoting = {
        "id": 'C"status": "held"',
        "status": "ready",
        "findings": [{"code": "X", "message": '"status": "held" and "status": "corrected"'}],
        "changes": [],
    }
    records = [
        {"id": "H", "status": "held", "findings": [], "changes": []},
        {"id": "C", "status": "corrected", "findings": [], "changes": [{"before": "a"}]},
        {"id": "R", "status": "ready", "findings": [], "changes": []},
        quoting,
    ]
    assert [status_flags(r) for r in records] == [HELD, CORRECTED, 0, 0]
    spool = ClaimSpool()
    try:
        for n, rec in enumerate(records):
            if n % 2:
                spool.add(rec)
            else:  # flags as the template gives them: no status bits
                spool.add_text(json.dumps(rec), record_flags(rec))
        for flag in (HELD, CORRECTED, HELD | CORRECTED | NOTED):
            want = [r["id"] for r in select(records, flag)]
            assert [r["id"] for r in spool.select(flag)] == want
            assert tally(spool, flag) == len(want) == tally(records, flag)
        assert [r["id"] for r in spool.select(HELD)] == ["H"]
        assert [r["id"] for r in spool.select(CORRECTED)] == ["C"]
    finally:
        spool.close()


def test_select_and_tally_by_flag_bytes_agree_with_a_walk_of_every_record():
    """select/tally pick lines by a translated copy of the flag bytes: the same records as a
    walk testing each record's flags, for every flag and mixture, across pending batches,
    blocks and records whose text holds escaped line breaks."""
    import random

    from x12tool.reports.spool import CORRECTED, HELD

    rnd = random.Random(7)
    spool = ClaimSpool()
    records = []
    try:
        for n in range(300):
            status = rnd.choice(["ready", "held", "corrected"])
            rec = {
                "id": f"C{n}\n\r\u2028",
                "status": status,
                **_record(n, money=rnd.random() < 0.5, findings=rnd.randrange(2)),
            }
            rec["changes"] = [{"before": "x\ny", "after": ""}] * rnd.randrange(2)
            records.append(rec)
            if n % 50 == 49:
                spool.add_block(json.dumps(rec) + "\n", bytes([spool_flags(rec)]))
            else:
                spool.add_text(json.dumps(rec), record_flags(rec))
        for flag in (MONEY, NOTED, HELD, CORRECTED, NOTED | HELD | CORRECTED, MONEY | NOTED):
            want = [r for r in records if spool_flags(r) & flag]
            assert list(spool.select(flag)) == want
            assert spool.tally(flag) == len(want)
            # abandoned part-way (the text report's capped table), then asked again
            it = spool.select(flag)
            next(it, None)
            assert list(spool.select(flag)) == want
    finally:
        spool.close()


def spool_flags(rec: dict) -> int:
    from x12tool.reports.spool import status_flags

    return record_flags(rec) | status_flags(rec)

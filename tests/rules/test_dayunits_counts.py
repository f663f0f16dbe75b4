"""DayUnits.add answers as the plain walk over every earlier entry, with its shortcut for a day
whose entries with units all carry this claim's CLM01 (a claim repeated many times)."""

import random
from types import SimpleNamespace

from x12tool.rules.dayunits import DayUnits


def _claim(seq: int, claim_id: str):
    return SimpleNamespace(
        clm=SimpleNamespace(index=seq),
        id=claim_id,
        subscriber=SimpleNamespace(member_id="M1", payer_id="P"),
        billing_provider=SimpleNamespace(npi="1"),
    )


def _reference(entries: dict, seq: int, claim_id: str) -> list:
    return [got for s, got in sorted(entries.items()) if s < seq and got[0] != claim_id and got[1]]


def test_add_lists_what_the_plain_walk_lists():
    rnd = random.Random(7)
    for _ in range(300):
        state: dict = {}
        entries: dict[tuple, dict] = {}
        seq = 0
        for _ in range(rnd.randint(1, 12)):
            if rnd.random() < 0.8:
                seq += 1  # a new claim; otherwise the same claim checked again (a fix pass)
            claim_id = rnd.choice(["A", "A", "B", "C"])
            key = ("97150", rnd.choice(["d1", "d2"]))
            units = rnd.choice([0, 1, 2])
            day = entries.setdefault(key, {})
            day[seq] = (claim_id, units)
            assert DayUnits(_claim(seq, claim_id), state).add(key, units) == _reference(
                day, seq, claim_id
            )


def test_one_claim_repeated_is_linear():
    # 20,000 copies of one CLM01 on one day: each sees no other claim; a different claim id
    # after them sees only what has units.
    state: dict = {}
    key = ("97150", "d1")
    for seq in range(1, 20001):
        assert DayUnits(_claim(seq, "SAME"), state).add(key, 1) == []
    got = DayUnits(_claim(20001, "OTHER"), state).add(key, 1)
    assert len(got) == 20000 and got[0] == ("SAME", 1)

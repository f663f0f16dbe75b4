"""Units of a code on the beneficiary's day across the claims of a file (TU007, NCCI003).

CMS counts some limits per beneficiary, per provider, per date of service, not per claim: the
1-unit codes of Pub 100-04 Ch. 5 §20.2 D ("once per provider, per discipline, per date of
service, per patient") and MUEs with adjudication indicator 2 or 3 (NCCI Policy Manual Ch. I
§V: the day's units are summed across lines and claims, so splitting a day over two claims
does not escape the edit). A rule records each claim's units of a day here and learns what the
earlier claims of the file billed.

The state lives in the claim's group state (claims linked by member id,
:mod:`x12tool.claims.plan`): a group is checked in file order by one worker and dropped after
its last claim, so the answer does not depend on ``--jobs`` and memory follows the groups open
at a point of the file.
"""

from __future__ import annotations


class DayUnits:
    """One claim's view of its beneficiary-days: record its units, read the earlier claims'.

    The beneficiary is the member id and payer (2010BA/2010BB), with the billing provider's
    NPI (2010AA): the limits are per provider. Each claim's units are kept by its CLM position,
    so a fix pass that checks the claim again replaces its own entry, and only claims before
    it in the file count."""

    __slots__ = ("days", "seq", "claim_id", "who")

    def __init__(self, claim, state: dict) -> None:
        self.days = state
        self.seq = claim.clm.index
        self.claim_id = claim.id
        member = (claim.subscriber.member_id or "").strip()
        payer = (claim.subscriber.payer_id or "").strip()
        self.who = f"{member}|{payer}|{claim.billing_provider.npi}" if member else ""

    def add(self, key: tuple, units) -> list[tuple[str, object]]:
        """Record this claim's ``units`` of ``key`` (the rule's: code and date, and whatever
        else it counts by); the earlier claims' (claim id, units) of the same key, in file
        order. A claim with this claim's CLM01 is the same claim sent twice (DUP001's), not
        a second claim of the day."""
        if not self.who:
            return []
        k = (self.who, *key)
        day = self.days.get(k)
        if day is None:
            day = self.days[k] = _Day()
        claims = day.claims
        old = claims.get(self.seq)
        if old is not None and old[1]:
            day.uncount(old[0])
        claims[self.seq] = (self.claim_id, units)
        if units:
            day.count(self.claim_id)
        if len(claims) == 1:
            return []  # this claim's own entry alone: the usual beneficiary-day
        if day.with_units == day.ids.get(self.claim_id, 0):
            # Every entry with units is this claim's CLM01 (the claim itself, or sent again):
            # none can be listed. Without this, a file of one claim repeated many times would
            # sort and walk all the earlier copies at each copy (quadratic; hostile tests).
            return []
        return [
            got
            for seq, got in sorted(claims.items())
            if seq < self.seq and got[0] != self.claim_id and got[1]
        ]


class _Day:
    """A beneficiary-day's entries: claim position -> (claim id, units), and how many of those
    with units each claim id has."""

    __slots__ = ("claims", "ids", "with_units")

    def __init__(self) -> None:
        self.claims: dict[int, tuple[str, object]] = {}
        self.ids: dict[str, int] = {}
        self.with_units = 0

    def count(self, claim_id: str) -> None:
        self.ids[claim_id] = self.ids.get(claim_id, 0) + 1
        self.with_units += 1

    def uncount(self, claim_id: str) -> None:
        self.ids[claim_id] -= 1
        self.with_units -= 1

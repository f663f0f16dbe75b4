"""What the acknowledgments (999, 277CA) need from a preflight run, gathered as claims settle.

The 277CA must carry the patient's name and member id (TR3 005010X214 loop 2100D), which the
reports mask; so each claim's acknowledgment record is kept apart, in an anonymous temporary file
(0600, already unlinked), never in a report or a log. Totals per transaction set and per billing
provider (QTY/AMT in loops 2200B/2200C) are kept in memory: a few numbers per provider.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from x12tool.fixes.loop import HELD, ClaimOutcome
from x12tool.reports.model import ack_record


@dataclass
class Totals:
    accepted: int = 0
    rejected: int = 0
    accepted_amount: Decimal = Decimal(0)
    rejected_amount: Decimal = Decimal(0)

    def add(self, accepted: bool, amount: Decimal) -> None:
        if accepted:
            self.accepted += 1
            self.accepted_amount += amount
        else:
            self.rejected += 1
            self.rejected_amount += amount

    @property
    def total_amount(self) -> Decimal:
        return self.accepted_amount + self.rejected_amount


@dataclass
class AckBook:
    """Collects one acknowledgment record per claim (``on_outcome``; x12tool.reports.model's
    ``ack_record``) for the 277CA writer, and the totals and claim ids the 999 and 277CA need."""

    fh: object = field(default_factory=lambda: tempfile.TemporaryFile(mode="w+", encoding="utf-8"))
    count: int = 0
    sets: dict[int, Totals] = field(default_factory=dict)
    providers: dict[tuple[int, str], Totals] = field(default_factory=dict)
    issue_claims: dict[int, str] = field(default_factory=dict)  # segment index -> CLM01 (999 CTX)

    def record(self, outcome: ClaimOutcome) -> None:
        rec = ack_record(outcome)
        accepted = rec["status"] != HELD
        amount = Decimal(rec["charge"])
        self.sets.setdefault(rec["set"], Totals()).add(accepted, amount)
        self.providers.setdefault((rec["set"], rec["provider"]), Totals()).add(accepted, amount)
        for f in outcome.findings:
            if f.code == "IG001" and f.segment is not None and f.segment.index:
                self.issue_claims.setdefault(f.segment.index, rec["id"])
        self.fh.write(json.dumps(rec, separators=(",", ":")) + "\n")
        self.count += 1

    def __iter__(self) -> Iterator[dict]:
        self.fh.flush()
        self.fh.seek(0)
        for line in self.fh:
            yield json.loads(line)

    def close(self) -> None:
        self.fh.close()

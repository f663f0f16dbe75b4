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
from decimal import Decimal, InvalidOperation

from x12tool.claims import Claim
from x12tool.fixes.loop import HELD, ClaimOutcome
from x12tool.rules.base import Severity


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


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return Decimal(0)
    return value if value.is_finite() else Decimal(0)


def _dates(claim: Claim) -> tuple[str, str]:
    """The claim's service dates (2400 DTP*472) as CCYYMMDD from and to, as sent."""
    lows, highs = [], []
    for line in claim.lines:
        if line.dtp is None:
            continue
        value = line.dtp.element(3)
        low, _, high = value.partition("-")
        if len(low) == 8 and low.isdigit():
            lows.append(low)
            highs.append(high if len(high) == 8 and high.isdigit() else low)
    return (min(lows), max(highs)) if lows else ("", "")


@dataclass
class AckBook:
    """Collects one record per claim (``on_outcome``) for the 277CA writer."""

    fh: object = field(default_factory=lambda: tempfile.TemporaryFile(mode="w+", encoding="utf-8"))
    count: int = 0
    sets: dict[int, Totals] = field(default_factory=dict)
    providers: dict[tuple[int, str], Totals] = field(default_factory=dict)
    issue_claims: dict[int, str] = field(default_factory=dict)  # segment index -> CLM01 (999 CTX)

    def record(self, outcome: ClaimOutcome) -> None:
        claim = outcome.original
        accepted = outcome.status != HELD
        final = outcome.final if accepted else claim
        amount = _amount(final.clm.element(2))
        key = claim.envelope.set_number
        self.sets.setdefault(key, Totals()).add(accepted, amount)
        self.providers.setdefault((key, claim.billing.id), Totals()).add(accepted, amount)
        holding = [f for f in outcome.findings if f.severity is Severity.ERROR]
        for f in outcome.findings:
            if f.code == "IG001" and f.segment is not None and f.segment.index:
                self.issue_claims.setdefault(f.segment.index, claim.id)
        sub = claim.subscriber
        who = claim.patient if claim.patient is not None else sub
        nm1 = claim.billing_provider.nm1
        d9 = next(
            (
                s.element(2)
                for s in claim.segments
                if s.tag == "REF" and s.element(1) == "D9" and s.position is not None
            ),
            "",
        )
        lines = []
        if not accepted:
            flagged = {f.line for f in holding if f.line is not None}
            for line in claim.lines:
                if line.number not in flagged or line.sv1 is None:
                    continue
                lines.append(
                    {
                        "number": line.number,
                        "svc": line.sv1.components(1),
                        "charge": line.sv1.element(2),
                        "units": line.sv1.element(4),
                        "control": line.line_control,
                        "dtp": [line.dtp.element(2), line.dtp.element(3)] if line.dtp else None,
                        "codes": [f.code for f in holding if f.line == line.number],
                    }
                )
        low, high = _dates(claim)
        rec = {
            "set": key,
            "provider": claim.billing.id,
            "billing": [nm1.element(i) for i in (2, 3, 4, 5, 8, 9)] if nm1 is not None else None,
            "patient": [who.last_name, who.first_name, sub.member_id],
            "id": claim.id,
            "charge": str(amount),
            "status": outcome.status,
            "d9": d9,
            "dates": [low, high],
            "findings": [[f.code, f.message] for f in holding],
            "fixed": sorted({f.code for f in outcome.fixed}) if accepted else [],
            "lines": lines,
        }
        self.fh.write(json.dumps(rec, separators=(",", ":")) + "\n")
        self.count += 1

    def __iter__(self) -> Iterator[dict]:
        self.fh.flush()
        self.fh.seek(0)
        for line in self.fh:
            yield json.loads(line)

    def close(self) -> None:
        self.fh.close()

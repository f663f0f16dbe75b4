"""Applying fixes: edits to a claim's segments, and the pass loop that settles a claim."""

from x12tool.fixes.apply import apply_edits, reparse
from x12tool.fixes.loop import ClaimOutcome, settle_claim

__all__ = ["ClaimOutcome", "apply_edits", "reparse", "settle_claim"]

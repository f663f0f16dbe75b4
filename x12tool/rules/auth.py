"""What the prior-authorization rules (AUTH001-AUTH003) share: the claim's facts and its
authorizations on file, read through the ledger's file scope (docs/payers.md)."""

from __future__ import annotations

# 2300 segments that come before REF*G1 (005010X222A1 2300 order: CLM, DTP, PWK, CN1, AMT, then
# REF*4N, REF*F5, REF*EW, REF*9F, REF*G1, REF*F8, ..., K3, NTE, CR1, CR2, CRC, HI, HCP).
_BEFORE_G1 = frozenset({"CLM", "DTP", "PWK", "CN1", "AMT"})
_REFS_BEFORE_G1 = frozenset({"4N", "F5", "EW", "9F"})


def requires_auth(profile) -> bool:
    """The payer profile asks for prior authorization (AUTH001-AUTH003 are silent without)."""
    return profile is not None and profile.prior_auth


def auth_view(claim, ctx):
    """(scope, facts, authorizations on file) for a claim whose payer requires prior
    authorization, else None."""
    if not requires_auth(ctx.profile):
        return None
    scope = ctx.ledger_scope()
    facts = scope.observe(claim)
    if not facts.member or facts.void or not facts.auth_lines:
        return None
    return scope, facts, scope.authorizations(facts.member, facts.payer_id)


def g1_anchor(claim):
    """The 2300 segment a new REF*G1 goes in front of."""
    for seg in claim.segments[1:]:
        if seg.tag in _BEFORE_G1:
            continue
        if seg.tag == "REF" and seg.element(1) in _REFS_BEFORE_G1:
            continue
        return seg
    return None


def span(auth) -> str:
    return f"{auth.start.isoformat()} to {auth.end.isoformat()}"

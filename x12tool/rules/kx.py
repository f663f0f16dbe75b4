"""What the KX rules (KX001-KX003) share: thresholds in cents, the walk over a claim's therapy
lines against the ledger, and the one-line explanations their findings carry."""

from __future__ import annotations

from x12tool.ledger.facts import GROUP_LABEL, from_cents, to_cents
from x12tool.ledger.scope import Position
from x12tool.money.amounts import dollars
from x12tool.rules.services import LedgerScope


def kx_silent(profile) -> bool:
    """The KX rules' ``quiet``: the therapy threshold and KX are Medicare Part B's (the
    profile's ``kx_applies``); under any other profile, or none, they find nothing."""
    return profile is None or not profile.kx_applies


def kx_limit(ref, year: int, group: str) -> int | None:
    """The year's KX threshold for the group, in cents (None: no threshold known)."""
    return _limits(ref, year)[0 if group == "PT_SLP" else 1]


def review_limit(ref, year: int) -> int | None:
    return _limits(ref, year)[2]


# (id(ref), year) -> (ref, (PT/SLP, OT, review) in cents): the KX rules ask for every therapy line
# of every Part B claim; the ref is kept in the value so its id is never reused while cached.
_LIMITS: dict[tuple[int, int], tuple[object, tuple[int | None, int | None, int | None]]] = {}


def _limits(ref, year: int) -> tuple[int | None, int | None, int | None]:
    got = _LIMITS.get((id(ref), year))
    if got is not None and got[0] is ref:
        return got[1]
    t = ref.kx_threshold(year)
    if t is None:
        limits = (None, None, None)
    else:
        limits = (to_cents(t.pt_slp), to_cents(t.ot), to_cents(t.review) if t.review else None)
    if len(_LIMITS) >= 256:
        _LIMITS.clear()
    _LIMITS[(id(ref), year)] = (ref, limits)
    return limits


def money(cents: int) -> str:
    return dollars(from_cents(cents))


def label(group: str) -> str:
    return GROUP_LABEL.get(group, group)


def basis(pos: Position) -> str:
    """What the amounts are: our estimate, or the payer's allowed amounts where 835s had them."""
    if pos.remitted[0]:
        return "allowed: the payer's from 835s where remitted, else estimated"
    return "estimated allowed"


def breakdown(pos: Position, scope: LedgerScope) -> str:
    """ "ledger $1,900.00 + imported $300.00 + earlier lines of this run $150.00 (claims A, B)
    + this line $61.20", naming where each part comes from."""
    parts = []
    if pos.override:
        parts.append(f"--ytd {money(pos.recorded)}")
    else:
        if scope.has_store:
            n, cents = pos.remitted
            if n:
                # The payer's own allowed amounts replace our estimate line by line (835s).
                parts.append(
                    f"ledger {money(pos.recorded)} (payer-allowed from 835s {money(cents)} on "
                    f"{n} line(s), estimated {money(pos.recorded - cents)})"
                )
            else:
                parts.append(f"ledger {money(pos.recorded)} (estimated)")
        if pos.external:
            parts.append(f"imported {money(pos.external)}")
    if pos.run_before:
        claims = ", ".join(pos.claims_before[:3])
        more = f" and {len(pos.claims_before) - 3} more" if len(pos.claims_before) > 3 else ""
        named = f" (claim {claims}{more})" if claims else ""
        parts.append(f"earlier lines of this run {money(pos.run_before)}{named}")
    parts.append(f"this line {money(pos.amount)}")
    text = " + ".join(parts)
    if not scope.has_store and not pos.override:
        text += "; this run's lines only: no ledger"
    return text


def kx_line_positions(claim, ctx) -> tuple[LedgerScope | None, tuple]:
    """(scope, ((line fact, position, KX threshold, review threshold), ...)) for the therapy
    lines of a claim whose payer applies the KX threshold: the common walk of KX001-KX003,
    worked out once for the claim object while the run's lines stay the same (the scope's
    ``version``), so the second and third rule only compare."""
    if ctx.profile is None or not ctx.profile.kx_applies:
        return None, ()
    scope = ctx.ledger_scope()
    memo = ctx.claim_memo(claim)
    got = memo.get("kx.walk")
    if got is not None and got[0] is scope and got[1] == scope.version:
        return scope, got[2]
    ref = ctx.ref
    walk = []
    key = limits = None
    for f, pos in scope.kx_lines(scope.observe(claim)):
        if key != (pos.year, pos.group):  # a claim's lines mostly share one year and group
            key = (pos.year, pos.group)
            limits = (kx_limit(ref, pos.year, pos.group), review_limit(ref, pos.year))
        walk.append((f, pos, *limits))
    lines = tuple(walk)
    memo["kx.walk"] = (scope, scope.version, lines)
    return scope, lines


def ledger_scope_of(ctx) -> LedgerScope:
    """``ctx.ledger_scope()``: the open file's scope read directly when there is one (every
    claim of a check or preflight), without the two calls it takes to get there."""
    scope = getattr(ctx.ledger, "file", None)
    return scope if scope is not None else ctx.ledger_scope()


def kx_reportable(claim, ctx) -> tuple[LedgerScope | None, tuple]:
    """What KX001-KX003 walk: :func:`kx_line_positions`, or no lines when none of the three
    could report one of the claim's lines, told without ordering the beneficiary's lines or
    placing each of the claim's (kept on the scope for the claim object while the run's lines
    stay the same, so the second and third rule only compare).

    No line carries KX (KX003 reports only those), and in each of the claim's years and
    groups even the beneficiary's whole amount (``FileScope.kx_ceilings``: recorded or
    imported amounts, or --ytd, and every counted run line of that year and group, whatever
    its date) is at or below both thresholds: then no line's ``after`` is past the KX
    threshold (KX001) or the review threshold (KX002). Most claims of a file are so."""
    profile = ctx.profile
    if profile is None or not profile.kx_applies:
        return None, ()
    scope = getattr(ctx.ledger, "file", None)  # ledger_scope_of, inline: three rules ask
    if scope is None:
        scope = ctx.ledger_scope()
    got = scope.kx_verdict
    if got[0] is claim and got[1] == scope.version:
        return scope, got[2]
    facts = scope.observe(claim)
    lines: tuple = ()
    if facts.marked:
        lines = kx_line_positions(claim, ctx)[1]
    else:
        ref = ctx.ref
        for (year, group), most in scope.kx_ceilings(facts).items():
            # past the group's KX threshold or the review threshold (None: not known, so
            # nothing is past it)
            limits = _limits(ref, year)
            limit, review = limits[0 if group == "PT_SLP" else 1], limits[2]
            if (limit is not None and most > limit) or (review is not None and most > review):
                lines = kx_line_positions(claim, ctx)[1]
                break
    scope.kx_verdict = (claim, scope.version, lines)
    return scope, lines

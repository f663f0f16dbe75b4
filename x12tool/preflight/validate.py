"""Re-read and re-validate an output file before it is moved into place."""

from __future__ import annotations

from x12tool.claims import ClaimSegments, iter_items
from x12tool.claims.parse import is_digits
from x12tool.edi import X12InputError, X12Source
from x12tool.preflight.reread import lean_pass


class OutputValidationError(Exception):
    """An output failed re-validation: nothing is written and the run fails loudly."""


def validate_output(
    path: str,
    *,
    claims: int,
    pyx12: bool,
    label: str,
    check_lx: bool = True,
    trailers: frozenset | set = frozenset(),
) -> None:
    """Envelopes, HL hierarchy, LX sequence and the claim count; pyx12 too when asked.

    ``trailers``: (ST02, SE text) of sets held for their wrong trailer (ENV002). Such a set
    goes to held/ as it came, so its SE may disagree with it; only a trailer equal to the
    input's, closing a set with that ST02, is allowed to (every other check still applies)."""
    lenient = (lambda st, se: (st.element(2), se.text) in trailers) if trailers else None
    # The lean re-read (x12tool/preflight/reread.py) passes most outputs; the full one below
    # reads the others, and says what is wrong with a file that fails.
    if lean_pass(path, claims=claims, check_lx=check_lx, lenient=lenient):
        seen = claims
    else:
        seen = _full_read(path, label=label, check_lx=check_lx, lenient=lenient)
    if seen != claims:
        raise OutputValidationError(f"{label} output holds {seen} claims; {claims} were written")
    if pyx12:
        # pyx12's modules (and logging, concurrent.futures) only for the runs that use them
        from x12tool.edi.ig import validate as ig_validate

        issues = ig_validate(path)
        if issues:
            first = issues[0]
            raise OutputValidationError(
                f"{label} output fails 837P validation (pyx12, {len(issues)} issue(s); first: "
                f"{first.element or first.tag} {first.message})"
            )


def _full_read(path: str, *, label: str, check_lx: bool, lenient) -> int:
    """Re-read ``path`` whole (every segment built); the claims in it. Raises
    :class:`OutputValidationError` for what does not re-read or an LX out of sequence."""
    seen = 0
    try:
        with X12Source(path) as src:
            # Structure only: the claims in it were checked when they were read; building their
            # model again would cost as much as the check (docs/performance.md).
            for item in iter_items(src.segments(lenient=lenient), path, parse=False):
                if isinstance(item, ClaimSegments):
                    seen += 1
                    if not check_lx:
                        continue
                    lxs = (s.element(1) for s in item.segments if s.fields[0] == "LX")
                    for n, text in enumerate(lxs, start=1):
                        if not (is_digits(text) and int(text) == n):
                            raise OutputValidationError(
                                f"{label} output: claim {item.id} has LX {text or 'blank'} "
                                f"where {n} belongs"
                            )
    except X12InputError as exc:
        raise OutputValidationError(f"{label} output does not re-read: {exc.message}") from None
    return seen

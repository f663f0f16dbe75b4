"""Re-read and re-validate an output file before it is moved into place."""

from __future__ import annotations

from x12tool.claims import ClaimSegments, iter_items
from x12tool.claims.parse import is_digits
from x12tool.edi import X12InputError, X12Source
from x12tool.edi.ig import validate as ig_validate


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
    seen = 0
    lenient = (lambda st, se: (st.element(2), se.text) in trailers) if trailers else None
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
    if seen != claims:
        raise OutputValidationError(f"{label} output holds {seen} claims; {claims} were written")
    if pyx12:
        issues = ig_validate(path)
        if issues:
            first = issues[0]
            raise OutputValidationError(
                f"{label} output fails 837P validation (pyx12, {len(issues)} issue(s); first: "
                f"{first.element or first.tag} {first.message})"
            )

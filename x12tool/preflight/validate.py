"""Re-read and re-validate an output file before it is moved into place."""

from __future__ import annotations

from x12tool.claims import Claim, iter_items
from x12tool.edi import X12InputError, X12Source
from x12tool.edi.ig import validate as ig_validate


class OutputValidationError(Exception):
    """An output failed re-validation: nothing is written and the run fails loudly."""


def validate_output(
    path: str, *, claims: int, pyx12: bool, label: str, check_lx: bool = True
) -> None:
    """Envelopes, HL hierarchy, LX sequence and the claim count; pyx12 too when asked."""
    seen = 0
    try:
        with X12Source(path) as src:
            for item in iter_items(src.segments(), path):
                if isinstance(item, Claim):
                    seen += 1
                    if not check_lx:
                        continue
                    for n, line in enumerate(item.lines, start=1):
                        if line.number != n:
                            raise OutputValidationError(
                                f"{label} output: claim {item.id} has LX {line.number} where "
                                f"{n} belongs"
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

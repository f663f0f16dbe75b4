"""Which transaction sets of a file have a wrong SE, read once per file version; and, for
acknowledgments, the tolerant read of a file's envelopes (:mod:`x12tool.edi.envelope_sets`).

The tolerant read's records (:class:`~x12tool.edi.envelope_sets.SetScan` and its kin) are made
only when a file's trailers are not sound or an acknowledgment is written; they live in their
own module, imported then, so that a run (and every check --jobs worker's parent) does not
build their classes at start-up. Their names stay importable from here.
"""

from __future__ import annotations

import os

from x12tool.edi.errors import X12InputError
from x12tool.edi.trailer_scan import trailers_sound

_SETS = ("SetScan", "GroupScan", "InterchangeScan", "EnvelopeScan", "scan_envelopes", "_scan")


def __getattr__(name: str):
    if name in _SETS:
        from x12tool.edi import envelope_sets

        return getattr(envelope_sets, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def broken_trailers(path: str) -> dict[int, tuple[str, str, str]]:
    """The transaction sets whose SE is present but wrong, by the byte offset of their ST:
    ``{offset: (ST02, SE text, reason)}``. Preflight holds such a set alone (ENV002) instead of
    refusing the file. A set without its SE, and anything wrong with the interchange or group,
    is not listed: the main pass refuses those (exit 3) with its own message. Unreadable input
    gives ``{}`` for the same reason. Memory: one entry per set (see module docstring)."""
    try:
        if trailers_sound(path):
            return {}  # the usual answer, found without reading every segment
        from x12tool.edi.envelope_sets import _scan

        scan = _scan(path)
    except X12InputError:
        return {}
    out: dict[int, tuple[str, str, str]] = {}
    for s in scan.sets():
        if s.se is None or not s.codes or set(s.codes) - {"3", "4"}:
            continue
        reasons = []
        if "3" in s.codes:
            reasons.append(f"SE02 {s.se.element(2)!r} does not match ST02 {s.st.element(2)!r}")
        if "4" in s.codes:
            reasons.append(
                f"SE01 says {s.se.element(1)!r} segments; the transaction set has "
                f"{s.segments} (ST through SE)"
            )
        out[s.st.offset] = (s.st.element(2), s.se.text, "; ".join(reasons))
    return out


_KNOWN: dict[tuple, dict[int, tuple[str, str, str]]] = {}


def known_broken_trailers(path: str) -> dict[int, tuple[str, str, str]]:
    """:func:`broken_trailers`, read once per file version: the pre-passes of one run (ledger,
    day pool) and the main pass read a file the same way without scanning it again each."""
    try:
        st = os.stat(path)
    except OSError:
        return {}
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns, st.st_ino)
    found = _KNOWN.get(key)
    if found is None:
        if len(_KNOWN) >= 8:
            _KNOWN.clear()
        found = _KNOWN[key] = broken_trailers(path)
    return found


def lenient_for(path: str):
    """The ``lenient`` argument of ``X12Source.segments()`` that reads ``path`` as preflight
    does: a set with a wrong SE01/SE02 is read (and held, ENV002), not refused. None when the
    file has no such set."""
    broken = known_broken_trailers(path)
    if not broken:
        return None
    return lambda st, se: st.offset in broken

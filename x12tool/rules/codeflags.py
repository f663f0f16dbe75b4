"""Yes/no facts of procedure codes as billed, kept for the run: the rules' fast paths.

Most rules can fire only on a line whose code has some property in the code map (an untimed
code with a unit limit, a code Medicare replaces, an always-therapy code), and most lines have
none: a dict read per line, keyed by the code exactly as billed, tells them so without a call
into the reference data. Each answer is ``test(ref.code(code))``, the lookup the rule body makes
(normalising the code when it is not a key as billed), so the fast path and the body agree.
"""

from __future__ import annotations

from collections.abc import Callable

from x12tool.refdata import CodeInfo, RefData

# the codes kept per flag: a file bills a few dozen codes, but a hostile one may bill any
_MAX = 4096


class CodeFlag:
    """One property of codes (``test`` of a :class:`CodeInfo`; False for a code the map does
    not know), answered per code as billed and kept for the reference data it was asked of."""

    __slots__ = ("test", "ref", "seen")

    def __init__(self, test: Callable[[CodeInfo], object]) -> None:
        self.test = test
        self.ref: RefData | None = None
        self.seen: dict[str, bool] = {}

    def table(self, ref: RefData) -> dict[str, bool]:
        """The answers so far for ``ref`` (read with ``.get(code)``; None: not asked yet, ask
        :meth:`learn`)."""
        if self.ref is not ref:
            self.ref, self.seen = ref, {}
        return self.seen

    def learn(self, ref: RefData, code: str) -> bool:
        info = ref.code(code)
        got = info is not None and bool(self.test(info))
        seen = self.table(ref)
        if len(seen) < _MAX:
            seen[code] = got
        return got

    def __call__(self, ref: RefData, code: str) -> bool:
        got = self.table(ref).get(code)
        return self.learn(ref, code) if got is None else got


def any_line(flag: CodeFlag, ref: RefData, lines) -> bool:
    """Some line's code has the flag."""
    seen = flag.table(ref)
    for line in lines:
        got = seen.get(line.code)
        if got is None:
            got = flag.learn(ref, line.code)
        if got:
            return True
    return False


ALWAYS_THERAPY = CodeFlag(lambda info: info.always_therapy)
# an untimed code with a unit limit per date (TU007)
UNTIMED_LIMIT = CodeFlag(lambda info: not info.timed and info.unit_limit is not None)
# a code Medicare replaces or bundles (COD002)
MEDICARE_SPECIAL = CodeFlag(lambda info: info.replacement or info.bundled)

"""NCCI lookups for the rules: which PTP pairs apply to two codes on a date, and MUE limits.

Which Medicare pairs: the imported CMS PTP table when the store holds one, else the curated pairs
of ``maps/ncci.xml`` (enabled ones plus those the payer profile enables). A profile's
``extra_pair`` entries apply on top and replace a Medicare pair with the same column 1/column 2;
``ncci_medicare="false"`` drops the Medicare pairs (and the MUE table) for that payer.

Date window: an edit is in force on ``day`` when ``effective <= day`` and (no deletion date or
``day < deleted``). CMS's retroactively deleted edits carry indicator 9 with the deletion date
equal to the effective date, i.e. an empty window; indicator 9 is ignored in any case.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from x12tool.refdata import NcciPair, Profile, RefData

if TYPE_CHECKING:
    from x12tool.ncci.store import NcciStore


class MueLimit(NamedTuple):
    value: int
    mai: int  # 1 per line, 2 date of service (policy), 3 date of service (clinical)


def _date(n: int | None) -> date | None:
    if n is None:
        return None
    return date(n // 10000, n // 100 % 100, n % 100)


class NcciIndex:
    """PTP pairs and MUE limits for the rules (``RuleContext.ncci``)."""

    def __init__(self, ref: RefData, store: NcciStore | None = None, cache_size: int = 65536):
        self.ref = ref
        self.store = store
        self.has_ptp = store is not None and store.has("ptp")
        self.has_mue = store is not None and store.has("mue")
        self._labels: dict[int, str] = {}
        self._store_pairs = lru_cache(maxsize=cache_size)(self._load_pairs)
        self._mue = lru_cache(maxsize=cache_size)(self._load_mue)
        # (code a, code b, profile) -> pairs before the date filter: the same few code pairs
        # come up on most claims (docs/performance.md). The profile is kept with its entry and
        # compared by identity, so a profile object is never mistaken for another.
        self._pairs_memo: dict[tuple[str, str, int], tuple[Profile | None, list[NcciPair]]] = {}
        self._memo_size = cache_size
        # id(profile) -> (profile, pair_codes's answer)
        self._codes_memo: dict[int, tuple[Profile | None, frozenset[str]]] = {}

    # ------------------------------------------------------------------ sources

    @property
    def ptp_source(self) -> str:
        """What the Medicare pairs come from, for messages."""
        if self.has_ptp:
            labels = sorted({s.label for s in self.store.sources("ptp")})
            return f"CMS PTP table {', '.join(labels)}"
        return "the curated NCCI pair set"

    def _label(self, source_id: int) -> str:
        if source_id not in self._labels:
            info = self.store.source(source_id) if self.store is not None else None
            self._labels[source_id] = (
                f"CMS practitioner PTP file {info.file_name} ({info.label})"
                if info
                else "CMS practitioner PTP file"
            )
        return self._labels[source_id]

    # ------------------------------------------------------------------ PTP

    def _load_pairs(self, column1: str, column2: str) -> tuple[NcciPair, ...]:
        out = []
        for eff, deleted, ind, source_id in self.store.ptp_rows(column1, column2):
            out.append(
                NcciPair(
                    id=f"cms-{column1}-{column2}-{eff}",
                    column1=column1,
                    column2=column2,
                    indicator=ind,
                    effective=_date(eff),
                    deleted=_date(deleted),
                    source=self._label(source_id),
                    confidence="H",
                    enabled=True,
                )
            )
        return tuple(out)

    def _profile_pairs(self, profile: Profile | None) -> tuple[list[NcciPair], list[NcciPair]]:
        """(curated Medicare pairs, payer extra pairs) in force for ``profile``."""
        chosen = self.ref.ncci_pairs(profile)
        extra_ids = {p.id for p in profile.extra_pairs} if profile is not None else set()
        extras = [p for p in chosen if p.id in extra_ids]
        curated = [p for p in chosen if p.id not in extra_ids]
        return curated, extras

    def pairs_for(
        self, code_a: str, code_b: str, day: date, profile: Profile | None = None
    ) -> list[NcciPair]:
        """Pairs in force on ``day`` between two codes, in either column order."""
        return [p for p in self.pairs_between(code_a, code_b, profile) if p.active_on(day)]

    def pairs_between(
        self, code_a: str, code_b: str, profile: Profile | None = None
    ) -> list[NcciPair]:
        """Every pair between two codes, in either column order, whatever its dates:
        ``pairs_for`` is those of them in force on a date. A caller that asks about many dates
        (the rules, claim after claim) looks a code pair up once, and most code pairs have no
        pair at all. The list is shared: callers must not change it."""
        a, b = code_a.strip().upper(), code_b.strip().upper()
        if not a or not b or a == b:
            return []
        key = (a, b, id(profile))
        got = self._pairs_memo.get(key)
        if got is None or got[0] is not profile:
            if len(self._pairs_memo) >= self._memo_size:
                self._pairs_memo.clear()
            got = self._pairs_memo[key] = (profile, self._pairs_any_date(a, b, profile))
        return got[1]

    def pair_codes(self, profile: Profile | None = None) -> frozenset[str] | None:
        """Every code (stripped, upper case) of a pair :meth:`pairs_between` can give for
        ``profile``, whatever its dates; None when an imported PTP table answers (its codes
        are not listed here). Two codes, one of them not in it, have no pair: a caller can
        tell most claims have none without asking about each two codes."""
        medicare = profile is None or profile.ncci_medicare
        if medicare and self.has_ptp:
            return None
        key = id(profile)
        got = self._codes_memo.get(key)
        if got is None or got[0] is not profile:
            if len(self._codes_memo) >= 64:
                self._codes_memo.clear()
            curated, extras = self._profile_pairs(profile)
            pairs = [*curated, *extras] if medicare else extras
            codes = frozenset(c for p in pairs for c in (p.column1, p.column2))
            got = self._codes_memo[key] = (profile, codes)
        return got[1]

    def _pairs_any_date(self, a: str, b: str, profile: Profile | None) -> list[NcciPair]:
        curated, extras = self._profile_pairs(profile)
        orders = {(a, b), (b, a)}
        extra = [p for p in extras if (p.column1, p.column2) in orders]
        medicare: Iterable[NcciPair]
        if profile is not None and not profile.ncci_medicare:
            medicare = []
        elif self.has_ptp:
            medicare = self._store_pairs(a, b) + self._store_pairs(b, a)
        else:
            medicare = [p for p in curated if (p.column1, p.column2) in orders]
        taken = {(p.column1, p.column2) for p in extra}
        return [p for p in medicare if (p.column1, p.column2) not in taken] + extra

    # ------------------------------------------------------------------ MUE

    def _load_mue(self, code: str) -> MueLimit | None:
        row = self.store.mue_row(code) if self.store is not None else None
        return MueLimit(row[0], row[1]) if row else None

    def mue(self, code: str, day: date | None = None, profile: Profile | None = None):
        """``(value, mai)`` of a code from the imported MUE table, or None.

        The table has no dates: the last imported table applies to every date of service.
        None when no table is imported (no MUE values ship) or the profile turns the Medicare
        edits off.
        """
        if not self.has_mue or (profile is not None and not profile.ncci_medicare):
            return None
        return self._mue(code.strip().upper())

    @property
    def mue_source(self) -> str:
        if not self.has_mue:
            return ""
        return ", ".join(f"{s.file_name} ({s.label})" for s in self.store.sources("mue")[-1:])

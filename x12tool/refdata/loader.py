"""Read the maps into a :class:`RefData`.

Files (all under :func:`~x12tool.refdata.paths.maps_dir`, each validated against its XSD):
codes.xml, thresholds.xml, payers.xml, taxonomy.xml, pfs.xml, ncci.xml, profiles.xml
(parsed by :mod:`.parsers` and :mod:`.profiles`). claim_status.xml has its own loader
(:mod:`.claim_status`). See docs/maps.md for what each holds and how profiles resolve.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # lxml is imported where XML is parsed (xmlload.py)
    from lxml import etree

from .model import CodeInfo, ModifierInfo, NcciPair, Profile, Rvu, Threshold
from .parsers import (
    parse_codes,
    parse_ncci,
    parse_payers,
    parse_pfs,
    parse_taxonomy,
    parse_thresholds,
)
from .paths import maps_dir
from .profiles import (
    DEFAULT_PROFILE,
    RawProfile,
    match_index,
    overlay,
    parse_profiles,
    resolve_profiles,
)
from .xmlload import load_document


class RefData:
    """All reference data, read-only. Build it with :func:`load_refdata`."""

    def __init__(
        self,
        *,
        codes: Mapping[str, CodeInfo],
        modifiers: Mapping[str, ModifierInfo],
        thresholds: Mapping[int, Threshold],
        payer_map: Mapping[str, str],
        payer_classes: frozenset[str],
        fallback_class: str,
        taxonomy: list[tuple[str, str, bool]],
        conversion_factors: Mapping[tuple[int, str], Decimal],
        rvus: Mapping[tuple[str, int], Rvu],
        ncci: tuple[NcciPair, ...],
        profiles: Mapping[str, Profile],
        id_index: list[Mapping[str, str]],
        class_index: list[Mapping[str, str]],
    ) -> None:
        self.codes: Mapping[str, CodeInfo] = MappingProxyType(dict(codes))
        self.modifiers: Mapping[str, ModifierInfo] = MappingProxyType(dict(modifiers))
        self.therapy_modifiers: dict[str, str] = {
            m.code: m.discipline for m in modifiers.values() if m.kind == "therapy"
        }
        self.assistant_modifiers: dict[str, str] = {
            m.code: m.requires for m in modifiers.values() if m.kind == "assistant"
        }
        self.bypass_modifiers: frozenset[str] = frozenset(
            m.code for m in modifiers.values() if m.kind == "ncci_bypass"
        )
        self.payer_classes = payer_classes
        self.fallback_class = fallback_class
        self.profiles: Mapping[str, Profile] = MappingProxyType(dict(profiles))
        self._thresholds = dict(thresholds)
        self._payer_map = dict(payer_map)
        self._taxonomy = list(taxonomy)
        self._cfs = dict(conversion_factors)
        self._rvus = dict(rvus)
        self._ncci = ncci
        self._id_index = id_index  # user file first, then shipped
        self._class_index = class_index

    # codes and modifiers
    def code(self, code: str) -> CodeInfo | None:
        if not code:
            return None
        info = self.codes.get(code)  # hot path: codes arrive normalized
        return info if info is not None else self.codes.get(code.strip().upper())

    def is_timed(self, code: str) -> bool:
        info = self.code(code)
        return bool(info and info.timed)

    def is_always_therapy(self, code: str) -> bool:
        info = self.code(code)
        return bool(info and info.always_therapy)

    def modifier(self, code: str) -> ModifierInfo | None:
        return self.modifiers.get(code.strip().upper()) if code else None

    # payers and providers
    def payer_class(self, sbr09: str | None) -> str:
        """Payer class of an SBR09 code; blank or unknown codes give the fallback class 'other'."""
        key = (sbr09 or "").strip().upper()
        return self._payer_map.get(key, self.fallback_class)

    def taxonomy_discipline(self, taxonomy: str | None) -> tuple[str | None, bool]:
        """(discipline, is_assistant) of a NUCC taxonomy code; (None, False) for non-therapists."""
        key = (taxonomy or "").strip().upper()
        for prefix, discipline, assistant in self._taxonomy:
            if key.startswith(prefix):
                return discipline, assistant
        return None, False

    # money
    def kx_threshold(self, year: int) -> Threshold | None:
        return self._thresholds.get(year)

    def rvu(self, code: str, year: int = 2026) -> Rvu | None:
        return self._rvus.get(((code or "").strip().upper(), year))

    def conversion_factor(self, year: int, qualifying_apm: bool = False) -> Decimal | None:
        apm = "qualifying" if qualifying_apm else "non_qualifying"
        return self._cfs.get((year, apm), self._cfs.get((year, "all")))

    # profiles
    def profile(self, name: str) -> Profile | None:
        return self.profiles.get(name)

    def with_payer_profiles(self, mapping: Mapping[str, str]) -> RefData:
        """A copy in which these payer ids (SBR/NM1*PR id -> profile name) choose their profile
        before any profile file's own matches (the config file's ``[payers]`` table)."""
        unknown = sorted(p for p in mapping.values() if p not in self.profiles)
        if unknown:
            raise KeyError(
                f"unknown payer profile {unknown[0]!r} (known: {', '.join(sorted(self.profiles))})"
            )
        twin = copy.copy(self)
        index = {k.strip().upper(): v for k, v in mapping.items()}
        twin._id_index = [index, *self._id_index]
        return twin

    def profile_for(self, payer_class: str, payer_id: str | None = None) -> Profile:
        """Payer-id match beats payer-class match beats ``default``; user-file matches first."""
        pid = (payer_id or "").strip().upper()
        if pid:
            for index in self._id_index:
                if pid in index:
                    return self.profiles[index[pid]]
        for index in self._class_index:
            if payer_class in index:
                return self.profiles[index[payer_class]]
        return self.profiles[DEFAULT_PROFILE]

    # NCCI
    def ncci_pairs(self, profile: Profile | None = None) -> list[NcciPair]:
        """Active NCCI pairs for a profile (or the enabled curated pairs when ``profile`` is None).

        Curated (Medicare) pairs count only when ``profile.ncci_medicare``; a disabled pair counts
        when the profile lists it in ``enable_pairs`` (it is then returned with ``enabled=True``).
        A profile's extra pair replaces a curated pair with the same column1/column2.
        """
        if profile is None:
            return [p for p in self._ncci if p.enabled]
        on = profile.enable_pairs

        def pick(pairs):
            for p in pairs:
                if p.enabled:
                    yield p
                elif p.id in on:
                    yield dataclasses.replace(p, enabled=True)

        extras = list(pick(profile.extra_pairs))
        taken = {(p.column1, p.column2) for p in extras}
        curated = list(pick(self._ncci)) if profile.ncci_medicare else []
        return [p for p in curated if (p.column1, p.column2) not in taken] + extras


class _Shipped:
    """The shipped maps: the parsed parts and the profiles as their file writes them."""

    __slots__ = ("parts", "raw_profiles")

    def __init__(self, parts: dict, raw_profiles: dict[str, RawProfile]) -> None:
        self.parts = parts
        self.raw_profiles = raw_profiles


@cache
def _load_shipped() -> _Shipped:
    """The shipped maps: compiled when the compiled module was made from these very files and
    modules (x12tool/refdata/compiled.py), else read from the XML."""
    from .compiled import load

    compiled = load()
    if compiled is not None:
        return _Shipped(parts=compiled[0], raw_profiles=compiled[1])
    return _read_shipped()


def _read_shipped() -> _Shipped:
    """The shipped maps read from their XML files, each validated against its XSD."""
    base = maps_dir()

    def doc(stem: str) -> tuple[etree._Element, str]:
        src = base / f"{stem}.xml"
        return load_document(src, f"{stem}.xsd"), str(src)

    codes_root, codes_name = doc("codes")
    codes, modifiers = parse_codes(codes_root, codes_name)
    payer_map, classes, fallback = parse_payers(*doc("payers"))
    cfs, rvus = parse_pfs(doc("pfs")[0])
    ncci_root, ncci_name = doc("ncci")
    parts = dict(
        codes=codes,
        modifiers=modifiers,
        thresholds=parse_thresholds(doc("thresholds")[0]),
        payer_map=payer_map,
        payer_classes=classes,
        fallback_class=fallback,
        taxonomy=parse_taxonomy(doc("taxonomy")[0]),
        conversion_factors=cfs,
        rvus=rvus,
        ncci=parse_ncci(ncci_root, ncci_name, codes),
    )
    return _Shipped(parts=parts, raw_profiles=parse_profiles(*doc("profiles")))


def _build(user_file: Path | None) -> RefData:
    shipped = _load_shipped()
    parts = shipped.parts
    raws = dict(shipped.raw_profiles)
    user_raws: dict[str, RawProfile] = {}
    if user_file is not None:
        user_raws = parse_profiles(load_document(user_file, "profiles.xsd"), str(user_file))
        for name, raw in user_raws.items():
            raws[name] = overlay(raws[name], raw) if name in raws else raw
    curated_ids = frozenset(p.id for p in parts["ncci"])
    profiles = resolve_profiles(raws, curated_ids)
    classes = parts["payer_classes"]
    ship_ids = match_index(shipped.raw_profiles, "payer_ids", None)
    ship_cls = match_index(shipped.raw_profiles, "classes", classes)
    user_ids = match_index(user_raws, "payer_ids", None)
    user_cls = match_index(user_raws, "classes", classes)
    return RefData(
        **parts,
        profiles=profiles,
        id_index=[user_ids, ship_ids],
        class_index=[user_cls, ship_cls],
    )


@cache
def _default_refdata() -> RefData:
    return _build(None)


def load_refdata(profiles_path: str | Path | None = None) -> RefData:
    """Load the shipped maps, plus an optional user profile file.

    The result for ``profiles_path=None`` is cached. A user file is validated against
    ``profiles.xsd``; its profiles are added, and one named like a shipped profile overrides only
    the settings it gives (matches, enabled pairs, extra pairs and severities are added to the
    shipped ones).
    """
    if profiles_path is None:
        return _default_refdata()
    return _build(Path(profiles_path))

"""Read the maps into a :class:`RefData`.

Files (all under :func:`~x12tool.refdata.paths.maps_dir`, each validated against its XSD):
codes.xml, thresholds.xml, payers.xml, taxonomy.xml, pfs.xml, ncci.xml, profiles.xml,
claim_status.xml (277CA statuses).
See docs/maps.md for what each holds and how profiles resolve.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from types import MappingProxyType

from lxml import etree

from .errors import MapError
from .model import CodeInfo, ModifierInfo, NcciPair, Profile, Rvu, Threshold
from .paths import maps_dir
from .xmlload import load_document

_CONFIDENCE_RANK = {"H": 3, "M": 2, "L": 1, "X": 0}
_SINGLE_SETTINGS = (
    "unit_method",
    "require_therapy_modifiers",
    "kx_applies",
    "cq_co_applies",
    "ncci_medicare",
)
DEFAULT_PROFILE = "default"


def _bool(value: str | None) -> bool:
    return value in ("true", "1")


def _enabled(el: etree._Element) -> bool:
    return el.get("enabled", "true") in ("true", "1")


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _fail(name: str, el: etree._Element | None, message: str) -> MapError:
    return MapError(name, el.sourceline if el is not None else None, message)


# --------------------------------------------------------------------------- codes.xml


def _parse_codes(root: etree._Element, name: str):
    codes: dict[str, CodeInfo] = {}
    for el in root.iterfind("code"):
        facts = {child.tag: child for child in el if isinstance(child.tag, str) and _enabled(child)}
        timed = facts.get("timed")
        therapy = facts.get("therapy")
        disc = facts.get("discipline")
        status = facts.get("medicare_status")
        repl = facts.get("replacement")
        sources: list[str] = []
        for fact in facts.values():
            if fact.get("source") not in sources:
                sources.append(fact.get("source"))
        confidence = min(
            (f.get("confidence") for f in facts.values()),
            key=_CONFIDENCE_RANK.__getitem__,
            default="X",
        )
        is_timed = timed is not None and timed.get("value") == "true"
        code = el.get("value")
        limit_el = facts.get("unit_limit")
        if limit_el is not None:
            value = limit_el.get("value")
            limit = None if value == "none" else int(value)
            limit_per, limit_source = limit_el.get("per"), limit_el.get("source")
        elif timed is not None and timed.get("value") == "false":
            limit, limit_per = 1, "date"
            limit_source = "CMS Pub 100-04 Ch. 5 §20.2 B (untimed codes: 1 unit)"
        else:
            limit, limit_per, limit_source = None, "date", ""
        codes[code] = CodeInfo(
            code=code,
            timed=is_timed,
            always_therapy=therapy is not None and therapy.get("value") == "always",
            discipline=disc.get("value") if disc is not None else None,
            medicare_status=status.get("value") if status is not None else None,
            replacement=repl.get("value") if repl is not None else None,
            bundled="bundled" in facts,
            source="; ".join(sources),
            confidence=confidence,
            unit_minutes=int(timed.get("unit_minutes"))
            if is_timed and timed.get("unit_minutes")
            else None,
            note="; ".join(f.get("note") for f in facts.values() if f.get("note")),
            unit_limit=limit,
            unit_limit_per=limit_per,
            unit_limit_source=limit_source,
        )
    modifiers: dict[str, ModifierInfo] = {}
    for el in root.iterfind("modifier"):
        if not _enabled(el):
            continue
        pct = el.get("payment_percent")
        modifiers[el.get("value")] = ModifierInfo(
            code=el.get("value"),
            kind=el.get("kind"),
            discipline=el.get("discipline"),
            requires=el.get("requires"),
            effective=_date(el.get("effective")),
            payment_percent=int(pct) if pct else None,
            payment_effective=_date(el.get("payment_effective")),
            source=el.get("source"),
            confidence=el.get("confidence"),
            note=el.get("note", ""),
        )
    for info in codes.values():
        if info.replacement and info.replacement not in codes:
            raise MapError(
                name, None, f"{info.code}: replacement {info.replacement} is not in codes.xml"
            )
    for mod in modifiers.values():
        if mod.requires and modifiers.get(mod.requires, None) is None:
            raise MapError(
                name, None, f"modifier {mod.code} requires unknown modifier {mod.requires}"
            )
    return codes, modifiers


# --------------------------------------------------------------------------- other maps


def _parse_thresholds(root: etree._Element) -> dict[int, Threshold]:
    reviews = [el for el in root.iterfind("review") if _enabled(el)]
    out: dict[int, Threshold] = {}
    for el in root.iterfind("kx"):
        if not _enabled(el):
            continue
        year = int(el.get("year"))
        review = next(
            (r for r in reviews if int(r.get("from_year")) <= year <= int(r.get("to_year"))), None
        )
        if review is None:
            continue
        conf = min(el.get("confidence"), review.get("confidence"), key=_CONFIDENCE_RANK.__getitem__)
        out[year] = Threshold(
            year=year,
            pt_slp=Decimal(el.get("pt_slp")),
            ot=Decimal(el.get("ot")),
            review=Decimal(review.get("amount")),
            source=f"{el.get('source')}; review: {review.get('source')}",
            confidence=conf,
        )
    return out


def _parse_payers(root: etree._Element, name: str) -> tuple[dict[str, str], frozenset[str], str]:
    classes = [el for el in root.iterfind("class") if _enabled(el)]
    fallbacks = [el.get("name") for el in classes if _bool(el.get("fallback"))]
    if len(fallbacks) != 1:
        raise MapError(
            name, None, f"exactly one class must have fallback='true', found {fallbacks}"
        )
    mapping = {
        el.get("value"): el.get("class") for el in root.iterfind("filing_indicator") if _enabled(el)
    }
    return mapping, frozenset(el.get("name") for el in classes), fallbacks[0]


def _parse_taxonomy(root: etree._Element) -> list[tuple[str, str, bool]]:
    rows = [
        (el.get("value"), el.get("discipline"), _bool(el.get("assistant")))
        for el in root.iterfind("prefix")
        if _enabled(el)
    ]
    return sorted(rows, key=lambda r: -len(r[0]))  # longest prefix first


def _parse_pfs(root: etree._Element):
    cfs: dict[tuple[int, str], Decimal] = {}
    for el in root.iterfind("conversion_factor"):
        if _enabled(el):
            cfs[(int(el.get("year")), el.get("apm"))] = Decimal(el.get("amount"))
    rvus: dict[tuple[str, int], Rvu] = {}
    for rel in root.iterfind("release"):
        year = int(rel.get("year"))
        for el in rel.iterfind("rvu"):
            if not _enabled(el):
                continue
            rvus[(el.get("code"), year)] = Rvu(
                code=el.get("code"),
                work=Decimal(el.get("work")),
                pe_nonfacility=Decimal(el.get("pe_nonfacility")),
                pe_facility=Decimal(el.get("pe_facility")),
                mp=Decimal(el.get("mp")),
                status=el.get("status"),
                mult_proc=el.get("mult_proc"),
                year=year,
                source=f"{rel.get('file')} (released {rel.get('released')})",
                pctc=el.get("pctc"),
                facility_na=_bool(el.get("facility_na")),
                nonfacility_na=_bool(el.get("nonfacility_na")),
            )
    return cfs, rvus


def _pair(el: etree._Element, default_source: str) -> NcciPair:
    return NcciPair(
        id=el.get("id"),
        column1=el.get("column1"),
        column2=el.get("column2"),
        indicator=el.get("modifier_indicator"),
        effective=_date(el.get("effective")),
        deleted=_date(el.get("deleted")),
        source=el.get("source") or default_source,
        confidence=el.get("confidence") or "X",
        enabled=_enabled(el),
        note=el.get("note", ""),
    )


def _parse_ncci(
    root: etree._Element, name: str, codes: Mapping[str, CodeInfo]
) -> tuple[NcciPair, ...]:
    pairs = []
    for el in root.iterfind("pair"):
        pair = _pair(el, name)
        for col in (pair.column1, pair.column2):
            if col not in codes:
                raise _fail(name, el, f"pair {pair.id}: code {col} is not in codes.xml")
        pairs.append(pair)
    return tuple(pairs)


# --------------------------------------------------------------------------- profiles


@dataclass
class _RawProfile:
    name: str
    origin: str
    line: int | None
    extends: str | None = None
    classes: list[tuple[str, int | None]] = field(default_factory=list)
    payer_ids: list[tuple[str, int | None]] = field(default_factory=list)
    settings: dict[str, object] = field(default_factory=dict)
    bypass: frozenset[str] | None = None
    enable: dict[str, tuple[str, int | None]] = field(default_factory=dict)  # id -> (file, line)
    extra: dict[str, NcciPair] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    # payer logic (docs/payers.md): single values inherit one by one, the rest by key
    payer: dict[str, object] = field(default_factory=dict)
    caps: dict[str, int | None] = field(default_factory=dict)  # code -> max (None: removed)
    required: dict[str, str | None] = field(default_factory=dict)  # modifier -> lines
    refused: dict[str, tuple[str, ...] | None] = field(default_factory=dict)  # modifier -> instead


_PAYER_SINGLE = ("prior_auth", "timed_unit_cap", "plan_of_care")


def _parse_payer_setting(raw: _RawProfile, el: etree._Element) -> None:
    """prior_auth, timed_unit_cap, unit_cap, require_modifier, refuse_modifier."""
    tag, on = el.tag, _enabled(el)
    if tag == "prior_auth":
        raw.payer["prior_auth"] = _bool(el.get("value"))
        if el.get("counts") is not None:
            raw.payer["auth_counts"] = el.get("counts")
        if el.get("warn_remaining") is not None:
            raw.payer["auth_warn_remaining"] = int(el.get("warn_remaining"))
    elif tag == "plan_of_care":
        raw.payer["plan_of_care"] = _bool(el.get("value"))
        if el.get("warn_days") is not None:
            raw.payer["poc_warn_days"] = int(el.get("warn_days"))
    elif tag == "timed_unit_cap":
        raw.payer["timed_unit_cap"] = int(el.get("max")) if on else None
    elif tag == "unit_cap":
        raw.caps[el.get("code")] = int(el.get("max")) if on else None
    elif tag == "require_modifier":
        raw.required[el.get("value")] = el.get("lines", "all") if on else None
    elif tag == "refuse_modifier":
        raw.refused[el.get("value")] = tuple(el.get("instead", "").split()) if on else None


def _parse_profiles(root: etree._Element, name: str) -> dict[str, _RawProfile]:
    out: dict[str, _RawProfile] = {}
    for pel in root.iterfind("profile"):
        raw = _RawProfile(
            name=pel.get("name"), origin=name, line=pel.sourceline, extends=pel.get("extends")
        )
        seen: set[str] = set()
        for el in pel:
            if not isinstance(el.tag, str):
                continue  # comments
            tag = el.tag
            if tag in _SINGLE_SETTINGS or tag in _PAYER_SINGLE or tag == "bypass_modifiers":
                if tag in seen:
                    raise _fail(name, el, f"profile {raw.name!r}: <{tag}> given more than once")
                seen.add(tag)
            if tag == "match":
                has_class, has_id = el.get("class") is not None, el.get("payer_id") is not None
                if has_class == has_id:
                    raise _fail(
                        name,
                        el,
                        f"profile {raw.name!r}: <match> needs exactly one of class= or payer_id=",
                    )
                if has_class:
                    raw.classes.append((el.get("class"), el.sourceline))
                else:
                    raw.payer_ids.append((el.get("payer_id").strip().upper(), el.sourceline))
            elif tag == "unit_method":
                raw.settings[tag] = el.get("value")
            elif tag in _SINGLE_SETTINGS:
                raw.settings[tag] = _bool(el.get("value"))
            elif tag == "bypass_modifiers":
                raw.bypass = frozenset(m.get("value") for m in el.iterfind("modifier"))
            elif tag == "enable_pair":
                raw.enable[el.get("id")] = (name, el.sourceline)
            elif tag == "extra_pair":
                raw.extra[el.get("id")] = _pair(el, f"profile {raw.name} ({Path(name).name})")
            elif tag == "severity":
                raw.severity[el.get("rule")] = el.get("level")
            else:
                _parse_payer_setting(raw, el)
        out[raw.name] = raw
    return out


def _overlay(base: _RawProfile, top: _RawProfile) -> _RawProfile:
    """A user profile named like a shipped one changes only what it sets."""
    return _RawProfile(
        name=base.name,
        origin=top.origin,
        line=top.line,
        extends=top.extends if top.extends is not None else base.extends,
        classes=base.classes + top.classes,
        payer_ids=base.payer_ids + top.payer_ids,
        settings={**base.settings, **top.settings},
        bypass=top.bypass if top.bypass is not None else base.bypass,
        enable={**base.enable, **top.enable},
        extra={**base.extra, **top.extra},
        severity={**base.severity, **top.severity},
        payer={**base.payer, **top.payer},
        caps={**base.caps, **top.caps},
        required={**base.required, **top.required},
        refused={**base.refused, **top.refused},
    )


def _resolve_profiles(
    raws: dict[str, _RawProfile], curated_ids: frozenset[str]
) -> dict[str, Profile]:
    if DEFAULT_PROFILE not in raws:
        raise MapError("profiles.xml", None, f"no {DEFAULT_PROFILE!r} profile")
    resolved: dict[str, Profile] = {}

    def resolve(pname: str, stack: tuple[str, ...]) -> Profile:
        if pname in resolved:
            return resolved[pname]
        raw = raws[pname]
        parent_name = raw.extends or (None if pname == DEFAULT_PROFILE else DEFAULT_PROFILE)
        if parent_name is not None and parent_name not in raws:
            raise MapError(
                raw.origin, raw.line, f"profile {pname!r} extends unknown profile {parent_name!r}"
            )
        if parent_name in stack + (pname,):
            cycle = " -> ".join(stack + (pname, parent_name))
            raise MapError(raw.origin, raw.line, f"profile inheritance cycle: {cycle}")
        if parent_name is None:
            missing = [s for s in _SINGLE_SETTINGS if s not in raw.settings]
            if missing or raw.bypass is None:
                missing += [] if raw.bypass is not None else ["bypass_modifiers"]
                raise MapError(
                    raw.origin, raw.line, f"root profile {pname!r} must set: {', '.join(missing)}"
                )
            settings, bypass = dict(raw.settings), raw.bypass
            enable, extra, severity, chain = {}, {}, {}, ()
            payer, caps, required, refused = {}, {}, {}, {}
        else:
            parent = resolve(parent_name, stack + (pname,))
            settings = {s: getattr(parent, s) for s in _SINGLE_SETTINGS} | raw.settings
            bypass = raw.bypass if raw.bypass is not None else parent.bypass_modifiers
            enable = dict.fromkeys(parent.enable_pairs)
            extra = {p.id: p for p in parent.extra_pairs}
            severity = dict(parent.severity)
            chain = parent.chain
            payer = {
                "prior_auth": parent.prior_auth,
                "auth_counts": parent.auth_counts,
                "auth_warn_remaining": parent.auth_warn_remaining,
                "timed_unit_cap": parent.timed_unit_cap,
                "plan_of_care": parent.plan_of_care,
                "poc_warn_days": parent.poc_warn_days,
            }
            caps = dict(parent.unit_caps)
            required = dict(parent.required_modifiers)
            refused = dict(parent.refused_modifiers)
        payer.update(raw.payer)
        caps.update(raw.caps)
        required.update(raw.required)
        refused.update(raw.refused)
        enable.update(dict.fromkeys(raw.enable))
        extra.update(raw.extra)
        severity.update(raw.severity)
        known = curated_ids | set(extra)
        for pid, (fname, line) in raw.enable.items():
            if pid not in known:
                raise MapError(
                    fname, line, f"profile {pname!r}: enable_pair {pid!r} names no NCCI pair"
                )
        prof = Profile(
            name=pname,
            unit_method=settings["unit_method"],
            require_therapy_modifiers=settings["require_therapy_modifiers"],
            kx_applies=settings["kx_applies"],
            cq_co_applies=settings["cq_co_applies"],
            bypass_modifiers=frozenset(bypass),
            ncci_medicare=settings["ncci_medicare"],
            enable_pairs=frozenset(enable),
            extra_pairs=tuple(extra.values()),
            severity=tuple(sorted(severity.items())),
            extends=parent_name,
            match_classes=frozenset(c for c, _ in raw.classes),
            match_payer_ids=frozenset(p for p, _ in raw.payer_ids),
            origin=raw.origin,
            chain=(pname,) + chain,
            prior_auth=bool(payer.get("prior_auth", False)),
            auth_counts=str(payer.get("auth_counts", "visits")),
            auth_warn_remaining=int(payer.get("auth_warn_remaining", 2)),
            unit_caps=tuple(sorted((c, m) for c, m in caps.items() if m is not None)),
            timed_unit_cap=payer.get("timed_unit_cap"),
            required_modifiers=tuple(sorted((m, w) for m, w in required.items() if w)),
            refused_modifiers=tuple(sorted((m, i) for m, i in refused.items() if i is not None)),
            plan_of_care=bool(payer.get("plan_of_care", False)),
            poc_warn_days=int(payer.get("poc_warn_days", 7)),
        )
        resolved[pname] = prof
        return prof

    for pname in raws:
        resolve(pname, ())
    return resolved


def _match_index(
    raws: Mapping[str, _RawProfile], which: str, classes: frozenset[str] | None
) -> dict[str, str]:
    index: dict[str, str] = {}
    for raw in raws.values():
        for value, line in getattr(raw, which):
            if classes is not None and value not in classes:
                raise MapError(
                    raw.origin, line, f"profile {raw.name!r}: unknown payer class {value!r}"
                )
            if value in index and index[value] != raw.name:
                raise MapError(
                    raw.origin,
                    line,
                    f"{value!r} is matched by both {index[value]!r} and {raw.name!r}",
                )
            index[value] = raw.name
    return index


# --------------------------------------------------------------------------- RefData


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


@dataclass(frozen=True)
class _Shipped:
    parts: dict
    raw_profiles: dict[str, _RawProfile]


@cache
def _load_shipped() -> _Shipped:
    base = maps_dir()

    def doc(stem: str) -> tuple[etree._Element, str]:
        src = base / f"{stem}.xml"
        return load_document(src, f"{stem}.xsd"), str(src)

    codes_root, codes_name = doc("codes")
    codes, modifiers = _parse_codes(codes_root, codes_name)
    payer_map, classes, fallback = _parse_payers(*doc("payers"))
    cfs, rvus = _parse_pfs(doc("pfs")[0])
    ncci_root, ncci_name = doc("ncci")
    parts = dict(
        codes=codes,
        modifiers=modifiers,
        thresholds=_parse_thresholds(doc("thresholds")[0]),
        payer_map=payer_map,
        payer_classes=classes,
        fallback_class=fallback,
        taxonomy=_parse_taxonomy(doc("taxonomy")[0]),
        conversion_factors=cfs,
        rvus=rvus,
        ncci=_parse_ncci(ncci_root, ncci_name, codes),
    )
    return _Shipped(parts=parts, raw_profiles=_parse_profiles(*doc("profiles")))


def _build(user_file: Path | None) -> RefData:
    shipped = _load_shipped()
    parts = shipped.parts
    raws = dict(shipped.raw_profiles)
    user_raws: dict[str, _RawProfile] = {}
    if user_file is not None:
        user_raws = _parse_profiles(load_document(user_file, "profiles.xsd"), str(user_file))
        for name, raw in user_raws.items():
            raws[name] = _overlay(raws[name], raw) if name in raws else raw
    curated_ids = frozenset(p.id for p in parts["ncci"])
    profiles = _resolve_profiles(raws, curated_ids)
    classes = parts["payer_classes"]
    ship_ids = _match_index(shipped.raw_profiles, "payer_ids", None)
    ship_cls = _match_index(shipped.raw_profiles, "classes", classes)
    user_ids = _match_index(user_raws, "payer_ids", None)
    user_cls = _match_index(user_raws, "classes", classes)
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


# --------------------------------------------------------------------------- claim_status.xml


@dataclass(frozen=True, slots=True)
class ClaimStatus:
    """One 277CA STC01: category (ECL 507), status (ECL 508), optional entity (element 98)."""

    category: str
    status: str
    entity: str = ""
    action: str = "U"  # STC03: WQ accept, U reject

    @property
    def composite(self) -> tuple[str, ...]:
        return (self.category, self.status) + ((self.entity,) if self.entity else ())


@dataclass(frozen=True)
class ClaimStatusMap:
    outcomes: dict[str, ClaimStatus]  # ready, corrected, held (fallback)
    rules: dict[str, ClaimStatus]

    def for_rule(self, code: str) -> ClaimStatus:
        return self.rules.get(code) or self.outcomes["held"]


@cache
def load_claim_status() -> ClaimStatusMap:
    """maps/claim_status.xml, validated against claim_status.xsd."""
    root = load_document(maps_dir() / "claim_status.xml", "claim_status.xsd")

    def status(el: etree._Element, action: str) -> ClaimStatus:
        return ClaimStatus(el.get("category"), el.get("status"), el.get("entity") or "", action)

    outcomes = {el.get("name"): status(el, el.get("action")) for el in root.iter("outcome")}
    if set(outcomes) != {"ready", "corrected", "held"}:
        raise MapError("claim_status.xml", None, "needs outcomes ready, corrected and held")
    rules = {el.get("code"): status(el, "U") for el in root.iter("rule")}
    return ClaimStatusMap(outcomes, rules)

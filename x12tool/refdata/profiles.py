"""profiles.xml: payer profiles as written (:class:`RawProfile`), a user file's profiles laid over
the shipped ones (:func:`overlay`), and inheritance resolved into :class:`~.model.Profile` records
(:func:`resolve_profiles`). See docs/maps.md for how profiles resolve.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # lxml is imported where XML is parsed (xmlload.py)
    from lxml import etree

from x12tool.values import Value, value_class

from .errors import MapError
from .model import NcciPair, Profile
from .parsers import is_enabled, map_error, parse_pair, truthy

DEFAULT_PROFILE = "default"
_SINGLE_SETTINGS = (
    "unit_method",
    "require_therapy_modifiers",
    "kx_applies",
    "cq_co_applies",
    "ncci_medicare",
)


@value_class
class RawProfile(Value):
    """One <profile> as one file writes it, before overlay and inheritance."""

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

    def __init__(
        self,
        name: str,
        origin: str,
        line: int | None,
        extends: str | None = None,
        classes: list[tuple[str, int | None]] | None = None,
        payer_ids: list[tuple[str, int | None]] | None = None,
        settings: dict[str, object] | None = None,
        bypass: frozenset[str] | None = None,
        enable: dict[str, tuple[str, int | None]] | None = None,
        extra: dict[str, NcciPair] | None = None,
        severity: dict[str, str] | None = None,
        payer: dict[str, object] | None = None,
        caps: dict[str, int | None] | None = None,
        required: dict[str, str | None] | None = None,
        refused: dict[str, tuple[str, ...] | None] | None = None,
    ) -> None:
        # None for a list or dict field: a new empty one, as the fields' default_factory
        self.name = name
        self.origin = origin
        self.line = line
        self.extends = extends
        self.classes = [] if classes is None else classes
        self.payer_ids = [] if payer_ids is None else payer_ids
        self.settings = {} if settings is None else settings
        self.bypass = bypass
        self.enable = {} if enable is None else enable
        self.extra = {} if extra is None else extra
        self.severity = {} if severity is None else severity
        self.payer = {} if payer is None else payer
        self.caps = {} if caps is None else caps
        self.required = {} if required is None else required
        self.refused = {} if refused is None else refused


_PAYER_SINGLE = ("prior_auth", "timed_unit_cap", "plan_of_care")


def _parse_payer_setting(raw: RawProfile, el: etree._Element) -> None:
    """prior_auth, timed_unit_cap, unit_cap, require_modifier, refuse_modifier."""
    tag, on = el.tag, is_enabled(el)
    if tag == "prior_auth":
        raw.payer["prior_auth"] = truthy(el.get("value"))
        if el.get("counts") is not None:
            raw.payer["auth_counts"] = el.get("counts")
        if el.get("warn_remaining") is not None:
            raw.payer["auth_warn_remaining"] = int(el.get("warn_remaining"))
    elif tag == "plan_of_care":
        raw.payer["plan_of_care"] = truthy(el.get("value"))
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


def parse_profiles(root: etree._Element, name: str) -> dict[str, RawProfile]:
    out: dict[str, RawProfile] = {}
    for pel in root.iterfind("profile"):
        raw = RawProfile(
            name=pel.get("name"), origin=name, line=pel.sourceline, extends=pel.get("extends")
        )
        seen: set[str] = set()
        for el in pel:
            if not isinstance(el.tag, str):
                continue  # comments
            tag = el.tag
            if tag in _SINGLE_SETTINGS or tag in _PAYER_SINGLE or tag == "bypass_modifiers":
                if tag in seen:
                    raise map_error(name, el, f"profile {raw.name!r}: <{tag}> given more than once")
                seen.add(tag)
            if tag == "match":
                has_class, has_id = el.get("class") is not None, el.get("payer_id") is not None
                if has_class == has_id:
                    raise map_error(
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
                raw.settings[tag] = truthy(el.get("value"))
            elif tag == "bypass_modifiers":
                raw.bypass = frozenset(m.get("value") for m in el.iterfind("modifier"))
            elif tag == "enable_pair":
                raw.enable[el.get("id")] = (name, el.sourceline)
            elif tag == "extra_pair":
                raw.extra[el.get("id")] = parse_pair(el, f"profile {raw.name} ({Path(name).name})")
            elif tag == "severity":
                raw.severity[el.get("rule")] = el.get("level")
            else:
                _parse_payer_setting(raw, el)
        out[raw.name] = raw
    return out


def overlay(base: RawProfile, top: RawProfile) -> RawProfile:
    """A user profile named like a shipped one changes only what it sets."""
    return RawProfile(
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


def resolve_profiles(
    raws: dict[str, RawProfile], curated_ids: frozenset[str]
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


def match_index(
    raws: Mapping[str, RawProfile], which: str, classes: frozenset[str] | None
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

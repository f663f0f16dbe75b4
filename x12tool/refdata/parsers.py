"""Parsers of the data maps: codes.xml, thresholds.xml, payers.xml, taxonomy.xml, pfs.xml and
ncci.xml, each from its validated XML root into the records of :mod:`x12tool.refdata.model`.

profiles.xml has its own module (:mod:`x12tool.refdata.profiles`): its profiles inherit and
overlay one another before they become records.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # lxml is imported where XML is parsed (xmlload.py)
    from lxml import etree

from .errors import MapError
from .model import CodeInfo, ModifierInfo, NcciPair, Rvu, Threshold

_CONFIDENCE_RANK = {"H": 3, "M": 2, "L": 1, "X": 0}


def truthy(value: str | None) -> bool:
    """An xs:boolean attribute: "true" or "1"."""
    return value in ("true", "1")


def is_enabled(el: etree._Element) -> bool:
    """Any map entry can be switched off with enabled="false" and stay in the file."""
    return el.get("enabled", "true") in ("true", "1")


def iso_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def map_error(name: str, el: etree._Element | None, message: str) -> MapError:
    """A MapError at ``el``'s line of file ``name``."""
    return MapError(name, el.sourceline if el is not None else None, message)


# --------------------------------------------------------------------------- codes.xml


def parse_codes(root: etree._Element, name: str):
    codes: dict[str, CodeInfo] = {}
    for el in root.iterfind("code"):
        facts = {
            child.tag: child for child in el if isinstance(child.tag, str) and is_enabled(child)
        }
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
        if not is_enabled(el):
            continue
        pct = el.get("payment_percent")
        modifiers[el.get("value")] = ModifierInfo(
            code=el.get("value"),
            kind=el.get("kind"),
            discipline=el.get("discipline"),
            requires=el.get("requires"),
            effective=iso_date(el.get("effective")),
            payment_percent=int(pct) if pct else None,
            payment_effective=iso_date(el.get("payment_effective")),
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


def parse_thresholds(root: etree._Element) -> dict[int, Threshold]:
    reviews = [el for el in root.iterfind("review") if is_enabled(el)]
    out: dict[int, Threshold] = {}
    for el in root.iterfind("kx"):
        if not is_enabled(el):
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


def parse_payers(root: etree._Element, name: str) -> tuple[dict[str, str], frozenset[str], str]:
    classes = [el for el in root.iterfind("class") if is_enabled(el)]
    fallbacks = [el.get("name") for el in classes if truthy(el.get("fallback"))]
    if len(fallbacks) != 1:
        raise MapError(
            name, None, f"exactly one class must have fallback='true', found {fallbacks}"
        )
    mapping = {
        el.get("value"): el.get("class")
        for el in root.iterfind("filing_indicator")
        if is_enabled(el)
    }
    return mapping, frozenset(el.get("name") for el in classes), fallbacks[0]


def parse_taxonomy(root: etree._Element) -> list[tuple[str, str, bool]]:
    rows = [
        (el.get("value"), el.get("discipline"), truthy(el.get("assistant")))
        for el in root.iterfind("prefix")
        if is_enabled(el)
    ]
    return sorted(rows, key=lambda r: -len(r[0]))  # longest prefix first


def parse_pfs(root: etree._Element):
    cfs: dict[tuple[int, str], Decimal] = {}
    for el in root.iterfind("conversion_factor"):
        if is_enabled(el):
            cfs[(int(el.get("year")), el.get("apm"))] = Decimal(el.get("amount"))
    rvus: dict[tuple[str, int], Rvu] = {}
    for rel in root.iterfind("release"):
        year = int(rel.get("year"))
        for el in rel.iterfind("rvu"):
            if not is_enabled(el):
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
                facility_na=truthy(el.get("facility_na")),
                nonfacility_na=truthy(el.get("nonfacility_na")),
            )
    return cfs, rvus


def parse_pair(el: etree._Element, default_source: str) -> NcciPair:
    return NcciPair(
        id=el.get("id"),
        column1=el.get("column1"),
        column2=el.get("column2"),
        indicator=el.get("modifier_indicator"),
        effective=iso_date(el.get("effective")),
        deleted=iso_date(el.get("deleted")),
        source=el.get("source") or default_source,
        confidence=el.get("confidence") or "X",
        enabled=is_enabled(el),
        note=el.get("note", ""),
    )


def parse_ncci(
    root: etree._Element, name: str, codes: Mapping[str, CodeInfo]
) -> tuple[NcciPair, ...]:
    pairs = []
    for el in root.iterfind("pair"):
        pair = parse_pair(el, name)
        for col in (pair.column1, pair.column2):
            if col not in codes:
                raise map_error(name, el, f"pair {pair.id}: code {col} is not in codes.xml")
        pairs.append(pair)
    return tuple(pairs)

"""``x12tool denials suggest``: the payers' denial patterns as payer-profile XML to review.

The output is a whole ``<profiles>`` document (maps/profiles.xsd) that ``--profiles`` accepts
once reviewed: one profile per payer, matched by payer id, extending the shipped profile of the
payer's class. What the schema can express is written as elements; what it cannot (a unit cap,
a required modifier) is written as a comment for the reviewer, never invented as a setting.

* A code pair the payer denies (the second code billed with the first on one date) becomes an
  ``extra_pair`` (column 1 = the other code, column 2 = the denied code); modifier indicator
  ``0`` when the denied lines carried a bypass modifier (the payer denies even with 59/X{EPSU}),
  else ``1``.
* A code or code + modifier set the payer denies becomes a comment naming the counts and
  CARCs, plus a commented-out ``<severity rule="DEN001" level="error"/>`` that would hold the
  payer's claims that match a pattern.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal
from xml.sax.saxutils import quoteattr

from x12tool.remit.analytics import Pattern

_ID = re.compile(r"[^a-z0-9_.\-]")
SHIPPED = {"medicare_b", "medicaid", "commercial", "medicare_advantage"}


def _evidence(p: Pattern) -> str:
    pct = (p.rate * 100).quantize(Decimal("1"))
    span = f"{p.first} to {p.last}" if p.first else "no dates"
    return (
        f"remittances: {p.denied} of {p.lines} lines denied ({pct}%), {span}, "
        f"{p.top_carcs()}, ${Decimal(p.dollars) / 100:,.2f} denied"
    )


def _comment(text: str) -> str:
    return "<!-- " + text.replace("--", "- -") + " -->"


def profiles_xml(found: dict[tuple, Pattern], classes: dict[str, str]) -> str:
    by_payer: dict[str, list[Pattern]] = defaultdict(list)
    for p in found.values():
        by_payer[p.payer_id].append(p)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        _comment(
            "x12tool denials suggest: review each setting against the payer's policy before "
            "using this file as a user profile file; the evidence is the practice's own 835s"
        ),
        '<profiles schema_version="1">',
    ]
    for payer in sorted(by_payer):
        name = "denials_" + (_ID.sub("_", payer.lower()) or "payer")
        parent = classes.get(payer, "default")
        parent = parent if parent in SHIPPED else "default"
        out.append(
            f'  <profile name={quoteattr(name)} extends="{parent}" '
            'source="x12tool denials suggest" confidence="M">'
        )
        out.append(f"    <match payer_id={quoteattr(payer)}/>")
        pats = sorted(by_payer[payer], key=lambda p: (p.kind != "pair", -p.dollars, p.code))
        rules = False
        for p in pats:
            if p.kind == "pair":
                indicator = "0" if p.bypassed else "1"
                pid = _ID.sub("_", f"den-{payer.lower()}-{p.other}-{p.code}".lower())[:64]
                out.append(
                    f"    <extra_pair id={quoteattr(pid)} column1={quoteattr(p.other)} "
                    f'column2={quoteattr(p.code)} modifier_indicator="{indicator}" '
                    f'source={quoteattr(_evidence(p))} confidence="M"/>'
                )
            else:
                rules = True
                hint = ""
                if any(c.endswith("-151") for c in p.carcs):
                    hint = "; CO-151 says the payer cuts units: consider a unit cap for this code"
                out.append("    " + _comment(f"{p.describe()}: {_evidence(p)}{hint}"))
        if rules:
            out.append(
                "    "
                + _comment(
                    'to hold this payer\'s claims that match a pattern: <severity rule="DEN001" '
                    'level="error"/>'
                )
            )
        out.append("  </profile>")
    out.append("</profiles>")
    return "\n".join(out) + "\n"

"""IG001: the claim breaks the 837P implementation guide (pyx12 validation)."""

from __future__ import annotations

import re

from x12tool.rules.base import Rule, Severity
from x12tool.rules.services import IG

# pyx12 4.0.0's messages (map_walker, map_if, x12file) -> one plain sentence for a biller: which
# segment/element, what is wrong, what the guide expects. The raw text stays in the JSON report.
_PLAIN = [
    (
        r"^\((?P<v>.*)\) is not a valid code for (?P<n>.+) \((?P<r>[A-Z0-9-]+)\)$",
        "{r} ({n}): '{v}' is not a code the 837P guide allows here",
    ),
    (
        r'^Data element "(?P<n>.+)" \((?P<r>[A-Z0-9-]+)\) contains an invalid date \((?P<v>.*)\)$',
        "{r} ({n}): '{v}' is not a valid date; the guide expects CCYYMMDD",
    ),
    (
        r'^Mandatory data element "(?P<n>.+)" \((?P<r>[A-Z0-9-]+)\) is missing$',
        "{r} ({n}) is empty; the guide requires it",
    ),
    (
        r'^Mandatory composite "(?P<n>.+)" \((?P<r>[A-Z0-9-]+)\) is missing$',
        "{r} ({n}) is empty; the guide requires it",
    ),
    (
        r'^Data element "(?P<n>.+)" \((?P<r>[A-Z0-9-]+)\) is too long: len\("(?P<v>.*)"\) = '
        r"(?P<a>\d+) > (?P<b>\d+) \(max_len\)$",
        "{r} ({n}): '{v}' is {a} characters; the guide allows at most {b}",
    ),
    (
        r'^Data element "(?P<n>.+)" \((?P<r>[A-Z0-9-]+)\) is too short: len\("(?P<v>.*)"\) = '
        r"(?P<a>\d+) < (?P<b>\d+) \(min_len\)$",
        "{r} ({n}): '{v}' is {a} characters; the guide needs at least {b}",
    ),
    (
        r'^Data element "(?P<n>.+)" \((?P<r>[A-Z0-9-]+)\) is marked as Not Used$',
        "{r} ({n}) must be empty: the guide marks it Not Used",
    ),
    (
        r"^Segment (?P<s>[A-Z0-9]+)\S* not found\.\s+Started at \S*?/(?P<l>[^/]+)/[^/]+$",
        "segment {s} is not where the guide allows it (after loop/segment {l}): check its "
        "place and its qualifier",
    ),
    (
        r'^Mandatory loop "(?P<n>.+)" \((?P<l>[A-Z0-9]+)\) missing$',
        "loop {l} ({n}) is missing; the guide requires it",
    ),
    (
        r'^Mandatory segment "(?P<n>.+)" \((?P<s>[A-Z0-9]+)\) missing$',
        "segment {s} ({n}) is missing; the guide requires it",
    ),
    (
        r"^Segment (?P<s>[A-Z0-9]+) exceeded max count\.\s+Found (?P<a>\d+), should have "
        r"(?P<b>\d+)$",
        "segment {s} appears {a} times here; the guide allows {b}",
    ),
    (
        r"^My HL count (?P<a>\d+) does not match your HL count (?P<b>.*)$",
        "HL01 is {b}; the guide numbers the HL loops of a transaction set 1, 2, 3, ... so this "
        "one should be {a}",
    ),
    (
        r"^HL parent \((?P<p>.*)\) is not a valid parent$",
        "HL02 names parent HL {p}, which is not an HL loop above this one; the guide expects "
        "the HL01 of the billing provider or subscriber loop this loop belongs to",
    ),
    (
        r"^Segment contains a leading space$",
        "the segment starts with a space after the previous terminator; the guide allows only "
        "the terminator (and a line break) between segments",
    ),
    (
        r"^Your 2400/LX01 Service Line Number (?P<a>.*) does not match my count of (?P<b>\d+)$",
        "LX01 is {a}; the guide numbers the service lines of a claim 1, 2, 3, ... so this one "
        "should be {b}",
    ),
    (
        r"^SE count of (?P<a>.*) for SE02=(?P<c>.*) is wrong\. I count (?P<b>\d+)$",
        "SE01 of transaction set {c} says {a} segments; the set has {b} (ST through SE)",
    ),
    (
        r"^Syntax Error \((?P<r>[A-Z0-9]+)\): (?P<t>.+)$",
        "{t} in this segment (X12 syntax rule {r})",
    ),
]
# Compiled by the first message (an --ig run's): every run imports this module with the rule
# registry, and 17 patterns cost ~5 % of a 22-claim check's instructions that --no-ig never uses.
_compiled: list[tuple[re.Pattern, str]] = []


def _patterns() -> list[tuple[re.Pattern, str]]:
    if not _compiled:
        _compiled.extend((re.compile(p), t) for p, t in _PLAIN)
    return _compiled


def plain(tag: str, element: str, message: str) -> str:
    """One sentence a biller can act on, from a pyx12 message (raw text when unknown)."""
    for pattern, template in _patterns():
        m = pattern.match(message.strip())
        if m:
            text = template.format(**m.groupdict())
            break
    else:
        where = element or tag
        text = f"{where}: {message.strip()}" if where else message.strip()
    text = text[0].upper() + text[1:]
    return text if text.endswith(".") else text + "."


class IG001(Rule):
    """The claim does not conform to the 837P implementation guide (TR3 005010X222A1).

    Why is this bad?
        A clearinghouse validates every file against the TR3 (WEDI SNIP types 1 and 2) before
        any claim edit: a claim with a missing required segment, a bad code value or an invalid
        date comes back on a 999 or 277CA rejection, and a bad envelope can reject the whole
        file. pyx12 performs those checks; each error it reports is attached to the claim whose
        segments it names. Errors in a billing-provider or subscriber loop count against every
        claim below them; errors in the envelope or the transaction-set header are listed once
        on the set and each of its claims is held with one short finding pointing there.
        Messages are one plain sentence; pyx12's own text is kept in the JSON report.

    Example
        `CLM*C1*150***00:B:1*Y*A*Y*Y~`: place of service 00 is not a valid code (CLM05-1).

    Use instead
        `CLM*C1*150***11:B:1*Y*A*Y*Y~`: correct the value in the billing system and send again.

    Fix safety
        No automatic fix: implementation-guide errors are data the practice must correct.

    Source
        ASC X12N 837P TR3 005010X222A1 (via pyx12 4.0.0's 837.5010.X222.A1 map); WEDI SNIP
        types 1-2.
    """

    code = "IG001"
    name = "implementation-guide"
    severity = Severity.ERROR
    fix = None
    needs = frozenset({IG})

    def check(self, claim, ctx):
        set_issues = getattr(ctx, "ig_set_issues", None)
        if set_issues and set_issues[1]:
            st, n = set_issues
            yield self.finding(
                ctx,
                f"Transaction set {st} has {n} implementation-guide error(s) in its envelope or "
                "header (listed once on the set in the report); its claims are held until they "
                "are corrected.",
                segment=claim.envelope.st,
            )
        if not ctx.ig_issues:
            return
        by_index = {seg.index: seg for seg in claim.segments}
        for issue in ctx.ig_issues:
            seg = by_index.get(issue.index, claim.clm)
            where = "" if issue.index in by_index else _outside(issue)
            owner = None
            for line in claim.lines:
                if any(s is seg for s in claim.segments[line.start : line.end]):
                    owner = line
            f = self.finding(
                ctx, where + plain(issue.tag, issue.element, issue.message), segment=seg, line=owner
            )
            # for developers: pyx12's own words (JSON report, "pyx12")
            f.extra["pyx12"] = {
                "code": issue.code,
                "segment": issue.tag,
                "element": issue.element,
                "message": issue.message,
                "file_segment": issue.index,
            }
            yield f


def _outside(issue) -> str:
    if issue.index <= 0:
        return "In the file's envelope: "
    return f"Above this claim ({issue.tag} at file segment {issue.index}): "


RULE = IG001

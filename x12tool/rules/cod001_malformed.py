"""COD001: malformed procedure code, modifiers, units or charge on a service line, and values
the parser could not read (CLM02, SV102, SV104, SV107, DTP03)."""

from __future__ import annotations

import re
from decimal import Decimal

from x12tool.rules.base import Rule, Severity
from x12tool.rules.therapy import MAX_MODIFIERS, day

QUALIFIERS = frozenset({"ER", "HC", "IV", "WK"})
UNIT_BASES = frozenset({"MJ", "UN"})
# CPT Category I (5 digits), Category II/III (4 digits + F / T) and PLA (4 digits + U), HCPCS
# Level II (a letter + 4 digits).
CODE_SHAPE = re.compile(r"^(?:\d{5}|\d{4}[FTU]|[A-Z]\d{4})$")
MODIFIER_SHAPE = re.compile(r"^[A-Z0-9]{2}$")


# Codes and modifiers already seen to match their shapes: a file repeats a few dozen codes and
# modifiers on thousands of lines, so a set lookup stands in for the regex match. Only strings
# that matched are kept (bounded), so the answer is the regex's for every string.
_GOOD_CODES: set[str] = set()
_GOOD_MODIFIERS: set[str] = set()
_GOOD_MAX = 4096


def _code_ok(code: str) -> bool:
    if code in _GOOD_CODES:
        return True
    if CODE_SHAPE.match(code) is None:
        return False
    if len(_GOOD_CODES) < _GOOD_MAX:
        _GOOD_CODES.add(code)
    return True


def _modifiers_ok(modifiers) -> bool:
    for m in modifiers:
        if m not in _GOOD_MODIFIERS:
            if MODIFIER_SHAPE.match(m) is None:
                return False
            if len(_GOOD_MODIFIERS) < _GOOD_MAX:
                _GOOD_MODIFIERS.add(m)
    return True


def _well_formed(line) -> bool:
    """No shape finding for the line: one pass of the shape tests, each the exact counterpart
    of a finding of :meth:`COD001._findings`, so the findings' wording is built only for a
    line that has one."""
    code, units, basis, charge = line.code, line.units, line.unit_basis, line.charge
    return bool(
        code
        and line.qualifier in QUALIFIERS
        and (code in _GOOD_CODES or _code_ok(code))
        and len(line.modifiers) < MAX_MODIFIERS
        and (_GOOD_MODIFIERS.issuperset(line.modifiers) or _modifiers_ok(line.modifiers))
        and basis in UNIT_BASES
        and (units is None or basis != "UN" or (units > 0 and units == units.to_integral_value()))
        and (charge is None or charge >= 0)
    )


_ZERO = Decimal(0)
# SV104 counts (UN basis) already seen to be whole and positive: the reader shares one Decimal
# per text, so a set lookup (equal values are equally whole) stands in for two Decimal tests.
_GOOD_UNITS: set[Decimal] = set()


# SV1 segment texts whose line passed every shape test, by the element and component
# separators that split them and the terminator: the reader takes a line's qualifier, code,
# modifiers, charge, unit basis and units from SV1's text alone, so the same text with the
# same separators passes again. A file repeats a few hundred SV1 texts. The text is
# ``Segment._raw``, as the reader's own memos read it (claims/parse.py): a read segment's text
# without its terminator (no new string joined per line, and its hash already taken by those
# memos), else a whole raw, which ends with the terminator such a text cannot hold.
_GOOD_SV1: dict[tuple[str, str, str], set[str]] = {}
_GOOD_SV1_MAX = 16384


def _good_sv1(delims) -> set[str]:
    key = (delims.element, delims.component, delims.segment)
    got = _GOOD_SV1.get(key)
    if got is None:
        if len(_GOOD_SV1) >= 16:
            _GOOD_SV1.clear()
        got = _GOOD_SV1[key] = set()
    _LAST_SV1[:] = (delims, got)
    return got


# (delimiters, _good_sv1's set for them) of the last claim: a file's claims share one
# interchange's Delimiters object (frozen), so the next claim finds its set without making a
# key. The object is held, so no other takes its id; its set holds only texts that passed
# with its separators, so it stays right even after _GOOD_SV1 is cleared.
_LAST_SV1: list = [None, None]


def _units_ok(units: Decimal) -> bool:
    if not (units > 0 and units == units.to_integral_value()):
        return False
    if len(_GOOD_UNITS) < _GOOD_MAX:
        _GOOD_UNITS.add(units)
    return True


class COD001(Rule):
    """A line's code, modifiers, units or charge is malformed, or a claim value cannot be read.

    Why is this bad?
        The TR3 fixes the shape of the service line: SV101-1 is the code qualifier (HC for
        CPT/HCPCS; ER, IV, WK otherwise), SV101-2 a procedure code, SV101-3..6 at most four
        two-character modifiers, SV101-7 a free-text description, SV102 the charge, SV103 the
        unit basis (UN units or MJ minutes), SV104 the unit count. CPT and HCPCS codes are five
        characters: five digits (CPT Category I), four digits and F, T or U (Category II, III,
        PLA), or a letter and four digits (HCPCS Level II). A payer rejects a line that breaks
        these, or worse, reads it differently: a fifth modifier written after the fourth lands
        in SV101-7 and is taken as a description, not a modifier. A therapy line of zero,
        negative or fractional units bills nothing sensible, and a negative charge is not a
        charge. Values the reader could not parse at all (CLM02 with letters, a bad DTP03 date,
        a non-numeric SV104 or SV107) are reported here, one finding each.

    Example
        `SV1*HC:9711:GP*60*UN*1.5***1~`, `SV1*HC:97110:GP:59:KX:XU:CQ*60*UN*1***1~`,
        `CLM*A1*12O***11:B:1*Y*A*Y*Y~`

    Use instead
        `SV1*HC:97110:GP*60*UN*1***1~`; at most four modifiers (drop the least needed, or split
        the line); `CLM*A1*120***11:B:1*Y*A*Y*Y~`.

    Fix safety
        No automatic fix: the right value is not on the claim.

    Source
        TR3 005010X222A1 SV1 (SV101-1 qualifiers ER/HC/IV/WK, SV101-3..6 modifiers, SV101-7
        description, SV102 charge, SV103 UN/MJ, SV104 count, SV107 pointers), CLM02, DTP*472
        D8/RD8, as encoded by stupidedi X222A1-HC837; CPT/HCPCS code formats.
    """

    code = "COD001"
    name = "code.malformed"
    severity = Severity.ERROR
    fix = None

    def check(self, claim, ctx):
        if claim.problems:
            return self._all(claim, ctx)
        # The usual claim, in one loop with no call for the usual line: every line's code,
        # modifiers and units are ones seen to pass before, and the rest of _well_formed
        # holds. Any other line (or a line problem) goes the whole way.
        codes, mods, good_units = _GOOD_CODES, _GOOD_MODIFIERS, _GOOD_UNITS
        delims = claim.clm.delims  # the claim's interchange's separators
        last = _LAST_SV1
        seen = last[1] if last[0] is delims else _good_sv1(delims)
        for line in claim.lines:
            if line.problems:
                return self._all(claim, ctx)
            sv1 = line.sv1
            if sv1 is None:
                continue
            raw = sv1._raw
            if raw in seen:
                continue  # a text whose line passed before (None, a fix's SV1, never is)
            units = line.units
            charge = line.charge
            basis = line.unit_basis
            if not (
                line.code in codes
                and line.qualifier in QUALIFIERS
                and len(line.modifiers) < MAX_MODIFIERS
                and mods.issuperset(line.modifiers)
                and basis in UNIT_BASES
                and (units is None or basis != "UN" or units in good_units or _units_ok(units))
                and (charge is None or charge >= _ZERO)
            ):
                return self._all(claim, ctx)
            if raw is not None and len(seen) < _GOOD_SV1_MAX:
                seen.add(raw)
        return ()

    def _all(self, claim, ctx):
        out = []
        for p in claim.problems:
            out.append(
                self.finding(
                    ctx,
                    f"claim {claim.id}: {p.element} {p.message}: correct it in the billing system",
                    segment=p.segment,
                )
            )
        for line in claim.lines:
            if line.problems:
                out.extend(self._problems(line, ctx))
            if line.sv1 is not None and not _well_formed(line):
                out.extend(self._findings(line, ctx))
        return out

    def _problems(self, line, ctx):
        """The values of the line the reader could not parse, one finding each."""
        return [
            self.finding(
                ctx,
                f"{line.code or 'line'} on {day(line)}: {p.element} {p.message}: correct "
                "it in the billing system",
                segment=p.segment,
                line=line,
            )
            for p in line.problems
        ]

    def _findings(self, line, ctx):
        sv1 = line.sv1
        what = f"{line.code or '(no code)'} on {day(line)}"
        if not line.code:
            sep = sv1.delims.component
            yield self.finding(
                ctx,
                f"{what}: SV101 {sv1.element(1)!r} has no procedure code after the qualifier: "
                f"write it as qualifier{sep}code{sep}modifiers (the component separator is "
                f"{sep!r}, from ISA16)",
                line=line,
            )
        elif line.qualifier not in QUALIFIERS:
            yield self.finding(
                ctx,
                f"{what}: SV101-1 qualifier {line.qualifier!r} is not HC, ER, IV or WK: "
                "use HC for CPT/HCPCS codes",
                line=line,
            )
        if line.code and not CODE_SHAPE.match(line.code):
            todo = (
                "write it in upper case"
                if CODE_SHAPE.match(line.code.upper())
                else "correct the procedure code"
            )
            yield self.finding(
                ctx,
                f"{what}: SV101-2 {line.code!r} is not a CPT/HCPCS code (5 digits, 4 digits + "
                f"F/T/U, or a letter + 4 digits): {todo}",
                line=line,
            )
        comps = sv1.components(1)
        bad = [m for m in line.modifiers if not MODIFIER_SHAPE.match(m)]
        if bad:
            yield self.finding(
                ctx,
                f"{what}: modifier(s) {', '.join(repr(m) for m in bad)} are not two letters or "
                "digits: correct SV101-3..6",
                line=line,
            )
        extra = comps[6:7]
        if len(line.modifiers) == MAX_MODIFIERS and extra and MODIFIER_SHAPE.match(extra[0]):
            yield self.finding(
                ctx,
                f"{what}: more than four modifiers; the fifth ({extra[0]}) lands in SV101-7, "
                "the line description, and will not be read as a modifier: keep at most four",
                line=line,
            )
        if line.unit_basis not in UNIT_BASES:
            yield self.finding(
                ctx,
                f"{what}: SV103 unit basis {line.unit_basis!r} is not UN (units) or MJ "
                "(minutes): therapy codes use UN",
                line=line,
            )
        units = line.units
        if (
            units is not None
            and line.unit_basis == "UN"
            and ctx.ref.code(line.code) is not None
            and (units <= 0 or units != units.to_integral_value())
        ):
            kind = "zero" if units == 0 else "negative" if units < 0 else "fractional"
            yield self.finding(
                ctx,
                f"{what}: SV104 {sv1.element(4)} is {kind}; a therapy code is billed in whole "
                "units of 1 or more: correct the unit count or delete the line",
                line=line,
            )
        if line.charge is not None and line.charge < 0:
            yield self.finding(
                ctx,
                f"{what}: SV102 charge {sv1.element(2)} is negative: bill the full charge "
                "(adjustments belong on the remittance, not the claim)",
                line=line,
            )


RULE = COD001

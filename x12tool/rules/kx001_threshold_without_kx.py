"""KX001: a Medicare Part B therapy line past the year's KX threshold without KX."""

from __future__ import annotations

from x12tool.rules.base import Applicability, Fix, Rule, SetModifiers, Severity
from x12tool.rules.kx import basis, breakdown, kx_reportable, kx_silent, label, money
from x12tool.rules.services import LEDGER, PRICING
from x12tool.rules.therapy import MAX_MODIFIERS


class KX001(Rule):
    """A therapy line takes the beneficiary past the year's KX threshold and has no KX.

    Why is this bad?
        Medicare Part B therapy above the year's KX threshold ($2,480 for PT and SLP together
        and $2,480 for OT in 2026) is paid only with the KX modifier, which attests that the
        services are medically necessary and documented. A line past the threshold without KX
        is denied. The amount that accrues is the Medicare allowed amount of every therapy
        line of the calendar year, per beneficiary, GP and GN lines together and GO lines
        apart. One 837 file cannot see it: the therapy ledger (`x12tool ledger`) remembers what
        preflight sent before.

    Example
        The ledger holds $2,430.00 of 2026 PT allowed amounts for the member; the file's
        97110 x 2 on 2026-09-14 (estimated allowed $61.20) brings the year to $2,491.20, past
        $2,480: `SV1*HC:97110:GP*120*UN*2***1~`.

    Use instead
        When the record documents medical necessity: `SV1*HC:97110:GP:KX*120*UN*2***1~`.
        Every later PT/SLP line of that year needs KX too.

    Fix safety
        Unsafe: KX attests that the record supports medical necessity, which only the
        clinician can say. With `--unsafe-fixes` KX is added as the next modifier (no fix when
        the line already has four).

        The amounts are estimates: the money layer's Medicare PFS allowed amount (MPPR and
        CQ/CO applied) of each line. The year-to-date is the ledger's own lines of earlier
        runs (claims this run sends again leave theirs out), plus amounts imported with
        `x12tool ledger import`, plus the run's lines of the beneficiary before this one in
        date order (then file order): or `--ytd` in place of the ledger's amounts. Without a
        ledger and without `--ytd` only the run's own lines count. Claims held in the run
        still count for the run's later lines (they will be sent once corrected); only what
        preflight sends is recorded. Only claims whose payer profile applies the KX threshold
        (`kx_applies`, Medicare Part B) are checked and counted.

    Source
        BBA 2018 §50202 (SSA §1833(g)(7)); Noridian JE "Per-Beneficiary KX Modifier
        Thresholds"; CMS Therapy Services page (allowed amounts accrue). The yearly amounts
        ship in the thresholds map.
    """

    code = "KX001"
    name = "kx.threshold-without-kx"
    severity = Severity.ERROR
    fix = Applicability.UNSAFE
    needs = frozenset({LEDGER, PRICING})
    cross_claim = True

    @classmethod
    def quiet(cls, profile):
        return kx_silent(profile)

    def check(self, claim, ctx):
        scope, lines = kx_reportable(claim, ctx)
        if not lines:
            return ()  # most claims: no generator made for nothing
        return self._findings(claim, ctx, scope, lines)

    def _findings(self, claim, ctx, scope, lines):
        for f, pos, limit, _review in lines:
            if f.kx:
                continue
            if limit is None or pos.after <= limit:
                continue
            line = claim.lines[f.index]
            fix = None
            if line.sv1 is not None and len(line.modifiers) < MAX_MODIFIERS:
                mods = (*line.modifiers, "KX")
                fix = Fix(Applicability.UNSAFE, (SetModifiers(line.sv1, mods),))
            crossing = "goes past" if pos.before <= limit else "is already past"
            yield self.finding(
                ctx,
                f"{f.code} on {f.day.isoformat()} has no KX, but the beneficiary's {f.year} "
                f"{label(f.group)} therapy amount {crossing} the {money(limit)} KX threshold: "
                f"{money(pos.after)} with this line ({breakdown(pos, scope)}, {basis(pos)}); "
                "add KX when the record documents medical necessity",
                line=line,
                fix=fix,
            )


RULE = KX001

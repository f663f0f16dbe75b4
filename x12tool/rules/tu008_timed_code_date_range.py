"""TU008: a timed therapy code billed over a date range (DTP*472*RD8)."""

from __future__ import annotations

from x12tool.rules.base import Rule, Severity


def is_range(line) -> bool:
    """The line's service date is a range of more than one day (DTP*472*RD8)."""
    return (
        line.date_from is not None and line.date_to is not None and line.date_to != line.date_from
    )


class TU008(Rule):
    """A timed therapy code is billed over a date range (DTP*472*RD8) instead of one date.

    Why is this bad?
        Timed units are set by the minutes of each day of service (8-minute rule), so a line
        covering several days cannot be checked or paid by date: Medicare contractors reject
        claims whose timed code is not on a single line for each date of service. The minutes
        of the first day alone say nothing about the other days, so the tool never cuts the
        line's units from them; the timed-units rules leave the line's code on that day out.

    Example
        `SV1*HC:97110:GP*180*UN*4***1~` with `DTP*472*RD8*20260302-20260305~`.

    Use instead
        One line per date: 97110-GP with that day's units and `DTP*472*D8*20260302~`, another
        with `DTP*472*D8*20260305~`, and so on.

    Fix safety
        No automatic fix: how the units spread over the dates is in the notes, not on the
        claim. The claim is held; split the line per date in the billing system. A range whose
        two dates are the same is one date and is not flagged.

    Source
        First Coast Service Options, "Therapy services: counting units" (from 19 Apr 2021, a
        timed code must be reported on a single line for each date of service); CMS Pub
        100-04 Ch. 5 §20.2 (units per day of service); TR3 005010X222A1 2400 DTP*472 (D8 or
        RD8).
    """

    code = "TU008"
    name = "timed-units.date-range"
    severity = Severity.ERROR
    fix = None

    def check(self, claim, ctx):
        for line in claim.lines:
            # is_range, inline: a range is rare, and this runs on every line of every claim
            last = line.date_to
            if last is not None and last != line.date_from and line.date_from is not None:
                return self._findings(claim, ctx)
        return ()

    def _findings(self, claim, ctx):
        for line in claim.lines:
            if is_range(line) and ctx.ref.is_timed(line.code):
                days = (line.date_to - line.date_from).days + 1
                yield self.finding(
                    ctx,
                    f"{line.code} is billed over {days} days ({line.date_from.isoformat()} to "
                    f"{line.date_to.isoformat()}, DTP*472*RD8); a timed code needs one line per "
                    "date of service with that day's units: split the line per date",
                    line=line,
                )


RULE = TU008

"""DOC001: a 97530 line whose visit-log documentation checklist is incomplete."""

from __future__ import annotations

from x12tool.rules.base import Rule, Severity
from x12tool.rules.services import VISITS

CODE = "97530"


class DOC001(Rule):
    """A 97530 line's visit-log row lacks an element of the documentation checklist.

    Why is this bad?
        97530 (therapeutic activities) is the therapy code reviewers look at most, and a 97530
        note must show why the service needed a clinician's skill: the functional activity
        worked on, its medical necessity, that the contact was direct one-on-one, how the
        patient responded, and that it follows the certified plan of care. A line whose note
        lacks one of these does not survive review and is recouped. A ``one_on_one`` of N is
        worse than missing paperwork: 97530 is by definition direct one-on-one contact, and
        time spent with two or more patients at once is group therapy, billed as 97150.

    Example
        The visit log has the checklist columns, and the row for 97530 on 2026-03-02 has
        ``patient_response`` blank and ``plan_of_care`` = N.

    Use instead
        Complete the note in the EMR (every element ``Y``) and export the visit log again, or,
        when the time was not one-on-one, bill it as 97150 instead of 97530.

    Fix safety
        No automatic fix: only the clinician can complete a note, and changing the code to
        97150 attests to how the time was spent.

        The rule runs only when the visit log has all five checklist columns
        (``functional_activity, medical_necessity, one_on_one, patient_response,
        plan_of_care``); a 97530 line with no 97530 row in the log is left to TU006.

    Source
        CPT descriptor of 97530 ("direct (one-on-one) patient contact", quoted by Noridian);
        CMS Carriers Manual Transmittal 1753 (group therapy is 97150); Pub 100-02, Medicare
        Benefit Policy Manual, Ch. 15 §220.3 (documentation of therapy services).
    """

    code = "DOC001"
    name = "documentation.97530-checklist"
    severity = Severity.ERROR
    fix = None
    needs = frozenset({VISITS})

    def check(self, claim, ctx):
        visits = ctx.visits
        if visits is None or not visits.has_checklist:
            return ()
        for line in claim.lines:
            if line.code == CODE:
                break
        else:
            return ()  # no 97530 line (most claims)
        # A line's rows are among its claim's: when none of the claim's 97530 rows lacks a
        # mark (the usual claim; a row's gaps are parsed once per spelling of its marks),
        # nothing can be reported and no line's own rows are looked up.
        for row in ctx.visit_rows(claim):
            if row.cpt == CODE and row.checklist_gaps():
                return self._findings(claim, ctx)
        return ()

    def _findings(self, claim, ctx):
        out = None  # a list made only when there is something to report, not a generator
        for line in claim.lines:
            if line.code != CODE:
                continue
            for row in ctx.rows_for_line(claim, line):
                if row.cpt != CODE:
                    continue
                missing = row.checklist_gaps()
                if not missing:
                    continue
                if out is None:
                    out = []
                out.append(self.finding(ctx, _message(row, missing), line=line))
        return out or ()


def _message(row, missing: tuple[str, ...]) -> str:
    where = f"{CODE} on {row.service_date.isoformat()} (visit-log row {row.row})"
    if dict(row.checklist).get("one_on_one") == "N":
        others = [m for m in missing if m != "one_on_one"]
        message = (
            f"{where}: one_on_one is N, but 97530 requires direct one-on-one "
            "contact; group time is billed as 97150"
        )
        if others:
            message += f"; the checklist also lacks {', '.join(others)}"
        return message
    return (
        f"{where}: the documentation checklist lacks {', '.join(missing)} (not Y in the visit log)"
    )


RULE = DOC001

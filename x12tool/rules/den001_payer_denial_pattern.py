"""DEN001: the payer has been denying lines like this one (from the practice's own 835s)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from x12tool.rules.base import Rule, Severity
from x12tool.rules.services import DENIALS


class DEN001(Rule):
    """This payer keeps denying lines like this one (a pattern in the practice's own 835s).

    Why is this bad?
        A claim line that matches what the same payer has been denying will most likely be
        denied too: the practice loses the payment, pays for an appeal, or bills the patient.
        From the 835 remittances imported into the ledger (`x12tool remit import`), x12tool
        finds patterns with enough evidence in the 180 days up to the line's date of service:
        at least 5 remitted lines of the payer and at least 60 % of them denied, for the same
        procedure code, the same code with the same modifier set, or the same code billed with
        another code on one date (as on this claim). The finding names the payer, the counts,
        the most frequent adjustment reason codes (CARCs, each with a short label) and the
        dollars denied, so the workflow can be fixed before more claims are affected.

    Example
        Payer 00952 denied 97140 billed with 97530 on the same date on 5 of the last 5 lines
        (CO-97: bundled into another service); this claim bills
        `SV1*HC:97140:GP:59*40*UN*1***1~` with a 97530 line on 2026-03-02.

    Use instead
        Read the payer's policy for the pattern (bundling edits, unit limits, modifier rules,
        documentation) and change the claim or the workflow: bill the service the payer
        covers, document distinctness before using 59/X{EPSU}, or ask for prior authorization.
        When the pattern is a rule of the payer, put it in the payer's profile
        (`x12tool denials suggest` prints profile snippets) so preflight holds the claim.

    Fix safety
        No fix: the remittances show what the payer did, not what the claim should say.

        A warning by default (never holds a claim); a payer profile may set DEN001 to error.
        Thresholds: `--denial-thresholds min_lines=5,min_rate=0.6,days=180` (or the config
        file's `denial-thresholds`, or `X12TOOL_DEN001`). Silent without a
        ledger or before any remittance is imported. Denied = nothing paid for a reason other
        than the patient's cost share (deductible, coinsurance, copay). The most specific pattern is
        named: code pair, then code with modifiers, then code.

    Source
        ASC X12N 005010X221A1 (835) CLP/SVC/CAS/LQ. The CARC labels shipped with x12tool are
        its own few-word paraphrase of the meanings in X12's CARC list (external code source
        139; official text at https://x12.org/codes), as of 2026-12-02; a CARC not shipped
        reads "not in the shipped list". The practice's own remittances are the evidence;
        issue 16.
    """

    code = "DEN001"
    name = "denials.payer-pattern"
    severity = Severity.WARNING
    fix = None
    needs = frozenset({DENIALS})

    def check(self, claim, ctx):
        if ctx.denials is None:
            return ()  # no 835 imported
        return self._findings(claim, ctx, ctx.denials)

    def _findings(self, claim, ctx, history):
        from x12tool.refdata import load_reason_codes  # the labels' module: for a message only

        reasons = load_reason_codes()
        payer = (claim.subscriber.payer_id or "").strip().upper()
        if not payer:
            return
        codes_on = {}
        for line in claim.lines:
            if line.date_from is not None and line.code:
                codes_on.setdefault(line.date_from, set()).add(line.code.strip().upper())
        for line in claim.lines:
            if line.date_from is None or not line.code:
                continue
            found = history.patterns(payer, line.date_from)
            if not found:
                continue
            code = line.code.strip().upper()
            mods = tuple(sorted(m.strip().upper() for m in line.modifiers if m.strip()))
            candidates = [
                *(
                    found.get((payer, "pair", code, (), o))
                    for o in sorted(codes_on[line.date_from])
                ),
                found.get((payer, "modifiers", code, mods, "")),
                found.get((payer, "code", code, (), "")),
            ]
            pattern = next((p for p in candidates if p is not None), None)
            if pattern is None:
                continue
            pct = (pattern.rate * 100).quantize(Decimal("1"))
            start = line.date_from - timedelta(days=history.window_days)
            yield self.finding(
                ctx,
                f"payer {payer} denied {pattern.describe()} on {pattern.denied} of "
                f"{pattern.lines} remitted line(s) ({pct}%) from {start.isoformat()} to "
                f"{line.date_from.isoformat()} ({pattern.top_carcs(reasons=reasons)}; "
                f"${Decimal(pattern.dollars) / 100:,.2f} denied): this line is likely to be "
                "denied too; check the payer's policy before sending",
                line=line,
            )


RULE = DEN001

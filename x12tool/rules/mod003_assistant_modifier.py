"""MOD003: CQ/CO assistant modifiers: paired with the right therapy modifier, and present when
the documents show a therapy assistant furnished the service."""

from __future__ import annotations

from x12tool.rules.base import Applicability, Fix, Rule, SetModifiers, Severity
from x12tool.rules.codeflags import ALWAYS_THERAPY
from x12tool.rules.money import REDUCTION, fixed_modifiers
from x12tool.rules.services import VISITS
from x12tool.rules.therapy import MAX_MODIFIERS, day

ASSISTANT_ROLES = {"PTA": "PT", "OTA": "OT"}


class MOD003(Rule):
    """An assistant modifier (CQ/CO) is unpaired, or missing where an assistant furnished the line.

    Why is this bad?
        CQ marks an outpatient PT service furnished in whole or in part by a physical therapist
        assistant, CO the same for an OT service by an occupational therapy assistant. From
        2020-01-01 Medicare Part B requires them, and from 2022-01-01 such services are paid at
        85%. CQ goes with GP and CO with GO: CQ on a line without GP (or CO without GO) says
        the line is both a PT-assistant service and not a PT service; that is checked for every
        payer. A missing CQ/CO is checked only where the payer profile sets `cq_co_applies`
        (Medicare Part B), for service dates from 2020-01-01, when the visit log rows of the
        line name a PTA/OTA as provider_role, or the line's rendering provider (2420A, else
        2310B) has an assistant taxonomy (2252 PTA, 224Z OTA).

        Severity: the pairing and a line whose visit log rows were all furnished by an
        assistant are errors (furnished "in whole" needs CQ/CO whatever the minutes). When the
        assistant furnished only part of the line (mixed rows) or only the taxonomy says so,
        the finding is a warning: under the de minimis standard the modifier applies only when
        the assistant furnished more than 10% of the service's minutes, and that split is not
        on the 837P (the research note says to warn, not hold, in that case).

    Example
        Medicare, 2026-03-02, visit log row `provider_role=PTA` for 97110:
        `SV1*HC:97110:GP*60*UN*1***1~`

    Use instead
        `SV1*HC:97110:GP:CQ*60*UN*1***1~`

    Fix safety
        Unsafe (applied only with --unsafe-fixes): the documents prove an assistant took part,
        but whether CQ/CO is due depends on the de minimis 10% test per unit, which needs the
        therapist/assistant minute split the log does not hold; adding CQ/CO also cuts the
        payment to 85%, so it is an attestation the biller must make. The fix appends CQ/CO
        after the existing modifiers; it is offered only when the line already has the matching
        GP/GO (MOD001 adds that first) and fewer than four modifiers. The pairing errors have no
        fix: either the therapy modifier or the assistant modifier is wrong, and only the
        record says which.

    Source
        CMS "Billing Examples Using CQ/CO Modifiers for Services Furnished In Whole or In Part
        by PTAs and OTAs" and Pub 100-04 Ch. 5 §20.1; BBA 2018 §53107 / SSA §1834(v) (85% from
        2022-01-01); CY2020 PFS final rule (de minimis 10% standard); CQ+GP / CO+GO pairing
        (webpt.com, [M]); NUCC taxonomy 225200000X / 224Z00000X.
    """

    code = "MOD003"
    name = "assistant-modifier"
    severity = Severity.ERROR
    fix = Applicability.UNSAFE
    needs = frozenset({VISITS})

    def check(self, claim, ctx):
        ref = ctx.ref
        profile = ctx.profile
        applies = profile is not None and profile.cq_co_applies
        facts = self._facts  # _ref_facts's test, inline: this runs on every claim
        if facts is None or facts["ref"] is not ref:
            facts = self._ref_facts(ctx)
        assistant = facts["assistant"]
        roles = ()  # the claim's visit rows that name an assistant
        if applies:
            # A line misses CQ/CO only when a visit row or a taxonomy names an assistant:
            # when nothing on the claim can (most claims), only the pairing is left to check.
            # A line's rows are among its claim's, so without such a row no line's rows have one.
            for r in ctx.visit_rows(claim):
                if r.provider_role in ASSISTANT_ROLES:
                    roles += (r,)
            applies = roles or self._assistant_taxonomy(claim, ref, facts)
        if not applies:
            # only the pairing is checked: a line with CQ/CO is rare
            for line in claim.lines:
                if not assistant.isdisjoint(line.modifiers):
                    break
            else:
                return ()
        # With assistant rows but no taxonomy that could name an assistant (the usual such
        # claim: one 2310B, a therapist's), a line misses CQ/CO only through a row of its own,
        # which shares its line control or its code and date with one of ``roles``; the
        # other lines are passed over without _missing (whose answer for them is None).
        rows_only = bool(roles) and not self._assistant_taxonomy(claim, ref, facts)
        out = []  # a list, not a generator: most claims have nothing to report
        for line in claim.lines:
            if line.sv1 is None:
                continue
            if assistant.isdisjoint(line.modifiers):
                if applies:
                    if rows_only:
                        control, code, when = line.line_control, line.code, line.date_from
                        for r in roles:
                            if r.line_control == control or (
                                r.cpt == code and r.service_date == when
                            ):
                                break
                        else:
                            continue  # no assistant row of its own, no assistant taxonomy
                    found = self._missing(claim, line, ctx, facts, roles)
                    if found is not None:
                        out.append(found)
                continue
            for mod in [m for m in line.modifiers if m in ref.assistant_modifiers]:
                needs = ref.assistant_modifiers[mod]
                if needs not in line.modifiers:
                    out.append(
                        self.finding(
                            ctx,
                            f"{line.code} on {day(line)} has {mod} without {needs}: {mod} marks "
                            f"an assistant's {ref.modifier(mod).discipline} service and goes "
                            f"with {needs}; correct the therapy modifier or the assistant "
                            "modifier",
                            line=line,
                        )
                    )
        return out

    def _ref_facts(self, ctx):
        """What the rule reads from the reference data on every claim, worked out once per
        reference data of the run: the assistant modifier of each discipline, the assistant
        modifiers as a set, and each taxonomy's (discipline, is_assistant). Kept on the rule,
        for the reference data they were made of: they are its answers alone."""
        ref = ctx.ref
        state = self._facts
        if state is None or state["ref"] is not ref:
            state = self._facts = {
                "by_discipline": {ref.modifier(m).discipline: m for m in ref.assistant_modifiers},
                "assistant": frozenset(ref.assistant_modifiers),
                "therapy": frozenset(ref.therapy_modifiers),
                "taxonomy": {},
                "ref": ref,
            }
        return state

    _facts: dict | None = None

    @staticmethod
    def _assistant_taxonomy(claim, ref, facts) -> bool:
        """A taxonomy may name an assistant for some line: a line's own 2420A has one (asked
        line by line), or the claim's 2310B's is an assistant's."""
        for line in claim.lines:
            prov = line.rendering
            if prov and prov.taxonomy:
                return True
        prov = claim.rendering
        return bool(prov and prov.taxonomy and _taxonomy(ref, facts, prov.taxonomy)[1])

    def _missing(self, claim, line, ctx, facts, any_roles=True):
        if line.date_from is None:
            return None
        ref = ctx.ref
        if facts["therapy"].isdisjoint(line.modifiers) and not ALWAYS_THERAPY(ref, line.code):
            return None
        # The line's rows only matter when one names an assistant: when none of the claim's
        # rows does, the line's are not looked up (TU001 and others join them when they need).
        # ``any_roles`` may be those rows of the claim (from check): a line's rows share its
        # line control or its code and date (RuleContext.rows_for_line), so a line that
        # shares neither with one of them has none (the usual line of such a claim).
        if any_roles is True:
            rows = ctx.rows_for_line(claim, line)
        elif any_roles:
            control, code, when = line.line_control, line.code, line.date_from
            for r in any_roles:
                if r.line_control == control or (r.cpt == code and r.service_date == when):
                    rows = ctx.rows_for_line(claim, line)
                    break
            else:
                rows = ()
        else:
            rows = ()
        roles = [r for r in rows if r.provider_role in ASSISTANT_ROLES]
        if roles:
            disc = ASSISTANT_ROLES[roles[0].provider_role]
            nums = ", ".join(str(r.row) for r in roles)
            who = f"visit log row(s) {nums} give provider_role {roles[0].provider_role}"
            whole = len(roles) == len(rows)
        else:
            prov = line.rendering
            if not (prov and prov.taxonomy):
                prov = claim.rendering
                if not (prov and prov.taxonomy):
                    return None
            disc, assistant = _taxonomy(ref, facts, prov.taxonomy)
            if not assistant:
                return None
            loop = "2420A" if prov is line.rendering else "2310B"
            who = f"the {loop} rendering provider's taxonomy {prov.taxonomy} is an assistant's"
            whole = False
        mod = facts["by_discipline"].get(disc)
        if mod is None:
            return None
        info = ref.modifier(mod)
        if info.effective and line.date_from < info.effective:
            return None
        needs = info.requires
        fix = None
        if needs in line.modifiers and len(line.modifiers) < MAX_MODIFIERS:
            fix = Fix(Applicability.UNSAFE, (SetModifiers(line.sv1, (*line.modifiers, mod)),))
            todo = f"add {mod}"
        elif needs not in line.modifiers:
            todo = f"add {needs} and {mod}"
        else:
            todo = f"add {mod} (drop a modifier to make room: four is the most)"
        if whole:
            why = "(the assistant furnished the whole service)"
            severity = None
        else:
            why = "if the assistant furnished more than 10% of its minutes (de minimis standard)"
            severity = None if ctx.profile.severity_for(self.code) else Severity.WARNING
        return self.finding(
            ctx,
            f"{line.code} on {day(line)} has no {mod} but {who}: {todo} {why}",
            line=line,
            fix=fix,
            severity=severity,
            extra={"missing_modifier": mod},
        )

    def money_effect(self, finding, priced):
        """``reduction``: what the 85% CQ/CO payment takes off the line."""
        i = priced.index_of(finding)
        if i is not None:
            mods = fixed_modifiers(finding)
            if mods is None and finding.extra.get("missing_modifier"):
                mods = (*priced.inputs[i].modifiers, finding.extra["missing_modifier"])
            if mods is not None:
                delta = priced.billed.total - priced.price(priced.with_modifiers(i, mods)).total
                if delta > 0:
                    return REDUCTION, delta
        return super().money_effect(finding, priced)


def _taxonomy(ref, facts, taxonomy: str) -> tuple:
    """(discipline, is_assistant) of a taxonomy code, kept with the rule's reference facts."""
    taxonomies = facts["taxonomy"]
    got = taxonomies.get(taxonomy)
    if got is None:
        got = ref.taxonomy_discipline(taxonomy)
        if len(taxonomies) < 4096:
            taxonomies[taxonomy] = got
    return got


RULE = MOD003

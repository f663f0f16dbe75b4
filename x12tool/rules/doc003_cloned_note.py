"""DOC003: the same 97530 note text for one patient on different dates (cloned notes)."""

from __future__ import annotations

import hashlib
import os
from datetime import date
from operator import itemgetter

from x12tool.rules.base import Rule, Severity
from x12tool.rules.services import VISITS

CODE = "97530"
# Notes shorter than this (after whitespace is collapsed) are ignored: short stock phrases
# ("Pt tolerated well.", "See flowsheet") repeat legitimately and say nothing either way.
MIN_NOTE_CHARS = 20
# A claim's notes are taken by date, line and visit-log row (never by the line object)
_ORDER = itemgetter(0, 1, 2)


def normalize_note(text: str) -> str:
    """Whitespace collapsed to single spaces, case folded."""
    if text.isascii() and text.isprintable() and "  " not in text:
        # Printable ASCII has no whitespace but the space: with no two in a row and none at
        # either end, split and join give the text back, and casefold is lower (the usual
        # note, without a list of its words).
        if text[:1] != " " and text[-1:] != " ":
            return text.lower()
    return " ".join(text.split()).casefold()


def patient_identity(claim) -> str | None:
    """Who the patient is: the 2000C patient's name and birth date when present, else the
    subscriber's member id (the subscriber is the patient). None when neither is known."""
    sub = claim.subscriber
    pat = claim.patient
    if pat is not None and pat.last_name:
        if pat.birth_date:
            return "\x1f".join(("P", pat.last_name, pat.first_name, pat.birth_date)).upper()
        # Without a birth date, the name under this subscriber's member id.
        if sub.member_id:
            return "\x1f".join(("PM", sub.member_id, pat.last_name, pat.first_name)).upper()
        return None
    if sub.member_id:
        return "\x1f".join(("S", sub.member_id)).upper()
    return None


class DOC003(Rule):
    """The same 97530 note text appears for one patient on different dates (cloned notes).

    Why is this bad?
        Each 97530 note must document that day's skilled, one-on-one treatment and the
        patient's response to it. A note copied word for word from another date is the
        textbook "cloned documentation" reviewers look for: it suggests the note does not
        describe what happened that day, and the services it supports are denied or recouped.

    Example
        The visit log has the same 97530 note, "Sit-to-stand transfers 3x10 with min assist,
        cues for hand placement", for the same patient on 2026-03-02 (claim A) and 2026-03-09
        (claim B).

    Use instead
        Write each date's note from that day's session (activities, assistance, response,
        progress toward goals) and export the visit log again.

    Fix safety
        No automatic fix: only the clinician can rewrite a note.

        Notes are compared after collapsing whitespace and case; empty notes and notes under
        20 characters are ignored. The patient is the 2000C patient (name and birth date) when
        there is one, else the subscriber's member id. The rule works within one claim and
        across the claims of one run, however far apart they lie. It keeps no note text and no
        identity: only keyed 64-bit hashes (the key is random per run) of the patient and the
        note, mapped to the claim id and date where the note was first seen, and only until
        the patient's last claim in the run. The finding goes on the line of the date
        seen second and names the first claim and date; a note on the same date as its first
        occurrence is not flagged, so checking a claim again never matches it with itself.
        Within a claim dates are taken in order; across claims, in the order of the file.

    Source
        CMS Pub 100-02, Medicare Benefit Policy Manual, Ch. 15 §220.3 (documentation of each
        treatment); CPT descriptor of 97530 (direct one-on-one contact).
    """

    code = "DOC003"
    name = "documentation.cloned-note"
    severity = Severity.WARNING
    fix = None
    needs = frozenset({VISITS})
    cross_claim = True

    def check(self, claim, ctx):
        if ctx.visits is None:
            return ()
        # Only 97530 lines have notes to compare: a claim without one (most) leaves no state
        # and reports nothing, so nothing else is worked out for it (a plain loop that stops
        # at the first 97530, not a list of the claim's lines).
        for line in claim.lines:
            if line.code == CODE:
                break
        else:
            return ()
        identity = patient_identity(claim)
        if identity is None:
            return ()
        keyed = self._keyed[1] if self._keyed[0] is ctx else self._keyed_for(ctx)
        # The notes of the claim's group (claims linked by member id or patient,
        # x12tool.claims.plan), dropped after the group's last claim: exact across the run,
        # and memory follows the patients still to come.
        first = ctx.group_state(self)
        prefix = identity + "\0"

        seen = []
        copy = keyed.copy
        from_bytes = int.from_bytes
        n = -1
        for line in claim.lines:
            n += 1
            if line.code != CODE:
                continue
            for row in ctx.rows_for_line(claim, line):
                if row.cpt != CODE:
                    continue
                note = row.note_text  # normalize_note, inline (its usual case first)
                if (
                    note.isascii()
                    and note.isprintable()
                    and "  " not in note
                    and note[:1] != " "
                    and note[-1:] != " "
                ):
                    note = note.lower()
                else:
                    note = " ".join(note.split()).casefold()
                if len(note) < MIN_NOTE_CHARS:
                    continue
                # one 64-bit digest of patient and note, no text kept
                digest = copy()
                digest.update((prefix + note).encode())
                seen.append(
                    (row.service_date, n, row.row, line, from_bytes(digest.digest(), "big"))
                )
        if not seen:
            return ()
        if len(seen) > 1:
            seen.sort(key=_ORDER)
        out = None  # made for a finding only (most claims have none)
        for day, _, row_number, line, note_key in seen:
            packed = first.get(note_key)
            if packed is None:
                # "claim id<US>date ordinal": one string a note (~130 bytes with its key,
                # 20,000 notes ~2.7 MB; a (str, date) tuple and a bytes key took ~230). The
                # first sighting is this one: same date, nothing to report.
                first[note_key] = f"{claim.id}\x1f{day.toordinal()}"
                continue
            first_claim, _, ordinal = packed.rpartition("\x1f")
            first_day = date.fromordinal(int(ordinal))
            if first_day == day:
                continue
            if out is None:
                out = []
            out.append(
                self.finding(
                    ctx,
                    f"{CODE} on {day.isoformat()} (visit-log row {row_number}): the note is the "
                    f"same text as the 97530 note of claim {first_claim} on "
                    f"{first_day.isoformat()} for this patient (cloned note)",
                    line=line,
                )
            )
        return out or ()

    # (context, its run's keyed digest): the digest of the context last asked for
    _keyed: tuple = (None, None)

    def _keyed_for(self, ctx):
        """The run's keyed digest, set up once: a copy of it hashes a note as
        blake2b(data, key=key) does, without the keyed set-up (about half the cost) on every
        note. Kept in the run's state (any DOC003 checking with this context shares it), and
        here for the context last asked for, so a claim does not look it up. The key is drawn
        once (an initial value given to run_state would be drawn from the OS on every claim
        only to be dropped). os.urandom is what secrets.token_bytes returns; the secrets
        module (base64, hmac, struct) is not imported for it."""
        state = ctx.run_state(self, {})
        keyed = state.get("keyed")
        if keyed is None:
            keyed = state["keyed"] = hashlib.blake2b(key=os.urandom(16), digest_size=8)
        self._keyed = (ctx, keyed)
        return keyed


RULE = DOC003

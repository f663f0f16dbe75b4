"""The screens that let COD003, MOD002, MOD004, DOC001 and DOC003 return early on the usual
claim give the findings of the walks they stand in for: each rule's body as it read before the
screens (kept here) against the rule, on the sample, generated claims and visit logs, and
copies of them changed so that every rule has lines to report (bad pointers, conflicting and
locked therapy modifiers, bypass modifiers, incomplete checklists, cloned and short notes)."""

from __future__ import annotations

import csv
import hashlib
import io
import random
import secrets
from datetime import date
from pathlib import Path

import pytest

from devtools.synth import generate
from x12tool.claims import Claim, iter_items
from x12tool.edi import X12Source
from x12tool.refdata import load_refdata
from x12tool.rules.cod003_diagnosis_pointer import COD003, MAX_DIAGNOSES, MAX_POINTERS
from x12tool.rules.cod003_diagnosis_pointer import _positions as positions
from x12tool.rules.context import RuleContext
from x12tool.rules.doc001_97530_checklist import DOC001
from x12tool.rules.doc003_cloned_note import (
    DOC003,
    MIN_NOTE_CHARS,
    normalize_note,
    patient_identity,
)
from x12tool.rules.mod002_therapy_modifier_conflict import MOD002
from x12tool.rules.mod004_bypass_no_partner import MOD004
from x12tool.rules.ncci_hits import suspicious_modifiers
from x12tool.rules.therapy import day, describe, discipline_evidence, modifier_for
from x12tool.visits import CHECKLIST, VisitLog
from x12tool.visits.row import CHECKLIST_MEMO_MAX, RowLayout

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "fixtures" / "sample" / "therapy_batch.837"
SAMPLE_VISITS = ROOT / "fixtures" / "sample" / "therapy_visits.csv"


# --- the rule bodies as they read before the screens ---------------------------------------


def cod003_walk(rule, claim, ctx):
    n = len(claim.diagnoses)
    if not claim.lines:
        return
    if n == 0:
        if any(p.element.startswith("HI") for p in claim.problems):
            return
        yield rule.finding(
            ctx,
            f"claim {claim.id} has no diagnosis codes (HI ABK/ABF): its lines' SV107 "
            "pointers point at nothing; add the diagnoses in HI",
            segment=claim.clm,
        )
        return
    for line in claim.lines:
        if line.sv1 is None:
            continue
        what = f"{line.code or 'line'} on {day(line)}"
        if not line.pointers:
            if any(p.element == "SV107" for p in line.problems):
                continue
            yield rule.finding(
                ctx,
                f"{what} has no diagnosis pointer (SV107): point it at the HI "
                f"diagnosis ({positions(n)}) the service treats",
                line=line,
            )
            continue
        bad = [p for p in line.pointers if p < 1 or p > min(n, MAX_DIAGNOSES)]
        if bad:
            yield rule.finding(
                ctx,
                f"{what}: SV107 diagnosis pointer(s) {', '.join(map(str, bad))} name no "
                f"diagnosis: the claim has {n} in HI, so use "
                f"{positions(min(n, MAX_DIAGNOSES))}",
                line=line,
            )
        if len(line.pointers) > MAX_POINTERS:
            yield rule.finding(
                ctx,
                f"{what}: SV107 has {len(line.pointers)} diagnosis pointers; at most "
                f"{MAX_POINTERS} are allowed: keep the four most relevant",
                line=line,
            )


def mod002_walk(rule, claim, ctx):
    ref = ctx.ref
    for line in claim.lines:
        if line.sv1 is None:
            continue
        mods = list(dict.fromkeys(m for m in line.modifiers if m in ref.therapy_modifiers))
        if not mods:
            continue
        info = ref.code(line.code)
        lock = info.discipline if info is not None else None
        if lock:
            right = modifier_for(ctx, lock)
            wrong = [m for m in mods if m != right]
            if wrong:
                yield rule.finding(
                    ctx,
                    f"{line.code} on {day(line)} is locked to {lock} by CR 10176 and takes "
                    f"only {right}, but carries {'/'.join(wrong)}: use {right} alone (or, "
                    f"if another discipline furnished it, that discipline's code)",
                    line=line,
                )
            continue
        if len(mods) < 2:
            continue
        evidence = discipline_evidence(claim, line, ctx)
        disciplines = {d for _, d in evidence}
        if len(disciplines) == 1:
            right = modifier_for(ctx, next(iter(disciplines)))
            advice = f"keep {right} only ({describe(evidence)})"
        elif disciplines:
            advice = (
                f"keep one; the sources disagree ({describe(evidence)}), so check the plan of care"
            )
        else:
            advice = "keep the one of the plan of care the service was furnished under"
        yield rule.finding(
            ctx,
            f"{line.code} on {day(line)} carries {len(mods)} therapy modifiers "
            f"({'/'.join(mods)}); a line is furnished under one plan of care: {advice}",
            line=line,
        )


def mod004_walk(rule, claim, ctx):
    suspicious = suspicious_modifiers(ctx)
    if all(suspicious.isdisjoint(line.modifiers) for line in claim.lines):
        return []
    return list(rule._findings(claim, ctx, suspicious))  # the walk itself is unchanged


def doc001_walk(rule, claim, ctx):
    if ctx.visits is None or not ctx.visits.has_checklist:
        return
    for line in claim.lines:
        if line.code != "97530":
            continue
        for row in ctx.rows_for_line(claim, line):
            if row.cpt != "97530":
                continue
            missing = [name for name, value in row.checklist if value != "Y"]
            if not missing:
                continue
            where = f"97530 on {row.service_date.isoformat()} (visit-log row {row.row})"
            if dict(row.checklist).get("one_on_one") == "N":
                others = [m for m in missing if m != "one_on_one"]
                message = (
                    f"{where}: one_on_one is N, but 97530 requires direct one-on-one "
                    "contact; group time is billed as 97150"
                )
                if others:
                    message += f"; the checklist also lacks {', '.join(others)}"
            else:
                message = (
                    f"{where}: the documentation checklist lacks {', '.join(missing)} "
                    "(not Y in the visit log)"
                )
            yield rule.finding(ctx, message, line=line)


def doc003_walk(rule, claim, ctx):
    if ctx.visits is None:
        return ()
    lines = [(n, line) for n, line in enumerate(claim.lines) if line.code == "97530"]
    if not lines:
        return ()
    identity = patient_identity(claim)
    if identity is None:
        return ()
    state = ctx.run_state(rule, {})
    key = state.get("key")
    if key is None:
        key = state["key"] = secrets.token_bytes(16)
    first = ctx.group_state(rule)
    prefix = identity + "\0"
    seen = []
    for n, line in lines:
        for row in ctx.rows_for_line(claim, line):
            if row.cpt != "97530":
                continue
            note = normalize_note(row.note_text)
            if len(note) < MIN_NOTE_CHARS:
                continue
            raw = hashlib.blake2b((prefix + note).encode("utf-8"), key=key, digest_size=8).digest()
            seen.append((row.service_date, n, row.row, line, int.from_bytes(raw, "big")))
    if not seen:
        return ()
    seen.sort(key=lambda item: item[:3])
    out = []
    for d, _, row_number, line, note_key in seen:
        packed = first.get(note_key)
        if packed is None:
            first[note_key] = f"{claim.id}\x1f{d.toordinal()}"
            continue
        first_claim, _, ordinal = packed.rpartition("\x1f")
        first_day = date.fromordinal(int(ordinal))
        if first_day == d:
            continue
        out.append(
            rule.finding(
                ctx,
                f"97530 on {d.isoformat()} (visit-log row {row_number}): the note is the "
                f"same text as the 97530 note of claim {first_claim} on "
                f"{first_day.isoformat()} for this patient (cloned note)",
                line=line,
            )
        )
    return out


# --- inputs -----------------------------------------------------------------------------------

MARKS = ["Y", "Y", "Y", "y", " Y ", "yes", "N", "n", "", " ", "no", "x"]
THERAPY = ["GP", "GO", "GN"]
OTHER_MODS = ["59", "XU", "XS", "CQ", "CO", "KX", "25"]
# two therapy modifiers, or one twice: reported on a code without a lock only when they differ
PAIRED = [("GP", "GO"), ("GO", "GP", "59"), ("GP", "GP"), ("GN", "GO"), ("59", "GP", "GP")]


def claims_of(data: bytes, path: Path) -> list[Claim]:
    path.write_bytes(data)
    with X12Source(path) as src:
        return [c for c in iter_items(src.segments(), str(path)) if isinstance(c, Claim)]


def changed_log(text: str, rnd: random.Random) -> str:
    """The log with checklist marks in odd spellings, notes copied to other dates of the
    same claim and patient, notes shortened and re-spaced."""
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    at = {name: i for i, name in enumerate(header)}
    checklist = [at[c] for c in CHECKLIST]
    note, claim_id = at["note_text"], at["claim_id"]
    earlier: dict[str, list[list[str]]] = {}  # claim id -> its rows so far
    for row in body:
        if rnd.random() < 0.3:
            for i in checklist:
                row[i] = rnd.choice(MARKS)
        before = earlier.setdefault(row[claim_id], [])
        roll = rnd.random()
        if roll < 0.3 and before:
            # a clone of a note of the same claim (same patient), re-spaced, in another case
            row[note] = "  " + rnd.choice(before)[note].upper().replace(" ", "   ") + " "
        elif roll < 0.35:
            row[note] = "Pt tolerated well."
        before.append(row)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *body])
    return out.getvalue()


def changed_claims(claims: list[Claim], rnd: random.Random) -> None:
    """Pointers, modifiers and diagnoses changed in place on some lines of some claims."""
    for claim in claims:
        if rnd.random() < 0.1:
            claim.diagnoses = claim.diagnoses[: rnd.randrange(0, len(claim.diagnoses) + 1)]
        for line in claim.lines:
            roll = rnd.random()
            if roll < 0.08:
                line.pointers = [rnd.randrange(-1, 15) for _ in range(rnd.randrange(0, 6))]
            elif roll < 0.1:
                # at the edges: four to six valid pointers; one just out of range
                edges = [[1] * 4, [1] * 5, [1] * 6, [0], [-1], [13], [len(claim.diagnoses) + 1]]
                line.pointers = list(rnd.choice(edges))
            elif roll < 0.2:
                line.modifiers = rnd.sample(THERAPY + OTHER_MODS, rnd.randrange(0, 4))
            elif roll < 0.23:
                line.modifiers = list(rnd.choice(PAIRED))
            elif roll < 0.28:
                line.code = rnd.choice(["97161", "97165", "92521", "97530", "97110"])
                line.modifiers = [rnd.choice(THERAPY), *rnd.sample(OTHER_MODS, rnd.randrange(2))]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """(claims, visit log) pairs: the sample; generated claims as written; and changed."""
    tmp = tmp_path_factory.mktemp("screens")
    rnd = random.Random(53)
    out = [(claims_of(SAMPLE.read_bytes(), tmp / "sample.837"), VisitLog(SAMPLE_VISITS))]
    for seed in (3, 11):
        buf, log = io.BytesIO(), io.StringIO()
        generate(buf, claims=120, seed=seed, defect_rate=0.3, visits=log)
        plain = tmp / f"gen{seed}.csv"
        plain.write_text(log.getvalue())
        out.append((claims_of(buf.getvalue(), tmp / f"gen{seed}.837"), VisitLog(plain)))
        changed = tmp / f"gen{seed}-changed.csv"
        changed.write_text(changed_log(log.getvalue(), rnd))
        claims = claims_of(buf.getvalue(), tmp / f"gen{seed}-changed.837")
        changed_claims(claims, rnd)
        out.append((claims, VisitLog(changed)))
    return out


@pytest.mark.parametrize(
    ("rule", "walk"),
    [(COD003, cod003_walk), (MOD002, mod002_walk), (MOD004, mod004_walk), (DOC001, doc001_walk)],
    ids=["COD003", "MOD002", "MOD004", "DOC001"],
)
def test_a_screened_rule_reports_what_its_walk_reports(inputs, rule, walk):
    rule = rule()
    ref = load_refdata()
    reported = 0
    for claims, visits in inputs:
        ctx = RuleContext(ref=ref, visits=visits)
        for claim in claims:
            ctx.for_claim(claim)
            want = list(walk(rule, claim, ctx))
            assert list(rule.check(claim, ctx)) == want, claim.id
            reported += len(want)
    # the changed inputs give each rule lines to report, so both ways are taken
    assert reported >= 5


def test_doc003_reports_the_cloned_notes_its_walk_reports(inputs):
    rule = DOC003()
    ref = load_refdata()
    reported = 0
    for claims, visits in inputs:
        new, old = RuleContext(ref=ref, visits=visits), RuleContext(ref=ref, visits=visits)
        for claim in claims:
            want = list(doc003_walk(rule, claim, old.for_claim(claim)))
            assert list(rule.check(claim, new.for_claim(claim))) == want, claim.id
            reported += len(want)
    assert reported >= 5


def test_a_copy_of_the_keyed_digest_hashes_as_a_keyed_blake2b():
    key = secrets.token_bytes(16)
    keyed = hashlib.blake2b(key=key, digest_size=8)
    for text in ("", "x", "a note" * 40, "P\x1fDOE\x1fJANE\x1f19500101\0sit to stand 3x10"):
        copy = keyed.copy()
        copy.update(text.encode("utf-8"))
        want = hashlib.blake2b(text.encode("utf-8"), key=key, digest_size=8).digest()
        assert copy.digest() == want


def test_a_layouts_checklist_parses_as_each_row_alone_and_stays_small():
    names = ("functional_activity", "medical_necessity", "one_on_one")
    layout = RowLayout(names, lambda values: tuple(values[:3]), 3, 4)
    rnd = random.Random(5)
    spellings = MARKS + [f" {c}{k} " for c in "YyNn" for k in range(100)]
    for _ in range(2000):
        values = [rnd.choice(spellings) for _ in range(3)]
        pairs, gaps = layout.parse(values)
        want = tuple(zip(names, [v.strip().upper()[:1] for v in values], strict=True))
        assert pairs == want
        assert gaps == tuple(n for n, v in want if v != "Y")
        assert len(layout.parsed) <= CHECKLIST_MEMO_MAX


def test_checklist_gaps_agree_with_checklist_missing_however_the_row_was_read(inputs):
    rows = 0
    for claims, visits in inputs:
        for claim in claims:
            for row in visits.for_claim(claim.id):
                gaps = row.checklist_gaps()  # before or after the checklist was read
                assert list(gaps) == row.checklist_missing()
                assert gaps == tuple(n for n, v in row.checklist if v != "Y")
                rows += 1
    assert rows > 500


def test_normalize_note_is_split_join_casefold_on_any_text():
    """normalize_note's printable-ASCII path (lower() of the text as it is) gives what
    " ".join(text.split()).casefold() gives, on texts built of spaces, tabs, line breaks,
    Unicode spaces, control characters, upper case and non-ASCII letters (ß casefolds to ss)."""
    rnd = random.Random(31)
    parts = [
        "a",
        "Sit",
        "TO",
        "stand",
        "3x10",
        " ",
        "  ",
        "\t",
        "\n",
        "\r\n",
        "\x0b",
        "\x1f",
        "\u00a0",
        "\u2003",
        "\u3000",
        "ß",
        "Straße",
        "É",
        "\x85",
        ",",
        "-",
        "\x7f",
        "",
    ]
    fast = 0
    for _ in range(4000):
        text = "".join(rnd.choice(parts) for _ in range(rnd.randrange(0, 9)))
        assert normalize_note(text) == " ".join(text.split()).casefold(), repr(text)
        fast += text.isascii() and text.isprintable() and "  " not in text
    assert fast > 300  # the ASCII path was taken, and the other one too

"""Build the corpus of broken (and awkward but valid) 837P inputs for the hostile-input tests.

Every case is derived by a program from ``fixtures/sample/therapy_batch.837`` or from the
seeded synthetic generator (``devtools.synth``); nothing is hand-edited, nothing generated is
committed. Use it as a script::

    python tests/hostile/make_corpus.py DEST            # the corpus (a few hundred KB)
    python tests/hostile/make_corpus.py DEST --big 200  # plus a 200 MB file of one repeated claim

or import it: ``build(dest) -> list[Case]`` and ``build_big(path, size) -> Case``.

Each :class:`Case` says what the right outcome is: ``refuse`` (exit 3, one line naming the
problem, nothing written) or ``accept`` (claims split into ready/held, findings in the report).
"""

from __future__ import annotations

import argparse
import datetime
import io
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from devtools import synth  # noqa: E402

SAMPLE = ROOT / "fixtures" / "sample" / "therapy_batch.837"
SEED = 9009
EOL = b"~\n"


@dataclass
class Case:
    name: str
    description: str
    path: Path
    expect: str  # "refuse" (exit 3) or "accept" (exit 0 or 1)
    needle: str = ""  # refuse: a piece of the one-line message
    offset: int | None = None  # refuse: the byte offset the message must name (None: not asked)
    position: int | None = None  # refuse: the segment position the message must name
    exit_code: int | None = None  # accept: 0 (nothing held) or 1 (claims held)
    held: int | None = None  # accept: how many claims must be held (None: not asked)
    held_ig_clean: bool = True  # accept: the held file passes pyx12 (held claims are as-is)
    codes: list[str] = field(default_factory=list)  # accept: finding codes that must appear
    slow: bool = False
    same_as: str | None = None  # accept: outputs equal this case's, line breaks and BOM aside
    phi: set[str] = field(default_factory=set)  # member ids, names, birth dates in the file


# --------------------------------------------------------------------------- helpers


def synth_base(claims: int = 4, seed: int = SEED) -> bytes:
    """A clean synthetic file (no defects): every claim is ready as it stands."""
    buf = io.BytesIO()
    synth.generate(buf, claims=claims, seed=seed, defect_rate=0.0)
    return buf.getvalue()


def phi_of(data: bytes) -> set[str]:
    """Member ids (NM1*IL NM109), subscriber/patient names (NM1*IL/QC NM103, NM104) and birth
    dates (DMG02) of a file, read with its own delimiters (no reader: works on broken files)."""
    text = data.decode("latin-1")
    start = text.find("ISA")
    if start < 0 or len(text) < start + 106:
        return set()
    elem, term = text[start + 3], text[start + 105]
    found: set[str] = set()
    for raw in text[start:].split(term):
        f = raw.strip("\r\n\t ").split(elem)
        if f[0] == "NM1" and len(f) > 1 and f[1] in ("IL", "QC"):
            for i in (3, 4) + ((9,) if f[1] == "IL" else ()):
                if i < len(f) and f[i].strip():
                    found.add(f[i].strip())
        elif f[0] == "DMG" and len(f) > 2 and f[2].strip():
            found.add(f[2].strip())
    return found


def segments(data: bytes) -> list[bytes]:
    """Split a ``~\\n`` file into segment bodies."""
    return [s for s in data.split(EOL) if s]


def join(segs: list[bytes]) -> bytes:
    return b"".join(s + EOL for s in segs)


def recount(segs: list[bytes]) -> list[bytes]:
    """Recompute SE01 of every transaction set (for edits that must keep the envelope valid)."""
    out, n = [], 0
    for s in segs:
        tag = s.split(b"*", 1)[0]
        if tag == b"ST":
            n = 0
        n += 1
        if tag == b"SE":
            parts = s.split(b"*")
            parts[1] = str(n).encode()
            s = b"*".join(parts)
        out.append(s)
    return out


def offset_of(data: bytes, needle: bytes, nth: int = 0) -> int:
    at = -1
    for _ in range(nth + 1):
        at = data.index(needle, at + 1)
    return at


def position_of(data: bytes, offset: int) -> int:
    """1-based segment position (within its interchange) of the segment at ``offset``."""
    head = data[:offset]
    isa = head.rfind(b"ISA*")
    return head[isa:].count(b"~") + 1


def replace_once(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) >= 1, old
    return data.replace(old, new, 1)


def drop(data: bytes, tag: bytes) -> bytes:
    return join([s for s in segments(data) if not s.startswith(tag + b"*")])


def first_claim(segs: list[bytes]) -> tuple[int, int]:
    """Index range [start, end) of the first claim's 2300/2400 segments (CLM to next HL/SE)."""
    start = next(i for i, s in enumerate(segs) if s.startswith(b"CLM*"))
    end = next(i for i in range(start + 1, len(segs)) if segs[i].startswith((b"HL*", b"SE*")))
    return start, end


def set_element(data: bytes, tag: bytes, index: int, value: bytes) -> bytes:
    """Set element ``index`` of the first ``tag`` segment to ``value`` (nothing else changes)."""
    segs = segments(data)
    i = next(i for i, s in enumerate(segs) if s.startswith(tag + b"*"))
    parts = segs[i].split(b"*")
    parts[index] = value
    segs[i] = b"*".join(parts)
    return join(segs)


def many_lines(data: bytes, n: int) -> bytes:
    """The first claim with ``n`` service lines (97110, one unit each, on ``n`` dates)."""
    segs = segments(data)
    start, end = first_claim(segs)
    claim = segs[start:end]
    head = [s for s in claim if not s.startswith((b"LX*", b"SV1*", b"DTP*472", b"REF*6R"))]
    clm = head[0].split(b"*")
    clm[2] = str(45 * n).encode()
    head[0] = b"*".join(clm)
    lines = []
    first = datetime.date(2026, 1, 5)  # a Monday: weekdays of consecutive weeks
    for k in range(n):
        date = first + datetime.timedelta(days=(k // 5) * 7 + k % 5)
        lines += [
            b"LX*%d" % (k + 1),
            b"SV1*HC:97110:GP*45*UN*1***1:2",
            b"DTP*472*D8*" + date.strftime("%Y%m%d").encode(),
        ]
    return join(recount(segs[:start] + head + lines + segs[end:]))


def hl_parent_missing(data: bytes) -> bytes:
    segs = segments(data)
    i = next(i for i, s in enumerate(segs) if s.startswith(b"HL*2*1*22"))
    segs[i] = b"HL*2*9*22*0"
    return join(segs)


def hl_out_of_order(data: bytes) -> bytes:
    """Move the billing provider's HL*20 block after the first subscriber's claim."""
    segs = segments(data)
    hl20 = next(i for i, s in enumerate(segs) if s.startswith(b"HL*1**20"))
    hl22 = next(i for i, s in enumerate(segs) if s.startswith(b"HL*2*1*22"))
    nxt = next(i for i in range(hl22 + 1, len(segs)) if segs[i].startswith((b"HL*", b"SE*")))
    block20, block22 = segs[hl20:hl22], segs[hl22:nxt]
    return join(segs[:hl20] + block22 + block20 + segs[nxt:])


def as_4010(data: bytes) -> bytes:
    """The same claims labelled as a 4010A1 837P (ISA12 00401, GS08 004010X098A1)."""
    data = replace_once(data, b"*^*00501*", b"*U*00401*")
    data = data.replace(b"005010X222A1", b"004010X098A1")
    return data


def as_835(data: bytes) -> bytes:
    """An 835 remittance envelope (GS01 HP, ST 835, 005010X221A1) with minimal content."""
    segs = segments(data)
    isa, gs = segs[0], segs[1].split(b"*")
    gs[1], gs[8] = b"HP", b"005010X221A1"
    body = [
        b"ST*835*0001",
        b"BPR*I*100*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*20260310",
        b"TRN*1*12345*1512345678",
        b"N1*PR*MEDICARE PART B",
        b"N1*PE*RIVERBEND PHYSICAL THERAPY LLC*XX*1582037465",
        b"CLP*TC0700000001*1*497*100**MB*1234567890",
    ]
    body.append(b"SE*%d*0001" % (len(body) + 1))
    return join([isa, b"*".join(gs)] + body + [b"GE*1*1", b"IEA*1*000000001"])


def as_270(data: bytes) -> bytes:
    """A 270 eligibility inquiry (GS01 HS, ST 270, 005010X279A1)."""
    segs = segments(data)
    isa, gs = segs[0], segs[1].split(b"*")
    gs[1], gs[8] = b"HS", b"005010X279A1"
    body = [
        b"ST*270*0001*005010X279A1",
        b"BHT*0022*13*10001234*20260310*1319",
        b"HL*1**20*1",
        b"NM1*PR*2*MEDICARE PART B*****PI*04412",
        b"HL*2*1*21*1",
        b"NM1*1P*2*RIVERBEND PHYSICAL THERAPY LLC*****XX*1582037465",
        b"HL*3*2*22*0",
        b"NM1*IL*1*DOE*JANE****MI*1EG4TE5MK72",
        b"EQ*30",
    ]
    body.append(b"SE*%d*0001" % (len(body) + 1))
    return join([isa, b"*".join(gs)] + body + [b"GE*1*1", b"IEA*1*000000001"])


# --------------------------------------------------------------------------- the corpus


def build(dest: str | Path, write: bool = True) -> list[Case]:
    """Write every case to ``dest`` and return them (deterministic: same bytes every run).

    ``write=False`` only lists the cases (for test collection); their paths do not exist."""
    dest = Path(dest)
    if write:
        dest.mkdir(parents=True, exist_ok=True)
    base = synth_base()
    sample = SAMPLE.read_bytes()
    rng = random.Random(SEED)
    cases: list[Case] = []

    def add(name: str, data: bytes, description: str, expect: str, **kw) -> None:
        path = dest / f"{name}.837"
        if write:
            path.write_bytes(data)
        # PHI of the source the case was made from (a mangled file may hide it from a parser).
        kw.setdefault("phi", phi_of(data) | phi_of(sample if b"TXTHERAPY01" in data else base))
        cases.append(Case(name, description, path, expect, **kw))

    def refuse(name, data, description, needle, at: bytes | int | None = None, pos=None, **kw):
        # a bytes ``at`` is the start of a segment: the first one after a line break
        offset = at if isinstance(at, int) or at is None else offset_of(data, b"\n" + at) + 1
        if pos is True:
            pos = position_of(data, offset)
        add(name, data, description, "refuse", needle=needle, offset=offset, position=pos, **kw)

    isa_end = base.index(b"~") + 1

    # -- not X12 at all
    refuse("empty", b"", "empty file (0 bytes)", "empty file", 0)
    refuse(
        "random_bytes",
        rng.randbytes(4096),
        "4 KiB of random bytes",
        "not an X12 interchange",
        0,
    )
    refuse(
        "not_x12_text",
        b"claim_id,service_date,cpt,minutes\nTC1,2026-03-02,97530,38\n",
        "a CSV visit log instead of an 837",
        "not an X12 interchange",
        0,
    )
    refuse(
        "utf16",
        base.decode("latin-1").encode("utf-16"),
        "the synthetic file re-encoded as UTF-16 (with BOM)",
        "UTF-16",
        0,
    )

    # -- ISA header
    refuse(
        "isa_105_bytes",
        replace_once(base, b"*THERAPYSUB01   *", b"*THERAPYSUB01  *"),
        "ISA06 one space short: ISA is 105 bytes",
        "ISA is 105 bytes long",
        0,
        1,
    )
    refuse(
        "isa_107_bytes",
        replace_once(base, b"*THERAPYSUB01   *", b"*THERAPYSUB01    *"),
        "ISA06 one space long: ISA is 107 bytes",
        "ISA is 107 bytes long",
        0,
        1,
    )
    refuse(
        "isa_truncated",
        base[:60],
        "file cut inside the ISA (60 bytes)",
        "ISA has only",
        0,
    )
    bad = base[: isa_end - 2] + b"*" + base[isa_end - 1 :]
    refuse(
        "isa16_equals_element_sep",
        bad,
        "ISA16 component separator is '*', the element separator",
        "not distinct",
        0,
        1,
    )
    refuse(
        "isa_separator_not_used_in_body",
        base[:isa_end].replace(b"*", b"|") + base[isa_end:],
        "ISA written with '|' as element separator, the rest of the file with '*'",
        "not a segment tag",
        isa_end + 1,
        2,
    )
    refuse(
        "isa_element_sep_letter",
        b"ISAX" + base[4:],
        "ISA element separator is a letter",
        "is a letter, digit or space",
        3,
    )

    # -- missing trailers
    missing = drop(base, b"IEA")
    refuse("missing_iea", missing, "IEA removed", "file ends without IEA", len(missing))
    refuse(
        "missing_ge",
        drop(base, b"GE"),
        "GE removed",
        "IEA before the group's GE: GE is missing",
        b"IEA*",
        True,
    )
    refuse(
        "missing_gs",
        drop(base, b"GS"),
        "GS removed (GE left)",
        "ST outside a functional group: expected GS first",
        b"ST*",
        2,
    )
    refuse(
        "missing_se",
        drop(base, b"SE"),
        "SE removed",
        "SE (transaction set trailer) is missing",
        b"GE*",
        True,
    )

    # -- control numbers and counts
    data = replace_once(base, b"IEA*1*000000001", b"IEA*1*000000002")
    refuse("iea02_mismatch", data, "IEA02 differs from ISA13", "IEA02", b"IEA*", True)
    data = replace_once(base, b"GE*1*1~", b"GE*1*2~")
    refuse("ge02_mismatch", data, "GE02 differs from GS06", "GE02", b"GE*", True)
    data = replace_once(base, b"GE*1*", b"GE*2*")
    refuse("ge01_wrong", data, "GE01 counts 2 sets, the group has 1", "GE01", b"GE*", True)
    # A wrong SE01/SE02 is the set's problem, not the file's: that set is held whole (ENV002),
    # the other sets go on (docs/design.md, "What is refused").
    per_set = len([x for x in segments(base) if x.startswith(b"CLM*")])
    add(
        "se02_mismatch",
        three_sets(base, se02=b"0009"),
        "3 transaction sets; the middle set's SE02 differs from its ST02",
        "accept",
        exit_code=1,
        held=per_set,
        held_ig_clean=False,
        codes=["ENV002"],
    )
    add(
        "se01_wrong",
        three_sets(base, se01=1),
        "3 transaction sets; the middle set's SE01 is one more than its segments",
        "accept",
        exit_code=1,
        held=per_set,
        held_ig_clean=False,
        codes=["ENV002"],
    )

    # -- terminators
    segs = segments(base)
    n3 = next(s for s in segs if s.startswith(b"N3*") and segs.index(s) > 10)
    data = replace_once(base, n3 + b"~", n3 + b"~APT 4~")
    refuse(
        "terminator_in_data",
        data,
        "'~' inside the subscriber's address (N301 '... ~APT 4')",
        "not a segment tag",
        offset_of(data, b"~APT 4") + 1,
        True,
    )
    nm1 = next(s for s in segs if s.startswith(b"NM1*IL*1*"))
    last = nm1.split(b"*")[3]
    data = replace_once(base, nm1, nm1.replace(last, last + b"~SMITH", 1))
    refuse(
        "terminator_in_name",
        data,
        "'~' inside a subscriber's double last name (NM103 '...~SMITH'): the rest of NM1 "
        "reads as a segment",
        "not a segment tag",
        offset_of(data, b"~SMITH") + 1,
        True,
        phi=phi_of(base) | {b"SMITH".decode()},
    )
    data = replace_once(base, b"\nHI*ABK:", b"\nHI~ABK:")
    refuse(
        "terminator_in_data_tag_like",
        data,
        "'~' where HI's first separator belongs: a 2-letter 'segment' HI, then 'ABK:...'",
        "not a segment tag",
        offset_of(data, b"HI~ABK:") + 3,
        True,
    )
    cut = offset_of(base, b"CLM*") + 10
    refuse(
        "truncated_mid_segment",
        base[:cut],
        "file cut in the middle of the first CLM",
        "file ends without SE",
        cut,
    )
    refuse(
        "double_terminator",
        replace_once(base, b"PRV*BI*PXC*225100000X~", b"PRV*BI*PXC*225100000X~~"),
        "an empty segment ('~~')",
        "empty segment",
        offset_of(base, b"PRV*BI") + len(b"PRV*BI*PXC*225100000X~"),
        True,
    )

    # -- unsupported transactions and versions
    data = as_4010(base)
    refuse("version_4010", data, "a 4010A1 837P (ISA12 00401)", "ISA12 version '00401'", 0, 1)
    data = as_835(base)
    refuse("transaction_835", data, "an 835 remittance", "GS01 'HP'", b"GS*", 2)
    data = as_270(base)
    refuse("transaction_270", data, "a 270 eligibility inquiry", "GS01 'HS'", b"GS*", 2)
    data = replace_once(base, b"ST*837*0001*005010X222A1", b"ST*837*0001*005010X223A2")
    refuse(
        "institutional_837i",
        data,
        "an 837I label in ST03 under an 837P GS",
        "ST03 version '005010X223A2'",
        b"ST*",
        3,
    )

    # -- HL hierarchy
    data = hl_parent_missing(base)
    refuse(
        "hl_parent_missing",
        data,
        "subscriber HL*2 names parent HL 9, which does not exist",
        "names parent '9'",
        b"HL*2*9",
        True,
    )
    data = hl_out_of_order(base)
    refuse(
        "hl_out_of_order",
        data,
        "the first subscriber's HL*22 loop comes before the billing provider's HL*20",
        "latest level-20 HL is 'missing'",
        b"HL*2*1*22",
        True,
    )

    # -- accepted: awkward but processable
    add(
        "utf8_bom",
        b"\xef\xbb\xbf" + sample,
        "UTF-8 byte order mark before ISA (the sample batch)",
        "accept",
        exit_code=1,
        held=4,
        same_as="lf",
    )
    add(
        "crlf",
        sample.replace(b"~\n", b"~\r\n"),
        "CR/LF after every segment",
        "accept",
        exit_code=1,
        held=4,
        same_as="lf",
    )
    add(
        "lf",
        sample,
        "LF after every segment (the sample batch as is)",
        "accept",
        exit_code=1,
        held=4,
    )
    add(
        "no_line_breaks",
        sample.replace(b"~\n", b"~"),
        "one line: no line break after any segment",
        "accept",
        exit_code=1,
        held=4,
        same_as="lf",
    )
    add(
        "missing_final_terminator",
        base[:-2],
        "the last IEA has no '~' (nor line break)",
        "accept",
        exit_code=0,
        held=0,
    )
    add(
        "service_lines_51",
        many_lines(base, 51),
        "first claim with 51 service lines (the 2400 loop allows 50)",
        "accept",
        exit_code=1,
        held=1,
        held_ig_clean=False,
    )
    add(
        "clm02_letters",
        set_element(base, b"CLM", 2, b"4A7"),
        "CLM02 '4A7' (letters in the claim amount) on the first claim",
        "accept",
        exit_code=1,
        held=1,
        held_ig_clean=False,
    )
    for label, value in (("negative", b"-1"), ("zero", b"0"), ("fractional", b"1.5")):
        add(
            f"sv104_{label}",
            set_element(base, b"SV1", 4, value),
            f"SV104 (units) {value.decode()} on the first service line",
            "accept",
            exit_code=1,
            held=1,
            held_ig_clean=label != "negative",
        )
    segs = segments(base)
    second_lx = [i for i, s in enumerate(segs) if s.startswith(b"LX*")][1]
    segs[second_lx] = b"LX"
    add(
        "lx01_missing",
        join(segs),
        "the second service line's LX has no LX01 ('LX~'), found by hypothesis",
        "accept",
        exit_code=1,
        held=1,
        held_ig_clean=False,
    )
    add(
        "lx01_superscript_digit",
        set_element(base, b"LX", 1, b"\xb2"),
        "LX01 is byte 0xB2 ('²' in latin-1): not ASCII, and str.isdigit() is true for it "
        "(found by atheris)",
        "accept",
        exit_code=1,
        held=1,
        held_ig_clean=False,
    )
    segs = segments(base)
    clm = [i for i, s in enumerate(segs) if s.startswith(b"CLM*")][1]
    last = next(k for k in range(clm, len(segs)) if segs[k].startswith((b"HL*", b"SE*"))) - 1
    segs[clm], segs[last] = segs[last], segs[clm]
    add(
        "clm_after_its_lines",
        join(segs),
        "second claim's CLM swapped with its last segment: HI, NM1*82, LX/SV1 loops come "
        "before CLM (pyx12 reports the missing HI/2400 at the next claim, which is held too)",
        "accept",
        exit_code=1,
        held=2,
        held_ig_clean=False,
    )
    return cases


# --------------------------------------------------------------------------- 200 MB


def build_big(path: str | Path, size: int = 200 * 1024 * 1024, chunk_claims: int = 2000) -> Case:
    """Stream a file of about ``size`` bytes: one synthetic claim repeated (HL ids renumbered,
    one ST). Memory stays small: claims are written in batches of ``chunk_claims``."""
    path = Path(path)
    segs = segments(synth_base(claims=1))
    hl22 = next(i for i, s in enumerate(segs) if s.startswith(b"HL*2*1*22"))
    se = next(i for i, s in enumerate(segs) if s.startswith(b"SE*"))
    head, claim, tail = segs[:hl22], segs[hl22 + 1 : se], segs[se:]
    body = join(claim)
    per_claim = len(body) + len(b"HL*1000000*1*22*0~\n")
    n = max(1, (size - len(join(head + tail))) // per_claim)
    count = len(head) - 2  # ST..before first HL*22 (ISA, GS are outside the set)
    with open(path, "wb") as fh:
        fh.write(join(head))
        written = 0
        while written < n:
            batch = []
            for k in range(written, min(n, written + chunk_claims)):
                batch.append(b"HL*%d*1*22*0~\n" % (k + 2))
                batch.append(body)
            fh.write(b"".join(batch))
            written = min(n, written + chunk_claims)
        count += n * (len(claim) + 1) + 1
        fh.write(b"SE*%d*0001~\n" % count)
        fh.write(join(tail[1:]))
    return Case(
        "one_claim_repeated_200mb",
        f"one claim repeated {n} times in one ST ({size // (1024 * 1024)} MB)",
        path,
        "accept",
        exit_code=0,
        held=0,
        slow=True,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dest")
    ap.add_argument("--big", type=int, metavar="MB", help="also write the big file of MB MiB")
    args = ap.parse_args(argv)
    for case in build(args.dest):
        print(f"{case.expect:7} {case.path.name}: {case.description}")
    if args.big:
        case = build_big(Path(args.dest) / "one_claim_repeated.837", args.big * 1024 * 1024)
        print(f"{case.expect:7} {case.path.name}: {case.description}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


def _member_of_set(seg: bytes, n: int) -> bytes:
    """A 2010BA NM1's member id (NM109) with the set's number after it."""
    if not seg.startswith(b"NM1*IL*"):
        return seg
    e = seg.split(b"*")
    if len(e) > 9 and e[9]:
        e[9] += b"%d" % n
    return b"*".join(e)


def three_sets(base: bytes, se01: int = 0, se02: bytes | None = None) -> bytes:
    """``base``'s transaction set three times in one group (ST02 0001-0003, claim ids and
    member ids made unique per set: three batches of claims, not one beneficiary-day billed
    three times, which TU007 and NCCI003 count across claims), the middle set's SE01 off by
    ``se01`` and its SE02 set to ``se02``."""
    segs = segments(base)
    st = next(i for i, s in enumerate(segs) if s.startswith(b"ST*"))
    se = next(i for i, s in enumerate(segs) if s.startswith(b"SE*"))
    body = segs[st + 1 : se]
    out = segs[:st]
    for n in (1, 2, 3):
        control = b"%04d" % n
        out.append(b"ST*837*" + control + b"*005010X222A1")
        out.extend(_member_of_set(s, n).replace(b"TC09", b"TC%d9" % n) for s in body)
        count = len(body) + 2 + (se01 if n == 2 else 0)
        close = se02 if n == 2 and se02 is not None else control
        out.append(b"SE*%d*" % count + close)
    out.extend(
        s if not s.startswith(b"GE*") else b"GE*3*" + s.split(b"*")[2] for s in segs[se + 1 :]
    )
    return join(out)

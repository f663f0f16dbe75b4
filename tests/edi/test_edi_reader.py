"""The X12 layer: delimiters, streaming reader, byte-for-byte write-back, envelope checks."""

from __future__ import annotations

import io

import pytest
from conftest import SYNTHETIC, public_files

from x12tool.edi import SegmentReader, X12InputError, X12Source, X12Writer
from x12tool.edi.envelope import EnvelopeChecker
from x12tool.edi.errors import UnsupportedError
from x12tool.edi.reader import PassMismatch
from x12tool.edi.segment import Segment

SYN = SYNTHETIC.read_bytes()


def roundtrip(data: bytes, chunk_size: int = 1 << 20) -> bytes:
    reader = SegmentReader(io.BytesIO(data), "mem", chunk_size=chunk_size)
    out = io.BytesIO()
    writer = X12Writer(out, terminate_last=False)
    writer.write_text(reader.preamble.text)
    for seg in reader:
        writer.write(seg)
    return out.getvalue()


def variant(data: bytes, *, element=b"*", component=b":", terminator=b"~", eol=b"\n") -> bytes:
    """Re-delimit the synthetic claim (ISA stays 106 bytes)."""
    text = data.replace(b"~\n", b"\x00")
    segs = [s for s in text.split(b"\x00") if s]
    out = []
    for seg in segs:
        if seg.startswith(b"ISA"):
            seg = seg[:-1] + component  # ISA16
        else:
            seg = seg.replace(b":", b"\x01")
        seg = seg.replace(b"*", b"\x02").replace(b"\x02", element).replace(b"\x01", component)
        out.append(seg + terminator + eol)
    return b"".join(out)


def readable(path) -> bool:
    try:
        with X12Source(path) as src:
            for _ in src.segments():
                pass
        return True
    except X12InputError:
        return False


READABLE = [p for p in public_files() if readable(p)]


@pytest.mark.parametrize("path", public_files(), ids=lambda p: p.name)
@pytest.mark.parametrize("chunk", [5, 97, 1 << 20])
def test_reader_keeps_every_byte_of_every_fixture(path, chunk):
    data = path.read_bytes()
    try:
        reader = SegmentReader(io.BytesIO(data), path.name, chunk_size=chunk)
    except UnsupportedError:
        assert path.name.startswith("staedi")  # ISA12 00402
        return
    raw = reader.preamble.text + "".join(seg.raw for seg in reader)
    assert raw.encode("latin-1") == data


@pytest.mark.parametrize("chunk", [5, 1 << 20])
def test_the_reader_sets_every_slot_of_the_segments_it_builds(chunk):
    """The reader builds segments without calling Segment (its slots set one by one): each
    has all of them, as Segment(...) would give, with the text the fields came from."""
    reader = SegmentReader(io.BytesIO(SYN), "syn", chunk_size=chunk)
    checker = EnvelopeChecker("syn")
    segs = list(reader.checked(checker))
    assert segs and all(hasattr(s, name) for s in segs for name in Segment.__slots__)
    for n, s in enumerate(segs, start=1):
        assert s.index == n and s.raw.startswith(s.text + s.delims.segment)
        assert SYN[s.offset : s.offset + len(s.raw)] == s.raw.encode("latin-1")


@pytest.mark.parametrize("path", READABLE, ids=lambda p: p.name)
def test_writer_roundtrip_is_byte_identical(path):
    data = path.read_bytes()
    assert roundtrip(data, 97) == data


def test_public_fixtures_that_are_refused_are_the_broken_ones():
    refused = {p.name for p in public_files()} - {p.name for p in READABLE}
    # imsweb fixtures carry wrong SE01 counts / HL parents; StAEDI's is ISA12 00402
    # (edi-anchors.md C.1). Example1_2_And_3's pre-errata 005010X222 label is read (ENV001).
    assert refused == {p.name for p in public_files() if p.name.startswith(("ims__", "staedi__"))}


def test_writer_recomputes_wrong_trailer_counts():
    data = SYN.replace(b"SE*30*0001", b"SE*25*0001")
    out = roundtrip(data)
    assert out == SYN


@pytest.mark.parametrize(
    "opts",
    [
        dict(),
        dict(eol=b""),
        dict(eol=b"\r\n"),
        dict(eol=b"\r"),
        dict(element=b"|", component=b">", terminator=b"~"),
        dict(element=b"!", component=b"\\", terminator=b"'", eol=b"\r\n"),
        dict(element=b"*", component=b":", terminator=b"\n", eol=b""),
        dict(element=b"~", component=b">", terminator=b"_"),
    ],
    ids=repr,
)
def test_roundtrip_delimiter_and_line_break_variants(opts):
    data = variant(SYN, **opts)
    reader = SegmentReader(io.BytesIO(data), "mem", chunk_size=64)
    segs = list(reader)
    assert reader.delims.element == opts.get("element", b"*").decode()
    assert reader.delims.component == opts.get("component", b":").decode()
    assert [s.tag for s in segs][:3] == ["ISA", "GS", "ST"]
    sv1 = [s for s in segs if s.tag == "SV1"][1]
    assert sv1.component(1, 2) == "97530"
    assert sv1.element(4) == "2"
    assert roundtrip(data, 64) == data


def test_segment_offsets_and_positions_point_at_the_bytes():
    reader = SegmentReader(io.BytesIO(SYN), "mem", chunk_size=13)
    for n, seg in enumerate(reader, start=1):
        assert seg.position == n
        assert SYN[seg.offset : seg.offset + len(seg.tag)].decode() == seg.tag
        assert SYN[seg.offset :].startswith(seg.raw.encode("latin-1"))


def test_bom_and_leading_whitespace_are_tolerated_and_reported():
    data = b"\xef\xbb\xbf\n  " + SYN
    reader = SegmentReader(io.BytesIO(data), "mem")
    segs = list(reader)
    assert segs[0].tag == "ISA" and segs[0].offset == 6
    assert any("byte order mark" in n for n in reader.notes)
    assert any("whitespace" in n for n in reader.notes)
    assert roundtrip(data) == data


def test_missing_final_terminator_is_read_and_reported():
    data = SYN.rstrip(b"\n")[:-1]  # drop "~" after IEA
    reader = SegmentReader(io.BytesIO(data), "mem")
    segs = list(reader)
    assert segs[-1].tag == "IEA" and not segs[-1].terminated
    assert any("no segment terminator" in n for n in reader.notes)
    # identity when asked, a terminator added for outputs
    assert roundtrip(data) == data
    out = io.BytesIO()
    w = X12Writer(out)
    for seg in SegmentReader(io.BytesIO(data), "mem"):
        w.write(seg)
    assert out.getvalue().endswith(b"IEA*1*000000101~\n")


@pytest.mark.parametrize(
    "data,needle,offset",
    [
        (b"", "empty file", 0),
        (b"hello world, this is not EDI at all", "not an X12 interchange", 0),
        (b"\x00\x01\x02garbage", "not an X12 interchange", 0),
        (b"\xff\xfeI\x00S\x00A\x00", "UTF-16", 0),
        (SYN[:50], "ISA has only", 0),
        (SYN.replace(b"*SUBMITTER01    *", b"*SUBMITTER01*", 1), "ISA is 102 bytes long", 0),
        (SYN.replace(b"*SUBMITTER01    *", b"*SUBMITTER01      *", 1), "ISA is 108 bytes", 0),
    ],
    ids=["empty", "text", "binary", "utf16", "short-isa", "isa-102", "isa-108"],
)
def test_not_x12_is_refused_with_one_line_and_offset(data, needle, offset):
    with pytest.raises(X12InputError) as err:
        list(SegmentReader(io.BytesIO(data), "bad.x12"))
    msg = str(err.value)
    assert needle in msg
    assert "\n" not in msg
    assert err.value.offset == offset
    assert msg.startswith("bad.x12")


def envelope_error(data: bytes, tmp_path) -> X12InputError:
    p = tmp_path / "in.x12"
    p.write_bytes(data)
    with pytest.raises(X12InputError) as err, X12Source(p) as src:
        for _ in src.segments():
            pass
    return err.value


@pytest.mark.parametrize(
    "old,new,tag,position,needle",
    [
        (b"SE*30*0001", b"SE*29*0001", "SE", 32, "SE01 says '29'"),
        (b"SE*30*0001", b"SE*30*0002", "SE", 32, "SE02 '0002' does not match ST02 '0001'"),
        (b"GE*1*101", b"GE*2*101", "GE", 33, "GE01 says '2'"),
        (b"GE*1*101", b"GE*1*102", "GE", 33, "GE02 '102' does not match GS06 '101'"),
        (b"IEA*1*000000101", b"IEA*1*000000102", "IEA", 34, "IEA02"),
        (b"IEA*1*000000101", b"IEA*2*000000101", "IEA", 34, "IEA01 says '2'"),
        (b"SE*30*0001~\n", b"", "GE", 32, "SE (transaction set trailer) is missing"),
    ],
)
def test_envelope_errors_name_the_segment(tmp_path, old, new, tag, position, needle):
    err = envelope_error(SYN.replace(old, new), tmp_path)
    assert needle in str(err)
    assert err.tag == tag
    assert err.position == position
    assert err.offset == SYN.replace(old, new).index(tag.encode() + b"*", err.offset)


@pytest.mark.parametrize("cut", [b"IEA*1*000000101~\n", b"GE*1*101~\nIEA*1*000000101~\n"])
def test_truncated_file_is_refused(tmp_path, cut):
    err = envelope_error(SYN[: -len(cut)], tmp_path)
    assert "file ends without" in str(err)


@pytest.mark.parametrize(
    "old,new,needle",
    [
        (b"*00501*", b"*00401*", "ISA12 version '00401' is not supported"),
        (b"005010X222A1~\nST", b"004010X098A1~\nST", "GS08 version '004010X098A1'"),
        (b"ST*837*0001*005010X222A1", b"ST*835*0001*005010X222A1", "transaction set '835'"),
        (b"GS*HC*", b"GS*HS*", "GS01 'HS'"),
    ],
)
def test_unsupported_versions(tmp_path, old, new, needle):
    err = envelope_error(SYN.replace(old, new, 1), tmp_path)
    assert isinstance(err, UnsupportedError)
    assert needle in str(err)


def test_x222a2_label_is_accepted(tmp_path):
    p = tmp_path / "a2.x12"
    p.write_bytes(SYN.replace(b"005010X222A1", b"005010X222A2"))
    with X12Source(p) as src:
        assert sum(1 for _ in src.segments()) == 34


def test_several_interchanges_groups_and_sets(tmp_path):
    body = SYN.split(b"ST*837", 1)[1].split(b"GE*", 1)[0]
    st2 = b"ST*837" + body.replace(b"0001", b"0002")
    two_sets = SYN.replace(b"GE*1*101", st2 + b"GE*2*101", 1)
    second = two_sets.replace(b"000000101", b"000000102")
    p = tmp_path / "multi.x12"
    p.write_bytes(two_sets + second)
    with X12Source(p) as src:
        segs = list(src.segments())
    assert [s.tag for s in segs].count("ST") == 4
    assert [s.tag for s in segs].count("ISA") == 2
    isas = [s for s in segs if s.tag == "ISA"]
    assert isas[1].position == 1 and isas[1].index == len(segs) // 2 + 1


def _loops_file() -> bytes:
    """Two sets; subscriber loops with up to three claims and none, patient loops, a second
    billing provider; CR LF after every terminator. Longer than the reader's first read."""

    def sub(n, parent, claims, patient=False):
        segs = [
            f"HL*{n}*{parent}*22*{int(patient)}",
            "SBR*P*18*******MB",
            f"NM1*IL*1*S{n}****MI*M{n}",
        ]
        if patient:
            segs += [f"HL*{n}1*{n}*23*0", "PAT*19", f"NM1*QC*1*P{n}"]
        for c in range(claims):
            segs += [f"CLM*C{n}{c}*100***11:B:1*Y*A*Y*Y", "LX*1", "SV1*HC:97110:GP*100*UN*2***1"]
        return segs

    def st(n, body):
        segs = [f"ST*837*000{n}*005010X222A1", "BHT*0019*00*1*20260302*1200*CH"] + body
        return segs + [f"SE*{len(segs) + 1}*000{n}"]

    one = ["HL*1**20*1"]
    for n in range(2, 42):  # 0 to 3 claims a loop; a patient loop in every 5th; 7 KB in all
        if n == 20:
            one += ["HL*20**20*1"]
        else:
            one += sub(n, 1 if n < 20 else 20, n % 4, patient=n % 5 == 0)
    one = st(1, one)
    two = st(2, ["HL*1**20*1"] + sub(2, 1, 2) + sub(3, 1, 1))
    isa = (
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260302*1200*^*"
        "00501*000000001*0*P*:"
    )
    segs = [
        isa,
        "GS*HC*S*R*20260302*1200*1*X*005010X222A1",
        *one,
        *two,
        "GE*2*1",
        "IEA*1*000000001",
    ]
    return "".join(s + "~\r\n" for s in segs).encode("latin-1")


def _seen(seg):
    return (seg.tag, seg.position, seg.offset, seg.index, seg.raw)


# (200 and 1000: chunks of whole segments, read by the reader's lean loop until a pass starts)
@pytest.mark.parametrize("chunk", [3, 40, 200, 1000, 1 << 16])
def test_passing_over_loops_leaves_the_rest_as_read(chunk):
    """Every second subscriber loop passed over (in chunks of every size): the segments after
    it come with the positions, offsets, counts and text of a full read, and SE01 is told
    how many segments were passed over."""
    data = _loops_file()
    assert len(data) > 7000
    full = [_seen(s) for s in SegmentReader(io.BytesIO(data), "mem")]
    reader = SegmentReader(io.BytesIO(data), "mem", chunk_size=chunk)
    got, told, want, loops = [], [], [], 0
    passing = False
    for seen in full:  # what the reader must give: every second subscriber loop cut short
        tag, text = seen[0], seen[4]
        if passing and not (tag in ("SE", "GE") or (tag == "HL" and text.split("*")[3] != "23")):
            continue
        passing = False
        want.append(seen)
        if tag == "HL" and text.split("*")[3] == "22":
            loops += 1
            passing = loops % 2 == 0
    loops = 0
    for seg in reader:
        got.append(_seen(seg))
        if seg.tag == "HL" and seg.element(3) == "22":
            loops += 1
            if loops % 2 == 0:
                start = full.index(_seen(seg))
                claims = 0
                for t in full[start + 1 :]:
                    if t[0] in ("SE", "GE") or (t[0] == "HL" and t[4].split("*")[3] != "23"):
                        break
                    claims += t[0] == "CLM"
                reader.pass_over(claims, told.append)
    assert got == want
    assert sum(told) == len(full) - len(want) and all(told)


def _ends_run(seen) -> bool:
    """A segment a run of loops cannot pass: SE, GE (or any envelope tag), an HL of level 20."""
    tag, text = seen[0], seen[4]
    return tag in ("SE", "ST", "GE", "GS", "IEA", "ISA") or (
        tag == "HL" and text.split("*")[3] == "20"
    )


@pytest.mark.parametrize("chunk", [3, 40, 200, 1000, 1 << 16])
@pytest.mark.parametrize("most", [2, 3, 50])
def test_passing_over_runs_of_loops_leaves_the_rest_as_read(chunk, most):
    """Runs of up to ``most`` subscriber loops passed over in one (cut at an HL of level 20 or
    an SE), in chunks of every size: the segments after each run come as a full read gives
    them, ending at the HL of the loop after the run, and SE01 is told every segment."""
    data = _loops_file()
    full = [_seen(s) for s in SegmentReader(io.BytesIO(data), "mem")]
    reader = SegmentReader(io.BytesIO(data), "mem", chunk_size=chunk)

    def run(start: int) -> tuple[int, int, int]:
        """(claims, loops, index of the segment that ends it) of the run from full[start]."""
        claims, loops = 0, 1
        for i in range(start + 1, len(full)):
            seen = full[i]
            if _ends_run(seen):
                return claims, loops, i
            if seen[0] == "HL" and seen[4].split("*")[3] == "22":
                if loops == most:
                    return claims, loops, i
                loops += 1
            claims += seen[0] == "CLM"
        raise AssertionError("no end")

    got, told, want, loops, runs = [], [], [], 0, []
    for seg in reader:
        got.append(_seen(seg))
        if seg.tag == "HL" and seg.element(3) == "22":
            loops += 1
            if loops % 2 == 0:
                start = full.index(_seen(seg))
                claims, n, end = run(start)
                runs.append((start, end))
                reader.pass_over(claims, told.append, n)
    skipped = {i for start, end in runs for i in range(start + 1, end)}
    want = [seen for i, seen in enumerate(full) if i not in skipped]
    assert got == want
    assert sum(told) == len(skipped) and all(told)
    if most > 2:
        assert any(full[e][0] == "HL" for _, e in runs) and len(skipped) > len(full) // 3


def test_a_run_of_loops_that_meets_an_hl_of_level_20_stops():
    """Told to pass over more loops than there are before the next billing provider (with
    the claims they hold), the reader stops there and says so."""
    data = _loops_file()
    full = [_seen(s) for s in SegmentReader(io.BytesIO(data), "mem")]
    at = next(i for i, s in enumerate(full) if s[4].startswith("HL*20**20"))
    start = max(i for i in range(at) if full[i][4].startswith("HL*") and "*22*" in full[i][4])
    claims = sum(s[0] == "CLM" for s in full[start:at])
    reader = SegmentReader(io.BytesIO(data), "mem", chunk_size=200)
    with pytest.raises(PassMismatch, match="early"):
        for seg in reader:
            if _seen(seg) == full[start]:
                reader.pass_over(claims, None, 2)


def test_a_pass_over_a_loop_with_other_claims_stops():
    reader = SegmentReader(io.BytesIO(_loops_file()), "mem")
    with pytest.raises(PassMismatch):
        for seg in reader:
            if seg.tag == "HL" and seg.element(1) == "3":  # holds three claims, not one
                reader.pass_over(1)


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"", b"\r", b" \n"])
@pytest.mark.parametrize("last_terminated", [True, False])
def test_write_body_writes_what_write_does_segment_by_segment(eol, last_terminated):
    """X12Writer.write_body (a claim's segments in one piece) gives the bytes and counts of
    write() called on each: trailers recounted, an edited segment serialized, a last segment
    without its terminator terminated."""
    data = variant(SYN, eol=eol)
    if not last_terminated:
        data = data.rstrip(b"\r\n").rstrip(b"~")
    segs = list(SegmentReader(io.BytesIO(data), "mem"))
    segs[5] = segs[5].with_fields(list(segs[5].fields))  # no raw: serialized
    one, batched = io.BytesIO(), io.BytesIO()
    w1, w2 = X12Writer(one), X12Writer(batched)
    for seg in segs:
        w1.write(seg)
    w2.write_body(segs[:3])  # ISA, GS, ST go through write()
    w2.write_body(segs[3:])  # the body, SE/GE/IEA among it
    assert batched.getvalue() == one.getvalue()
    assert (w2.segments_written, w2.bytes_written, w2.set_segments) == (
        w1.segments_written,
        w1.bytes_written,
        w1.set_segments,
    )


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"", b" \n", b"\n  "])
@pytest.mark.parametrize("chunk", [7, 300, 1 << 20])
@pytest.mark.parametrize("last", [b"", b"  ", b"\n"])
def test_a_read_segments_raw_is_its_text_then_what_followed(eol, chunk, last):
    """The reader keeps raw in two parts (Segment._raw, Segment._tail), in its lean loop and
    its general one: the first is the text the fields were split from (the memos of
    claims/parse.py key on it) and never holds the terminator; raw joins both, the file's bytes
    exactly. A last segment without its terminator keeps its trailing whitespace in the tail."""
    data = variant(SYN, eol=eol).rstrip(b"\r\n ").rstrip(b"~") + last
    reader = SegmentReader(io.BytesIO(data), "mem", chunk_size=chunk)
    segs = list(reader)
    elem, term = reader.delims.element, reader.delims.segment
    for seg in segs:
        assert seg._raw.split(elem) == seg.fields and term not in seg._raw
        assert seg.raw == seg._raw + seg._tail
    assert not segs[-1].terminated and segs[-1]._tail == last.decode()
    assert (reader.preamble.text + "".join(s.raw for s in segs)).encode("latin-1") == data


def test_raw_set_or_given_is_kept_whole():
    delims = SegmentReader(io.BytesIO(SYN), "mem").delims
    seg = Segment(["LX", "1"], 1, 0, "LX*1~\n", delims)
    assert (seg.raw, seg._raw, seg._tail) == ("LX*1~\n", "LX*1~\n", "")
    read = next(s for s in SegmentReader(io.BytesIO(SYN), "mem") if s.tag == "LX")
    assert read._tail == "~\n" and read.raw == "LX*1~\n"
    read.raw += " "
    assert (read.raw, read._tail) == ("LX*1~\n ", "")
    read.raw = None
    assert read.raw is None and read.serialize() == "LX*1~\n"
    assert seg.with_fields(["LX", "2"]).raw is None

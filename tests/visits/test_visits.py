"""The visit log: indexed on disk, rows read on demand, bad rows reported with their numbers."""

from __future__ import annotations

import csv
import os
from array import array
from datetime import date

import pytest

from x12tool.visits import VisitLog, VisitLogError, VisitRow

HEADER = "claim_id,service_date,cpt,minutes,line_control,discipline,provider_role,note_text\n"


def log(tmp_path, body: str, header: str = HEADER, bom: bool = False) -> VisitLog:
    p = tmp_path / "visits.csv"
    data = (header + body).encode()
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return VisitLog(p)


def test_rows_join_by_claim_in_any_order(tmp_path):
    v = log(
        tmp_path,
        "A,2026-03-02,97530,10,,PT,PT,first\n"
        "B,2026-03-02,97110,12,,PT,PT,\n"
        'A,2026-03-03,97110,30,,PT,PTA,"a note, with a comma\nand a line break"\n'
        "\n"
        "A,2026-03-04,97140,8,,,,\n",
        bom=True,
    )
    assert v.rows == 4
    a = v.for_claim("A")
    assert [(r.row, r.cpt, r.minutes) for r in a] == [
        (1, "97530", 10),
        (3, "97110", 30),
        (5, "97140", 8),
    ]
    assert a[1].note_text == "a note, with a comma\nand a line break"
    assert a[1].provider_role == "PTA" and a[1].service_date == date(2026, 3, 3)
    assert [r.cpt for r in v.for_claim("B")] == ["97110"]
    assert v.for_claim("C") == []
    assert v.problems == []


def test_claims_whose_keys_collide_still_get_only_their_own_rows(tmp_path, monkeypatch):
    # The index keeps a hash per claim id, not the id: when every id shares one key, each
    # claim must still get exactly its rows, in file order, and no others.
    monkeypatch.setattr("x12tool.visits._claim_key", lambda claim_id: 7)
    v = log(
        tmp_path,
        "B,2026-03-02,97110,12,,PT,PT,\n"
        "A,2026-03-02,97530,10,,PT,PT,first\n"
        "A,2026-03-02,97110,15,,PT,PT,\n"
        "C,2026-03-02,97140,8,,PT,PT,\n"
        "A,2026-03-03,97530,20,,PT,PT,\n"
        "B,2026-03-03,97110,11,,PT,PT,\n",
    )
    assert [(r.row, r.minutes) for r in v.for_claim("A")] == [(2, 10), (3, 15), (5, 20)]
    assert [(r.row, r.minutes) for r in v.for_claim("B")] == [(1, 12), (6, 11)]
    assert [(r.row, r.minutes) for r in v.for_claim("C")] == [(4, 8)]
    assert v.for_claim("D") == []


def test_bad_rows_are_reported_with_their_row_number_and_skipped(tmp_path):
    v = log(
        tmp_path,
        "A,2026-03-02,97530,10,,PT,PT,\n"
        "A,2026-13-02,97110,12,,PT,PT,\n"
        "A,2026-03-02,97140,ten,,PT,PT,\n"
        ",2026-03-02,97140,10,,PT,PT,\n"
        "A,2026-03-02,97112,15,,XX,ZZ,\n",
    )
    # Every row is checked as the log is read: three cannot be used; row 5 is kept.
    assert (v.rows, v.bad) == (5, 3)
    rows = v.for_claim("A")
    assert [r.cpt for r in rows] == ["97530", "97112"]
    assert rows[1].discipline == "" and rows[1].provider_role == ""
    got = {(p.row, p.message.split(" ")[0]) for p in v.problems}
    assert (2, "service_date") in got and (3, "minutes") in got and (4, "claim_id") in got
    assert any(p.row == 5 and "discipline" in p.message for p in v.problems)
    v.for_claim("A")  # reading again does not repeat problems
    assert len([p for p in v.problems if p.row == 2]) == 1


def test_missing_required_columns_is_a_usage_error(tmp_path):
    with pytest.raises(VisitLogError, match="minutes"):
        log(tmp_path, "A,2026-03-02,97530\n", header="claim_id,service_date,cpt\n")
    with pytest.raises(VisitLogError, match="empty"):
        log(tmp_path, "", header="")
    with pytest.raises(VisitLogError, match="cannot read"):
        VisitLog(tmp_path / "missing.csv")


def test_unknown_columns_are_ignored_and_header_case_does_not_matter(tmp_path):
    v = log(
        tmp_path,
        "A,2026-03-02,97530,10,whatever\n",
        header="Claim_ID,Service_Date,CPT,Minutes,Therapist_Shoe_Size\n",
    )
    assert v.columns == ("claim_id", "service_date", "cpt", "minutes")
    assert v.for_claim("A")[0].minutes == 10
    assert not v.has_checklist


@pytest.mark.parametrize(
    "record",
    [
        b"a,b,c\n",
        b"a,b,c\r\n",
        b"a,,c",
        b"\n",
        b"",
        b" a , b ,\n",
        b'a,"b,c",d\n',
        b'a,"x\ny",z\n',
        b",,,\n",
        "\u00e9,b\n".encode(),
        b"a,b\rc\n",
    ],
)
def test_a_record_splits_as_the_csv_module_splits_it(record):
    import csv

    from x12tool.visits import _split_record

    def parse(fn):
        try:
            return fn()
        except csv.Error as exc:
            return ("error", str(exc))

    assert parse(lambda: _split_record(record)) == parse(
        lambda: next(csv.reader([record.decode()]), [])
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-02", date(2026, 3, 2)),
        ("03/02/2026", date(2026, 3, 2)),
        ("3/2/2026", date(2026, 3, 2)),
        ("12/31/2026", date(2026, 12, 31)),
        ("20260302", date(2026, 3, 2)),
        ("2026-W10-1", None),  # ISO week date: fromisoformat would take it, an EMR never writes it
        ("3/2/26", None),  # two-digit year: which century is a guess
        ("31/12/2026", None),  # day first is not a US export
        ("2026/03/02", None),
        ("20261302", None),
        ("", None),
    ],
)
def test_service_dates_as_emr_exports_write_them(text, expected):
    from x12tool.visits import parse_date

    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15", 15),
        ("15 min", 15),
        ("15min", 15),
        ("15 MINS", 15),
        ("15 minutes", 15),
        ("15.0", 15),
        ("15.00", 15),
        ("0", 0),
        ("15.5", None),  # a fraction of a minute is not whole minutes
        ("-5", None),
        ("", None),
        ("min", None),
        ("fifteen", None),
    ],
)
def test_minutes_as_emr_exports_write_them(text, expected):
    from x12tool.visits import parse_minutes

    assert parse_minutes(text) == expected


def test_a_us_formatted_log_is_read_like_an_iso_one(tmp_path):
    v = log(
        tmp_path,
        "A,03/02/2026,97530,10 min,,PT,PT,\n"
        "A,3/3/2026,97110,15.0,,PT,PT,\n"
        "A,20260304,97140,8,,,,\n",
    )
    assert v.bad == 0
    got = [(r.service_date, r.cpt, r.minutes) for r in v.for_claim("A")]
    assert got == [
        (date(2026, 3, 2), "97530", 10),
        (date(2026, 3, 3), "97110", 15),
        (date(2026, 3, 4), "97140", 8),
    ]


def test_claim_ids_match_exactly_first_then_in_any_case(tmp_path):
    v = log(
        tmp_path,
        "clm-1,2026-03-02,97530,10,,PT,PT,\n"
        "CLM-2,2026-03-02,97110,12,,PT,PT,\n"
        "clm-2,2026-03-02,97140,20,,PT,PT,\n",
    )
    assert v.match("CLM-1") == "case" and v.match("clm-1") == "exact"
    assert [r.cpt for r in v.for_claim("CLM-1")] == ["97530"]
    # Both spellings present: each claim id gets only its exact rows.
    assert [r.cpt for r in v.for_claim("CLM-2")] == ["97110"]
    assert [r.cpt for r in v.for_claim("clm-2")] == ["97140"]
    assert v.match("CLM-3") is None and v.for_claim("CLM-3") == []


def test_the_stats_line_and_when_the_log_cannot_serve(tmp_path):
    v = log(
        tmp_path,
        "A,2026-03-02,97530,10,,PT,PT,\n"
        "A,2026-3-2x,97110,12,,PT,PT,\n"
        "B,2026-03-02,97110,1O,,PT,PT,\n",
    )
    assert (v.rows, v.bad) == (3, 2)
    line = v.stats_line(matched=1, unmatched=4, case_only=1)
    assert "3 row(s) read, 2 bad" in line and "first bad row 2: service_date" in line
    assert "matched: 1 (1 only by claim id in another case), unmatched: 4" in line
    assert "more than half" in v.usable_problem(1, 5)
    assert v.usable_problem(1, 5, partial=True) is None
    assert "no claim of the input" in v.usable_problem(0, 5, partial=True)
    good = log(tmp_path, "A,2026-03-02,97530,10,,PT,PT,\nB,x,97110,12,,PT,PT,\n")
    assert good.usable_problem(1, 1) is None  # exactly half bad is still usable


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
@pytest.mark.parametrize("final_break", [True, False])
def test_a_claims_span_read_in_one_piece_gives_the_rows_read_record_by_record(
    tmp_path, monkeypatch, eol, final_break
):
    # for_claim reads a claim's consecutive rows in one read and cuts them into records; the
    # rows must be exactly those of the record-by-record reader (quoted line breaks, CRLF,
    # a last record without a line break, a quote-free span, a bad row after a span).
    body = eol.join(
        [
            'A,2026-03-02,97530,10,,PT,PT,"one, ""two""' + eol + 'three"',
            "A,2026-03-02,97110,12,,PT,PT,plain",
            "A,2026-03-0x,97110,12,,PT,PT,bad date",
            "B,2026-03-02,97140,8,,PT,PT,",
            "B,2026-03-03,97140,9,,PT,PT,",
            'C,2026-03-02,97110,15,,PT,PT,"x' + eol + eol + 'y"',
        ]
    ) + (eol if final_break else "")
    header = HEADER.replace("\n", eol)

    def rows(force_records: bool):  # force_records: the record-by-record reader
        v = log(tmp_path, body, header=header)
        if force_records:
            monkeypatch.setattr(v, "_lengths", array("Q", [0] * len(v._lengths)))
        got = {c: v.for_claim(c) for c in "ABC"}
        return got, [(p.row, p.message) for p in v.problems]

    fast, slow = rows(False), rows(True)
    assert fast == slow
    got, problems = fast
    assert [r.note_text for r in got["A"]] == ['one, "two"' + eol + "three", "plain"]
    assert [r.minutes for r in got["B"]] == [8, 9]
    assert got["C"][0].note_text == "x" + eol + eol + "y"
    assert [row for row, _ in problems] == [3]


@pytest.mark.parametrize(
    "text",
    [
        'TC1,2026-03-17,97112,11,,OT,OT,"balance on foam, min A; 11 min"\n',
        '"only, quoted"\r\n',
        'a,b,""\n',
        'a,b"c,"d"\n',  # a quote inside an unquoted field: not the fast shape
        'a,"b",c\n',  # the quoted field is not the last
        'a,"b\r\nc"\n',  # a quoted line break
        'a,"x"y"\n',
        'a,"x\x00"\n',
        'a, "x"\n',  # a space before the quote: the quote is data
        "plain,row,no,quotes\n",
    ],
)
def test_split_record_reads_as_the_csv_module(text):
    from x12tool.visits import _split_record

    assert _split_record(text.encode()) == next(csv.reader([text]), [])


FULL_HEADER = (
    "claim_id,service_date,cpt,minutes,line_control,discipline,provider_role,functional_activity,"
    "medical_necessity,one_on_one,patient_response,plan_of_care,progress_report,note_text\n"
)


def _long_log(claims: int) -> str:
    """Rows of ``claims`` claims in claim order: one to three rows each, notes with commas,
    one note with a line break, some CRLF line ends."""
    out = []
    for c in range(claims):
        for k in range(1 + c % 3):
            note = f'"visit {c}, row {k}; 12 min"' if c % 4 else f"plain note {c}"
            if c == 7 and k == 0:
                note = f'"note {c}, first line\nsecond line"'
            eol = "\r\n" if c % 5 == 0 else "\n"
            out.append(
                f"C{c:03d},2026-03-{1 + k:02d},9711{k},{10 + k},,PT,PT,Y,y,yes,N,,Y,{note}{eol}"
            )
    return "".join(out)


class _CountingFile:
    """The log's file with its reads counted (everything else passed through)."""

    def __init__(self, fh):
        self._fh, self.reads = fh, 0

    def read(self, *args):
        self.reads += 1
        return self._fh.read(*args)

    def __iter__(self):
        return iter(self._fh)

    def __getattr__(self, name):
        return getattr(self._fh, name)


def test_a_log_in_the_claims_order_is_read_as_a_stream_with_the_rows_of_random_access(
    tmp_path, monkeypatch
):
    # Asked in file order, spans are served from blocks read ahead (a small block here, so
    # spans straddle block ends); asked in reverse, each span is read on its own. Both must
    # give exactly the rows of the record-by-record reader.
    monkeypatch.setattr("x12tool.visits._BLOCK", 1000)
    ids = [f"C{c:03d}" for c in range(60)]
    body = _long_log(60)

    def read(order, force_records=False):
        v = log(tmp_path, body, header=FULL_HEADER)
        if force_records:
            monkeypatch.setattr(v, "_lengths", array("Q", [0] * len(v._lengths)))
        v._fh = counting = _CountingFile(v._fh)
        got = {c: v.for_claim(c) for c in order}
        return got, counting.reads

    stream, stream_reads = read(ids)
    backwards, backwards_reads = read(ids[::-1])
    one_by_one, _ = read(ids, force_records=True)
    assert stream == backwards == one_by_one
    assert sum(len(rows) for rows in stream.values()) == sum(1 + c % 3 for c in range(60))
    assert stream["C007"][0].note_text == "note 7, first line\nsecond line"
    assert backwards_reads == 60  # one read a claim
    assert stream_reads < 60 // 3  # one read for many claims


def test_the_checklist_progress_report_and_note_are_read_when_asked(tmp_path):
    v = log(
        tmp_path,
        'A,2026-03-02,97530,10,A-1,pt,pta, Y ,yes,n,,Y, y ,"  the note, trimmed  "\n',
        header=FULL_HEADER,
    )
    (row,) = v.for_claim("A")
    assert row.checklist == (
        ("functional_activity", "Y"),
        ("medical_necessity", "Y"),
        ("one_on_one", "N"),
        ("patient_response", ""),
        ("plan_of_care", "Y"),
    )
    assert row.checklist_missing() == ["one_on_one", "patient_response"]
    assert (row.progress_report, row.note_text) == ("Y", "the note, trimmed")
    assert (row.discipline, row.provider_role, row.line_control) == ("PT", "PTA", "A-1")
    eager = VisitRow(
        1,
        "A",
        date(2026, 3, 2),
        "97530",
        10,
        "A-1",
        "PT",
        "PTA",
        row.checklist,
        "Y",
        "the note, trimmed",
    )
    assert row == eager and hash(row) == hash(eager)
    assert row != VisitRow(1, "A", date(2026, 3, 2), "97530", 10, "A-1", "PT", "PTA")
    assert "note_text='the note, trimmed'" in repr(row)


def test_a_forked_child_reads_rows_through_its_own_file(tmp_path):
    # The child inherits the parent's read-ahead block and open file; it must read its rows
    # through a file of its own (x12tool.forksafe) and get the parent's rows, in any order.
    ids = [f"C{c:03d}" for c in range(40)]
    v = log(tmp_path, _long_log(40), header=FULL_HEADER)

    def rows(order):
        v._cache.clear()
        return [(r.row, r.cpt, r.minutes, r.note_text) for c in order for r in v.for_claim(c)]

    expected = {c: rows([c]) for c in ids}
    rows(ids[:3])  # the parent holds a block and a file position
    parent_fh = v._fh
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            ok = v._fh is not parent_fh and rows(ids[::-1]) == [
                row for c in ids[::-1] for row in expected[c]
            ]
            os.write(w, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(w)
    answer = os.read(r, 1)
    os.waitpid(pid, 0)
    os.close(r)
    assert answer == b"1"
    assert v._fh is parent_fh
    assert rows(ids) == [row for c in ids for row in expected[c]]


_POOLS = {
    "claim_id": ["A", "A", "A", "B", "B", "a", " A ", "", "C", '"B"'],
    "service_date": ["2026-03-02", "2026-03-03", "03/02/2026", "20260302", " 2026-03-04"]
    + ["2026-13-01", "x", ""],
    "cpt": ["97110", "97530", "97530", " 97140 ", "g0283", ""],
    "minutes": ["15", "8", "015", " 15", "15 min", "15.0", "15.5", "", "-3"],
    "line_control": ["", "A-1", " A-2 "],
    "discipline": ["PT", "PT", "pt", " OT", "XX", ""],
    "provider_role": ["PT", "PTA", "pta", "ZZ", ""],
    "mark": ["Y", "Y", "", "n", " y "],
    "progress_report": ["Y", "", " y"],
    "note_text": ["plain", "", '"a, b"', '"\u00e9 note, \u00fc"', '"x\ny"', '"q ""quoted"" z"']
    + ['"\x00"', "a\rb", '"open'],
    "poc_start": ["", "2026-01-05", "soon"],
}
_CHECKS = ("functional_activity", "medical_necessity", "one_on_one", "patient_response")
_HEADERS = [
    FULL_HEADER,
    HEADER,
    "service_date,cpt,minutes,claim_id\n",  # the claim id is the last (maybe quoted) field
    FULL_HEADER.replace("note_text", "note_text,poc_start"),
]


def _random_log(seed: int, header: str, tricky: bool) -> bytes:
    """Rows of a few claims, consecutive and apart, with every shape and mistake the reader
    handles: blank and comma-only lines, CRLF, short and long rows, quoted notes with line
    breaks and doubled quotes, non-ASCII text, bytes that are not UTF-8, bad dates and
    minutes, fields with spaces, lower-case codes, a last line without a line break. Not
    ``tricky``: only notes of the shapes the lean readers take, so whole blocks go their way."""
    import random

    rnd = random.Random(seed)
    names = header.strip().split(",")
    out = []
    for _ in range(rnd.randint(1, 40)):
        kind = rnd.random()
        if kind < 0.05:
            out.append(rnd.choice([b"", b",,,", b" , ", b"\t"]))
        else:
            fields = [rnd.choice(_POOLS.get(n, _POOLS["mark"])) for n in names]
            if not tricky and "note_text" in names:
                fields[names.index("note_text")] = rnd.choice(_POOLS["note_text"][:4])
            if kind < 0.1:
                fields = fields[: rnd.randint(1, len(fields))]
            elif kind < 0.13:
                fields.append("extra")
            line = ",".join(fields).encode()
            if kind > 0.97 and tricky:
                line += b"\xff"
            out.append(line)
    eols = [rnd.choice([b"\n", b"\n", b"\r\n"]) for _ in out]
    body = b"".join(line + eol for line, eol in zip(out, eols, strict=True))
    if rnd.random() < 0.3:
        body = body.rstrip(b"\r\n")
    return header.encode() + body


def _everything(v: VisitLog) -> tuple:
    ids = ["A", "a", "B", "C", '"B"', "b", "Z"]
    rows = {c: [r._key() for r in v.for_claim(c)] for c in ids}
    index = [list(a) for a in (v._hashes, v._forms, v._offsets, v._firsts, v._counts, v._lengths)]
    index.append(sorted(v._other_ids.items()))
    problems = [(p.row, p.message) for p in v.problems]
    return v.rows, v.bad, index, rows, problems, v.stats_line(1, 0), [v.match(c) for c in ids]


@pytest.mark.parametrize("tricky", [True, False], ids=["tricky", "clean"])
@pytest.mark.parametrize("header", _HEADERS, ids=["full", "short", "id-last", "poc"])
@pytest.mark.parametrize("seed", range(25))
def test_the_lean_readers_give_what_the_record_by_record_readers_give(
    tmp_path, monkeypatch, header, seed, tricky
):
    # The index checks blocks of one-line records in one loop (lines_fast) and for_claim
    # builds clean rows without _row (_lean_rows); both fall back to the record-by-record
    # readers for anything else. Whatever the log holds and wherever its blocks end, the
    # index, the rows, the problems (row numbers, messages, order) and the stats line must
    # be those of the record-by-record readers alone.
    path = tmp_path / "visits.csv"
    path.write_bytes(_random_log(seed, header, tricky))

    def read(block: int, lean: bool) -> tuple:
        with monkeypatch.context() as m:
            m.setattr("x12tool.visits._LOAD_BLOCK", block)
            m.setattr("x12tool.visits._BLOCK", max(block, 16))
            if not lean:
                m.setattr("x12tool.visits.lines_fast", lambda lines: False)
                m.setattr(VisitLog, "_lean_rows", lambda self, span: None)
            v = VisitLog(path)
            try:
                return _everything(v)
            finally:
                v.close()

    general = read(1 << 18, lean=False)
    for block in (1 << 18, 97, 5):
        assert read(block, lean=True) == general, block


def test_claims_asked_in_the_logs_order_get_what_a_full_probe_gives(tmp_path):
    # for_claim and match take the span after the last one served without probing the table
    # when no other span shares its key (a streaming merge over a log in the claims' order).
    # Whatever the order claims are asked in (the log's, reversed, skipping, again), and with
    # claims whose rows are apart in the file or whose id differs only in case, they must
    # get what the table's full probe gives.
    body = (
        "A,2026-03-02,97530,10,,PT,PT,\n"
        "A,2026-03-02,97110,12,,PT,PT,\n"
        "B,2026-03-02,97110,12,,PT,PT,\n"
        "C,2026-03-02,97140,8,,PT,PT,\n"
        "b,2026-03-03,97530,9,,PT,PT,\n"
        "D,2026-03-02,97110,15,,PT,PT,\n"
        "A,2026-03-04,97112,20,,PT,PT,\n"
        "E,2026-03-02,97110,30,,PT,PT,\n"
    )
    ids = ["A", "B", "C", "b", "D", "E", "a", "Z"]
    probed = log(tmp_path, body)
    probed._shared = bytearray(b"\x01" * len(probed._shared))  # every lookup probes
    expected = {c: [r._key() for r in probed.for_claim(c)] for c in ids}
    matches = {c: probed.match(c) for c in ids}
    # spans: A, B, C, b, D, A, E (A twice; B and b share the case-folded key)
    assert list(log(tmp_path, body)._shared) == [1, 1, 0, 1, 0, 1, 0]
    for order in (ids, ids[::-1], ["C", "D", "E", "A", "B"], ["B", "D", "B", "E", "C", "A"]):
        v = log(tmp_path, body)
        assert [v.match(c) for c in order] == [matches[c] for c in order]
        assert [[r._key() for r in v.for_claim(c)] for c in order] == [expected[c] for c in order]
    assert expected["A"][2][0] == 7 and expected["b"] and expected["Z"] == []


def test_a_span_read_whole_keeps_rows_of_another_id_out(tmp_path):
    # for_claim keeps a span's rows as read when every row has the id asked for; rows of the
    # same id in another case are used only when no row has the id as written.
    v = log(tmp_path, "X1,2026-03-02,97110,12,,PT,PT,\nx1,2026-03-02,97530,9,,PT,PT,\n")
    assert [r.cpt for r in v.for_claim("X1")] == ["97110"]
    assert [r.cpt for r in v.for_claim("x1")] == ["97530"]
    assert [r.cpt for r in v.for_claim("X1 ")] == []
    assert [r.cpt for r in log(tmp_path, "x1,2026-03-02,97530,9,,PT,PT,\n").for_claim("X1")] == [
        "97530"
    ]


@pytest.mark.parametrize(
    "note",
    [
        '"a, b"',  # the shape the lean reader takes
        '""',  # an empty quoted note
        'x"y, z"',  # a quote that does not open the field
        '"a" b"',  # a quote inside the note
        'plain"',  # one quote, the line's last character
        '"a\x00b"',  # a NUL: the csv module's to read
        '"open',  # never closed
    ],
)
def test_the_lean_reader_takes_only_a_quoted_last_field(tmp_path, monkeypatch, note):
    # _lean_rows checks the one quoted shape it splits itself inline (last_field_quoted):
    # any other shape falls back to the record-by-record reader, and both give the same rows.
    path = tmp_path / "visits.csv"
    path.write_text(
        HEADER
        + "A,2026-03-02,97110,15,A-1,PT,PT,plain\n"
        + f"A,2026-03-02,97530,8,A-2,PT,PT,{note}\n"
        + 'B,2026-03-02,97110,15,B-1,PT,PT,"b, c"\n',
        encoding="utf-8",
    )

    def rows(lean: bool) -> list:
        with monkeypatch.context() as m:
            if not lean:
                m.setattr(VisitLog, "_lean_rows", lambda self, span: None)
            v = VisitLog(path)
            try:
                return [r._key() for c in ("A", "B") for r in v.for_claim(c)]
            finally:
                v.close()

    assert rows(lean=True) == rows(lean=False)


def test_the_claims_kept_for_the_fix_loop_stay_few_and_right(tmp_path):
    # for_claim keeps the last claims read (the fix loop asks again for the claim it just
    # read): asked again it gives the same list, and after many claims the memo stays small
    # and every claim still gets its own rows.
    path = tmp_path / "visits.csv"
    path.write_text(
        HEADER + "".join(f"C{n},2026-03-02,97110,{n + 8},C{n}-1,PT,PT,\n" for n in range(40)),
        encoding="utf-8",
    )
    v = VisitLog(path)
    try:
        for n in range(40):
            got = v.for_claim(f"C{n}")
            assert v.for_claim(f"C{n}") is got
            assert [(r.claim_id, r.minutes) for r in got] == [(f"C{n}", n + 8)]
            assert len(v._cache) <= 16
        assert [r.minutes for r in v.for_claim("C3")] == [11]
    finally:
        v.close()


def test_match_tells_an_exact_id_from_one_in_another_case_in_every_form(tmp_path):
    # The index keeps how each id is written (its own case fold, ASCII upper case, or other)
    # instead of a hash of the exact id: whatever the forms of the log's and the asked id,
    # match must say what comparing the ids themselves says.
    written = ["CLM-1", "clm-2", "Clm-3", "123-4", "STRASSE", "straße", "ẞ5", "k6", "\u212a7"]
    body = "".join(f"{c},2026-03-02,97110,12,,PT,PT,\n" for c in written)
    v = log(tmp_path, body)
    asked = [
        *written,
        *(c.upper() for c in written),
        *(c.lower() for c in written),
        *(c.casefold() for c in written),
        *(c.swapcase() for c in written),
        "Straße",
        "STRAßE",
        "K7",
        "k7",
        "ss5",
        "SS5",
        "nope",
    ]
    for c in asked:
        if c in written:
            expected = "exact"
        elif any(c.casefold() == w.casefold() for w in written):
            expected = "case"
        else:
            expected = None
        assert v.match(c) == expected, c


def test_lines_fast_takes_the_lines_last_field_quoted_takes():
    # lines_fast checks the quoted shape inline (the next quote the line's last character);
    # on any line, alone or among others, it must answer what last_field_quoted says line by
    # line (trailing CRs cut; a CR elsewhere refused).
    import random

    from x12tool.visits.records import last_field_quoted, lines_fast

    def reference(lines: list[str]) -> bool:
        for line in lines:
            line = line.rstrip("\r") if "\r" in line else line
            if "\r" in line:
                return False
            q = line.find('"')
            if q >= 0 and not last_field_quoted(line, q):
                return False
        return True

    pieces = ["a", ",", '"', "\r", "\0", " ", "b,", '"x"', ',"', '""']
    rnd = random.Random(20)
    for _ in range(20000):
        lines = [
            "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 6)))
            for _ in range(rnd.randint(1, 3))
        ]
        assert lines_fast(lines) == reference(lines), lines

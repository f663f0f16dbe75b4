"""The segment-free pre-pass: claim ids and beneficiaries, as the full reader sees them."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from conftest import SAMPLE

from x12tool.claims import scan
from x12tool.claims.scan import _fast_heads, _slow_heads, claim_heads

BATCH = SAMPLE / "therapy_batch.837"


def test_fast_scan_equals_the_segment_reader(tmp_path):
    heads = list(claim_heads(str(BATCH)))
    assert heads == list(_slow_heads(str(BATCH)))
    assert len(heads) == BATCH.read_text().count("\nCLM*")
    by_id = {h.claim_id: h.member for h in heads}
    # The two claims of one beneficiary's day share the key (member id | payer id).
    assert by_id["SPLIT-AM"] == by_id["SPLIT-PM"] and by_id["SPLIT-AM"].endswith("|04412")
    assert by_id["CMS-EX1"] != by_id["SPLIT-AM"]
    assert list(_fast_heads(str(BATCH))) == heads
    # No line breaks, two interchanges.
    text = BATCH.read_text()
    flat = tmp_path / "flat.837"
    flat.write_text(text.replace("~\n", "~") * 2)
    loops = len(re.findall(r"\nHL\*\w*\*\w*\*22\*", text))  # the copy's loops number on
    assert loops == heads[-1].loop + 1
    # and so do its blocks (HLs of level 20 and STs: a run of loops passed over stays in one)
    blocks = len(re.findall(r"\nHL\*\w*\*\w*\*20\*", text)) + text.count("\nST*")
    assert blocks == heads[-1].block + 1 and blocks > 2
    again = [replace(h, loop=h.loop + loops, block=h.block + blocks) for h in heads]
    assert list(claim_heads(str(flat))) == heads + again
    # A second interchange with other delimiters: the reader refuses the file (the main pass
    # says why); the pre-pass falls back to it rather than misreading, and never raises.
    mixed = tmp_path / "mixed.837"
    mixed.write_text(text + text.replace("*", "|"))
    assert list(claim_heads(str(mixed))) == list(_slow_heads(str(mixed)))


@pytest.mark.parametrize("chunk", [200, 1000, 1 << 20])
@pytest.mark.parametrize(
    "layout",
    [
        ("~\n", "~\r\n"),  # CRLF after each terminator
        ("~\n", "~ \x0b\t"),  # other leading whitespace bytes.lstrip() drops
        ("~\n", "~"),  # no line breaks
        ("\nCLM*", "\nCLMX*"),  # a tag that only starts like one the scan reads
    ],
)
def test_picked_segments_read_as_every_segment(tmp_path, monkeypatch, chunk, layout):
    """The regular expression that finds the HL/NM1/DMG/CLM/ISA segments gives the heads the
    loop over every segment gives, wherever the read chunks end."""
    data = BATCH.read_bytes().replace(layout[0].encode(), layout[1].encode())
    path = tmp_path / "layout.837"
    path.write_bytes(data * 2)
    monkeypatch.setattr(scan, "CHUNK", chunk)
    everything = list(_fast_heads_without_picker(monkeypatch, str(path)))
    assert list(_fast_heads(str(path))) == everything
    claims = 0 if b"CLMX" in data else 2 * BATCH.read_text().count("\nCLM*")
    assert len(everything) == claims


def _fast_heads_without_picker(monkeypatch, path: str):
    with monkeypatch.context() as m:
        m.setattr(scan, "_picker", lambda el, term: None)
        return list(_fast_heads(path))


def test_head_rows_are_the_heads_fields(tmp_path):
    """The run plan reads heads as tuples: the same fields, in ClaimHead's order, on the fast
    scan and on the fallback for a file whose delimiters change."""
    text = BATCH.read_text()
    mixed = tmp_path / "mixed.837"
    mixed.write_text(text + text.replace("*", "|"))
    for path in (str(BATCH), str(mixed)):
        rows = list(scan.head_rows(path))
        assert rows and [scan.ClaimHead(*r) for r in rows] == list(claim_heads(path))
        assert rows[0] == tuple(getattr(claim_heads(path).__next__(), f) for f in FIELDS)


FIELDS = ("claim_id", "member", "patient", "member_id", "loop", "block")

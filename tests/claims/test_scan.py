"""The segment-free pre-pass: claim ids and beneficiaries, as the full reader sees them."""

from __future__ import annotations

from conftest import SAMPLE

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
    assert list(claim_heads(str(flat))) == heads * 2
    # A second interchange with other delimiters: the reader refuses the file (the main pass
    # says why); the pre-pass falls back to it rather than misreading, and never raises.
    mixed = tmp_path / "mixed.837"
    mixed.write_text(text + text.replace("*", "|"))
    assert list(claim_heads(str(mixed))) == list(_slow_heads(str(mixed)))

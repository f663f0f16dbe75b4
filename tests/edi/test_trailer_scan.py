"""The quick trailer pass (x12tool/edi/trailer_scan.py) says "sound" only for files whose full
envelope scan lists no broken trailer, whatever the read chunk size."""

from __future__ import annotations

import pytest
from hostile.make_corpus import synth_base, three_sets

from x12tool.edi import envelope_scan, trailer_scan

BASE = synth_base(3)


def _variants() -> dict[str, bytes]:
    return {
        "sound": BASE,
        "sound_compact": BASE.replace(b"~\n", b"~"),
        "three_sets": three_sets(BASE),
        "se01": three_sets(BASE, se01=1),
        "se01_compact": three_sets(BASE, se01=1).replace(b"~\n", b"~"),
        "se02": three_sets(BASE, se02=b"0009"),
        "se_missing": BASE.replace(b"\nSE*", b"\nREF*EA*", 1),
        "empty_segment": BASE.replace(b"~\nSE*", b"~\n~\nSE*", 1),
        "unterminated_se": BASE[: BASE.index(b"~\nGE*")],
    }


@pytest.mark.parametrize("name", list(_variants()))
@pytest.mark.parametrize("chunk", [3, 64, 1 << 20])
def test_sound_only_when_the_full_scan_lists_nothing(tmp_path, monkeypatch, name, chunk):
    path = tmp_path / f"{name}.837"
    path.write_bytes(_variants()[name])
    monkeypatch.setattr(trailer_scan, "CHUNK", chunk)
    sound = trailer_scan.trailers_sound(str(path))
    with monkeypatch.context() as m:
        m.setattr(envelope_scan, "trailers_sound", lambda _path: False)  # the full scan
        listed = envelope_scan.broken_trailers(str(path))
    if sound:
        assert listed == {}
    assert sound == (name.startswith("sound") or name == "three_sets")
    assert envelope_scan.broken_trailers(str(path)) == listed


def test_wrong_counts_are_still_listed(tmp_path):
    path = tmp_path / "se01.837"
    path.write_bytes(three_sets(BASE, se01=1))
    listed = envelope_scan.broken_trailers(str(path))
    assert len(listed) == 1
    assert "SE01 says '90' segments" in next(iter(listed.values()))[2]

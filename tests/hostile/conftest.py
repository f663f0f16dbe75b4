"""Shared pieces of the hostile-input tests: the corpus, PHI extraction, output checks, and the
results store that ``test_zz_reliability_doc.py`` renders into ``docs/reliability.md``."""

from __future__ import annotations

import glob
import os
import re
from pathlib import Path

import pytest

from x12tool.claims import Claim, iter_items
from x12tool.edi import X12InputError, X12Source
from x12tool.edi.envelope_scan import broken_trailers
from x12tool.pipeline.lock import LOCK_NAME

# Filled by the tests of this folder, rendered by test_zz_reliability_doc.py.
RESULTS: dict[str, object] = {}

KINDS = ("ready", "held", "reports")


@pytest.fixture(scope="session")
def results() -> dict[str, object]:
    return RESULTS


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    from hostile.make_corpus import build

    return build(tmp_path_factory.mktemp("corpus"))


def written_files(out: Path) -> list[Path]:
    """Every regular file under ``out`` (hidden temp files included), but the out-dir's lock
    file (``.x12tool.lock``: every run takes it; it holds no claim data)."""
    if not out.exists():
        return []
    return sorted(p for p in out.rglob("*") if p.is_file() and p.name != LOCK_NAME)


def visible(folder: Path) -> list[Path]:
    """What an upload loop's ``glob.glob('DIR/*')`` sees in one output folder (like a shell
    glob it skips dot files, which pathlib's glob would not)."""
    return sorted(Path(p) for p in glob.glob(os.path.join(folder, "*")) if os.path.isfile(p))


def count_claims(path: str | Path) -> int:
    """CLM count of a readable file, through our reader and HL model, read as preflight reads it
    (a set with a wrong SE01/SE02 is held, not refused: ENV002)."""
    n = 0
    broken = broken_trailers(str(path))
    lenient = (lambda st, se: st.offset in broken) if broken else None
    with X12Source(path) as src:
        for item in iter_items(src.segments(lenient=lenient), str(path)):
            if isinstance(item, Claim):
                n += 1
    return n


def readable(path: str | Path) -> bool:
    try:
        count_claims(path)
        return True
    except X12InputError:
        return False


def leaks(text: str, phi: set[str]) -> list[str]:
    """The PHI values that occur in ``text`` as whole tokens (not inside a longer word)."""
    hits = []
    for value in sorted(phi):
        if len(value) < 2:
            continue
        if re.search(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])", text):
            hits.append(value)
    return hits

from __future__ import annotations

import pytest

from ncci.common import MUE, PTP
from x12tool.ncci import NcciIndex, NcciStore
from x12tool.ncci.importers import import_mue, import_ptp
from x12tool.refdata import load_refdata


@pytest.fixture
def store(tmp_path):
    with NcciStore(tmp_path / "maps.sqlite") as s:
        yield s


@pytest.fixture
def full_store(store):
    import_ptp(store, [PTP])
    import_mue(store, MUE)
    return store


@pytest.fixture
def ref():
    return load_refdata()


@pytest.fixture
def index(ref, full_store):
    return NcciIndex(ref, full_store)

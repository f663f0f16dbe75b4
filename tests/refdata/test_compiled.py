"""The compiled shipped maps (x12tool/refdata/compiled.py): the same data as the XML, used only
when made from the very files and modules a run would read."""

from __future__ import annotations

import shutil
import subprocess
import sys
from decimal import Decimal

import pytest

from x12tool.refdata import compiled, loader, xmlload
from x12tool.refdata.loader import _read_shipped

REGENERATE = (
    "x12tool/refdata/_maps_compiled.py is out of date: run `python -m x12tool.refdata.compiled "
    "> x12tool/refdata/_maps_compiled.py && ruff format x12tool/refdata/_maps_compiled.py`"
)


def test_the_compiled_module_is_current():
    assert compiled.load() is not None, REGENERATE


def test_compiled_maps_equal_the_xml():
    parts, raws = compiled.load()
    xml = _read_shipped()
    assert parts == xml.parts and raws == xml.raw_profiles
    # Equal values of the same types, in the same order (dicts, lists, tuples).
    for key, value in xml.parts.items():
        assert type(parts[key]) is type(value)
        if isinstance(value, dict | list | tuple):
            assert list(parts[key]) == list(value), key
    assert [r.origin for r in raws.values()] == [r.origin for r in xml.raw_profiles.values()]
    assert list(raws) == list(xml.raw_profiles)


def test_the_generator_rebuilds_what_it_wrote():
    namespace: dict = {"__name__": "x12tool.refdata._probe", "__package__": "x12tool.refdata"}
    exec(compile(compiled.source(), "<compiled>", "exec"), namespace)
    xml = _read_shipped()
    assert namespace["DIGEST"] == compiled.digest()
    assert namespace["shipped"](compiled.profiles_origin()) == (xml.parts, xml.raw_profiles)
    with pytest.raises(TypeError):
        compiled._literal(object(), "", "")


@pytest.fixture
def edited_maps(tmp_path, monkeypatch):
    """A copy of the shipped maps that every refdata module reads instead."""
    copy = tmp_path / "maps"
    shutil.copytree(compiled.maps_dir(), copy)
    for module in (compiled, loader, xmlload):
        monkeypatch.setattr(module, "maps_dir", lambda: copy)
    return copy


def test_an_edited_map_is_read_from_its_xml(edited_maps):
    assert compiled.load() is not None  # an unchanged copy: the same digest
    codes = edited_maps / "codes.xml"
    text = codes.read_text(encoding="utf-8")
    edited = text.replace(
        '<code value="97110">\n    <timed value="true"',
        '<code value="97110">\n    <timed value="false"',
        1,
    )
    assert edited != text
    codes.write_text(edited, encoding="utf-8")
    assert compiled.load() is None  # never stale: another digest
    shipped = loader._load_shipped.__wrapped__()
    assert shipped.parts["codes"]["97110"].timed is False
    assert _read_shipped().parts["codes"]["97110"].timed is False


def test_a_broken_map_is_reported_as_before(edited_maps):
    (edited_maps / "pfs.xml").write_text("<pfs>", encoding="utf-8")
    with pytest.raises(Exception, match="not well-formed XML"):
        loader._load_shipped.__wrapped__()


def test_a_missing_compiled_module_reads_the_xml(monkeypatch):
    import x12tool.refdata

    monkeypatch.setitem(sys.modules, "x12tool.refdata._maps_compiled", None)  # ImportError
    monkeypatch.delattr(x12tool.refdata, "_maps_compiled", raising=False)
    assert compiled.load() is None
    shipped = loader._load_shipped.__wrapped__()
    assert shipped.parts == _read_shipped().parts
    assert isinstance(shipped.parts["thresholds"][2026].pt_slp, Decimal)


def test_a_check_imports_no_lxml(tmp_path):
    """The point of it: the shipped maps come without lxml (a user profiles file still uses
    it, read and validated on each run)."""
    from conftest import SAMPLE

    batch = SAMPLE / "therapy_batch.837"
    probe = (
        "import sys, x12tool.cli\n"
        "try:\n"
        f"    x12tool.cli.main(['check', {str(batch)!r}, '--no-ig', '--no-ledger', "
        f"'-o', {str(tmp_path / 'r.txt')!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('lxml.etree' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.stdout.split()[-1] == "False", out.stderr


def test_maps_dir_is_what_importlib_resources_finds():
    """maps_dir() answers for a package read from files without asking importlib.resources (a
    cost of every run's start-up); the answer is the one importlib.resources gives."""
    import importlib.resources
    from pathlib import Path

    from x12tool.refdata.paths import maps_dir

    packaged = importlib.resources.files("x12tool") / "_maps"
    expected = (
        packaged if packaged.is_dir() else Path(compiled.__file__).resolve().parents[2] / "maps"
    )
    assert maps_dir() == expected

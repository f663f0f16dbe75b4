"""pyx12_maps: every load is a fresh copy of one build, and the cache file is used only when it
is ours, whole and for this map. (That copies validate exactly as new builds do is
test_pyx12_speed's stock comparison: its fast side validates file after file on copies.)"""

from __future__ import annotations

import gc
import logging
import os
import stat
import weakref

import pytest
import pyx12.map_if
import pyx12.params

from x12tool.edi import pyx12_maps

MAP = "x12.control.00501.xml"  # the interchange map: small, built in a few milliseconds
MAP_837P = "837.5010.X222.A1.xml"


@pytest.fixture
def maps(tmp_path, monkeypatch):
    """A cache folder of the test's own and no copies in memory; the builds pyx12 made."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(pyx12_maps, "_copies", {})
    builds = []
    original = pyx12.map_if._loader.load_map_file

    def counting(map_file, param, map_path=None):
        builds.append(map_file)
        return original(map_file, param, map_path)

    return pyx12_maps.make_load_map_file(counting), builds


def shape(root) -> list:
    """The object graph under ``root``, as nested lists: each object its class and attributes,
    an object met before by its visit number (parents, shared nodes), sets sorted (their order
    differs between equal sets), loggers by name (pickle gives back the process's own)."""
    seen: dict[int, int] = {}

    def walk(x):
        if x is None or isinstance(x, (str, int, float)):
            return repr(x)
        if isinstance(x, logging.Logger):
            return f"logger {x.name}"
        if id(x) in seen:
            return f"@{seen[id(x)]}"
        seen[id(x)] = len(seen)
        if isinstance(x, (list, tuple)):
            return [walk(v) for v in x]
        if isinstance(x, (set, frozenset)):
            return sorted(map(str, (walk(v) for v in x)))
        if isinstance(x, dict):
            return [[walk(k), walk(v)] for k, v in x.items()]
        state = getattr(x, "__dict__", None)
        return [type(x).__qualname__, walk(state) if state is not None else repr(x)]

    return walk(root)


def same(a, b) -> bool:
    return shape(a) == shape(b)


def cache_files():
    folder = pyx12_maps.cache_folder()
    return sorted(folder.iterdir()) if folder.exists() else []


def test_one_build_then_fresh_copies_that_share_nothing(maps):
    load, builds = maps
    param = pyx12.params.params()
    first, second, third = (load(MAP_837P, param) for _ in range(3))
    assert builds == [MAP_837P]
    assert len({id(first), id(second), id(third)}) == 3
    # a copy is the build as it was (same structure, node for node), not a view of it
    assert same(second, first) and same(third, first)
    # what one validation leaves on its map (pyx12 keeps its current path on the root) or any
    # change to a node stays on that copy
    second.cur_path = "/ISA_LOOP/GS_LOOP"
    loop = next(iter(second.pos_map.values()))[0]
    loop.name = "changed"
    fresh = load(MAP_837P, param)
    assert fresh.cur_path == first.cur_path != "/ISA_LOOP/GS_LOOP"
    assert next(iter(fresh.pos_map.values()))[0].name != "changed"
    assert same(fresh, first)


def test_the_cache_file_spares_the_next_process_the_build(maps, monkeypatch):
    load, builds = maps
    param = pyx12.params.params()
    built = load(MAP, param)
    (path,) = cache_files()
    assert path.name.startswith(MAP + ".pyx12-4.0.0.py")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    monkeypatch.setattr(pyx12_maps, "_copies", {})  # as a new process starts
    copy = load(MAP, param)
    assert builds == [MAP]
    assert same(copy, built)


def test_other_parameters_are_another_map(maps):
    load, builds = maps
    param = pyx12.params.params()
    load(MAP, param)
    param.set("charset", "B")
    load(MAP, param)
    assert builds == [MAP, MAP]
    assert len(cache_files()) == 2


def test_maps_from_the_callers_own_folder_are_always_built(maps):
    load, builds = maps
    folder = os.path.dirname(pyx12.map_if.__file__).replace("map_if", "map")
    param = pyx12.params.params()
    load(MAP, param, folder)
    load(MAP, param, folder)
    assert builds == [MAP, MAP]
    assert cache_files() == []


@pytest.mark.parametrize("damage", ["truncated", "not a pickle", "empty"])
def test_a_damaged_cache_file_is_rebuilt_and_replaced(maps, monkeypatch, damage):
    load, builds = maps
    param = pyx12.params.params()
    built = load(MAP, param)
    (path,) = cache_files()
    good = path.read_bytes()
    path.write_bytes({"truncated": good[:1000], "not a pickle": b"x" * 64, "empty": b""}[damage])
    monkeypatch.setattr(pyx12_maps, "_copies", {})
    assert same(load(MAP, param), built)
    assert builds == [MAP, MAP]
    assert path.read_bytes() == good


@pytest.mark.parametrize("loose", ["file", "folder"])
def test_a_cache_others_can_write_is_never_read(maps, monkeypatch, loose):
    load, builds = maps
    param = pyx12.params.params()
    load(MAP, param)
    (path,) = cache_files()
    target = path if loose == "file" else path.parent
    target.chmod(stat.S_IMODE(target.stat().st_mode) | stat.S_IWGRP | stat.S_IWOTH)
    monkeypatch.setattr(pyx12_maps, "_copies", {})
    load(MAP, param)
    assert builds == [MAP, MAP]


def test_no_cache_folder_costs_only_speed(maps, monkeypatch, tmp_path):
    load, builds = maps
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    param = pyx12.params.params()
    first = load(MAP, param)
    monkeypatch.setattr(pyx12_maps, "_copies", {})
    second = load(MAP, param)
    assert builds == [MAP, MAP]
    assert same(first, second)


def test_handing_out_a_copy_frees_the_maps_before_it(maps):
    """Maps are cyclic (parent links). Under the run's collector thresholds (cli/app.py) the
    few objects an unpickling makes would not start a collection, and a worker kept the maps
    of several chunks alive; a copy is handed out only after the earlier ones are freed."""
    load, _ = maps
    param = pyx12.params.params()
    earlier = [weakref.ref(load(MAP, param)) for _ in range(3)]
    thresholds = gc.get_threshold()
    gc.set_threshold(20000, 10, 10)
    try:
        kept = load(MAP, param)
        assert [ref() for ref in earlier] == [None, None, None]
        assert kept is not None
    finally:
        gc.set_threshold(*thresholds)

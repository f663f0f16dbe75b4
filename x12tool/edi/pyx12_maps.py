"""pyx12's implementation-guide maps, built from XML once and then handed out as fresh copies.

pyx12 4.0.0 builds each map from its XML on every ``load_map_file`` call: ~0.3 s for the 837P
map, most of a small file's ``check``. A map also holds what the validation that uses it leaves
on it (the root's current path, pyx12_speed's ``_x12s_*`` memos), so two validations must never
share one. So the first build's
pickle is kept, taken before anyone used that map, and every later call unpickles a new copy
(~0.035 s): in this process, and, through a cache file, in later runs and in worker processes.

The cache file (``$XDG_CACHE_HOME/x12tool/``, else ``~/.cache/x12tool/``) holds only a map,
never claim data. Its name carries pyx12's version, Python's, a digest of the map's XML and of
pyx12's parameters, so a changed map or upgrade never reads a stale one. Unpickling runs code, so
a file is read only from a folder of ours (owned by this user, writable by nobody else) and only
when it too is ours and writable by nobody else; anything else, or a file that does not unpickle,
is ignored and the map is built from its XML. Writes are temp file + rename, so concurrent runs
never read half a file. No cache folder (a read-only home) only costs the speed.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import stat
import sys
import tempfile
from pathlib import Path

_copies: dict[tuple[str, str], bytes] = {}  # (map file, parameters) -> pickle of a fresh map


def make_load_map_file(original):
    """``pyx12.map_if.load_map_file``, built once per map and parameters, a copy every call.
    Maps from a ``map_path`` of the caller's are left to pyx12 every time."""

    def load_map_file(map_file, param, map_path=None):
        if map_path is not None:
            return original(map_file, param, map_path)
        key = (map_file, repr(sorted(param.params.items())))
        blob = _copies.get(key)
        if blob is not None:
            # The maps of earlier validations are garbage by now, held in cycles (parent links)
            # with their memos. Building from XML made so many objects that the collector ran
            # and freed them; unpickling makes few, and under the run's collector thresholds
            # (cli/app.py) a worker kept the maps of several chunks: 93 MB against 48 MB at
            # 100,000 claims. A full collection per map handed out costs ~10 ms.
            gc.collect()
            return pickle.loads(blob)
        name = _cache_name(map_file, key[1])
        cached = _read_cache(name) if name else None
        if cached is not None:
            _copies[key], copy = cached
            return copy
        built = original(map_file, param, None)
        _copies[key] = blob = pickle.dumps(built, protocol=pickle.HIGHEST_PROTOCOL)
        if name:
            _write_cache(name, blob)
        return built

    return load_map_file


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "x12tool"


def _cache_name(map_file: str, params: str) -> str | None:
    """The cache file name of this map build, or None when pyx12's map cannot be read."""
    from importlib.resources import files

    import pyx12

    try:
        xml = files("pyx12").joinpath("map", map_file).read_bytes()
    except (OSError, ValueError):
        return None  # pyx12 raises its own error for it when it builds the map
    digest = hashlib.sha256(xml + b"\0" + params.encode()).hexdigest()[:24]
    python = "{}{}".format(*sys.version_info[:2])
    return f"{map_file}.pyx12-{pyx12.__version__}.py{python}.{digest}.pickle"


def _ours(st: os.stat_result) -> bool:
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _read_cache(name: str) -> tuple[bytes, object] | None:
    """(the file's pickle, the map it holds), or None when there is no usable file."""
    folder = cache_folder()
    try:
        if not _ours(os.stat(folder)):
            return None
        fd = os.open(folder / name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            if not _ours(os.fstat(f.fileno())):
                return None
            blob = f.read()
        return blob, pickle.loads(blob)
    except Exception:  # noqa: BLE001 - a damaged or foreign file: the map is built from its XML
        return None


def _write_cache(name: str, blob: bytes) -> None:
    folder = cache_folder()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _ours(os.stat(folder)):
            return
        fd, tmp = tempfile.mkstemp(prefix=".map-", dir=folder)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(tmp, folder / name)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass

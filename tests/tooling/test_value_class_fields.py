"""x12tool/values.py makes a value class a dataclass without running ``@dataclass`` (start-up
cost): every value class must come out as ``dataclass(init=False, repr=False, eq=False)`` makes
it. Each run imports the modules twice in a fresh interpreter, once with ``@dataclass`` doing
the work, and compares what the classes hold."""

from __future__ import annotations

import json
import subprocess
import sys

_DESCRIBE = r"""
import importlib, json, pkgutil, re, sys
import x12tool.values as values
values._FOLLOWS = @FOLLOWS@
import x12tool
names = @NAMES@
if names is None:
    names = [m.name for m in pkgutil.walk_packages(x12tool.__path__, "x12tool.")]
for name in names:
    try:
        importlib.import_module(name)
    except Exception:  # an optional dependency missing: the same in both runs
        pass

def shown(value):
    if callable(value):
        return getattr(value, "__qualname__", type(value).__name__)
    return re.sub(r" at 0x[0-9a-f]+", "", repr(value))

out, fast, lazy = {}, set(), set()
for module in list(sys.modules.values()):
    if not (getattr(module, "__name__", "") or "").startswith("x12tool"):
        continue
    for cls in list(vars(module).values()):
        if not isinstance(cls, type) or "__dataclass_fields__" not in cls.__dict__:
            continue
        if "_fields" not in cls.__dict__:
            continue  # a dataclass, not a value class
        specs = cls.__dataclass_fields__
        if cls.__dataclass_params__ is values._PARAMS:
            fast.add(f"{cls.__module__}.{cls.__qualname__}")
        if isinstance(cls.__dict__.get("__doc__"), values._SignatureDoc):
            lazy.add(f"{cls.__module__}.{cls.__qualname__}")  # before "doc" below reads it
        out[f"{cls.__module__}.{cls.__qualname__}"] = {
            "params": repr(cls.__dataclass_params__),
            "doc": shown(cls.__doc__),
            "match_args": list(cls.__dict__.get("__match_args__", ("<none>",))),
            "fields": [
                [n, f.name, f.type, shown(f.default), shown(f.default_factory), f.init, f.repr,
                 f.hash, f.compare, dict(f.metadata), f.kw_only, repr(f._field_type)]
                for n, f in specs.items()
            ],
            "attrs": {n: shown(cls.__dict__.get(n, "<absent>")) for n in specs},
            "abstract": sorted(getattr(cls, "__abstractmethods__", ())),
        }
print(json.dumps([out, len(fast), len(lazy)], sort_keys=True))
"""


def _describe(follows: bool) -> tuple[dict, int, int]:
    """Every value class of the package, how many were made without @dataclass, and how many
    of those had their signature __doc__ left to the first reader."""
    code = _DESCRIBE.replace("@FOLLOWS@", repr(follows)).replace("@NAMES@", "None")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    out, fast, lazy = json.loads(run.stdout)
    return out, fast, lazy


def test_every_value_class_is_the_dataclass_it_replaces():
    (ours, fast, lazy), (theirs, none, _) = _describe(True), _describe(False)
    assert ours.keys() == theirs.keys()
    assert len(ours) > 50
    for name in ours:
        assert ours[name] == theirs[name], name
    # the fast path serves (nearly) all of them: a class it turns away costs @dataclass's pass
    assert none == 0 and fast >= len(ours) - 2
    assert lazy > 10  # classes without a docstring: inspect.signature waits for a reader

"""The shipped maps, compiled: what :func:`~x12tool.refdata.loader._load_shipped` reads from
maps/*.xml, written once as Python literals (``_maps_compiled.py``).

Why: every run reads the same seven shipped maps, and parsing and XSD-validating them with lxml
(with lxml's import) was about a tenth of a run's start-up (~65 M instructions of a ``check``),
paid again by every run. The literals import in a fraction of that.

Why it cannot go stale: the generated module carries the digest of everything its data was made
from: the shipped XML and XSD files (as read from :func:`~x12tool.refdata.paths.maps_dir`) and
the refdata modules that turn them into objects. A run computes that digest from the files it
would read and uses the compiled data only when the two are equal; after any change to a map or
to those modules, and until the module is regenerated, it reads the XML exactly as before (so
a maps file edited by hand, or with an error, is read and reported as always). A test
(tests/refdata/test_compiled.py) fails while the module is out of date. Regenerate with::

    python -m x12tool.refdata.compiled > x12tool/refdata/_maps_compiled.py
    ruff format x12tool/refdata/_maps_compiled.py

A user's own profiles file (``--profiles``) is never compiled: it is read and validated on each
run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from .paths import maps_dir

# The shipped maps the loader reads (each with its .xsd), and the modules whose code decides
# what it makes of them: a change to any of these changes the digest.
STEMS = ("codes", "payers", "pfs", "ncci", "thresholds", "taxonomy", "profiles")
MODULES = ("compiled.py", "loader.py", "model.py", "parsers.py", "profiles.py", "xmlload.py")
_FORMAT = b"x12tool compiled maps 1"


def digest() -> str | None:
    """The digest of the shipped maps and of the modules that read them; None when one of them
    cannot be read (the XML path then reports what is wrong, as it always did)."""
    h = hashlib.sha256(_FORMAT)
    try:
        base = maps_dir()
        for stem in STEMS:
            for name in (f"{stem}.xml", f"{stem}.xsd"):
                data = (base / name).read_bytes()
                h.update(b"\0%s\0%d\0" % (name.encode(), len(data)))
                h.update(data)
        here = Path(__file__).parent
        for name in MODULES:
            data = (here / name).read_bytes()
            h.update(b"\0%s\0%d\0" % (name.encode(), len(data)))
            h.update(data)
    except OSError:
        return None
    return h.hexdigest()


def profiles_origin() -> str:
    """The name the shipped profiles carry as their origin (the profiles file, as the XML path
    names it): not compiled in, since it depends on where the package is installed."""
    return str(maps_dir() / "profiles.xml")


def load() -> tuple[dict, dict] | None:
    """``(parts, raw_profiles)`` of the shipped maps from the compiled module, or None when the
    module is missing or was made from other files than the ones this run would read."""
    want = digest()
    if want is None:
        return None
    try:
        from . import _maps_compiled
    except ImportError:
        return None
    if _maps_compiled.DIGEST != want:
        return None
    return _maps_compiled.shipped(profiles_origin())


# --- the generator -----------------------------------------------------------------------------


def _literal(value, origin: str, indent: str) -> str:
    """``value`` as a Python expression that rebuilds an equal value (deterministic: sets are
    written sorted). Only the types the maps are made of; anything else is an error here rather
    than a silently different object at run time."""
    inner = indent + "    "
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, str):
        return "origin" if value == origin else repr(value)
    if isinstance(value, Decimal):
        return f"Decimal({str(value)!r})"
    if isinstance(value, date):
        return f"date({value.year}, {value.month}, {value.day})"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [f for f in dataclasses.fields(value) if f.init]
        if len(fields) != len(dataclasses.fields(value)):
            raise TypeError(f"{type(value).__name__} has fields __init__ does not take")
        args = "".join(
            f"{inner}{f.name}={_literal(getattr(value, f.name), origin, inner)},\n" for f in fields
        )
        return f"{type(value).__name__}(\n{args}{indent})"
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = "".join(
            f"{inner}{_literal(k, origin, inner)}: {_literal(v, origin, inner)},\n"
            for k, v in value.items()
        )
        return "{\n" + items + indent + "}"
    if isinstance(value, list | tuple):
        start, end = ("[", "]") if isinstance(value, list) else ("(", ")")
        if not value:
            return start + end
        items = "".join(f"{inner}{_literal(v, origin, inner)},\n" for v in value)
        return f"{start}\n{items}{indent}{end}"
    if isinstance(value, frozenset | set):
        kind = type(value).__name__
        if not value:
            return f"{kind}()"
        items = "".join(f"{inner}{_literal(v, origin, inner)},\n" for v in sorted(value))
        text = f"{{\n{items}{indent}}}"
        return text if kind == "set" else f"frozenset({text})"
    raise TypeError(f"cannot compile a {type(value).__name__}")


def source() -> str:
    """The text of ``_maps_compiled.py`` for the maps and modules as they are now, read from
    the XML (never from an older compiled module)."""
    from .loader import _read_shipped
    from .model import CodeInfo, ModifierInfo, NcciPair, Rvu, Threshold
    from .profiles import RawProfile

    shipped = _read_shipped()
    origin = profiles_origin()
    names = sorted({CodeInfo, ModifierInfo, NcciPair, Rvu, Threshold}, key=lambda c: c.__name__)
    body = _literal((shipped.parts, shipped.raw_profiles), origin, "    ")
    return (
        '"""The shipped maps as Python literals. Generated by ``python -m '
        'x12tool.refdata.compiled``:\ndo not edit (see x12tool/refdata/compiled.py)."""\n'
        "# ruff: noqa: E501\n\n"
        "from __future__ import annotations\n\n"
        "from datetime import date\n"
        "from decimal import Decimal\n\n"
        f"from .model import {', '.join(c.__name__ for c in names)}\n"
        f"from .profiles import {RawProfile.__name__}\n\n"
        f"DIGEST = {digest()!r}\n\n\n"
        "def shipped(origin: str) -> tuple[dict, dict]:\n"
        '    """``(parts, raw_profiles)`` as the loader reads them from the XML; ``origin``: the\n'
        '    shipped profiles file\'s name."""\n'
        f"    return {body}\n"
    )


if __name__ == "__main__":
    sys.stdout.write(source())

"""Dataclasses whose methods are written once here instead of generated at each start-up.

``@dataclass`` compiles an ``__init__``, ``__repr__`` and ``__eq__`` (and, frozen, a ``__hash__``,
``__setattr__`` and ``__delattr__``) from source text for every class, each time the program
starts: about 0.7 M instructions a method, ~4 M a frozen class, a sixth of a ``check``'s
start-up over the classes its imports define. A class made with :func:`value_class` is still a
dataclass (``dataclasses.fields``, ``replace``, ``asdict`` work on it) but writes its own
``__init__`` and inherits the rest from :class:`Value` or :class:`FrozenValue`, which behave as
the generated methods do: equal when of one class with equal fields, hashed by the fields
(frozen) or unhashable (not frozen), shown as ``Name(field=value, ...)``, and a frozen value's
fields cannot be assigned (``FrozenInstanceError``). tests/refdata/test_value_classes.py
compares them with generated dataclasses.
"""

from __future__ import annotations

import abc
import dataclasses
import re
import sys
from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, field
from operator import attrgetter
from types import MemberDescriptorType
from typing import Any


class Value:
    """The methods ``@dataclass`` would generate besides ``__init__``, for a class made by
    :func:`value_class` (its ``__init__`` is its own)."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()
    _shown: tuple[str, ...] = ()  # the fields __repr__ shows (not those of field(repr=False))
    # the fields compared and hashed, as a tuple (an attrgetter; not those of compare=False)
    _key = staticmethod(lambda value: ())
    __hash__ = None  # as a dataclass that is neither frozen nor unsafe_hash

    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return self._key(self) == self._key(other)
        return NotImplemented

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._shown)
        return f"{self.__class__.__qualname__}({shown})"


class FrozenValue(Value):
    """:class:`Value` as ``@dataclass(frozen=True)``: hashed by its fields, none assignable."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._key(self))

    def __setattr__(self, name, value):
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name):
        raise FrozenInstanceError(f"cannot delete field {name!r}")


class FrozenSlots(FrozenValue):
    """:class:`FrozenValue` for a class with ``__slots__`` (as ``@dataclass(frozen=True,
    slots=True)``): pickled as the list of its fields. Its ``__init__`` sets them with
    ``object.__setattr__`` (:data:`set_field`); the class body declares its fields by
    annotation only (a default there would clash with the slot): the defaults are
    ``__init__``'s."""

    __slots__ = ()

    def __getstate__(self):
        return [getattr(self, name) for name in self._fields]

    def __setstate__(self, state) -> None:
        for name, value in zip(self._fields, state, strict=False):
            set_field(self, name, value)


set_field = object.__setattr__

# The default of a field made by ``default_factory`` in a written ``__init__``: the value when
# the caller gave none (a new list or dict is made), as a generated ``__init__`` does.
NEW: Any = object()


def value_class(cls=None, *, hidden: tuple[str, ...] = ()):
    """``cls`` (a :class:`Value` with an ``__init__`` taking its fields in order) as a
    dataclass that generates none of its methods.

    A field made by ``field(repr=False)`` or ``field(compare=False)`` is left out of the repr
    or of eq and hash, as ``@dataclass`` leaves it out. A class with ``__slots__`` cannot hold
    ``field()`` in its body: ``hidden`` names its fields of ``repr=False``."""
    if cls is None:
        return lambda cls: value_class(cls, hidden=hidden)
    if not _as_dataclass(cls):
        cls = dataclass(init=False, repr=False, eq=False)(cls)
    specs = cls.__dataclass_fields__
    for name in hidden:
        specs[name].repr = False
    for spec in specs.values():
        if spec.hash is not None and bool(spec.hash) != spec.compare:
            raise TypeError(f"{cls.__name__}.{spec.name}: field(hash=...) is not supported")
    cls._fields = tuple(specs)
    cls._shown = tuple(name for name, spec in specs.items() if spec.repr)
    compared = tuple(name for name, spec in specs.items() if spec.compare)
    if not compared:
        cls._key = staticmethod(lambda value: ())
    elif len(compared) == 1:  # attrgetter of one name returns the value, not a 1-tuple
        name = compared[0]
        cls._key = staticmethod(lambda value: (getattr(value, name),))
    else:
        cls._key = staticmethod(attrgetter(*compared))
    return cls


@dataclass(init=False, repr=False, eq=False)
class _Params:
    """Holds the ``__dataclass_params__`` of ``dataclass(init=False, repr=False, eq=False)``."""


_PARAMS = _Params.__dataclass_params__
# Annotations whose meaning @dataclass works out from the module's names: left to it.
_SPECIAL = re.compile(r"ClassVar|InitVar|KW_ONLY")
_FIELD = dataclasses._FIELD  # the kind of field() a dataclass field is (not a ClassVar)
_INIT = (_FIELD, dataclasses._FIELD_INITVAR)  # the kinds __init__ (and __match_args__) takes
# The Python whose @dataclass this follows (3.13's adds __replace__): others run @dataclass.
_FOLLOWS = sys.version_info[:2] == (3, 11)


class _SignatureDoc:
    """The ``__doc__`` @dataclass gives a class without a docstring (its name and signature),
    worked out when first read: nothing in a run reads it, and ``inspect.signature`` of each
    such class was ~6 M instructions of every start-up. A class's ``__doc__`` in its namespace
    may be a descriptor (``type.__doc__`` calls it); the text then replaces it."""

    def __get__(self, obj, owner):
        import inspect  # imported by click already

        try:
            sig = str(inspect.signature(owner)).replace(" -> None", "")
        except (TypeError, ValueError):
            sig = ""
        owner.__doc__ = doc = owner.__name__ + sig
        return doc


def _as_dataclass(cls) -> bool:
    """Make ``cls`` what ``dataclass(init=False, repr=False, eq=False)(cls)`` makes it (its
    fields, their defaults on the class, ``__match_args__``, ``__doc__``), or do nothing and
    answer False where a class needs more than this follows (a ClassVar, InitVar or KW_ONLY
    annotation, one that is not a text, a frozen dataclass base, a mutable default, a field()
    without an annotation): ``@dataclass`` then runs as before. It costs a fifth of
    ``@dataclass``'s pass: ``check``'s 54 value classes took ~29 M instructions at every
    start-up, mostly its three name look-ups per annotation. tests/test_values.py compares
    every value class of the package with the one ``@dataclass`` makes."""
    if not _FOLLOWS:
        return False
    own = cls.__dict__.get("__annotations__", {})
    for name, value in cls.__dict__.items():
        if isinstance(value, Field) and name not in own:
            return False  # @dataclass's error
    fields = {}
    for base in cls.__mro__[-1:0:-1]:
        base_fields = getattr(base, "__dataclass_fields__", None)
        if base_fields is not None:
            if base.__dataclass_params__.frozen:
                return False  # @dataclass's error
            fields.update(base_fields)
    made = []
    for name, kind in own.items():
        if not isinstance(kind, str) or _SPECIAL.search(kind):
            return False
        default = getattr(cls, name, MISSING)
        if isinstance(default, Field):
            spec = default
        else:
            if isinstance(default, MemberDescriptorType):
                default = MISSING  # a slot: no default
            spec = field(default=default)
        if spec.default.__class__.__hash__ is None:
            return False  # a mutable default: @dataclass's error
        made.append((name, kind, spec))
    # Nothing can fail from here: the class is changed as @dataclass changes it.
    for name, kind, spec in made:
        spec.name, spec.type, spec._field_type = name, kind, _FIELD
        if spec.kw_only is MISSING:
            spec.kw_only = False
        fields[name] = spec
        if isinstance(getattr(cls, name, None), Field):
            if spec.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, spec.default)
    cls.__dataclass_params__ = _PARAMS
    cls.__dataclass_fields__ = fields
    if "__match_args__" not in cls.__dict__:
        cls.__match_args__ = tuple(
            f.name for f in fields.values() if f._field_type in _INIT and f.init and not f.kw_only
        )
    if not cls.__doc__:
        cls.__doc__ = _SignatureDoc()
    if hasattr(cls, "__abstractmethods__"):
        abc.update_abstractmethods(cls)
    return True

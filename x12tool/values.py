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

from dataclasses import FrozenInstanceError, dataclass
from operator import attrgetter
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

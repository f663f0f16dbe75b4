"""The refdata value classes write their own dataclass methods (x12tool/refdata/model.py): they
must behave as the ``@dataclass`` they replace."""

from __future__ import annotations

import dataclasses
import inspect
import pickle

import pytest

from x12tool.refdata import load_refdata
from x12tool.refdata.loader import _load_shipped
from x12tool.refdata.model import CodeInfo, ModifierInfo, NcciPair, Profile, Rvu, Threshold
from x12tool.refdata.profiles import RawProfile

FROZEN = (CodeInfo, ModifierInfo, NcciPair, Profile, Rvu, Threshold)


def _twin(cls, *, frozen: bool):
    """A generated dataclass with ``cls``'s fields (names, defaults), under the same name."""
    specs = []
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            specs.append((f.name, object, dataclasses.field(default=f.default)))
        elif f.default_factory is not dataclasses.MISSING:
            specs.append((f.name, object, dataclasses.field(default_factory=f.default_factory)))
        else:
            specs.append((f.name, object))
    twin = dataclasses.make_dataclass(cls.__name__, specs, frozen=frozen)
    twin.__qualname__ = cls.__qualname__
    return twin


def _values():
    """Values of each class as the shipped maps make them (compiled or read from the XML)."""
    parts = _load_shipped().parts
    for table in ("codes", "modifiers", "thresholds", "rvus"):
        yield from list(parts[table].values())[:10]
    yield from _values_in(parts["ncci"])
    yield from load_refdata().profiles.values()


def _values_in(data):
    if isinstance(data, FROZEN):
        yield data
    elif isinstance(data, dict):
        for item in list(data.values())[:10]:
            yield from _values_in(item)
    elif isinstance(data, list | tuple):
        for item in data[:10]:
            yield from _values_in(item)


def _same_params(cls, twin) -> bool:
    ours = inspect.signature(cls.__init__).parameters
    theirs = inspect.signature(twin.__init__).parameters
    return [(p.name, p.default) for p in ours.values()] == [
        (p.name, p.default) for p in theirs.values()
    ]


@pytest.mark.parametrize("cls", FROZEN, ids=lambda c: c.__name__)
def test_parameters_and_defaults_as_the_dataclass(cls):
    assert _same_params(cls, _twin(cls, frozen=True))


def test_frozen_values_behave_as_frozen_dataclasses():
    seen, kinds = 0, set()
    for value in _values():
        cls = type(value)
        if cls not in FROZEN:
            continue
        seen += 1
        twin = _twin(cls, frozen=True)
        args = {f.name: getattr(value, f.name) for f in dataclasses.fields(cls)}
        other = twin(**args)
        assert repr(value) == repr(other)
        assert hash(value) == hash(other)
        assert value == cls(**args) and value != other and value != args
        first = dataclasses.fields(cls)[0].name
        changed = dataclasses.replace(value, **{first: "Z" + str(getattr(value, first))})
        assert changed != value and type(changed) is cls
        assert dataclasses.astuple(value) == dataclasses.astuple(other)
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, first, None)
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(value, first)
        assert pickle.loads(pickle.dumps(value)) == value
        kinds.add(cls)
    assert kinds == set(FROZEN) and seen > 30


def test_raw_profile_as_a_plain_dataclass():
    twin = _twin(RawProfile, frozen=False)
    assert _same_params(RawProfile, twin) is False  # list/dict fields default to None here
    a, b = RawProfile("p", "f.xml", 3), twin("p", "f.xml", 3)
    assert repr(a) == repr(b)
    assert a == RawProfile("p", "f.xml", 3) and a.classes is not RawProfile("p", "f", 1).classes
    a.classes.append(("medicare", 4))
    assert a != RawProfile("p", "f.xml", 3)
    with pytest.raises(TypeError):
        hash(a)
    assert dataclasses.asdict(a) == dict(dataclasses.asdict(b), classes=[("medicare", 4)])


def _rule_values():
    from decimal import Decimal

    from x12tool.edi.delimiters import Delimiters
    from x12tool.edi.segment import Segment
    from x12tool.rules import base

    delims = Delimiters(element="*", component=":", repetition="^", segment="~")
    sv1 = Segment(["SV1", "HC:97110:GP", "120", "UN", "3"], 7, 120, None, delims)
    lx = Segment(["LX", "1"], 6, 110, None, delims)
    fix = base.Fix(base.Applicability.SAFE, (base.SetElement(sv1, 4, "2"),))
    return [
        base.SetElement(sv1, 1, "GO", 3),
        base.SetElement(sv1, 4, "2"),
        base.SetModifiers(sv1, ("GP", "KX")),
        base.SetUnits(sv1, Decimal(2), Decimal("80.00")),
        base.DeleteLine(lx),
        base.InsertSegment(sv1, ("REF", "6R", "1")),
        fix,
        base.Finding("TU001", base.Severity.ERROR, "m", sv1, 1, fix, {"units": 2}),
        base.Finding("TU001", base.Severity.ERROR, "m"),
    ]


@pytest.mark.parametrize("value", _rule_values(), ids=lambda v: type(v).__name__)
def test_rule_edits_and_findings_behave_as_frozen_slotted_dataclasses(value):
    cls = type(value)
    specs = [(f.name, object) for f in dataclasses.fields(cls)]
    twin = dataclasses.make_dataclass(cls.__name__, specs, frozen=True, slots=True)
    twin.__qualname__ = cls.__qualname__
    args = {f.name: getattr(value, f.name) for f in dataclasses.fields(cls)}
    other = twin(**args)
    assert repr(value) == repr(other)
    assert value == cls(**args) and value != other
    hashable = not isinstance(getattr(value, "extra", None), dict)
    if hashable:
        assert hash(value) == hash(other)
    else:
        with pytest.raises(TypeError):
            hash(value)
    assert not hasattr(value, "__dict__")
    assert repr(pickle.loads(pickle.dumps(value))) == repr(value)  # segments: equal by identity
    first = dataclasses.fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, first, None)
    assert dataclasses.replace(value) == value


def test_finding_defaults():
    from x12tool.rules.base import Finding, Severity

    a, b = Finding("X", Severity.INFO, "m"), Finding("X", Severity.INFO, "m")
    assert (a.segment, a.line, a.fix, a.extra) == (None, None, None, {})
    assert a.extra is not b.extra
    assert Finding("X", Severity.INFO, "m", extra=None).extra is None  # as given, as before


def test_claim_model_behaves_as_slotted_dataclasses():
    from pathlib import Path

    from x12tool.claims import model
    from x12tool.claims.stream import iter_items
    from x12tool.edi.source import X12Source

    sample = Path(__file__).parents[2] / "fixtures" / "sample" / "therapy_batch.837"
    with X12Source(sample) as src:
        items = list(iter_items(src.segments(), str(sample)))
    claims = [c for c in items if isinstance(c, model.Claim)]
    values = []
    for claim in claims[:3]:
        values += [claim, claim.envelope, claim.billing, claim.subscriber, claim.billing_provider]
        values += claim.lines
        values += [p for p in (claim.patient, claim.rendering) if p is not None]
    values.append(model.Problem(claims[0].clm, "CLM02", "m"))
    kinds = set()
    for value in values:
        cls = type(value)
        kinds.add(cls)
        specs = [(f.name, object) for f in dataclasses.fields(cls)]
        twin = dataclasses.make_dataclass(cls.__name__, specs, slots=True)
        twin.__qualname__ = cls.__qualname__
        args = {f.name: getattr(value, f.name) for f in dataclasses.fields(cls)}
        assert repr(value) == repr(twin(**args))
        assert value == cls(**args) and value != twin(**args)
        with pytest.raises(TypeError):
            hash(value)
        assert not hasattr(value, "__dict__")
    assert len(kinds) >= 7
    # a field of default_factory: a new list for each value made without one
    line = model.ServiceLine(0, 1, claims[0].clm, 1)
    other = model.ServiceLine(0, 1, claims[0].clm, 1)
    assert line.modifiers == line.pointers == line.problems == [] and line.modifiers is not (
        other.modifiers
    )
    assert (line.sv1, line.code, line.charge, line.date) == (None, "", None, None)

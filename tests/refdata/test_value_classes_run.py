"""The run's value classes (money, ledger, claims scan/stream/plan, reports, preflight, fixes,
rules) write their own dataclass methods (x12tool/values.py): each must behave as the
``@dataclass`` it replaces. The twin of each class is generated here from the original
declaration: the decorator's flags and the fields' defaults, factories and ``repr=False``."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from array import array
from datetime import datetime
from decimal import Decimal

import pytest

from x12tool.claims.plan import FilePlan
from x12tool.claims.scan import ClaimHead
from x12tool.claims.stream import ClaimSegments, EnvelopeSegment, HLItem, SetHeader, SetTrailer
from x12tool.fixes.loop import ClaimOutcome
from x12tool.ledger.facts import AuthLine, EarlierSending, LineFact, SentClaim
from x12tool.ledger.scope import Position, ProgressGap
from x12tool.money.effects import ClaimMoney
from x12tool.money.pricing import ClaimPrice, LineInput, LinePrice
from x12tool.money.schedule import Rate
from x12tool.money.store import Gpci, LocalityRow, StoredRvu
from x12tool.money.totals import MoneyTotals, _zero
from x12tool.preflight.outputs import PreflightResult
from x12tool.preflight.run import Sinks, Summary
from x12tool.preflight.session import Session
from x12tool.reports.ack_x12 import AckNumbers
from x12tool.reports.model import FileSummary
from x12tool.rules.context import RuleContext
from x12tool.rules.ncci_hits import PairHit
from x12tool.values import NEW


def _counts():
    return {"error": 0, "warning": 0, "info": 0}


_SUMMARY = {
    "findings": _counts,
    "money": MoneyTotals,
    "notes": list,
    "ig_file_issues": list,
    "structural": list,
    "sets": list,
}
_CONTEXT_HIDDEN = (
    "_run_state",
    "_memo",
    "_default_ncci",
    "_run_ledger",
    "_profiles",
    "_severity",
    "_active",
    "_rows",
    "plans",
    "_group_state",
)
# class: (frozen, slots, {field: default_factory}, fields of repr=False), as declared before
CASES = {
    MoneyTotals: (
        False,
        False,
        {"totals": _zero, "by_class": dict, "reference_classes": set, "by_rule": dict},
        (),
    ),
    ClaimMoney: (False, True, {"by_rule": dict, "effects": dict}, ()),
    Rate: (True, True, {}, ()),
    StoredRvu: (True, True, {}, ()),
    Gpci: (True, True, {}, ()),
    LocalityRow: (True, True, {}, ()),
    LineInput: (False, True, {}, ()),
    LinePrice: (False, True, {}, ()),
    ClaimPrice: (False, True, {"lines": list}, ("_total", "_reduction")),
    LineFact: (False, True, {}, ()),
    AuthLine: (True, True, {}, ()),
    SentClaim: (True, True, {}, ()),
    EarlierSending: (True, True, {}, ()),
    Position: (False, True, {}, ()),
    ProgressGap: (False, True, {}, ()),
    ClaimHead: (True, True, {}, ()),
    EnvelopeSegment: (False, True, {}, ()),
    SetHeader: (False, True, {}, ()),
    HLItem: (False, True, {}, ()),
    SetTrailer: (False, True, {}, ()),
    ClaimSegments: (False, True, {}, ()),
    FilePlan: (
        False,
        False,
        {
            "crcs": lambda: array("I"),
            "groups": lambda: array("I"),
            "ends": bytearray,
            "loops": lambda: array("i"),
            "breaks": lambda: array("I"),
        },
        ("spans",),
    ),
    FileSummary: (False, False, _SUMMARY, ()),
    Summary: (
        False,
        False,
        dict(
            _SUMMARY,
            set_findings=_counts,
            ig_issues=list,
            fixed_gs=set,
            held_trailers=set,
        ),
        (),
    ),
    Sinks: (False, False, {}, ()),
    Session: (False, False, {}, ()),
    PreflightResult: (False, False, {}, ()),
    ClaimOutcome: (False, False, {"fixed": list}, ()),
    PairHit: (False, True, {"col1": list, "col2": list}, ()),
    RuleContext: (
        False,
        False,
        {name: dict for name in ("_run_state", "_profiles", "_severity", "_active")}
        | {"plans": dict, "_group_state": dict},
        _CONTEXT_HIDDEN,
    ),
    AckNumbers: (False, False, {"used": set, "now": datetime.now}, ()),
}
_IDS = [cls.__name__ for cls in CASES]
_ZERO = Decimal("0.00")
# The defaults of the classes with slots, as declared before (a class without slots still
# declares its defaults in its body)
SLOTS_DEFAULTS = {
    ClaimMoney: dict.fromkeys(
        (
            "allowed_as_billed",
            "allowed_as_sent",
            "overbilling_avoided",
            "underbilled",
            "reduction",
            "at_risk",
            "sequestration",
        ),
        _ZERO,
    )
    | {"held": False, "payer_rate_lines": 0, "lines": 0},
    LineInput: {"priceable": True},
    LinePrice: {"reduced_units": _ZERO, "percent": None, "rate": None, "note": ""},
    ClaimPrice: {"inputs": None, "_total": None, "_reduction": None},
    ClaimHead: {"patient": "", "member_id": "", "loop": -1, "block": -1},
}


def _declared_defaults(cls) -> dict:
    if CASES[cls][1]:
        return SLOTS_DEFAULTS.get(cls, {})
    return {
        f.name: f.default for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING
    }


def _init_params(cls) -> list[inspect.Parameter]:
    return list(inspect.signature(cls.__init__).parameters.values())[1:]


def _twin(cls):
    """A generated dataclass declared as ``cls`` was, under the same name."""
    frozen, slots, factories, hidden = CASES[cls]
    defaults = _declared_defaults(cls)
    specs = []
    for f in dataclasses.fields(cls):
        kw = {"repr": f.name not in hidden}
        if f.name in factories:
            kw["default_factory"] = factories[f.name]
        elif f.name in defaults:
            kw["default"] = defaults[f.name]
        specs.append((f.name, object, dataclasses.field(**kw)))
    twin = dataclasses.make_dataclass(
        cls.__name__, specs, frozen=frozen, slots=slots, init=cls is not Position
    )
    twin.__qualname__ = cls.__qualname__
    return twin


def _value(cls):
    """A value of ``cls`` with a distinct value in every field."""
    if cls is Position:
        return Position(2026, "PT_SLP", 100, 20, False, 30, 40, ("c1",), (1, 100))
    args = {f.name: f"{f.name}-value" for f in dataclasses.fields(cls)}
    return cls(**args)


def _twin_of(value, twin):
    """The twin with the same field values, set as its own __init__ would (any class)."""
    other = twin.__new__(twin)
    for f in dataclasses.fields(twin):
        object.__setattr__(other, f.name, getattr(value, f.name))
    return other


@pytest.mark.parametrize("cls", CASES, ids=_IDS)
def test_fields_and_parameters_as_declared(cls):
    twin = _twin(cls)
    assert [f.name for f in dataclasses.fields(cls)] == [f.name for f in dataclasses.fields(twin)]
    assert [f.repr for f in dataclasses.fields(cls)] == [f.repr for f in dataclasses.fields(twin)]
    if cls is Position:  # its own __init__, as before
        return
    factories = CASES[cls][2]
    for ours, theirs in zip(_init_params(cls), _init_params(twin), strict=True):
        assert ours.name == theirs.name
        if ours.name in factories:
            assert ours.default is NEW
        elif theirs.default is inspect.Parameter.empty:
            assert ours.default is inspect.Parameter.empty
        else:
            assert ours.default is theirs.default or (
                ours.default == theirs.default and type(ours.default) is type(theirs.default)
            )
    # a field declared in the class body (a class without slots) says what it said before
    if not CASES[cls][1]:
        for f in dataclasses.fields(cls):
            if f.name in factories:
                assert f.default_factory is not dataclasses.MISSING


@pytest.mark.parametrize("cls", CASES, ids=_IDS)
def test_defaults_made_as_the_dataclass_makes_them(cls):
    if cls is Position:
        assert (_value(cls).claims_before, Position(1, "OT", 0, 0, False, 0, 0).remitted) == (
            ("c1",),
            (0, 0),
        )
        return
    twin = _twin(cls)
    required = {p.name: p.name for p in _init_params(cls) if p.default is inspect.Parameter.empty}
    a, b, other = cls(**required), cls(**required), twin(**required)
    for f in dataclasses.fields(cls):
        ours, theirs = getattr(a, f.name), getattr(other, f.name)
        if f.name == "now":  # datetime.now: a fresh time each
            assert isinstance(ours, datetime)
            continue
        assert ours == theirs and type(ours) is type(theirs)
        if f.name in CASES[cls][2]:
            assert getattr(a, f.name) is not getattr(b, f.name)  # a new one per value
    if cls is RuleContext:  # a shared default, as a dataclass's (None, {}) was
        assert a._memo is b._memo and a._memo == (None, {})
    if cls is not AckNumbers:
        assert repr(a) == repr(other)


@pytest.mark.parametrize("cls", CASES, ids=_IDS)
def test_behaves_as_the_dataclass(cls):
    frozen, slots, _, _ = CASES[cls]
    twin = _twin(cls)
    value = _value(cls)
    other = _twin_of(value, twin)
    assert repr(value) == repr(other)
    same = _twin_of(value, cls)
    assert value == same and not (value != same)
    assert value != other and value != 1
    assert dataclasses.astuple(value) == dataclasses.astuple(other)
    assert dataclasses.asdict(value) == dataclasses.asdict(other)
    first = dataclasses.fields(cls)[0].name
    changed = _twin_of(value, cls)
    object.__setattr__(changed, first, "changed")
    assert changed != value
    if frozen:
        assert hash(value) == hash(other) == hash(same)
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, first, None)
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(value, first)
    else:
        with pytest.raises(TypeError):
            hash(value)
        setattr(same, first, "set")
        assert same.__getattribute__(first) == "set"
    assert hasattr(value, "__dict__") is (not slots)
    assert pickle.loads(pickle.dumps(value)) == value
    if cls is not Position:
        assert dataclasses.replace(value) == value
        assert dataclasses.replace(value, **{first: "other"}) != value

"""The therapy rule set: one module per rule, each returning findings with fixes as data."""

from x12tool.rules.base import (
    Applicability,
    DeleteLine,
    Edit,
    Finding,
    Fix,
    Rule,
    SetElement,
    SetModifiers,
    SetUnits,
    Severity,
)
from x12tool.rules.context import RuleContext

__all__ = [
    "Applicability",
    "DeleteLine",
    "Edit",
    "Finding",
    "Fix",
    "Rule",
    "RuleContext",
    "SetElement",
    "SetModifiers",
    "SetUnits",
    "Severity",
]

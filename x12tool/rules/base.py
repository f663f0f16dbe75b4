"""The rule framework: rules read a claim and return findings; fixes are data, never edits.

Modelled on ruff (permanent codes, docstring = user documentation, fix applicability) and
sqlfluff (rules return fixes as data; a separate loop applies them). A rule's docstring must have
the sections listed in ``DOC_SECTIONS``; ``tests/test_rules_meta.py`` fails when one is missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

from x12tool.edi.segment import Segment

if TYPE_CHECKING:
    from x12tool.claims import Claim, ServiceLine
    from x12tool.rules.context import RuleContext

DOC_SECTIONS = ("Why is this bad?", "Example", "Use instead", "Fix safety", "Source")


class Severity(StrEnum):
    ERROR = "error"  # the claim is held unless a fix removes the cause
    WARNING = "warning"
    INFO = "info"


class Applicability(StrEnum):
    SAFE = "safe"  # proven by the documents on hand; applied by default
    UNSAFE = "unsafe"  # attests to something; applied only with --unsafe-fixes
    DISPLAY = "display-only"  # shown, never applied


# --- edits: what a fix asks the fix loop to do -----------------------------------------------


@dataclass(frozen=True, slots=True)
class SetElement:
    """Set element ``element`` (1-based) of ``segment``, or one component of it."""

    segment: Segment
    element: int
    value: str
    component: int | None = None

    def describe(self) -> str:
        name = f"{self.segment.tag}{self.element:02d}"
        if self.component:
            name += f"-{self.component}"
        return f"set {name} to {self.value!r}"


@dataclass(frozen=True, slots=True)
class SetModifiers:
    """Rewrite the procedure modifiers (SV101-3..6) of an SV1 segment."""

    segment: Segment
    modifiers: tuple[str, ...]

    def describe(self) -> str:
        return f"set modifiers to {'-'.join(self.modifiers) or '(none)'}"


@dataclass(frozen=True, slots=True)
class SetUnits:
    """Set SV104 (and SV103 to UN), with the line charge SV102 scaled to the new units."""

    segment: Segment
    units: Decimal
    charge: Decimal

    def describe(self) -> str:
        return f"set units to {self.units} and the line charge to {self.charge:.2f}"


@dataclass(frozen=True, slots=True)
class DeleteLine:
    """Remove a whole 2400 loop (from its LX); the LX numbers after it close up."""

    lx: Segment

    def describe(self) -> str:
        return f"delete service line {self.lx.element(1)}"


Edit = SetElement | SetModifiers | SetUnits | DeleteLine


def edit_segment(edit: Edit) -> Segment:
    return edit.lx if isinstance(edit, DeleteLine) else edit.segment


@dataclass(frozen=True, slots=True)
class Fix:
    applicability: Applicability
    edits: tuple[Edit, ...]

    def describe(self) -> str:
        return "; ".join(e.describe() for e in self.edits)


@dataclass(slots=True)
class Finding:
    code: str
    severity: Severity
    message: str
    segment: Segment | None = None  # where: position and byte offset come from it
    line: int | None = None  # LX01 of the service line, when the finding is about one
    fix: Fix | None = None
    money: Decimal | None = None  # dollar effect, filled by the money layer
    status: str = ""  # "fixed" once the fix loop applied its fix
    extra: dict = field(default_factory=dict)

    @property
    def position(self) -> int | None:
        return self.segment.position if self.segment is not None else None

    @property
    def offset(self) -> int | None:
        return self.segment.offset if self.segment is not None else None


class Rule:
    """Base class. Subclasses set the class attributes and implement :meth:`check`."""

    code: ClassVar[str]
    name: ClassVar[str]  # dotted, e.g. "timed-units.overbilled"
    severity: ClassVar[Severity]
    fix: ClassVar[Applicability | None] = None  # what kind of fix the rule can offer
    # True for rules whose verdict depends on other claims of the run (KX, cloned notes):
    cross_claim: ClassVar[bool] = False

    def check(self, claim: Claim, ctx: RuleContext) -> Iterable[Finding]:
        raise NotImplementedError

    # helpers for subclasses
    def finding(
        self,
        ctx: RuleContext,
        message: str,
        *,
        segment: Segment | None = None,
        line: ServiceLine | None = None,
        fix: Fix | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        return Finding(
            code=self.code,
            severity=severity or ctx.severity_for(self),
            message=message,
            segment=segment if segment is not None else (line.sv1 or line.lx if line else None),
            line=line.number if line is not None else None,
            fix=fix,
        )

    @classmethod
    def doc(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        return cls.doc().splitlines()[0] if cls.__doc__ else ""

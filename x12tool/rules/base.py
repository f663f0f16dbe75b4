"""The rule framework: rules read a claim and return findings; fixes are data, never edits.

Modelled on ruff (permanent codes, docstring = user documentation, fix applicability) and
sqlfluff (rules return fixes as data; a separate loop applies them). A rule's docstring must have
the sections listed in ``DOC_SECTIONS``; ``tests/rules/test_rules_meta.py`` fails when one is
missing.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from x12tool.edi.segment import Segment
from x12tool.values import NEW, FrozenSlots, set_field, value_class

if TYPE_CHECKING:
    from x12tool.claims import Claim, ServiceLine
    from x12tool.refdata import Profile
    from x12tool.rules.context import RuleContext
    from x12tool.rules.money import ClaimPricing, Effect

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
# Frozen dataclasses with slots that write their own __init__ (x12tool/values.py: no methods
# generated at start-up; the defaults are __init__'s).


@value_class
class SetElement(FrozenSlots):
    """Set element ``element`` (1-based) of ``segment``, or one component of it."""

    __slots__ = ("segment", "element", "value", "component")
    segment: Segment
    element: int
    value: str
    component: int | None

    def __init__(
        self, segment: Segment, element: int, value: str, component: int | None = None
    ) -> None:
        set_field(self, "segment", segment)
        set_field(self, "element", element)
        set_field(self, "value", value)
        set_field(self, "component", component)

    def describe(self) -> str:
        name = f"{self.segment.tag}{self.element:02d}"
        if self.component:
            name += f"-{self.component}"
        return f"set {name} to {self.value!r}"


@value_class
class SetModifiers(FrozenSlots):
    """Rewrite the procedure modifiers (SV101-3..6) of an SV1 segment."""

    __slots__ = ("segment", "modifiers")
    segment: Segment
    modifiers: tuple[str, ...]

    def __init__(self, segment: Segment, modifiers: tuple[str, ...]) -> None:
        set_field(self, "segment", segment)
        set_field(self, "modifiers", modifiers)

    def describe(self) -> str:
        return f"set modifiers to {'-'.join(self.modifiers) or '(none)'}"


@value_class
class SetUnits(FrozenSlots):
    """Set SV104 (and SV103 to UN), with the line charge SV102 scaled to the new units."""

    __slots__ = ("segment", "units", "charge")
    segment: Segment
    units: Decimal
    charge: Decimal

    def __init__(self, segment: Segment, units: Decimal, charge: Decimal) -> None:
        set_field(self, "segment", segment)
        set_field(self, "units", units)
        set_field(self, "charge", charge)

    def describe(self) -> str:
        return f"set units to {self.units} and the line charge to {self.charge:.2f}"


@value_class
class DeleteLine(FrozenSlots):
    """Remove a whole 2400 loop (from its LX); the LX numbers after it close up."""

    __slots__ = ("lx",)
    lx: Segment

    def __init__(self, lx: Segment) -> None:
        set_field(self, "lx", lx)

    def describe(self) -> str:
        return f"delete service line {self.lx.element(1)}"


@value_class
class InsertSegment(FrozenSlots):
    """Insert a new segment just before ``segment`` (a segment of the claim)."""

    __slots__ = ("segment", "fields")
    segment: Segment
    fields: tuple[str, ...]

    def __init__(self, segment: Segment, fields: tuple[str, ...]) -> None:
        set_field(self, "segment", segment)
        set_field(self, "fields", fields)

    def describe(self) -> str:
        return f"insert {'*'.join(self.fields)} before {self.segment.tag}"


Edit = SetElement | SetModifiers | SetUnits | DeleteLine | InsertSegment


@value_class
class Fix(FrozenSlots):
    __slots__ = ("applicability", "edits")
    applicability: Applicability
    edits: tuple[Edit, ...]

    def __init__(self, applicability: Applicability, edits: tuple[Edit, ...]) -> None:
        set_field(self, "applicability", applicability)
        set_field(self, "edits", edits)

    def describe(self) -> str:
        return "; ".join(e.describe() for e in self.edits)


@value_class
class Finding(FrozenSlots):
    """What a rule found: an immutable value. Whether its fix was applied is the fix loop's
    record (``ClaimOutcome.fixed``), its dollar effect the money step's (``ClaimMoney``)."""

    __slots__ = ("code", "severity", "message", "segment", "line", "fix", "extra")
    code: str
    severity: Severity
    message: str
    segment: Segment | None  # where: position and byte offset come from it
    line: int | None  # LX01 of the service line, when the finding is about one
    fix: Fix | None
    # data the rule keeps for its own money_effect (e.g. the supported units), never shown
    extra: dict[str, Any]

    def __init__(
        self,
        code: str,
        severity: Severity,
        message: str,
        segment: Segment | None = None,
        line: int | None = None,
        fix: Fix | None = None,
        extra: dict[str, Any] = NEW,
    ) -> None:
        set_field(self, "code", code)
        set_field(self, "severity", severity)
        set_field(self, "message", message)
        set_field(self, "segment", segment)
        set_field(self, "line", line)
        set_field(self, "fix", fix)
        set_field(self, "extra", {} if extra is NEW else extra)

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
    # The services the rule reads (x12tool.rules.services.SERVICES): "visits", "ncci",
    # "pricing", "ledger". The session opens them; the ledger pre-pass runs only for rules
    # that need the ledger.
    needs: ClassVar[frozenset[str]] = frozenset()

    def check(self, claim: Claim, ctx: RuleContext) -> Iterable[Finding]:
        raise NotImplementedError

    @classmethod
    def quiet(cls, profile: Profile | None) -> bool:
        """True when the rule finds nothing, and keeps no state, for any claim checked under
        ``profile`` (None: no profile), whatever the claim and the rest of the context: the
        engine then does not call it for that profile's claims (``RuleContext.active``). It
        reads the profile alone (immutable), so the answer is kept per profile; ``check``
        still makes the same test, for callers that do not go through the engine."""
        return False

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
        extra: dict[str, Any] | None = None,
    ) -> Finding:
        return Finding(
            code=self.code,
            severity=severity or ctx.severity_for(self),
            message=message,
            segment=segment if segment is not None else (line.sv1 or line.lx if line else None),
            line=line.number if line is not None else None,
            fix=fix,
            extra=extra if extra is not None else {},
        )

    def money_effect(self, finding: Finding, priced: ClaimPricing) -> Effect | None:
        """The dollar effect of one of this rule's findings on the claim as billed
        (``(effect, amount)``, see :mod:`x12tool.rules.money`), or None.

        Default: an error on a held claim puts its line (or the claim) at risk. A rule whose
        findings move money otherwise overrides this."""
        return priced.at_risk(finding)

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        """The docstring's first paragraph, as one line (a whole sentence)."""
        return " ".join(cls.doc().split("\n\n")[0].split()) if cls.__doc__ else ""

"""What one command run needs: reference data, profiles, visit log, NCCI index, rules."""

from __future__ import annotations

from dataclasses import dataclass

from x12tool.refdata import load_refdata
from x12tool.rules.base import Rule
from x12tool.rules.context import RuleContext
from x12tool.rules.registry import select_rules
from x12tool.visits import VisitLog


@dataclass
class Session:
    ctx: RuleContext
    rules: list[Rule]
    visits: VisitLog | None

    def visit_log_info(self) -> dict | None:
        if self.visits is None:
            return None
        return {
            "path": self.visits.path,
            "rows": self.visits.rows,
            "problems": [{"row": p.row, "message": p.message} for p in self.visits.problems],
        }


def open_session(
    *,
    visits: str | None = None,
    profiles: str | None = None,
    maps_db: str | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    ig: bool = False,
) -> Session:
    ref = load_refdata(profiles)
    log = VisitLog(visits) if visits else None
    ncci = None
    try:
        from x12tool.ncci import open_index
    except ImportError:  # pragma: no cover - NCCI layer not installed
        open_index = None
    if open_index is not None:
        ncci = open_index(ref, maps_db)
    rules = select_rules(select, ignore)
    if not ig:
        rules = [r for r in rules if r.code != "IG001"]
    ctx = RuleContext(ref=ref, visits=log, ncci=ncci)
    return Session(ctx, rules, log)

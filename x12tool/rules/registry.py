"""The rule registry: every module ``x12tool/rules/<code>_<name>.py`` defines ``RULE``.

A plain list, found by module name (yamllint style), so adding a rule is adding a module.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import cache

import x12tool.rules as pkg
from x12tool.rules.base import Rule

_MODULE = re.compile(r"^[a-z]+\d{3}_\w+$")


@cache
def all_rules() -> tuple[type[Rule], ...]:
    found: dict[str, type[Rule]] = {}
    for info in pkgutil.iter_modules(pkg.__path__):
        if not _MODULE.match(info.name):
            continue
        module = importlib.import_module(f"x12tool.rules.{info.name}")
        rule = module.RULE
        if rule.code in found:
            raise RuntimeError(f"rule code {rule.code} defined twice")
        if not info.name.startswith(rule.code.lower()):
            raise RuntimeError(f"module {info.name} does not match rule code {rule.code}")
        found[rule.code] = rule
    return tuple(found[c] for c in sorted(found))


def get_rule(code: str) -> type[Rule] | None:
    code = code.upper()
    for rule in all_rules():
        if rule.code == code or rule.name == code.lower():
            return rule
    return None


def _matches(rule: type[Rule], pattern: str) -> bool:
    up = pattern.upper()
    return up == "ALL" or rule.code.startswith(up) or rule.name == pattern.lower()


def unknown_code(pattern: str) -> str | None:
    """Why ``pattern`` selects no rule (None: it selects some), naming the closest real code,
    as ruff does for ``--select``."""
    import difflib

    rules = all_rules()
    if any(_matches(r, pattern) for r in rules):
        return None
    codes = [r.code for r in rules]
    prefixes = sorted({c.rstrip("0123456789") for c in codes})
    names = [r.name for r in rules]
    up = pattern.upper()
    close = difflib.get_close_matches(up, codes + prefixes, n=1, cutoff=0.0)
    if not close or "." in pattern:
        close = difflib.get_close_matches(pattern.lower(), names, n=1, cutoff=0.0) or close
    hint = f" (closest: {close[0]})" if close else ""
    return f"unknown rule code {pattern!r}{hint}; 'x12tool rules' lists them"


def select_rules(select: list[str] | None = None, ignore: list[str] | None = None) -> list[Rule]:
    """Rules chosen by code, code prefix, rule name or ``ALL``
    (``--select TU,MOD001 --ignore DOC``)."""

    def matches(rule: type[Rule], patterns: list[str]) -> bool:
        return any(_matches(rule, p) for p in patterns)

    chosen = []
    for rule in all_rules():
        if select and not matches(rule, select):
            continue
        if ignore and matches(rule, ignore):
            continue
        chosen.append(rule())
    return chosen

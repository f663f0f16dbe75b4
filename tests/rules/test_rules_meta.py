"""Every rule has its documentation sections, a case file with failing and passing cases, and a
line in docs/rules.md (sqlfluff's docstring test, ruff's rule-doc check)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rules.harness import CASES, load_cases
from x12tool.rules.base import DOC_SECTIONS
from x12tool.rules.docs import render
from x12tool.rules.registry import all_rules

ROOT = Path(__file__).resolve().parents[2]
RULES = all_rules()


def test_there_are_rules():
    codes = {r.code for r in RULES}
    for code in (
        "TU001",
        "TU002",
        "TU003",
        "TU004",
        "TU005",
        "MOD001",
        "MOD002",
        "MOD003",
        "BAL001",
        "COD001",
        "COD002",
        "COD003",
        "DOC001",
        "DOC003",
        "IG001",
    ):
        assert code in codes


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_has_every_doc_section(rule):
    doc = rule.doc()
    assert doc.splitlines()[0].strip(), "first line is the summary"
    for section in DOC_SECTIONS:
        assert re.search(rf"^{re.escape(section)}\s*$", doc, re.M), f"{rule.code} lacks {section}"
    assert re.fullmatch(r"[A-Z]{2,4}\d{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)*", rule.name)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_has_cases(rule):
    path = CASES / f"{rule.code}.toml"
    assert path.exists(), f"{rule.code} has no case file {path.name}"
    cases = load_cases(path)
    assert any(c.expect for c in cases), f"{rule.code} has no failing case"
    assert any(not c.expect for c in cases), f"{rule.code} has no passing case"
    if rule.fix is not None and rule.fix.value in ("safe", "unsafe"):
        assert any(c.after for c in cases), f"{rule.code} offers a fix but no case shows it"


def test_docs_rules_md_is_fresh():
    current = (ROOT / "docs" / "rules.md").read_text()
    assert current == render(), (
        "docs/rules.md is stale: python -m x12tool.rules.docs > docs/rules.md"
    )


def test_rule_codes_are_unique_and_stable():
    codes = [r.code for r in RULES]
    assert len(codes) == len(set(codes))
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))

"""docs/rules.md, generated from the rule docstrings (a test fails when the file is stale)."""

from __future__ import annotations

from x12tool.rules.registry import all_rules

HEADER = """# Rules

Generated from the rule docstrings by `python -m x12tool.rules.docs > docs/rules.md`; do not edit
by hand (`tests/rules/test_rules_meta.py` fails when this file is stale). `x12tool explain CODE`
prints the same text.

Severity `error` holds the claim unless a fix removes the cause. Fix `safe` is applied by default
(the documents on hand prove it); `unsafe` only with `--unsafe-fixes` (it attests to something).

"""


FIX_LOOP = """## Findings of the fix loop

These are not rules: the fix loop (`x12tool/fixes/loop.py`) reports them about the fixes
themselves. Both are errors, so the claim is held exactly as it came.

- **FIX001**: the fixes did not settle: a pass brought the claim back to an earlier state (a
  fix undoing another), changed nothing, or the pass limit was reached. The claim is held
  unchanged; please report it, it is a bug in a rule.
- **FIX002**: the fixes would remove every service line (for example the claim's only timed
  line documents fewer than 8 minutes): a claim needs at least one service line (TR3 loop
  2400), and nothing the documentation supports is left to bill. Void or correct the claim in
  the billing system.
"""


def render() -> str:
    rules = all_rules()
    out = [HEADER, "| code | name | severity | fix | summary |", "|---|---|---|---|---|"]
    for r in rules:
        fix = r.fix.value if r.fix else "none"
        out.append(
            f"| [{r.code}](#{r.code.lower()}) | `{r.name}` | {r.severity.value} | {fix} | "
            f"{r.summary()} |"
        )
    out.append("")
    for r in rules:
        doc = r.doc().splitlines()
        fix = r.fix.value if r.fix else "none"
        out.append(f"## {r.code}")
        out.append("")
        out.append(f"`{r.name}` · severity **{r.severity.value}** · fix **{fix}**")
        out.append("")
        out.append(doc[0])
        section = None
        for line in doc[1:]:
            stripped = line.strip()
            if (
                line
                and not line.startswith(" ")
                and stripped.endswith(("?", ""))
                and stripped
                in ("Why is this bad?", "Example", "Use instead", "Fix safety", "Source")
            ):
                section = stripped
                out.append("")
                out.append(f"**{section}**")
                out.append("")
                continue
            out.append(stripped)
        out.append("")
    out.append(FIX_LOOP)
    text = "\n".join(out)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")

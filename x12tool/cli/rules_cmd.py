"""``x12tool rules`` and ``x12tool explain``."""

from __future__ import annotations

import json
import textwrap

import click

from x12tool import exitcodes
from x12tool.cli.app import cli
from x12tool.rules.registry import all_rules, get_rule

WIDTH = 100  # the listing fits a 100-column terminal; summaries wrap, never cut


@cli.command("rules")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table: for people (100 columns); json: code, name, severity, fix, needs, summary.",
)
def rules_cmd(fmt: str) -> int:
    """List every rule: code, name, severity, fix and a one-sentence summary
    ('x12tool explain CODE' prints a rule's full documentation)."""
    rules = all_rules()
    if fmt == "json":
        records = [
            {
                "code": r.code,
                "name": r.name,
                "severity": r.severity.value,
                "fix": r.fix.value if r.fix else None,
                "needs": sorted(r.needs),
                "summary": r.summary(),
            }
            for r in rules
        ]
        click.echo(json.dumps(records, indent=2))
        return exitcodes.OK
    rows = [[r.code, r.severity.value, r.fix.value if r.fix else "none", r.name] for r in rules]
    head = ["code", "severity", "fix", "name / summary"]
    # The summary goes under the name, wrapped to what is left of the line after the first
    # three columns (two spaces between columns).
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=False)][:3]
    indent = sum(widths) + 2 * len(widths)
    wrap = max(WIDTH - indent, 40)

    def line(cells: list[str]) -> str:
        lead = "".join(c.ljust(w + 2) for c, w in zip(cells[:3], widths, strict=True))
        return (lead + cells[3]).rstrip()

    click.echo(line(head))
    for r, row in zip(rules, rows, strict=True):
        click.echo(line(row))
        for text in textwrap.wrap(r.summary(), wrap):
            click.echo(" " * indent + text)
    return exitcodes.OK


@cli.command("explain")
@click.argument("code")
def explain_cmd(code: str) -> int:
    """Print a rule's documentation."""
    rule = get_rule(code)
    if rule is None:
        raise click.UsageError(f"no rule {code!r}; 'x12tool rules' lists them")
    fix = rule.fix.value if rule.fix else "none"
    click.echo(f"{rule.code} ({rule.name}) - severity {rule.severity.value}, fix {fix}\n")
    click.echo(rule.doc())
    return exitcodes.OK

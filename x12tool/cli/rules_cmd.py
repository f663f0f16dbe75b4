"""``x12tool rules`` and ``x12tool explain``."""

from __future__ import annotations

import click
from tabulate import tabulate

from x12tool import exitcodes
from x12tool.cli.app import cli
from x12tool.rules.registry import all_rules, get_rule


@cli.command("rules")
def rules_cmd() -> int:
    """List every rule: code, name, severity, fix."""
    rows = [
        [r.code, r.name, r.severity.value, r.fix.value if r.fix else "none", r.summary()]
        for r in all_rules()
    ]
    click.echo(
        tabulate(rows, headers=["code", "name", "severity", "fix", "summary"], tablefmt="simple")
    )
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

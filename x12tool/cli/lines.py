"""``x12tool lines``: one row per service line."""

from __future__ import annotations

import csv
import json
import sys

import click

from x12tool import exitcodes
from x12tool.cli.app import cli
from x12tool.cli.inputs import expand_inputs
from x12tool.reports.lines import COLUMNS, iter_line_rows
from x12tool.reports.table import tabulate


@cli.command("lines")
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.option("--show-phi", is_flag=True, help="Show member ids unmasked.")
def lines_cmd(files: tuple[str, ...], fmt: str, show_phi: bool) -> int:
    """List every service line: claim, payer class, code, modifiers, units, charge, date."""
    paths = expand_inputs(files)
    rows = (row for path in paths for row in iter_line_rows(path, show_phi=show_phi))
    out = sys.stdout
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "modifiers": " ".join(row["modifiers"])})
    elif fmt == "json":
        # Streamed so that memory stays flat on large files.
        out.write("[")
        n_rows = 0
        for row in rows:
            out.write(",\n " if n_rows else "\n ")
            out.write(json.dumps(row))
            n_rows += 1
        out.write("\n]\n" if n_rows else "]\n")
    else:
        table = [
            [row[c] if c != "modifiers" else " ".join(row[c]) for c in COLUMNS] for row in rows
        ]
        click.echo(tabulate(table, headers=COLUMNS, tablefmt="simple", disable_numparse=True))
    return exitcodes.OK

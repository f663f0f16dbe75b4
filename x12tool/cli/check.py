"""``x12tool check``: report what preflight would do, without writing any claim file."""

from __future__ import annotations

import sys

import click

from x12tool.cli.app import cli
from x12tool.cli.inputs import expand_inputs
from x12tool.cli.options import SessionOptions, session_options
from x12tool.cli.progress import Progress
from x12tool.edi import X12InputError
from x12tool.preflight.check import check_files
from x12tool.preflight.parallel import default_jobs
from x12tool.reports.formats import report_writer


@cli.command("check")
@click.argument("files", nargs=-1, required=True)
@session_options()
@click.option("--unsafe-fixes", is_flag=True, help="Count unsafe fixes as applied.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "csv", "html"]),
    default="text",
    show_default=True,
    help="html: one self-contained page (totals, dollars by rule and payer class, held and "
    "corrected claims).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1, max=255),
    default=None,
    help="Worker processes for a large file (default: the cores available; a file gets one "
    "worker per 500 claims at most, and one with --ig). The report is the same for "
    "any number.",
)
def check_cmd(files, session_opts: SessionOptions, unsafe_fixes, fmt, output, jobs) -> int:
    """Check claims against the therapy rules; exit 1 when any claim would be held."""
    paths = expand_inputs(files)
    jobs = jobs or default_jobs()
    session = session_opts.open(paths, scan_ahead=jobs > 1)
    out = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
    try:
        return check_files(
            paths,
            session,
            report_writer(fmt, out, many=len(paths) > 1),
            jobs=jobs,
            unsafe=unsafe_fixes,
            ig=session_opts.ig,
            show_phi=session_opts.show_phi,
            progress=Progress,
            refused=_refused,
        )
    finally:
        if output:
            out.close()


def _refused(path: str, exc: X12InputError) -> None:
    click.echo(f"x12tool: {exc}", err=True)

"""``x12tool check``: report what preflight would do, without writing any claim file."""

from __future__ import annotations

import csv
import os
import sys

import click

from x12tool import exitcodes
from x12tool.cli.app import UserFileError, cli
from x12tool.cli.inputs import expand_inputs
from x12tool.cli.options import (
    DENIAL_THRESHOLDS_KEY,
    PAYER_PROFILES_KEY,
    ledger_options,
    locality_option,
    rule_options,
)
from x12tool.cli.progress import Progress
from x12tool.edi import X12InputError
from x12tool.ledger import LedgerError
from x12tool.money import LocalityError
from x12tool.preflight.parallel import check_file, default_jobs
from x12tool.preflight.run import sha256_file
from x12tool.preflight.session import PayerProfileError, open_session
from x12tool.reports.html_report import write_html
from x12tool.reports.json_report import write_json
from x12tool.reports.spool import ClaimSpool
from x12tool.reports.text_report import write_text
from x12tool.visits import VisitLogError

CSV_COLUMNS = [
    "file",
    "claim_id",
    "status",
    "code",
    "severity",
    "segment",
    "position",
    "line",
    "message",
    "fix",
    "resolution",
]


def session_or_usage(**kwargs):
    # --payer-profile is kept in the context (x12tool.cli.options) rather than passed through
    # every command's signature.
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.meta.get(PAYER_PROFILES_KEY):
        kwargs.setdefault("payer_profiles", ctx.meta[PAYER_PROFILES_KEY])
    if ctx is not None and ctx.meta.get(DENIAL_THRESHOLDS_KEY):
        kwargs.setdefault("denial_thresholds", ctx.meta[DENIAL_THRESHOLDS_KEY])
    try:
        session = open_session(**kwargs)
    except (VisitLogError, LocalityError, LedgerError, PayerProfileError) as exc:
        raise UserFileError(str(exc)) from None
    if session.visit_line:
        click.echo(f"x12tool: {session.visit_line}", err=True)
    return session


@cli.command("check")
@click.argument("files", nargs=-1, required=True)
@rule_options
@locality_option
@ledger_options
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
def check_cmd(
    files,
    visits,
    visits_partial,
    profiles,
    maps_db,
    select,
    ignore,
    ig,
    show_phi,
    locality,
    ledger,
    no_ledger,
    ytd,
    unsafe_fixes,
    fmt,
    output,
    jobs,
) -> int:
    """Check claims against the therapy rules; exit 1 when any claim would be held."""
    paths = expand_inputs(files)
    session = session_or_usage(
        inputs=paths,
        visits_partial=visits_partial,
        visits=visits,
        profiles=profiles,
        maps_db=maps_db,
        select=select,
        ignore=ignore,
        ig=ig,
        locality=locality,
        ledger=ledger,
        ytd=ytd,
        no_ledger=no_ledger,
    )
    out = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
    code = exitcodes.OK
    docs = []
    writer = None
    try:
        for path in paths:
            spool = ClaimSpool()
            progress = Progress(path)
            try:
                summary = check_file(
                    path,
                    session.rules,
                    session.ctx,
                    jobs=jobs or default_jobs(),
                    unsafe=unsafe_fixes,
                    ig=ig,
                    show_phi=show_phi,
                    on_claim=progress.wrap(spool.add) if progress.enabled else None,
                    on_claim_text=None if progress.enabled else spool.add_text,
                )
            except X12InputError as exc:
                progress.done()
                click.echo(f"x12tool: {exc}", err=True)
                code = exitcodes.INPUT
                spool.close()
                continue
            progress.done()
            head = report_head(path, summary, session)
            if summary.held:
                code = max(code, exitcodes.HELD)
            if fmt == "html":
                docs.append((head, spool))
                continue
            if fmt == "json":
                if len(paths) == 1:
                    write_json(out, head, spool)
                else:
                    docs.append((head, spool))
                    continue
            elif fmt == "csv":
                if writer is None:
                    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
                    writer.writeheader()
                for rec in spool:
                    for f in rec["findings"]:
                        writer.writerow(
                            {
                                "file": head["file"],
                                "claim_id": rec["id"],
                                "status": rec["status"],
                                "code": f["code"],
                                "severity": f["severity"],
                                "segment": f["segment"],
                                "position": f["position"],
                                "line": f["line"],
                                "message": f["message"],
                                "fix": f["fix"]["applicability"] if f["fix"] else "",
                                "resolution": f["resolution"],
                            }
                        )
            else:
                write_text(out, head, spool)
            spool.close()
        if docs and fmt == "html":
            write_html(out, docs)
            for _, spool in docs:
                spool.close()
        elif docs:
            out.write("[\n")
            for n, (head, spool) in enumerate(docs):
                if n:
                    out.write(",\n")
                write_json(out, head, spool)
                spool.close()
            out.write("]\n")
    finally:
        if output:
            out.close()
    return code


def report_head(path: str, summary, session) -> dict:
    head = {
        "file": os.path.basename(path),
        "sha256": sha256_file(path),
        "summary": summary.as_dict(),
        "ig": summary.ig,
        "notes": list(summary.notes),
        "money_basis": session.money_basis,
        "money_detail": session.money_detail,
    }
    if summary.sets:
        # set-level findings (ENV001, envelope/header IG001), listed once on their set
        head["transaction_sets"] = list(summary.sets)
    if summary.ig_file_issues:
        head["notes"].extend(f"pyx12: {i.message}" for i in summary.ig_file_issues)
    info = session.visit_log_info()
    if info is not None:
        head["visit_log"] = {**info, "path": os.path.basename(info["path"])}
    return head

"""``x12tool ledger``: show, import and export the therapy ledger (docs/ledger.md).

Member ids are PHI. ``ledger show MEMBER`` prints the member id it was asked about (the user
typed it); every other output masks member ids unless ``--show-phi``.
"""

from __future__ import annotations

import csv
import os
import sys
from collections import defaultdict
from datetime import date

import click

from x12tool import exitcodes
from x12tool.cli.app import UserFileError, cli
from x12tool.ledger import LedgerError, default_ledger_path
from x12tool.ledger.amounts import read_amounts
from x12tool.ledger.facts import GROUPS, from_cents
from x12tool.ledger.scope import PROGRESS_EVERY, count_since_report
from x12tool.ledger.store import LedgerStore, open_store
from x12tool.money import fmt
from x12tool.phi import mask_id
from x12tool.refdata import load_refdata
from x12tool.rules.kx import kx_limit, label, money, review_limit

_ledger = click.option(
    "--ledger",
    "ledger",
    envvar="X12TOOL_LEDGER",
    metavar="PATH|URL",
    help="A SQLite file or a postgresql:// URL (env X12TOOL_LEDGER). Default: "
    "$XDG_DATA_HOME/x12tool/ledger.sqlite, or ~/.local/share/x12tool/ledger.sqlite.",
)


def _open(spec: str | None, *, create: bool) -> LedgerStore:
    target = spec or str(default_ledger_path())
    try:
        return open_store(target, create=create)
    except LedgerError as exc:
        if not create and not spec:
            raise UserFileError(
                f"{exc}: no ledger yet at the default path; preflight with --ledger, or "
                "'x12tool ledger import', creates one"
            ) from None
        raise UserFileError(str(exc)) from None


@cli.group("ledger")
def ledger_group() -> None:
    """The therapy ledger: what preflight sent, per beneficiary and year (KX, progress
    reports). See the docs: The therapy ledger."""


@ledger_group.command("show")
@click.argument("member")
@_ledger
@click.option("--year", type=int, help="Only this calendar year (default: every year).")
def show_cmd(member: str, ledger: str | None, year: int | None) -> int:
    """Year-to-date amounts by group against the KX and review thresholds, the claims that
    count, and treatment days since the last progress report, for MEMBER (printed as given)."""
    ref = load_refdata(None)
    with _open(ledger, create=False) as store:
        lines = store.show_lines(member)
        external = store.member_external(member)
        progress = store.member_progress(member)
        where = f"{store.where} ({store.kind})"
    echo = click.echo
    echo(f"ledger: {where}")
    echo(f"member: {member} (shown because you asked for it; other outputs mask member ids)")
    if not lines and not external:
        echo("nothing recorded for this member")
        return exitcodes.OK
    years = sorted({int(r[0]) for r in lines} | {int(e[0]) for e in external})
    if year is not None:
        years = [y for y in years if y == year]
    ext = {(int(y), g): (int(c), s) for y, g, c, s in external}
    for y in years:
        for group in GROUPS:
            rows = [r for r in lines if int(r[0]) == y and r[1] == group]
            imported = ext.get((y, group))
            if not rows and imported is None:
                continue
            echo("")
            _show_group(echo, ref, y, group, rows, imported)
    _show_progress(echo, lines, progress)
    return exitcodes.OK


def _show_group(echo, ref, year: int, group: str, rows, imported) -> None:
    counted = [r for r in rows if int(r[10])]
    own = sum(int(r[9]) for r in counted)
    ext_cents = imported[0] if imported else 0
    total = own + ext_cents
    limit = kx_limit(ref, year, group)
    review = review_limit(ref, year)
    head = f"{year} {label(group)}: {money(total)} estimated Medicare allowed"
    if limit is None:
        head += f"; no KX threshold known for {year}"
    elif total > limit:
        head += f"; past the {money(limit)} KX threshold by {money(total - limit)}"
    else:
        head += f"; {money(limit - total)} under the {money(limit)} KX threshold"
    if review is not None:
        if total > review:
            head += f"; past the {money(review)} review threshold"
        else:
            head += f"; {money(review - total)} under the {money(review)} review threshold"
    echo(head)
    parts = [f"recorded lines {money(own)} ({len(counted)} lines)"]
    if imported:
        parts.append(f"imported {money(ext_cents)} (from {imported[1]})")
    echo("  " + " + ".join(parts))
    # Where it crossed: imported amounts first, then lines by date, claim and line.
    running = ext_cents
    for label_, cut in (("KX threshold", limit), ("review threshold", review)):
        if cut is None:
            continue
        running = ext_cents
        if running > cut:
            echo(f"  {label_}: already passed by the imported amount")
            continue
        for r in counted:
            running += int(r[9])
            if running > cut:
                echo(
                    f"  {label_} crossed on {r[5]} by claim {r[3]} line {r[4]} ({r[6]}, "
                    f"{money(int(r[9]))}): lines from there on need KX"
                    if label_ == "KX threshold"
                    else f"  {label_} crossed on {r[5]} by claim {r[3]} line {r[4]}"
                )
                break
    by_claim: dict[str, list] = defaultdict(list)
    for r in rows:
        by_claim[r[3]].append(r)
    if by_claim:
        echo("  claims:")
    for claim_id, rs in sorted(by_claim.items(), key=lambda kv: (kv[1][0][5], kv[0])):
        days = sorted(r[5] for r in rs)
        span = days[0] if days[0] == days[-1] else f"{days[0]}..{days[-1]}"
        amount = sum(int(r[9]) for r in rs)
        kx = sum(1 for r in rs if "KX" in str(r[7]).split(":"))
        note = "" if all(int(r[10]) for r in rs) else " (not counted: payer not Medicare Part B)"
        echo(
            f"    {claim_id}  {span}  {len(rs)} line(s), {kx} with KX  {money(amount)}"
            f"  from {rs[0][11]}{note}"
        )


def _show_progress(echo, lines, progress) -> None:
    days: dict[str, set[date]] = defaultdict(set)
    for r in lines:
        days[r[2]].add(date.fromisoformat(r[5]))
    reports: dict[str, set[date]] = defaultdict(set)
    for disc, day, _claim in progress:
        reports[disc].add(date.fromisoformat(day))
    if not days:
        return
    echo("")
    echo(f"treatment days since the last progress report (due every {PROGRESS_EVERY}):")
    for disc in sorted(days):
        ordered = sorted(days[disc])
        gap = count_since_report(disc, ordered[-1], ordered, reports[disc])
        since = (
            f"last report {gap.last_report.isoformat()}"
            if gap.last_report
            else f"no report recorded; counting from {gap.first_day.isoformat()}"
        )
        due = "  <- progress report due" if gap.days >= PROGRESS_EVERY else ""
        echo(f"  {disc}: {gap.days} (through {ordered[-1].isoformat()}; {since}){due}")


@ledger_group.command("import")
@click.argument("csv_file", metavar="FILE.csv", type=click.Path(dir_okay=False))
@_ledger
def import_cmd(csv_file: str, ledger: str | None) -> int:
    """Import amounts learned elsewhere (eligibility responses, other providers):
    member_id,year,group,amount with group PT_SLP or OT. They are added to what the ledger
    counts itself; importing again replaces each member's, year's and group's amount."""
    try:
        amounts = read_amounts(csv_file)
    except LedgerError as exc:
        raise UserFileError(str(exc)) from None
    with _open(ledger, create=True) as store:
        n = store.import_external(amounts, os.path.basename(csv_file))
        where = store.where
    members = len({m for m, _, _ in amounts})
    click.echo(f"{csv_file}: {n} amount(s) for {members} member(s) imported -> {where}")
    return exitcodes.OK


@ledger_group.command("export")
@_ledger
@click.option(
    "--totals",
    is_flag=True,
    help="One row per member, year and group (member_id,year,group,amount: the --ytd layout) "
    "instead of one row per recorded line.",
)
@click.option("--show-phi", is_flag=True, help="Member ids unmasked.")
def export_cmd(ledger: str | None, totals: bool, show_phi: bool) -> int:
    """The ledger as CSV on stdout (member ids masked unless --show-phi)."""
    out = csv.writer(sys.stdout, lineterminator="\n")
    with _open(ledger, create=False) as store:
        if totals:
            sums: dict[tuple, int] = defaultdict(int)
            for r in store.export_lines():
                if int(r[11]):
                    sums[(r[0], int(r[1]), r[2])] += int(r[10])
            for m, y, g, cents, _source in store.export_external():
                sums[(m, int(y), g)] += int(cents)
            out.writerow(["member_id", "year", "group", "amount"])
            for (m, y, g), cents in sorted(sums.items()):
                out.writerow([mask_id(m, show_phi), y, g, fmt(from_cents(cents))])
            return exitcodes.OK
        out.writerow(
            [
                "member_id",
                "year",
                "group",
                "discipline",
                "claim_id",
                "line_key",
                "service_date",
                "code",
                "modifiers",
                "units",
                "amount",
                "part_b",
                "frequency",
                "source_file",
                "recorded_at",
            ]
        )
        for r in store.export_lines():
            row = list(r)
            row[0] = mask_id(row[0], show_phi)
            row[10] = fmt(from_cents(int(row[10])))
            out.writerow(row)
    return exitcodes.OK

"""``x12tool auth``: prior authorizations from the PM system (docs/payers.md; the help text
names no internal file)."""

from __future__ import annotations

import os
from datetime import date

import click

from x12tool import exitcodes
from x12tool.cli.app import UserFileError, cli
from x12tool.cli.ledger_cmd import _ledger, _open
from x12tool.ledger import LedgerError


@cli.group("auth")
def auth_group() -> None:
    """Prior authorizations (AUTH001-AUTH003): import the PM system's export into the
    ledger, and show what was used of each."""


@auth_group.command("import")
@click.argument("csv_file", metavar="FILE.csv", type=click.Path(dir_okay=False))
@_ledger
def import_cmd(csv_file: str, ledger: str | None) -> int:
    """Import authorizations: member_id, payer_id, auth_number, discipline, start_date,
    end_date, visits, units (visits or units may be blank, not both) and optional code (units
    for that code only; blank: all timed codes). Importing again updates each authorization
    (member, payer, number, discipline, code) and never duplicates it. A bad row rejects the
    whole file; every bad row is named by its row number."""
    from x12tool.ledger.auths import read_authorizations  # this command's alone

    try:
        auths = read_authorizations(csv_file)
    except LedgerError as exc:
        raise UserFileError(str(exc)) from None
    with _open(ledger, create=True) as store:
        new, updated = store.import_auths(auths, os.path.basename(csv_file))
        where = store.where
    members = len({a.member for a in auths})
    click.echo(
        f"{csv_file}: {len(auths)} authorization row(s) for {members} member(s): "
        f"{new} new, {updated} updated -> {where}"
    )
    return exitcodes.OK


@auth_group.command("show")
@click.argument("member")
@click.option("--payer", "payer_id", metavar="ID", help="Only this payer id (2010BB NM109).")
@_ledger
def show_cmd(member: str, payer_id: str | None, ledger: str | None) -> int:
    """MEMBER's authorizations (printed as given) and what preflight has sent against each:
    visits and units used and left, counted as AUTH003 counts them, and the sent lines a
    remittance freed (denied CARC 15, 197 or 198)."""
    from x12tool.ledger.authcount import Measure, load_auths

    echo = click.echo
    with _open(ledger, create=False) as store:
        payers = [payer_id.upper()] if payer_id else store.member_payers(member)
        found = False
        echo(f"ledger: {store.where} ({store.kind})")
        echo(f"member: {member} (shown because you asked for it)")
        for payer in payers:
            auths = load_auths(store, member, payer)
            if not auths:
                continue
            found = True
            used_rows = store.auth_usage(member, payer)
            echo("")
            echo(f"payer {payer}:")
            for a in auths:
                for kind, limit in (("visits", a.visits), ("units", a.units)):
                    if limit is None or (kind == "visits" and a.code):
                        continue
                    m = Measure(a, kind)
                    days, units = set(), 0
                    for _cid, day, code, disc, timed, value, number in used_rows:
                        d = date.fromisoformat(day)
                        if m.counts(d, code, disc, bool(int(timed)), number):
                            days.add(d)
                            units += int(float(value))
                    used = len(days) if kind == "visits" else units
                    echo(f"  {m.describe()}: {used} used, {limit - used} left")
            freed = store.auth_freed(member, payer)
            if freed:
                echo(f"  freed by a remittance (not counted, {len(freed)} line(s)):")
                for (claim_id, _key, day, code), why in sorted(freed.items()):
                    echo(f"    claim {claim_id} {day} {code}: denied {why}")
        if not found:
            echo("no authorizations on file for this member")
    return exitcodes.OK

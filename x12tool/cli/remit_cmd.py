"""``x12tool remit import``: read 835 remittances into the ledger (docs/remittance.md)."""

from __future__ import annotations

import click

from x12tool import exitcodes
from x12tool.cli.app import UserFileError, cli
from x12tool.cli.ledger_cmd import _ledger, _open
from x12tool.cli.maps_cmd import maps_group
from x12tool.edi.errors import X12InputError
from x12tool.money import fmt

SHOW_UNMATCHED = 50  # listed per file; the rest are counted


@cli.group("remit")
def remit_group() -> None:
    """835 remittances: import what payers paid and denied into the ledger."""


@remit_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@_ledger
@click.option(
    "--ig/--no-ig",
    default=True,
    show_default=True,
    help="Validate each file with pyx12's 835 map (issues are listed; the file is imported).",
)
def import_cmd(files: tuple[str, ...], ledger: str | None, ig: bool) -> int:
    """Import 835 (005010X221A1) FILES: match each claim payment to the claim preflight sent
    (CLP01 = CLM01) and each service payment to our line, and store paid, allowed and denied
    amounts with their adjustment and remark codes. Importing a file again changes nothing.

    Exit codes: 0 imported, 3 a file was not a usable 835 (nothing of it was stored)."""
    from x12tool.refdata import load_refdata
    from x12tool.remit.store import RemitImporter
    from x12tool.remit.validate import validate_835

    ref = load_refdata(None)
    echo = click.echo
    code = exitcodes.OK
    with _open(ledger, create=True) as store:
        importer = RemitImporter(store, ref)
        for path in files:
            try:
                result = importer.import_file(path)
            except X12InputError as exc:
                click.echo(f"x12tool: {exc.located(path)}", err=True)
                code = exitcodes.INPUT
                continue
            echo(
                f"{path}: {result.transactions} remittance(s), {result.claims} claim(s) "
                f"({result.matched_claims} matched), {result.lines} service line(s) "
                f"({result.matched_lines} matched, {result.denied_lines} denied), "
                f"{result.reversals} reversal(s)"
                + (f" ({result.reversal_lines} line(s) taken back)" if result.reversals else "")
                + f", {result.plb} provider adjustment(s), "
                f"paid {fmt(result.paid_cents / 100)} -> {store.where}"
            )
            if result.skipped_older:
                echo(
                    f"  {result.skipped_older} claim payment(s) older than the one stored: "
                    "kept the newer"
                )
            for claim_id, payer, why in result.unmatched_claims[:SHOW_UNMATCHED]:
                echo(f"  unmatched claim {claim_id} (payer {payer}): {why}")
            for claim_id, number, svc_code, day in result.unmatched_lines[:SHOW_UNMATCHED]:
                echo(
                    f"  unmatched line: claim {claim_id} SVC {number} {svc_code} {day or '-'}"
                    ": no line of ours with this REF*6R or code, modifiers and date"
                )
            more = max(0, len(result.unmatched_claims) - SHOW_UNMATCHED) + max(
                0, len(result.unmatched_lines) - SHOW_UNMATCHED
            )
            if more:
                echo(f"  ... and {more} more unmatched (all: 'x12tool denials unmatched')")
            if ig:
                _, issues, dropped = validate_835(path)
                if issues:
                    echo(f"  pyx12 (835 map): {len(issues)} issue(s); imported all the same")
                    for i in issues[:20]:
                        where = f"segment {i.index} ({i.tag})" if i.index else "file"
                        echo(f"    {where}: {i.element + ' ' if i.element else ''}{i.message}")
                if dropped:
                    echo(f"  pyx12: {dropped} known false positive(s) ignored (repeated PLB, ST03)")
    return code


@maps_group.command("import-rates")
@click.argument("file", type=click.Path(dir_okay=False))
@_ledger
def import_rates_cmd(file: str, ledger: str | None) -> int:
    """Import a contract fee schedule: payer_id,code,modifiers,rate (dollars per unit). Kept in
    the ledger beside the 835s ('x12tool denials rates' compares them); importing the same
    file again changes nothing."""
    from x12tool.remit.rates import RatesError, import_rates

    with _open(ledger, create=True) as store:
        try:
            n = import_rates(store, file)
        except RatesError as exc:
            raise UserFileError(str(exc)) from None
        where = store.where
    click.echo(f"{file}: {n} contract rate(s) imported -> {where}")
    return exitcodes.OK

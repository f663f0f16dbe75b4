"""``x12tool maps``: import CMS NCCI PTP edit files and the MUE table into the local store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from x12tool import exitcodes
from x12tool.cli.app import UserFileError, cli
from x12tool.ncci.store import NcciStore
from x12tool.refdata.paths import default_db_path
from x12tool.reports.table import tabulate

if TYPE_CHECKING:
    from x12tool.ncci.importers import ImportResult

# The importers are imported by the import commands alone: every run registers them, and
# their row types were part of each check's start-up.

SHOW_BAD = 20

_maps_db = click.option(
    "--maps-db",
    "maps_db",
    type=click.Path(dir_okay=False),
    default=None,
    help="The NCCI store (SQLite). Default: $XDG_DATA_HOME/x12tool/maps.sqlite, or "
    "~/.local/share/x12tool/maps.sqlite.",
)


def _db(maps_db: str | None) -> Path:
    return Path(maps_db) if maps_db else default_db_path()


def _report(result: ImportResult, db: Path) -> int:
    err = sys.stderr
    shown = 0
    for bad in result.bad:
        if shown >= SHOW_BAD:
            break
        click.echo(str(bad), file=err)
        shown += 1
    if result.bad_count > shown:
        click.echo(f"... and {result.bad_count - shown} more bad row(s)", file=err)
    for f in result.files:
        click.echo(
            f"{f.file}: {f.rows} row(s) imported, {f.bad_count} bad, quarter {f.label} -> {db}"
        )
    return exitcodes.OK


def _run(fn, db: Path, *args) -> ImportResult:
    from x12tool.ncci.importers import NcciImportError

    try:
        with NcciStore(db) as store:
            return fn(store, *args)
    except NcciImportError as exc:
        raise UserFileError(str(exc)) from exc
    except OSError as exc:
        raise UserFileError(f"{exc.filename or db}: {exc.strerror or exc}") from exc


@cli.group("maps")
def maps_group() -> None:
    """Local reference tables: import CMS NCCI PTP edits and MUE values (see the docs: NCCI
    pair edits, MUE limits and modifier 59)."""


@maps_group.command("import-ncci")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@_maps_db
def import_ncci_cmd(files: tuple[str, ...], maps_db: str | None) -> int:
    """Import CMS practitioner PTP edit files (tab-delimited text as CMS ships it, or CSV).

    Export .xlsx files to tab-delimited text or CSV first. Importing a file again (or the next
    quarter's) updates rows in place; bad rows are listed as FILE:LINE: message on stderr.
    """
    from x12tool.ncci.importers import import_ptp

    db = _db(maps_db)
    return _report(_run(import_ptp, db, list(files)), db)


@maps_group.command("import-mue")
@click.argument("file", type=click.Path(dir_okay=False))
@_maps_db
def import_mue_cmd(file: str, maps_db: str | None) -> int:
    """Import the CMS Practitioner Services MUE table (CSV or tab-delimited text)."""
    from x12tool.ncci.importers import import_mue

    db = _db(maps_db)
    return _report(_run(import_mue, db, file), db)


@maps_group.command("info")
@_maps_db
def info_cmd(maps_db: str | None) -> int:
    """What the store holds: which files and quarters, row counts."""
    db = _db(maps_db)
    if not db.is_file():
        click.echo(f"{db}: no NCCI store (only the curated NCCI pair set is used)")
        return exitcodes.OK
    try:
        store = NcciStore(db, create=False)
    except Exception as exc:  # sqlite3.DatabaseError: not a store
        raise UserFileError(f"{db}: not an x12tool NCCI store ({exc})") from exc
    with store:
        click.echo(f"store: {db}")
        click.echo(f"PTP edits: {store.count('ptp')} row(s); MUE values: {store.count('mue')}")
        table = [
            [
                s.kind.upper(),
                s.file_name,
                s.label,
                s.rows,
                s.bad_rows,
                store.live_rows(s.id, s.kind),
                s.imported_at,
                s.sha256[:12],
            ]
            for s in store.sources()
        ]
        if table:
            click.echo(
                tabulate(
                    table,
                    headers=[
                        "kind",
                        "file",
                        "quarter",
                        "rows",
                        "bad",
                        "current",
                        "imported",
                        "sha256",
                    ],
                    tablefmt="simple",
                    disable_numparse=True,
                )
            )
    return exitcodes.OK

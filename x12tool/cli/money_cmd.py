"""``x12tool maps import-pfs`` / ``import-gpci`` / ``fees``: the fee-schedule data of the money
step (docs/money.md). They add to the ``maps`` group of :mod:`x12tool.cli.maps_cmd` and write
our own tables into the same store file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from x12tool import exitcodes
from x12tool.cli.app import UserFileError
from x12tool.cli.maps_cmd import maps_group
from x12tool.money.store import FeeStore
from x12tool.refdata.paths import default_db_path
from x12tool.reports.table import tabulate

if TYPE_CHECKING:
    from x12tool.money.importers import FeeImportResult

# The importers are imported by the import commands alone (see maps_cmd).

SHOW_BAD = 20

_maps_db = click.option(
    "--maps-db",
    "maps_db",
    type=click.Path(dir_okay=False),
    default=None,
    help="The store (SQLite) shared with the NCCI tables. Default: "
    "$XDG_DATA_HOME/x12tool/maps.sqlite, or ~/.local/share/x12tool/maps.sqlite.",
)
_year = click.option(
    "--year", type=int, default=None, help="The file's year, when it cannot be read from the file."
)


def _db(maps_db: str | None) -> Path:
    return Path(maps_db) if maps_db else default_db_path()


def _run(fn, db: Path, file: str, year: int | None) -> FeeImportResult:
    from x12tool.money.importers import FeeImportError

    try:
        with FeeStore(db) as store:
            return fn(store, file, year)
    except FeeImportError as exc:
        raise UserFileError(str(exc)) from exc
    except OSError as exc:
        raise UserFileError(f"{exc.filename or db}: {exc.strerror or exc}") from exc


def _report(result: FeeImportResult, db: Path, what: str) -> int:
    for bad in result.bad[:SHOW_BAD]:
        click.echo(str(bad), file=sys.stderr)
    if len(result.bad) > SHOW_BAD:
        click.echo(f"... and {len(result.bad) - SHOW_BAD} more bad row(s)", file=sys.stderr)
    note = f"; {result.note}" if result.note else ""
    click.echo(
        f"{result.file}: {result.rows} {what} imported for {result.year}, "
        f"{len(result.bad)} bad{note} -> {db}"
    )
    return exitcodes.OK


@maps_group.command("import-pfs")
@click.argument("file", type=click.Path(dir_okay=False))
@_maps_db
@_year
def import_pfs_cmd(file: str, maps_db: str | None, year: int | None) -> int:
    """Import a CMS PFS relative value file (PPRRVU, native CSV layout) for any year.

    Codes and numbers only are stored (never the AMA-copyright descriptors). Importing a year
    again replaces that year. Imported RVUs win over the shipped maps/pfs.xml for their year.
    """
    from x12tool.money.importers import import_pfs

    db = _db(maps_db)
    return _report(_run(import_pfs, db, file, year), db, "RVU row(s)")


@maps_group.command("import-gpci")
@click.argument("file", type=click.Path(dir_okay=False))
@_maps_db
@_year
def import_gpci_cmd(file: str, maps_db: str | None, year: int | None) -> int:
    """Import CMS's GPCI file (MAC, state, locality number and name, work/PE/MP GPCI).

    Then price a locality with --locality MAC:LOCALITY on check/preflight. Bad rows are listed
    as FILE:LINE: message on stderr.
    """
    from x12tool.money.importers import import_gpci

    db = _db(maps_db)
    return _report(_run(import_gpci, db, file, year), db, "localities")


@maps_group.command("fees")
@_maps_db
def fees_cmd(maps_db: str | None) -> int:
    """What fee-schedule data the store holds (imported PFS and GPCI files)."""
    db = _db(maps_db)
    if not db.is_file():
        click.echo(f"{db}: no store (the shipped CY2026 RVUs are used, national GPCIs)")
        return exitcodes.OK
    with FeeStore(db, create=False) as store:
        counts = store.counts()
        click.echo(f"store: {db}")
        click.echo(f"RVU rows: {counts['fee_rvu']}; GPCI localities: {counts['fee_gpci']}")
        rows = [[k, f, y, n, b, t, s[:12]] for k, f, y, n, b, t, s in store.sources()]
        if rows:
            click.echo(
                tabulate(
                    rows,
                    headers=["kind", "file", "year", "rows", "bad", "imported", "sha256"],
                    tablefmt="simple",
                    disable_numparse=True,
                )
            )
    return exitcodes.OK

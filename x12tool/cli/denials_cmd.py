"""``x12tool denials``: denial and payment figures from imported 835s (docs/remittance.md)."""

from __future__ import annotations

import csv
import io
import json

import click

from x12tool import exitcodes
from x12tool.cli.app import cli
from x12tool.cli.ledger_cmd import _ledger, _open
from x12tool.money import fmt
from x12tool.reports.table import tabulate

FORMATS = ("text", "csv", "json", "html")
COLUMNS = (
    "by",
    "key",
    "label",
    "lines",
    "denied",
    "denial_rate",
    "charged",
    "paid",
    "allowed",
    "denied_dollars",
    "carc_amount",
    "days_to_payment",
)


def _open_read(spec: str | None):
    """An existing ledger, with the remittance tables added if it predates them (additive
    CREATE TABLE IF NOT EXISTS; a ledger that does not exist is not created)."""
    import os

    from x12tool.ledger import default_ledger_path, is_postgres

    target = spec or str(default_ledger_path())
    return _open(spec, create=is_postgres(target) or os.path.isfile(target))


LABELLED = ("carc", "rarc")


def _label(dim: str, key: str, reasons) -> str:
    """The short label of a CARC (with its group) or RARC (maps/carc.xml); "" for the others."""
    if dim == "carc":
        return reasons.adjustment(key)
    if dim == "rarc":
        return reasons.rarc(key)
    return ""


def _rows(dim, groups, reasons) -> list[dict]:
    from decimal import Decimal

    out = []
    for g in groups:
        key = f"{g.key} {g.label}".strip() if g.label else g.key
        out.append(
            {
                "by": dim,
                "key": key,
                "label": _label(dim, g.key, reasons),
                "lines": g.lines,
                "denied": g.denied,
                "denial_rate": f"{g.rate}%",
                "charged": fmt(Decimal(g.charged) / 100),
                "paid": fmt(Decimal(g.paid) / 100),
                "allowed": fmt(Decimal(g.allowed) / 100),
                "denied_dollars": fmt(Decimal(g.denied_dollars) / 100),
                "carc_amount": fmt(Decimal(g.code_amount) / 100) if dim == "carc" else "",
                "days_to_payment": str(g.days) if g.days is not None else "",
            }
        )
    return out


@cli.group("denials", invoke_without_command=True)
@_ledger
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Service dates from (YYYY-MM-DD).")
@click.option("--payer", help="Only this payer id (the 837's 2010BB NM109 for matched claims).")
@click.option("--code", help="Only this procedure code.")
@click.option(
    "--by",
    "dims",
    multiple=True,
    type=click.Choice(
        ["payer", "code", "modifiers", "pair", "carc", "rarc", "discipline", "provider", "month"]
    ),
    help="Group by (repeatable). Default: payer, code, pair, carc.",
)
@click.option("--format", "fmt_", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write here (default stdout)."
)
@click.pass_context
def denials_group(ctx, ledger, since, payer, code, dims, fmt_, output) -> int:
    """Denial and payment analytics from the 835s imported with 'remit import': counts, denial
    rate, dollars denied and days to payment by payer, code, modifier set, code pair on a date,
    CARC/RARC, discipline, provider or month."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"ledger": ledger, "since": since, "payer": payer, "code": code}
        return exitcodes.OK
    from x12tool.refdata import load_reason_codes, load_refdata
    from x12tool.remit.analytics import load_lines, summarize

    dims = dims or ("payer", "code", "pair", "carc")
    ref = load_refdata(None)
    reasons = load_reason_codes()
    with _open_read(ledger) as store:
        lines = load_lines(store, since=since.date() if since else None, payer=payer, code=code)
    tables = {d: _rows(d, summarize(d, lines, ref.therapy_modifiers), reasons) for d in dims}
    if fmt_ == "json":
        text = (
            json.dumps(
                {
                    "lines": len(lines),
                    "filters": {
                        "since": since.date().isoformat() if since else None,
                        "payer": payer,
                        "code": code,
                    },
                    "code_labels": reasons.describe(),
                    "groups": tables,
                },
                indent=2,
            )
            + "\n"
        )
    elif fmt_ == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for rows in tables.values():
            w.writerows(rows)
        text = buf.getvalue()
    elif fmt_ == "html":
        from x12tool.reports.denials_html import denials_page

        carcs = summarize("carc", lines, ref.therapy_modifiers)
        text = denials_page(lines, tables, carcs, reasons)
    else:
        parts = [f"{len(lines)} remitted service line(s)"]
        for dim, rows in tables.items():
            cols = [
                c
                for c in COLUMNS[1:]
                if (dim == "carc" or c != "carc_amount") and (dim in LABELLED or c != "label")
            ]
            parts.append(
                f"\nby {dim}:\n"
                + tabulate(
                    [[r[c] for c in cols] for r in rows], headers=cols, disable_numparse=True
                )
            )
        if any(d in LABELLED for d in tables):
            parts.append(f"\nCARC/RARC {reasons.describe()['note']}; as of {reasons.as_of}.")
        text = "\n".join(parts) + "\n"
    _emit(text, output)
    return exitcodes.OK


@denials_group.command("suggest")
@click.option("--days", type=int, help="Window in days (default: DEN001's, 180).")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write here (default stdout)."
)
@click.pass_obj
def suggest_cmd(obj, days, output) -> int:
    """Print the payers' denial patterns (DEN001's thresholds) as payer-profile XML to review and
    add to --profiles: code pairs as extra_pair, other patterns as comments."""
    from datetime import timedelta

    from x12tool.remit.analytics import load_lines, patterns, significant, thresholds_from_env
    from x12tool.remit.suggest import profiles_xml

    th = thresholds_from_env()
    if days is not None:
        if days < 1:
            raise click.BadParameter("must be at least 1", param_hint="--days")
        th = type(th)(th.min_lines, th.min_rate, days)
    with _open_read(obj["ledger"]) as store:
        lines = load_lines(
            store,
            since=obj["since"].date() if obj["since"] else None,
            payer=obj["payer"],
            code=obj["code"],
        )
    dated = [ln.day for ln in lines if ln.day is not None]
    if dated and obj["since"] is None:
        end = max(dated)
        lines = [ln for ln in lines if ln.day and end - timedelta(days=th.days) <= ln.day]
    found = significant(patterns(lines), th)
    classes = {ln.payer_id: ln.payer_class for ln in lines}
    text = profiles_xml(found, classes)
    _emit(text, output)
    return exitcodes.OK


@denials_group.command("rates")
@click.option(
    "--year", type=int, default=None, help="Year of the Medicare estimate (default: latest)."
)
@click.pass_obj
def rates_cmd(obj, year) -> int:
    """Per payer and code: the imported contract rate, the median allowed per unit of the last
    10 paid 835 lines, and the Medicare PFS estimate (national) they replace for commercial and
    Medicaid payers; the rate used and its basis."""
    from datetime import date as _date
    from decimal import Decimal

    from x12tool.money import FeeSchedule
    from x12tool.money.pricing import LineInput, price_lines
    from x12tool.refdata import load_refdata
    from x12tool.remit.rates import rate_table

    ref = load_refdata(None)
    fees = FeeSchedule(ref)
    year = year or fees.latest_year()
    with _open_read(obj["ledger"]) as store:
        rows = rate_table(store, obj["payer"])
    table = []
    for r in rows:
        if obj["code"] and r.code != obj["code"].strip().upper():
            continue
        mods = tuple(m for m in r.modifiers.split(":") if m)
        medicare = price_lines(fees, [LineInput(0, r.code, mods, Decimal(1), _date(year, 1, 1))])
        rate, basis = r.rate
        table.append(
            [
                r.payer_id,
                r.code,
                r.modifiers.replace(":", "-") or "",
                fmt(Decimal(r.contract) / 100) if r.contract is not None else "",
                fmt(Decimal(r.median_allowed) / 100) if r.median_allowed is not None else "",
                fmt(medicare.total),
                fmt(Decimal(rate) / 100) if rate is not None else "",
                basis,
            ]
        )
    headers = [
        "payer",
        "code",
        "modifiers",
        "contract",
        "median_allowed",
        f"medicare_{year}",
        "rate",
        "basis",
    ]
    click.echo(tabulate(table, headers=headers, disable_numparse=True))
    return exitcodes.OK


@denials_group.command("unmatched")
@click.pass_obj
def unmatched_cmd(obj) -> int:
    """List remitted claims with no claim sent through preflight (CLP01 not in the ledger), and
    remitted lines of matched claims that match none of our lines. Claims by CLP01 only."""
    from x12tool.remit.analytics import unmatched

    with _open_read(obj["ledger"]) as store:
        claims, lines = unmatched(store, payer=obj["payer"])
    click.echo(f"{len(claims)} unmatched claim payment(s)")
    if claims:
        click.echo(
            tabulate(
                claims,
                headers=["claim", "payer", "status", "paid", "paid_on", "file"],
                disable_numparse=True,
            )
        )
    click.echo(f"\n{len(lines)} unmatched line(s) of matched claims")
    if lines:
        click.echo(
            tabulate(
                lines,
                headers=["claim", "payer", "svc", "code", "modifiers", "date"],
                disable_numparse=True,
            )
        )
    return exitcodes.OK


def _emit(text: str, output: str | None) -> None:
    """The report into ``-o FILE``, else on stdout."""
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        click.echo(text, nl=False)

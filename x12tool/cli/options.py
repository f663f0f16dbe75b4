"""Options shared by check, fix, preflight and outbox.

The options that open a run's session (rules, visit log, payer profiles, NCCI store, pricing,
ledger) are declared once here and reach a command as one :class:`SessionOptions` argument
(``@session_options``), not as a dozen parameters of each command.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import click

from x12tool.cli.app import UserFileError
from x12tool.ledger import LedgerError
from x12tool.money import LocalityError
from x12tool.preflight.session import PayerProfileError, Session, open_session
from x12tool.values import FrozenValue, value_class
from x12tool.visits import VisitLogError

if TYPE_CHECKING:
    from x12tool.remit.analytics import Thresholds

# Imported where they are used, not here: check never writes acknowledgments and rarely parses
# --denial-thresholds, and the modules behind them (the outputs' writers, the 835 analytics)
# were a tenth of check's start-up.


def _codes(ctx, param, value):
    """Rule codes as ruff takes them: comma- or space-separated, a prefix (``TU``), a whole
    code (``TU001``), a rule name or ``ALL``; anything else is a usage error naming the closest
    real code."""
    if not value:
        return None
    from x12tool.rules.registry import unknown_code

    out = []
    for v in value:
        out.extend(c for c in v.replace(",", " ").split() if c)
    for code in out:
        problem = unknown_code(code)
        if problem is not None:
            raise click.BadParameter(problem, ctx=ctx, param=param)
    return out or None


def _denial_thresholds(ctx, param, value) -> Thresholds | None:
    if not value:
        return None
    from x12tool.remit.analytics import ThresholdError, parse_thresholds

    try:
        return parse_thresholds(value)
    except ThresholdError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[-1]) from None


def _payer_profiles(ctx, param, value) -> dict[str, str]:
    mapping = {}
    for spec in value or ():
        payer, sep, profile = spec.partition("=")
        if not sep or not payer.strip() or not profile.strip():
            raise click.BadParameter(f"{spec!r}: expected PAYER_ID=PROFILE")
        mapping[payer.strip()] = profile.strip()
    return mapping


@value_class  # a frozen dataclass writing its own __init__ (x12tool/values.py)
class SessionOptions(FrozenValue):
    """What the session options of one command run say (the defaults are the options')."""

    visits: str | None = None
    visits_partial: bool = False
    profiles: str | None = None
    maps_db: str | None = None
    select: list[str] | None = None
    ignore: list[str] | None = None
    ig: bool = True
    show_phi: bool = False
    payer_profiles: dict[str, str] | None = None
    denial_thresholds: Thresholds | None = None
    locality: tuple[str, ...] = ()
    ledger: str | None = None
    no_ledger: bool = False
    ytd: str | None = None

    def __init__(
        self,
        visits: str | None = None,
        visits_partial: bool = False,
        profiles: str | None = None,
        maps_db: str | None = None,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
        ig: bool = True,
        show_phi: bool = False,
        payer_profiles: dict[str, str] | None = None,
        denial_thresholds: Thresholds | None = None,
        locality: tuple[str, ...] = (),
        ledger: str | None = None,
        no_ledger: bool = False,
        ytd: str | None = None,
    ) -> None:
        self.__dict__.update(
            visits=visits,
            visits_partial=visits_partial,
            profiles=profiles,
            maps_db=maps_db,
            select=select,
            ignore=ignore,
            ig=ig,
            show_phi=show_phi,
            payer_profiles=payer_profiles,
            denial_thresholds=denial_thresholds,
            locality=locality,
            ledger=ledger,
            no_ledger=no_ledger,
            ytd=ytd,
        )

    def open(
        self,
        inputs: list[str] | tuple[str, ...] = (),
        *,
        record: bool = False,
        scan_ahead: bool = False,
    ) -> Session:
        """The run's session; a side file that cannot serve it is a usage error (exit 2).
        ``inputs``: the files to judge the visit log against; ``record``: the ledger records
        what is sent (preflight, outbox); ``scan_ahead``: the run may use several processes
        (open_session)."""
        try:
            session = open_session(
                inputs=inputs,
                visits=self.visits,
                visits_partial=self.visits_partial,
                profiles=self.profiles,
                maps_db=self.maps_db,
                select=self.select,
                ignore=self.ignore,
                ig=self.ig,
                locality=self.locality,
                ledger=self.ledger,
                ytd=self.ytd,
                no_ledger=self.no_ledger,
                record=record,
                payer_profiles=self.payer_profiles or None,
                denial_thresholds=self.denial_thresholds,
                scan_ahead=scan_ahead,
            )
        except (VisitLogError, LocalityError, LedgerError, PayerProfileError) as exc:
            raise UserFileError(str(exc)) from None
        if session.visit_line:
            click.echo(f"x12tool: {session.visit_line}", err=True)
        return session


# Click parameter name -> SessionOptions field (where they differ)
_FIELDS = {"payer_profile": "payer_profiles"}


def session_options(*, locality: bool = True):
    """Add the session options to a command (``locality``: with ``--locality``) and pass
    them to it as one argument, ``session_opts``."""

    def decorate(f):
        names: list[str] = []  # the parameters added here, collected once the options are

        @functools.wraps(f)
        def command(*args, **kwargs):
            values = {_FIELDS.get(n, n): kwargs.pop(n) for n in names}
            return f(*args, session_opts=SessionOptions(**values), **kwargs)

        # Click collects a command's parameters on the function, in decorator order
        params = command.__dict__.setdefault("__click_params__", [])
        start = len(params)
        options = _rule_options() + (_locality_options() if locality else []) + _ledger_options()
        for option in reversed(options):
            option(command)
        names.extend(p.name for p in params[start:])
        return command

    return decorate


def _rule_options() -> list:
    return [
        click.option(
            "--visits",
            type=click.Path(dir_okay=False),
            help="Visit log CSV (minutes per code per date) exported from the EMR. A log that "
            "cannot be used (more than half its rows bad, or no claim of the input in it) stops "
            "the run with exit 2 (see the docs: The visit log).",
        ),
        click.option(
            "--visits-partial",
            is_flag=True,
            help="Accept a visit log with more than half its rows bad (they are skipped).",
        ),
        click.option(
            "--profiles",
            type=click.Path(exists=True, dir_okay=False),
            help="Your payer profiles XML; extends the shipped profiles.",
        ),
        click.option(
            "--maps-db",
            type=click.Path(dir_okay=False),
            help="NCCI/MUE store made by 'x12tool maps import-*' (default: user data folder).",
        ),
        click.option(
            "--select",
            multiple=True,
            callback=_codes,
            metavar="CODES",
            help="Only these rules: codes (TU001), prefixes (TU: TU001-TU008), rule names or "
            "ALL, comma- or space-separated, repeatable. An unknown code is a usage error "
            "(exit 2). See 'x12tool rules'.",
        ),
        click.option(
            "--ignore",
            multiple=True,
            callback=_codes,
            metavar="CODES",
            help="Skip these rules (same forms as --select); applied after --select.",
        ),
        click.option(
            "--ig/--no-ig",
            default=True,
            show_default=True,
            help="Validate against the 837P implementation guide with pyx12.",
        ),
        click.option("--show-phi", is_flag=True, help="Show member ids unmasked in reports."),
        click.option(
            "--payer-profile",
            multiple=True,
            metavar="PAYER_ID=PROFILE",
            callback=_payer_profiles,
            help="Use this payer profile for claims to this payer id (repeatable; the config "
            "file's [payers] table).",
        ),
        click.option(
            "--denial-thresholds",
            metavar="min_lines=N,min_rate=R,days=N",
            callback=_denial_thresholds,
            help="When a payer's denials of a code, code+modifiers or code pair count as a "
            "pattern for DEN001 (any subset; default min_lines=5,min_rate=0.6,days=180; "
            "the X12TOOL_DEN001 variable is read when this is not set).",
        ),
    ]


def _locality_options() -> list:
    """``--locality MAC:LOCALITY`` (repeatable; ``NPI=MAC:LOCALITY`` for one billing provider)."""
    return [
        click.option(
            "--locality",
            "locality",
            multiple=True,
            metavar="MAC:LOCALITY",
            help="Price with the GPCIs of this Medicare locality (e.g. 04412:31) from an "
            "imported GPCI file ('x12tool maps import-gpci'); NPI=MAC:LOCALITY sets it for one "
            "billing provider. Default: national (all GPCIs 1.0). See the docs: What each "
            "finding costs.",
        )
    ]


def _ledger_options() -> list:
    """``--ledger PATH|postgresql://...``, ``--no-ledger`` and ``--ytd CSV`` (docs/ledger.md)."""
    return [
        click.option(
            "--ledger",
            "ledger",
            envvar="X12TOOL_LEDGER",
            metavar="PATH|URL",
            help="The therapy ledger: a SQLite file or a postgresql:// URL (env X12TOOL_LEDGER). "
            "Default: $XDG_DATA_HOME/x12tool/ledger.sqlite (~/.local/share/x12tool/"
            "ledger.sqlite) when it exists. preflight records what it sends; check and fix "
            "only read. See the docs: The therapy ledger.",
        ),
        click.option("--no-ledger", is_flag=True, help="Use no ledger (not even the default)."),
        click.option(
            "--ytd",
            type=click.Path(dir_okay=False),
            help="Year-to-date amounts CSV (member_id,year,group,amount) for this run only: "
            "replaces the ledger's amounts for the members, years and groups it lists.",
        ),
    ]


def _report_mode(ctx, param, value):
    if value is None:
        return 0o600
    text = str(value).strip()
    try:
        mode = int(text, 8)
    except ValueError:
        raise click.BadParameter(f"{text!r}: expected an octal mode such as 0640") from None
    # owner read/write, at most group read: reports never go to other users, and are never
    # writable or executable by anyone but the owner
    if mode & ~0o640 or not mode & 0o600 == 0o600:
        raise click.BadParameter(f"{text}: allowed are 0600 and 0640 (owner rw, group r at most)")
    return mode


def report_mode_option(f):
    """``--report-mode 0640``: reports readable by the billing team's group (docs/config.md)."""
    return click.option(
        "--report-mode",
        metavar="MODE",
        callback=_report_mode,
        help="Permissions of the reports (.json, .txt, .html, .worklist.csv): 0600 (default) or "
        "0640 for the billing team's group. Claim files (ready/, held/) stay owner-only.",
    )(f)


def _ack_kinds(ctx, param, value) -> frozenset[str]:
    from x12tool.preflight.outputs import ACK_KINDS

    kinds = frozenset(k.strip().lower() for k in (value or "").split(",") if k.strip())
    unknown = sorted(kinds - set(ACK_KINDS))
    if unknown:
        raise click.BadParameter(
            f"unknown acknowledgment {', '.join(unknown)}; choose from 999, 277ca"
        )
    return kinds


ack_option = click.option(
    "--ack",
    "acks",
    default="",
    callback=_ack_kinds,
    metavar="999,277ca",
    help="Also write the acknowledgments a clearinghouse would send: reports/NAME.999 "
    "(005010X231A1, or a TA1) and reports/NAME.277ca (005010X214, carries patient "
    "identifiers; 0600). See the docs: Acknowledgments.",
)

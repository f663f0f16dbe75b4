"""The session options are declared once and reach each command as one SessionOptions."""

from __future__ import annotations

import click
from click.testing import CliRunner

from x12tool.cli import cli
from x12tool.cli.options import SessionOptions, session_options


def _names(command: click.Command) -> list[str]:
    return [p.name for p in command.params if isinstance(p, click.Option)]


def test_a_command_gets_one_object_with_what_the_command_line_said(tmp_path):
    seen = []

    @click.command()
    @session_options()
    @click.option("--other", default="x")
    def probe(session_opts, other):
        seen.append((session_opts, other))

    args = ["--visits", "v.csv", "--no-ig", "--select", "TU,KX001", "--payer-profile",
            "00952=medicare_b", "--locality", "04412:31", "--no-ledger",
            "--other", "y"]  # fmt: skip
    result = CliRunner().invoke(probe, args)
    assert result.exit_code == 0, result.output
    opts, other = seen[0]
    assert isinstance(opts, SessionOptions) and other == "y"
    assert opts.visits == "v.csv" and opts.ig is False and opts.no_ledger is True
    assert opts.select == ["TU", "KX001"] and opts.locality == ("04412:31",)
    assert opts.payer_profiles == {"00952": "medicare_b"} and opts.denial_thresholds is None


def test_bad_payer_profile_spec_is_a_usage_error():
    @click.command()
    @session_options(locality=False)
    def probe(session_opts):
        raise AssertionError("not reached")

    result = CliRunner().invoke(probe, ["--payer-profile", "00952"])
    assert result.exit_code == 2 and "expected PAYER_ID=PROFILE" in result.output
    assert "--locality" not in CliRunner().invoke(probe, ["--help"]).output


def test_the_four_commands_share_the_session_options_in_one_order():
    session = _names(cli.commands["check"])
    session = session[: session.index("ytd") + 1]
    assert session[0] == "visits" and "locality" in session
    for name in ("preflight", "outbox"):
        options = _names(cli.commands[name])
        start = options.index("visits")
        assert options[start : start + len(session)] == session, name
    fix = _names(cli.commands["fix"])
    start = fix.index("visits")
    assert fix[start : start + len(session) - 1] == [n for n in session if n != "locality"]

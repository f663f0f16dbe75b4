"""Config files (docs/config.md): discovery, precedence, unknown keys, tables, `x12tool config`."""

from __future__ import annotations

import pytest
from conftest import SYNTHETIC

from x12tool import exitcodes
from x12tool.cli import main
from x12tool.cli.app import cli
from x12tool.cli.config import CONFIGURABLE, configurable_options
from x12tool.refdata import load_refdata


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    import os

    for key in list(os.environ):
        if key.startswith("X12TOOL_"):
            monkeypatch.delenv(key)


def run(capsys, *args) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def setting(out: str, section: str, key: str) -> str:
    """``key = value  # origin`` of one command's section in ``x12tool config`` output."""
    lines = out.split(f"[{section}]\n", 1)[1].split("\n\n", 1)[0].splitlines()
    return next(line for line in lines if line.startswith(f"{key} = "))


@pytest.fixture
def nogp(tmp_path):
    """The synthetic Medicare claim without GP on 97530: MOD001 for Medicare, not commercial."""
    path = tmp_path / "nogp.837"
    path.write_bytes(SYNTHETIC.read_bytes().replace(b"HC:97530:GP", b"HC:97530"))
    return path


def test_every_option_of_the_commands_is_a_config_key_with_an_env_var():
    for name in CONFIGURABLE:
        command = cli.commands[name]
        keys = configurable_options(command)
        assert "config" not in keys and "output" not in keys
        for key, param in keys.items():
            assert param.envvar, (name, key)
        longs = {
            o[2:] for p in command.params for o in p.opts if o.startswith("--") and p.expose_value
        }
        assert longs - set(keys) <= {"output", "diff", "dry-run", "help"}, name
    assert configurable_options(cli.commands["preflight"])["ledger"].envvar == "X12TOOL_LEDGER"
    assert configurable_options(cli.commands["check"])["locality"].envvar == "X12TOOL_LOCALITY"
    assert configurable_options(cli.commands["check"])["maps-db"].envvar == "X12TOOL_MAPS_DB"


def test_precedence_command_line_over_env_over_file_over_default(
    tmp_path, monkeypatch, capsys, nogp
):
    (tmp_path / "x12tool.toml").write_text(
        'ledger = "shared.sqlite"\nno-ledger = true\nig = false\n'
        '[check]\nledger = "check.sqlite"\nformat = "json"\n'
    )
    sub = tmp_path / "deep" / "er"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)  # found from a subfolder; relative paths are the file's
    code, out, _ = run(capsys, "config")
    assert code == 0
    assert setting(out, "fix", "ledger") == (
        f'ledger = "{tmp_path / "shared.sqlite"}"  # {tmp_path / "x12tool.toml"}'
    )
    assert setting(out, "check", "ledger").endswith(f"# {tmp_path / 'x12tool.toml'} [check]")
    assert "check.sqlite" in setting(out, "check", "ledger")
    assert setting(out, "check", "unsafe-fixes") == "unsafe-fixes = false  # default"
    monkeypatch.setenv("X12TOOL_LEDGER", "/env/ledger.sqlite")
    monkeypatch.setenv("X12TOOL_UNSAFE_FIXES", "1")
    _, out, _ = run(capsys, "config", "check")
    assert setting(out, "check", "ledger") == (
        'ledger = "/env/ledger.sqlite"  # environment X12TOOL_LEDGER'
    )
    assert setting(out, "check", "unsafe-fixes") == (
        "unsafe-fixes = true  # environment X12TOOL_UNSAFE_FIXES"
    )
    monkeypatch.delenv("X12TOOL_LEDGER")
    monkeypatch.delenv("X12TOOL_UNSAFE_FIXES")
    # Real runs: the file's format (json) applies; the environment beats it; the command line
    # beats both.
    code, out, err = run(capsys, "check", nogp)
    assert code == exitcodes.HELD, err
    assert out.lstrip().startswith("{")
    monkeypatch.setenv("X12TOOL_FORMAT", "csv")
    _, out, _ = run(capsys, "check", nogp)
    assert out.startswith("file,claim_id")
    _, out, _ = run(capsys, "check", nogp, "--format", "text")
    assert out.startswith("x12tool report")


def test_config_option_and_pyproject_table(tmp_path, monkeypatch, capsys, nogp):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "clinic"\n[tool.x12tool]\nno-ledger = true\nig = false\n'
        '[tool.x12tool.preflight]\nout-dir = "claims-out"\n'
    )
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "preflight", nogp)
    assert code == exitcodes.HELD, err
    assert (tmp_path / "claims-out" / "held" / "nogp.837").exists()
    other = tmp_path / "other.toml"
    other.write_text('no-ledger = true\nig = false\n[preflight]\nout-dir = "elsewhere"\n')
    code, _, err = run(capsys, "preflight", nogp, "--config", other)
    assert code == exitcodes.HELD, err
    assert (tmp_path / "elsewhere" / "held" / "nogp.837").exists()


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("bogus = 1\n", "'bogus'"),
        ("[preflight]\nout_dir = 'x'\n", "'preflight.out_dir'"),
        ("[fix]\nlocality = '04412:31'\n", "'fix.locality'"),  # fix has no --locality
        ("ig = 'no'\n", "ig must be true or false"),
        ("select = [1]\n", "select must be a string or a list of strings"),
        ("ig = \n", "not valid TOML"),
    ],
)
def test_bad_config_is_a_one_line_usage_error_naming_file_and_key(
    tmp_path, monkeypatch, capsys, text, named
):
    (tmp_path / "x12tool.toml").write_text(text)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "check", SYNTHETIC, "--no-ig")
    assert code == exitcodes.USAGE
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert str(tmp_path / "x12tool.toml") in err and named in err
    code, _, err2 = run(capsys, "config")
    assert code == exitcodes.USAGE and named in err2


def test_unknown_key_in_pyproject_names_the_table(tmp_path, monkeypatch, capsys):
    (tmp_path / "pyproject.toml").write_text("[tool.x12tool]\nvisit = 'v.csv'\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "config")
    assert code == exitcodes.USAGE
    assert "'tool.x12tool.visit'" in err and "did you mean 'visits'" in err


def test_locality_and_payer_tables(tmp_path, monkeypatch, capsys, nogp):
    (tmp_path / "x12tool.toml").write_text(
        'no-ledger = true\nig = false\nledger = "postgresql://billing:s3cret@db/x12"\n'
        '[locality]\n"1234567893" = "04412:31"\n"1999999984" = "01112:05"\n'
        '[payers]\n"00952" = "commercial"\n'
    )
    monkeypatch.chdir(tmp_path)
    _, out, _ = run(capsys, "config", "check")
    assert '["1234567893=04412:31", "1999999984=01112:05"]' in setting(out, "check", "locality")
    assert "[locality]" in setting(out, "check", "locality")
    assert setting(out, "check", "payer-profile").startswith('payer-profile = ["00952=commercial"]')
    assert "s3cret" not in out and "postgresql://billing:***@db/x12" in out
    # The payer table picks the commercial profile for payer 00952: GP is not required there.
    # (No GPCI file is imported here, so the locality table stays out of the real run.)
    (tmp_path / "x12tool.toml").write_text(
        'no-ledger = true\nig = false\n[payers]\n"00952" = "commercial"\n'
    )
    _, out, _ = run(capsys, "check", nogp, "--format", "csv")
    assert "MOD001" not in out and "NCCI001" in out
    (tmp_path / "x12tool.toml").write_text("no-ledger = true\nig = false\n")
    _, out, _ = run(capsys, "check", nogp, "--format", "csv")
    assert "MOD001" in out
    (tmp_path / "x12tool.toml").write_text('no-ledger = true\n[payers]\n"00952" = "nope"\n')
    code, _, err = run(capsys, "check", nogp, "--no-ig")
    assert code == exitcodes.USAGE and "unknown payer profile 'nope'" in err


def test_payer_profile_map_beats_the_class_match():
    ref = load_refdata().with_payer_profiles({"00952": "commercial"})
    assert ref.profile_for("medicare_b", "00952").name == "commercial"
    assert ref.profile_for("medicare_b", "04412").name == "medicare_b"
    assert load_refdata().profile_for("medicare_b", "00952").name == "medicare_b"


# --- the pyproject.toml pre-check (x12tool/cli/config.py may_name_x12tool_table) -------------

_KEYS = ["x12tool", '"x12tool"', "'x12tool'", "tool", '"tool"', "'tool'", "ruff", "x12toolx",
         "my-tool", '"x12\\u0074ool"', '"t\\u006fol"', "a"]  # fmt: skip
_VALUES = ['"x12tool"', "'x12tool.cli'", "1", '["a", "x12tool"]', "[\n  'x12tool',\n  'b',\n]",
           '{ x12tool = 1 }', '"""\n[tool]\nx12tool = 1\n"""', "true"]  # fmt: skip


def _toml_piece(rnd) -> str:
    def dotted():
        dot = rnd.choice([".", " . ", "."])
        return dot.join(rnd.choice(_KEYS) for _ in range(rnd.randint(1, 3)))

    kind = rnd.randrange(5)
    if kind == 0:
        return f"[{dotted()}]"
    if kind == 1:
        return f"[[{dotted()}]]"
    if kind == 2:
        return f"{dotted()} = {{ {dotted()} = {rnd.choice(_VALUES)}, {dotted()} = 2 }}"
    if kind == 3:
        return f"# {dotted()} = {rnd.choice(_VALUES)}"
    return f"{rnd.choice(['', '  '])}{dotted()} = {rnd.choice(_VALUES)}"


def _names_table(data: dict) -> bool:
    try:
        return "x12tool" in data.get("tool", {})
    except TypeError:  # "tool = 1": find_config fails on it; the pre-check must let it through
        return True


def test_the_pyproject_pre_check_never_skips_a_file_with_the_table():
    import random
    import tomllib

    from x12tool.cli.config import may_name_x12tool_table

    rnd = random.Random(20261203)
    parsed = named = 0
    for _ in range(6000):
        text = "\n".join(_toml_piece(rnd) for _ in range(rnd.randint(1, 5))) + "\n"
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue
        parsed += 1
        if _names_table(data):
            named += 1
            assert may_name_x12tool_table(text), text
    assert parsed > 1500 and named > 100  # the generator reaches both answers
    for text in (
        "[tool]\nx12tool = {}\n",
        "[ tool ]\n  'x12tool'.select = ['DOC001']\n",
        "tool.x12tool.ig = false\n",
        "tool = { x12tool = { ig = false } }\n",
        '[tool."x12tool".check]\nig = false\n',
        'tool = "x12tool"\n',
        "[[tool . x12tool]]\n",
        '[tool."x12\\u0074ool"]\n',
    ):
        assert may_name_x12tool_table(text), text


def test_a_project_pyproject_without_the_table_is_not_parsed(tmp_path):
    from pathlib import Path

    from x12tool.cli.config import may_name_x12tool_table

    # this repository's own: it names x12tool in many values and keys, but not tool.x12tool
    ours = (Path(__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert "x12tool" in ours and not may_name_x12tool_table(ours)
    (tmp_path / "pyproject.toml").write_text(ours)
    probe = (
        "import sys\nfrom x12tool.cli.config import find_config\n"
        "print(find_config(), 'tomllib' in sys.modules)"
    )
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["None", "False"]

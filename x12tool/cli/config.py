"""Configuration files, as ruff does it (docs/config.md).

``x12tool.toml`` in the working folder or the nearest parent that has one (or a ``pyproject.toml``
there with a ``[tool.x12tool]`` table), or ``--config FILE``. Its keys are the long option names
of the commands, derived from the Click parameters, so an option added to check, fix, preflight
or outbox is configurable (and gets its ``X12TOOL_<NAME>`` environment variable) without a line
here. Precedence is Click's own: command line > environment > ``default_map`` (the config file) >
the option's default.
"""

from __future__ import annotations

import os
import re
from dataclasses import field
from pathlib import Path

import click

from x12tool.values import Value, value_class

CONFIG_NAME = "x12tool.toml"
CONFIGURABLE = ("check", "fix", "preflight", "outbox")  # the commands a config file reaches
# Options that name this one invocation's output or action, never a standing setting.
PER_RUN = frozenset({"output", "diff", "dry_run", "config_file", "help"})
TABLES = {"locality": "locality", "payers": "payer_profile"}  # table -> option it feeds


class ConfigError(click.ClickException):
    """A bad config file: exit 2, one line naming the file and the key."""


@value_class  # a dataclass writing its own __init__ (x12tool/values.py)
class Config(Value):
    path: Path | None
    data: dict = field(default_factory=dict)
    # per command: param name -> (value, where it came from)
    resolved: dict[str, dict[str, tuple[object, str]]] = field(default_factory=dict)

    def __init__(
        self,
        path: Path | None,
        data: dict | None = None,
        resolved: dict[str, dict[str, tuple[object, str]]] | None = None,
    ) -> None:
        self.path = path
        self.data = {} if data is None else data
        self.resolved = {} if resolved is None else resolved


def find_config(start: Path | None = None) -> Path | None:
    """The nearest ``x12tool.toml`` (or ``pyproject.toml`` with ``[tool.x12tool]``) upwards."""
    folder = (start or Path.cwd()).resolve()
    for here in (folder, *folder.parents):
        candidate = here / CONFIG_NAME
        if candidate.is_file():
            return candidate
        pyproject = here / "pyproject.toml"
        if pyproject.is_file():
            try:
                text = pyproject.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue  # someone else's broken pyproject is not ours to judge
            if not may_name_x12tool_table(text):
                continue  # a run in a Python project: no TOML parser (~4 % of a small check)
            import tomllib  # only where a file is read: most runs have none

            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError:
                continue
            if "x12tool" in data.get("tool", {}):
                return pyproject
    return None


# A key or table header naming "tool" outright (not a dotted "tool.<name>" table): a value of
# "tool" other than a table, or the [tool] table whose keys start lines. (Compiled when a
# pyproject.toml is found, not at every start-up.)
_TOOL_VALUE = r"""(?<![\w-])["']?tool["']?[ \t]*="""
_TOOL_TABLE = r"""\[[ \t]*["']?tool["']?[ \t]*\]"""


def may_name_x12tool_table(text: str) -> bool:
    """False only when the TOML ``text`` cannot make ``"x12tool" in data.get("tool", {})``
    true (``data`` parsed from it), so a pyproject.toml without it is not parsed (tomllib's
    import and parse cost more than the rest of the search). Where a key is written only
    (``tool.x12tool``, ``tool."x12tool"``, ``[tool] x12tool.a = 1``, ``tool = {x12tool = 1}``):
    "x12tool" right after a dot, brace or comma (quote and blanks between), or starting a
    line below a ``[tool]`` header; any backslash (an escaped key) or a key ``tool = ...``
    (a text or list holding "x12tool", or a value ``in`` cannot search: an error, as before)
    also answers True. Errs on True: the file is then parsed as before."""
    if "\\" in text or re.search(_TOOL_VALUE, text):
        return True
    if "x12tool" not in text:
        return False
    table = re.search(_TOOL_TABLE, text) is not None
    at = text.find("x12tool")
    while at >= 0:
        j = at - 1
        if j >= 0 and text[j] in "\"'":
            j -= 1
        while j >= 0 and text[j] in " \t":
            j -= 1
        if j < 0 or text[j] in "\r\n":
            if table:
                return True
        elif text[j] in ".{,":
            return True
        at = text.find("x12tool", at + 7)
    return False


def configurable_options(command: click.Command) -> dict[str, click.Option]:
    """Config key (the long option name without dashes) -> option, for one command."""
    keys = {}
    for param in command.params:
        if not isinstance(param, click.Option) or param.name in PER_RUN or param.hidden:
            continue
        longs = [o for o in param.opts if o.startswith("--")]
        if longs:
            keys[longs[0][2:]] = param
    return keys


def env_name(key: str) -> str:
    """``maps-db`` -> ``X12TOOL_MAPS_DB``."""
    return "X12TOOL_" + re.sub(r"\W", "_", key).upper()


def make_configurable(command: click.Command) -> None:
    """Give a command ``--config FILE`` and an ``X12TOOL_<NAME>`` variable for each option."""
    for key, param in configurable_options(command).items():
        if param.envvar is None:
            param.envvar = env_name(key)
            param.show_envvar = True
    command.params.append(
        click.Option(
            ["--config", "config_file"],
            type=click.Path(dir_okay=False),
            is_eager=True,
            expose_value=False,
            callback=_apply_config,
            help=f"Settings file (default: the nearest {CONFIG_NAME}, or pyproject.toml with "
            "[tool.x12tool], from this folder up).",
        )
    )


def _apply_config(ctx: click.Context, param, value) -> None:
    if ctx.resilient_parsing:
        return
    path = Path(value) if value else find_config()
    if path is None:
        return
    if value and not path.is_file():
        raise ConfigError(f"--config {value}: no such file")
    config = load_config(path)
    ctx.default_map = {k: v for k, (v, _) in config.resolved.get(ctx.info_name, {}).items()}
    ctx.meta["x12tool.config"] = str(path)


def load_config(path: Path) -> Config:
    """Read and check a config file; every key must be an option of some command."""
    import tomllib

    name = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{name}: cannot read: {exc}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("x12tool", {})
        prefix = "tool.x12tool."
    else:
        prefix = ""
    from x12tool.cli.app import cli

    commands = {c: cli.commands[c] for c in CONFIGURABLE}
    options = {c: configurable_options(cmd) for c, cmd in commands.items()}
    base = path.parent
    config = Config(path, data, {c: {} for c in commands})

    def put(command: str, key: str, raw, where: str) -> None:
        param = options[command][key]
        config.resolved[command][param.name] = (_value(param, raw, name, where, base), where)

    tables = {}
    for key, raw in data.items():
        if key in commands or key in TABLES:
            if not isinstance(raw, dict):
                raise ConfigError(f"{name}: {prefix}{key} must be a table ([{prefix}{key}])")
            tables[key] = raw
            continue
        owners = [c for c in commands if key in options[c]]
        if not owners:
            raise ConfigError(f"{name}: unknown key '{prefix}{key}'{_hint(key, options)}")
        for command in owners:
            put(command, key, raw, f"{name}")
    for key, table in tables.items():
        if key in TABLES:
            _mapping_table(config, key, table, name, prefix, commands, options)
            continue
        for sub, raw in table.items():
            if sub not in options[key]:
                raise ConfigError(
                    f"{name}: unknown key '{prefix}{key}.{sub}' ({key} has no --{sub})"
                    f"{_hint(sub, {key: options[key]})}"
                )
            put(key, sub, raw, f"{name} [{prefix}{key}]")
    return config


def _mapping_table(config, key, table, name, prefix, commands, options) -> None:
    """``[locality]`` (billing NPI -> MAC:LOCALITY) and ``[payers]`` (payer id -> profile):
    added to the ``--locality`` / ``--payer-profile`` values of the commands that have them."""
    option = TABLES[key]
    specs = []
    for k, v in table.items():
        if not isinstance(v, str) or not v.strip():
            raise ConfigError(f"{name}: {prefix}{key}.{k} must be a string")
        specs.append(f"{k}={v}")
    for command in commands:
        param = next((p for p in options[command].values() if p.name == option), None)
        if param is None:
            continue
        have, where = config.resolved[command].get(param.name, ((), ""))
        where = f"{where} + " if where else ""
        config.resolved[command][param.name] = (
            tuple(have) + tuple(specs),
            f"{where}{name} [{prefix}{key}]",
        )


def _value(param: click.Option, raw, name: str, where: str, base: Path):
    key = param.opts[0] if param.opts[0].startswith("--") else param.name
    label = f"{name}: {key.lstrip('-')}"
    if param.is_flag and not param.multiple:
        if not isinstance(raw, bool):
            raise ConfigError(f"{label} must be true or false")
        return raw
    if param.multiple:
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ConfigError(f"{label} must be a string or a list of strings")
        return tuple(items)
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise ConfigError(f"{label} must be a string or a number")
    if isinstance(raw, str) and _is_path(param) and "://" not in raw:
        # relative paths are relative to the config file, as in ruff
        raw = os.path.normpath(os.path.join(base, os.path.expanduser(raw)))
    return raw


def _is_path(param: click.Option) -> bool:
    return isinstance(param.type, click.Path) or "PATH" in (param.metavar or "")


def _hint(key: str, options: dict[str, dict[str, click.Option]]) -> str:
    import difflib

    known = sorted({k for opts in options.values() for k in opts})
    close = difflib.get_close_matches(key.replace("_", "-"), known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


# --- x12tool config ----------------------------------------------------------------------------


def mask_secret(value: str) -> str:
    """A URL's password shown as ***: ``postgresql://user:***@host/db``."""
    return re.sub(r"(://[^:/@\s]+:)[^@/\s]+@", r"\1***@", value)


def resolved_settings(
    command: click.Command, config: Config | None
) -> list[tuple[str, object, str]]:
    """(key, value, origin) of every configurable option, as the command would see them."""
    rows = []
    from_file = config.resolved.get(command.name or "", {}) if config else {}
    ctx = click.Context(command)
    for key, param in sorted(configurable_options(command).items()):
        env = param.envvar if isinstance(param.envvar, str) else None
        raw = param.value_from_envvar(ctx) if env else None
        if raw is not None:
            rows.append((key, param.type_cast_value(ctx, raw), f"environment {env}"))
        elif param.name in from_file:
            value, where = from_file[param.name]
            rows.append((key, value, where))
        else:
            rows.append((key, param.get_default(ctx), "default"))
    return rows

"""The project installs the way the README says and runs from another folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import SYNTHETIC


def installed_script() -> Path:
    return Path(sys.executable).parent / "x12tool"


def test_console_script_runs_from_another_folder(tmp_path):
    script = installed_script()
    assert script.exists(), "install the project first: pip install '.[test]' (README)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run(
        [str(script), "lines", str(SYNTHETIC), "--format", "csv"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert "97530" in r.stdout and "medicare_b" in r.stdout  # payer class needs maps/
    r = subprocess.run(
        [sys.executable, "-m", "x12tool", "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert r.returncode == 0 and "x12tool" in r.stdout


def test_maps_ship_inside_the_installed_package(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = (
        "import x12tool.refdata.paths as p, importlib.resources as r;"
        "print(r.files('x12tool').joinpath('_maps').is_dir())"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    # From a checkout (editable or source tree) the maps come from ./maps; from the wheel, they
    # are x12tool/_maps. Either way the installed interpreter must find them from tmp_path.
    assert r.returncode == 0, r.stderr
    if (
        "site-packages"
        in subprocess.run(
            [sys.executable, "-c", "import x12tool; print(x12tool.__file__)"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=env,
        ).stdout
    ):
        assert r.stdout.strip() == "True"

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
PUBLIC = FIXTURES / "public"
SAMPLE = FIXTURES / "sample"
SYNTHETIC = PUBLIC / "synthetic__pt_97530_medicare.txt"


def pytest_sessionstart(session):
    """Byte-compile the code under test once, before anything imports it. The CLI tests run
    x12tool from this checkout in over a hundred child processes (``run_cli``: PYTHONPATH=ROOT);
    where PYTHONDONTWRITEBYTECODE is set, as in CI's containers, no child leaves its compiled
    modules behind, so each compiled every module it imports again (~0.3 s a child, ~45 s of
    the suite on a slow host). ``compileall`` writes them whatever that setting says, and skips
    up-to-date ones; ``__pycache__`` is gitignored and so never in a build."""
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker: the controller did both before it started them
    import compileall

    for package in ("x12tool", "devtools"):
        compileall.compile_dir(ROOT / package, quiet=1)
    # One cache folder for the session's runs (pyx12's maps, x12tool/edi/pyx12_maps.py): the
    # first pyx12 run builds each map and later ones, children included, load the copy; the
    # user's own cache is never written.
    import tempfile

    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="x12tool-test-cache-")


def pytest_sessionfinish(session):
    if not hasattr(session.config, "workerinput"):
        import shutil

        folder = os.environ.get("XDG_CACHE_HOME", "")
        if os.path.basename(folder).startswith("x12tool-test-cache-"):
            shutil.rmtree(folder, ignore_errors=True)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Units of work for the parallel run (pytest-xdist, ``-n`` in pyproject's addopts): a test
    file is one unit, so its module fixtures are built once; all of tests/hostile is one unit,
    because its files fill one ``RESULTS`` store that ``test_zz_reliability_doc.py`` renders
    after them, in the same process. (xdist's own ``--dist loadgroup`` marks do not take with
    pytest 9.2, which no longer reads the node id field xdist rewrites.)"""
    from xdist.scheduler import LoadScopeScheduling

    class FileOrHostile(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "tests/hostile" if path.startswith("tests/hostile/") else path

    return FileOrHostile(config, log)


def public_files() -> list[Path]:
    return sorted(
        p
        for p in PUBLIC.iterdir()
        if p.is_file() and not p.name.endswith(".md") and p.name[0] != "."
    )


def run_cli(*args: str, cwd: str | os.PathLike | None = None, env: dict | None = None):
    """Run x12tool in a child process under ``python -X dev`` (tracebacks would show)."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(ROOT) + os.pathsep + full_env.get("PYTHONPATH", "")
    # Dev mode's warnings (ResourceWarning, DeprecationWarning ...) and faulthandler stay on;
    # its debug hooks on the memory allocator (a fifth of each child's CPU time, for checking C
    # extensions' buffers) are left out unless the caller asks for an allocator.
    full_env.setdefault("PYTHONMALLOC", "pymalloc")
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-X", "dev", "-m", "x12tool", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=600,
    )


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def private_tempdir(tmp_path, monkeypatch):
    """The temp directory of the code under test is ``tmp_path``; returns it with the pid of a
    process that has ended (for a stale run folder: x12tool/tempdirs.py)."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    return tmp_path, int(gone.stdout)

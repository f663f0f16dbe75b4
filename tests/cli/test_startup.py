"""What every run imports: the modules only some commands use are imported by those commands.

Start-up is paid by every run, and ``check --jobs N`` pays it in the serial part that bounds
its scaling (docs/performance.md); these modules were about a fifth of ``--version``'s instructions.
"""

from __future__ import annotations

import subprocess
import sys

# Imported on first use: by the commands (or options) that need them, not by ``import
# x12tool.cli`` nor by a ``check`` without IG, ledger or acknowledgments.
ON_FIRST_USE = (
    "x12tool.edi.ig",  # pyx12's side: --ig runs and preflight's re-validation
    "x12tool.pipeline.outbox",
    "x12tool.preflight.outputs",  # preflight and fix
    "x12tool.remit.analytics",  # a ledger with remittances, --denial-thresholds
    "x12tool.remit.rates",
    "x12tool.reports.html_report",  # --format html (lxml.html)
    "x12tool.reports.ack999",
    "x12tool.edi.envelope_sets",  # acknowledgments, and files with a wrong SE
    "x12tool.refdata.claim_status",  # 277CA
    "x12tool.ncci.importers",  # maps import-ncci / import-mue
    "x12tool.money.importers",  # maps import-pfs / import-gpci
    "x12tool.ledger.auths",  # auth import
    "socket",  # the folder lock's stamp
    "x12tool.cli.crash",  # a crash report (traceback)
)


# Of those, what a check without IG, ledger or acknowledgments does not import either (on its
# own path the ledger's authorization count imports auths, and the standard library's email
# utilities import socket).
NOT_IN_CHECK = tuple(m for m in ON_FIRST_USE if m not in ("x12tool.ledger.auths", "socket"))


def _imported_after(code: str, modules=ON_FIRST_USE) -> list[str]:
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {modules!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    return out.split()


def test_the_cli_imports_no_command_specific_module():
    assert _imported_after("import x12tool.cli") == []


def test_check_imports_them_only_when_asked(tmp_path):
    from conftest import SAMPLE

    batch, visits = SAMPLE / "therapy_batch.837", SAMPLE / "therapy_visits.csv"
    run = (
        "import x12tool.cli\n"
        "try:\n"
        f"    x12tool.cli.main(['check', {str(batch)!r}, '--visits', {str(visits)!r}, "
        f"'--no-ig', '--no-ledger', '-o', {str(tmp_path / 'r.txt')!r}])\n"
        "except SystemExit:\n"
        "    pass"
    )
    assert _imported_after(run, NOT_IN_CHECK) == []
    html = run.replace("'--no-ig',", "'--no-ig', '--format', 'html',")
    assert _imported_after(html, NOT_IN_CHECK) == ["x12tool.reports.html_report"]


def test_a_check_in_a_python_project_pays_no_toml_parser_nor_unused_rule_setup(tmp_path):
    """A check run from a project folder (a pyproject.toml without [tool.x12tool]) does not
    parse it; IG001's message patterns wait for an --ig run; DOC003's key is drawn without
    the secrets module."""
    from pathlib import Path

    from conftest import SAMPLE

    project = Path(__file__).parents[2] / "pyproject.toml"
    (tmp_path / "pyproject.toml").write_text(project.read_text(encoding="utf-8"))
    batch, visits = SAMPLE / "therapy_batch.837", SAMPLE / "therapy_visits.csv"
    probe = (
        "import sys\nimport x12tool.cli\n"
        "try:\n"
        f"    x12tool.cli.main(['check', {str(batch)!r}, '--visits', {str(visits)!r}, "
        f"'--no-ig', '-o', {str(tmp_path / 'r.txt')!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "from x12tool.rules import ig001_implementation_guide as ig001\n"
        "seen = [m for m in ('tomllib', 'secrets') if m in sys.modules]\n"
        "print(' '.join(seen), len(ig001._compiled))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["0"]
    assert (tmp_path / "r.txt").read_text().count("\n") > 20  # the check ran (DOC003 too)

"""No member id, subscriber/patient name or birth date of a fixture in any default output.

``lines``, ``check``, ``preflight`` and ``fix`` run with default options on every sample and
public fixture that our reader accepts; the fixture's member ids (NM1*IL NM109), names (NM1*IL and
NM1*QC NM103/NM104) and birth dates (DMG02) must not appear in stdout, stderr or any report file
(the ready/held/fixed claim files carry them by design). Every file written is 0600 (or the
input's bits without group/other). Runs in-process through ``x12tool.cli.main`` (the same error
handling as the command) to keep the suite fast.
"""

from __future__ import annotations

import shutil

import pytest
from conftest import SAMPLE, public_files

from hostile.conftest import RESULTS, leaks, readable, written_files
from hostile.make_corpus import phi_of
from x12tool.cli import main

FIXTURES = [p for p in public_files() + [SAMPLE / "therapy_batch.837"] if readable(p)]
# The default run: the sample batch, the therapy claim, and the public files most likely to leak
# (other-subscriber names in COB loops, patient loops, pyx12 findings that quote values). Each
# fixture costs three pyx12 runs; the others run in the slow set.
DEFAULT = {
    "therapy_batch.837",
    "synthetic__pt_97530_medicare.txt",
    "badx12__X222-COB-payer-a-to-payer-b.edi",
    "badx12__X222-oxygen.edi",
    "badx12__X222-wheelchair.edi",
    "lfh__demo.example6.837",
    "oopfactory__MedicaidExample.txt",
    # read since a wrong SE01 holds only its set (ENV002); the other ims files fail on their HLs
    "ims__x12_segment_errors.txt",
}
FAST = [p for p in FIXTURES if p.name in DEFAULT]
REST = [p for p in FIXTURES if p.name not in DEFAULT]
CHECKED: list[str] = []
RESULTS["phi"] = CHECKED
RESULTS["phi_slow"] = [p.name for p in REST]


def run(capfd, *args) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    cap = capfd.readouterr()
    return exc.value.code, cap.out + cap.err


@pytest.mark.parametrize("path", FAST, ids=lambda p: p.name)
def test_default_outputs_carry_no_phi(path, tmp_path, capfd):
    no_phi_in_default_outputs(path, tmp_path, capfd)
    CHECKED.append(path.name)


@pytest.mark.slow
@pytest.mark.parametrize("path", REST, ids=lambda p: p.name)
def test_default_outputs_carry_no_phi_other_fixtures(path, tmp_path, capfd):
    no_phi_in_default_outputs(path, tmp_path, capfd)


def test_the_default_run_checks_a_few_of_each_source():
    assert len(FAST) == len(DEFAULT) and len(FIXTURES) > len(FAST)
    assert {p.name.split("__")[0] for p in FIXTURES} == {p.name.split("__")[0] for p in FAST}


def no_phi_in_default_outputs(path, tmp_path, capfd) -> None:
    phi = phi_of(path.read_bytes())
    assert phi, "a fixture with claims has subscribers"
    src = tmp_path / path.name
    shutil.copy(path, src)
    src.chmod(0o644)
    texts = []
    for args in (
        ("lines", src),
        ("lines", src, "--format", "csv"),
        ("check", src),
        ("preflight", src, "--out-dir", tmp_path / "out"),
        ("fix", src, "-o", tmp_path / "fixed" / src.name),
    ):
        code, text = run(capfd, *args)
        assert code in (0, 1), (args, text)
        texts.append((" ".join(map(str, args[:1] + args[2:])), text))
    files = written_files(tmp_path / "out") + written_files(tmp_path / "fixed")
    for p in files:
        if p.parent.name == "reports":
            texts.append((str(p.relative_to(tmp_path)), p.read_text()))
        assert p.stat().st_mode & 0o077 == 0, p  # never group/world readable
    found = {where: leaks(text, phi) for where, text in texts}
    assert {k: v for k, v in found.items() if v} == {}


def test_show_phi_does_show_it(tmp_path, capfd):
    """The check above would pass vacuously if PHI were never printed at all."""
    path = SAMPLE / "therapy_batch.837"
    code, text = run(capfd, "lines", path, "--format", "csv", "--show-phi")
    assert code == 0
    assert leaks(text, phi_of(path.read_bytes()))

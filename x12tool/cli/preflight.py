"""``x12tool preflight`` and ``x12tool fix``."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

import click

from x12tool import exitcodes
from x12tool.cli.app import UserFileError, cli
from x12tool.cli.inputs import expand_inputs, one_input
from x12tool.cli.options import SessionOptions, ack_option, report_mode_option, session_options
from x12tool.cli.progress import Progress
from x12tool.cli.runlog import RunLog
from x12tool.edi import X12InputError
from x12tool.pipeline.lock import FolderLock
from x12tool.reports.model import sha256_file

# Every run registers these commands, and the outputs' modules (the writer's re-validation with
# pyx12, the 999/277CA and HTML writers) were a tenth of ``check``'s start-up: they are imported
# when preflight or fix runs. The three steps below are looked up here at call time, so a test
# can still replace one in this module.


def run_preflight(*args, **kwargs):
    from x12tool.preflight.outputs import run_preflight

    return run_preflight(*args, **kwargs)


def run_fix(*args, **kwargs):
    from x12tool.preflight.outputs import run_fix

    return run_fix(*args, **kwargs)


def write_acks(*args, **kwargs):
    from x12tool.preflight.outputs import write_acks

    return write_acks(*args, **kwargs)


@cli.command("preflight")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--out-dir", required=True, type=click.Path(file_okay=False), help="Output folder.")
@session_options()
@click.option("--unsafe-fixes", is_flag=True, help="Also apply unsafe fixes (KX, 59, units up).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "html", "jsonl"]),
    default="text",
    show_default=True,
    help="What to print on stdout (reports are always written as .json, .txt and .html); "
    "html prints one page covering every input; jsonl one JSON line per input (refused ones "
    "included) and a totals line.",
)
@click.option(
    "--log",
    type=click.Path(dir_okay=False),
    help="Also append the run's JSON lines (one per input, then totals) to this file.",
)
@report_mode_option
@click.option(
    "--lock-wait",
    type=click.FloatRange(min=0),
    default=60,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for another preflight writing into the same --out-dir to finish; "
    "then exit 5.",
)
@ack_option
def preflight_cmd(
    inputs,
    out_dir,
    session_opts: SessionOptions,
    unsafe_fixes,
    fmt,
    log,
    report_mode,
    lock_wait,
    acks,
) -> int:
    """Split each input into DIR/ready/NAME (claims that go) and DIR/held/NAME (claims held),
    with DIR/reports/NAME.json, .txt and .html. Exit 0 all ready, 1 some held, 3 an input
    refused, 5 another preflight holds --out-dir."""
    paths = expand_inputs(inputs)
    refuse_same_names(paths)
    session = session_opts.open(paths, record=True)
    # One run at a time per output folder: two runs would mix each other's reports.
    with FolderLock(out_dir, wait=lock_wait):
        runlog = RunLog("jsonl" if fmt == "jsonl" else "quiet", log)
        code = _preflight_all(
            paths,
            session,
            out_dir,
            unsafe_fixes,
            session_opts.ig,
            session_opts.show_phi,
            fmt,
            runlog,
            report_mode,
            acks,
        )
        runlog.totals(code)
        return code


def _sha(path: str) -> str | None:
    try:
        return sha256_file(path)
    except OSError:
        return None


def refuse_same_names(paths: list[str]) -> None:
    """Outputs are named after the input's base name: two inputs with one name would overwrite
    each other's outputs, so the run is refused (exit 2) before anything is written."""
    seen: dict[str, str] = {}
    for path in paths:
        name = os.path.basename(path)
        if name in seen and not os.path.samefile(seen[name], path):
            raise click.UsageError(
                f"two inputs are named {name} ({seen[name]}, {path}): their outputs would "
                "overwrite each other; rename one or run them separately"
            )
        seen[name] = path


def _preflight_all(
    paths, session, out_dir, unsafe_fixes, ig, show_phi, fmt, runlog, report_mode, acks
) -> int:
    from x12tool.preflight.outputs import SameFileError
    from x12tool.preflight.validate import OutputValidationError
    from x12tool.reports.ack_x12 import AckCheckError, AckNumbers
    from x12tool.reports.html_report import HtmlPage

    code = exitcodes.OK
    totals = []
    numbers = AckNumbers()  # the run's acknowledgment control numbers (unique in the run)
    # --format html: one page over every input, each section built from the input's records
    page = HtmlPage(sys.stdout) if fmt == "html" else None
    for path in paths:
        try:
            progress = Progress(path)
            try:
                result = run_preflight(
                    path,
                    session,
                    out_dir,
                    unsafe=unsafe_fixes,
                    ig=ig,
                    show_phi=show_phi,
                    progress=progress,
                    acks=acks,
                    numbers=numbers,
                    report_mode=report_mode,
                    on_report=page.add if page is not None else None,
                )
            finally:
                progress.done()
        except X12InputError as exc:
            what = "nothing written for it"
            if acks:
                try:
                    done = write_acks(path, out_dir, acks, numbers, refusal=exc)
                except X12InputError:
                    done = {}
                if done:
                    what = "only its acknowledgment written: " + ", ".join(done.values())
            click.echo(f"x12tool: {exc} (input refused; {what})", err=True)
            code = exitcodes.INPUT
            runlog.input(
                file=path, sha256=_sha(path), status="refused", exit=exitcodes.INPUT,
                reason=str(exc),
            )  # fmt: skip
            continue
        except SameFileError as exc:
            raise UserFileError(str(exc)) from None
        except (OutputValidationError, AckCheckError) as exc:
            click.echo(f"x12tool: {path}: {exc}; nothing was written for it", err=True)
            runlog.input(
                file=path, sha256=_sha(path), status="failed", exit=exitcodes.INTERNAL,
                reason=str(exc),
            )  # fmt: skip
            return exitcodes.INTERNAL
        s = result.summary
        if s.held and code == exitcodes.OK:
            code = exitcodes.HELD
        going = s.ready + s.corrected
        runlog.input(
            file=path,
            sha256=_sha(path),
            status="ready" if not s.held else ("held" if going else "all-held"),
            exit=exitcodes.HELD if s.held else exitcodes.OK,
            counts=s.as_dict(),
            outputs=result.written,
        )
        if fmt == "jsonl":
            continue
        totals.append((path, s, result.written))
    if page is not None:
        page.write()
        return code
    for path, s, written in totals:
        if fmt == "json":
            import json

            click.echo(
                json.dumps(
                    {
                        "file": os.path.basename(path),
                        "summary": s.as_dict(),
                        "outputs": {k: v for k, v in written.items()},
                    }
                )
            )
        else:
            click.echo(
                f"{os.path.basename(path)}: {s.claims} claims: {s.ready} ready, "
                f"{s.corrected} corrected, {s.held} held -> "
                + ", ".join(f"{k} {v}" for k, v in written.items())
            )
    return code


@cli.command("fix")
@click.argument("input_file", metavar="IN")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@session_options(locality=False)
@click.option("--unsafe-fixes", is_flag=True, help="Also apply unsafe fixes.")
@click.option("--diff", is_flag=True, help="Print each changed segment before and after.")
def fix_cmd(input_file, output, session_opts: SessionOptions, unsafe_fixes, diff) -> int:
    """Write IN with every applicable fix to OUT (all claims; held ones unchanged). IN or OUT
    may be - for standard input / output."""
    if diff and output == "-":
        raise click.UsageError("--diff prints to stdout: it cannot be used with -o -")
    from x12tool.preflight.outputs import SameFileError
    from x12tool.preflight.validate import OutputValidationError

    input_file = one_input(input_file)
    session = session_opts.open([input_file])

    def show(outcome):
        if diff and outcome.changed and outcome.status != "held":
            click.echo(f"claim {outcome.original.id}:")
            for before, after in outcome.changed_segments():
                if before is not None:
                    click.echo(f"  - {before.text}")
                if after is not None:
                    click.echo(f"  + {after.text}")

    target = output
    if output == "-":
        # validated in a private temp file first: stdout gets a complete, re-validated file or
        # nothing at all
        folder = tempfile.mkdtemp(prefix="x12tool-fix-")
        click.get_current_context().call_on_close(lambda: shutil.rmtree(folder, True))
        target = os.path.join(folder, os.path.basename(input_file))
    try:
        s = run_fix(
            input_file, session, target, unsafe=unsafe_fixes, ig=session_opts.ig, on_outcome=show
        )
    except SameFileError as exc:
        raise UserFileError(str(exc)) from None
    except OutputValidationError as exc:
        click.echo(f"x12tool: {input_file}: {exc}; nothing was written", err=True)
        return exitcodes.INTERNAL
    if output == "-":
        sys.stdout.flush()
        with open(target, "rb") as fh:
            shutil.copyfileobj(fh, sys.stdout.buffer, 1 << 20)
        sys.stdout.buffer.flush()
        output = "stdout"
    click.echo(
        f"{os.path.basename(input_file)}: {s.claims} claims: {s.ready} ready, {s.corrected} "
        f"corrected, {s.held} held (unchanged) -> {output}",
        err=True,
    )
    return exitcodes.HELD if s.held else exitcodes.OK

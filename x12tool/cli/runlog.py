"""A result for every input: ``--format jsonl`` on stdout and ``--log FILE`` (docs/run-log.md).

One JSON object per line: ``"type": "input"`` for every input file (refused ones included),
``"type": "upload"`` for every upload the outbox tried, and a last ``"type": "totals"`` line.
The schema is docs/run-log.schema.json.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import click

from x12tool import __version__, exitcodes

MEANING = {
    exitcodes.OK: "nothing-held",
    exitcodes.HELD: "held",
    exitcodes.USAGE: "usage-error",
    exitcodes.INPUT: "refused",
    exitcodes.INTERNAL: "internal-error",
    exitcodes.LOCKED: "locked",
    exitcodes.UPLOAD: "upload-failed",
}


def log_options(f):
    f = click.option(
        "--log",
        type=click.Path(dir_okay=False),
        help="Also append the run's JSON lines (one per input, then totals) to this file.",
    )(f)
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "jsonl"]),
        default="text",
        show_default=True,
        help="jsonl: one JSON line per input (refused ones included) and a totals line.",
    )(f)


class RunLog:
    """Collects one record per input; prints text or JSON lines, and appends to ``--log``."""

    def __init__(self, fmt: str, log: str | None) -> None:
        self.jsonl = fmt == "jsonl"
        self.text = fmt == "text"
        self.log = log
        self.started = _now()
        self.records: list[dict] = []
        self.uploads: list[dict] = []

    def _emit(self, record: dict) -> None:
        line = json.dumps(record, sort_keys=False)
        if self.jsonl:
            click.echo(line)
        if self.log:
            folder = os.path.dirname(os.path.abspath(self.log))
            os.makedirs(folder, exist_ok=True)
            fd = os.open(self.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as fh:
                fh.write(line + "\n")

    def input(self, *, file, sha256, status, exit, reason=None, counts=None, outputs=None):
        record = {
            "type": "input",
            "file": file,
            "sha256": sha256,
            "status": status,
            "exit": exit,
            "meaning": MEANING.get(exit, "unknown"),
            "reason": reason,
            "counts": _counts(counts),
            "outputs": dict(outputs or {}),
        }
        self.records.append(record)
        self._emit(record)
        if self.text:
            line = f"{file}: {status}"
            if counts:
                line += (
                    f": {counts['claims']} claims: {counts['ready']} ready, "
                    f"{counts['corrected']} corrected, {counts['held']} held"
                )
            if reason:
                line += f" ({reason})"
            if outputs:
                line += " -> " + ", ".join(f"{k} {v}" for k, v in outputs.items())
            click.echo(line)

    def upload(self, *, file, ok, detail):
        record = {"type": "upload", "file": file, "ok": ok, "detail": detail}
        self.uploads.append(record)
        self._emit(record)
        if self.text and ok:
            click.echo(f"{file}: {detail}")

    def totals(self, code: int) -> None:
        by_status: dict[str, int] = {}
        sums = {"claims": 0, "ready": 0, "corrected": 0, "held": 0}
        for r in self.records:
            by_status[r["status"]] = by_status.get(r["status"], 0) + 1
            for k in sums:
                sums[k] += (r["counts"] or {}).get(k, 0)
        record = {
            "type": "totals",
            "version": __version__,
            "started": self.started,
            "finished": _now(),
            "inputs": len(self.records),
            "by_status": by_status,
            **sums,
            "uploads": len(self.uploads),
            "uploads_failed": sum(1 for u in self.uploads if not u["ok"]),
            "exit": code,
            "meaning": MEANING.get(code, "unknown"),
        }
        self._emit(record)


def _counts(counts: dict | None) -> dict | None:
    if counts is None:
        return None
    return {k: counts[k] for k in ("claims", "ready", "corrected", "held")}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

"""Crash reports: where, what code, which x12tool; never the data that was being read."""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
import traceback

from x12tool import __version__


def write_crash_report(exc: BaseException) -> str:
    # Only frame locations go in: exception messages and locals can carry claim data (PHI).
    frames = traceback.extract_tb(exc.__traceback__)
    lines = [
        f"x12tool {__version__} crash report",
        f"time: {time.strftime('%Y-%m-%dT%H:%M:%S%z')}",
        f"python: {platform.python_version()} ({sys.platform})",
        f"exception: {type(exc).__module__}.{type(exc).__name__}",
        "stack (most recent call last):",
    ]
    for fr in frames:
        lines.append(f"  {os.path.basename(fr.filename)}:{fr.lineno} in {fr.name}")
    fd, path = tempfile.mkstemp(prefix="x12tool-crash-", suffix=".txt")
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return path

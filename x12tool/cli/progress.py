"""A progress line on stderr for big files, only when stderr is a terminal.

Scripts' logs stay clean: nothing is printed when stderr is a file or a pipe, or for small
files (they finish before anyone looks).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

MIN_BYTES = 4 * 1024 * 1024  # "files over a few megabytes"
EVERY = 0.25  # seconds between redraws


class Progress:
    def __init__(self, path: str, stream=None, *, force: bool = False) -> None:
        self.stream = stream if stream is not None else sys.stderr
        try:
            self.size = os.path.getsize(path)
        except OSError:
            self.size = 0
        tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.enabled = force or (tty and self.size >= MIN_BYTES)
        self.name = os.path.basename(path)
        self.claims = 0
        self.start = time.monotonic()
        self.last = 0.0
        self.shown = False

    def wrap(self, callback: Callable[[dict], None]) -> Callable[[dict], None]:
        """Pass claim records through to ``callback``, counting them."""
        if not self.enabled:
            return callback

        def tick(record: dict) -> None:
            callback(record)
            self.claims += 1
            now = time.monotonic()
            if now - self.last >= EVERY:
                self.last = now
                self.draw(record.get("offset") or 0, now)

        return tick

    def draw(self, offset: int, now: float) -> None:
        elapsed = max(now - self.start, 1e-6)
        pct = min(100, int(offset * 100 / self.size)) if self.size else 0
        width = 24
        filled = pct * width // 100
        bar = "#" * filled + "-" * (width - filled)
        rate = self.claims / elapsed
        self.stream.write(
            f"\r{self.name} [{bar}] {pct:3d}%  {self.claims:,} claims  {rate:,.0f} claims/s"
        )
        self.stream.flush()
        self.shown = True

    def done(self) -> None:
        if self.enabled and self.shown:
            self.stream.write("\r\x1b[2K")  # clear the line
            self.stream.flush()

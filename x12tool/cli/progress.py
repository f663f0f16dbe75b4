"""A progress line on stderr for big files, only when stderr is a terminal.

Scripts' logs stay clean: nothing is printed when stderr is a file or a pipe, or for small
files (they finish before anyone looks).

Not ``click.progressbar``: with stderr not a terminal it still prints its label, it ends with a
newline that leaves the finished bar on screen (ours clears it), and its only figure of speed is
a time left; a billing vendor watching a big file wants claims and claims per second.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

MIN_BYTES = 4 * 1024 * 1024  # "files over a few megabytes"
EVERY = 0.25  # seconds between redraws
BAR = 24  # characters of the bar


class Progress:
    def __init__(
        self,
        path: str,
        stream=None,
        *,
        force: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        try:
            self.size = os.path.getsize(path)
        except OSError:
            self.size = 0
        tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.enabled = force or (tty and self.size >= MIN_BYTES)
        self.name = os.path.basename(path)
        self.clock = clock
        self.claims = 0
        # The rate's clock starts at the file's first claim, not when this object is made: the
        # ledger pre-pass and the IG workers' start-up come first, and they are not claims.
        self.start: float | None = None
        self.last = 0.0
        self.width = 0  # characters of the line now on screen
        self.shown = False

    def wrap(self, callback: Callable[[dict], None]) -> Callable[[dict], None]:
        """Pass claim records through to ``callback``, counting them."""
        if not self.enabled:
            return callback

        def tick(record: dict) -> None:
            callback(record)
            self.claims += 1
            now = self.clock()
            if self.start is None:
                self.start = now
            elif now - self.last < EVERY:
                return
            self.last = now
            self.draw(record.get("offset") or 0, now)

        return tick

    def rate(self, now: float) -> str:
        """Claims per second since the first claim (that claim is the start, not counted)."""
        elapsed = now - self.start if self.start is not None else 0.0
        if elapsed <= 0:
            return "?"  # one claim is no rate yet
        return f"{(self.claims - 1) / elapsed:,.0f}"

    def line(self, offset: int, now: float) -> str:
        pct = min(100, int(offset * 100 / self.size)) if self.size else 0
        filled = pct * BAR // 100
        bar = "#" * filled + "-" * (BAR - filled)
        tail = f" [{bar}] {pct:3d}%  {self.claims:,} claims  {self.rate(now)} claims/s"
        name = self.name
        columns = self._columns()
        if columns is not None:
            # A line as wide as the terminal wraps, and "\r" then goes back to the start of its
            # last row only: the rows above stay. Shorten the file name, then the line.
            room = columns - 1 - len(tail)
            if len(name) > room:
                name = "..." + name[-(room - 3) :] if room > 8 else ""
            return (name + tail)[: columns - 1]
        return name + tail

    def draw(self, offset: int, now: float) -> None:
        text = self.line(offset, now)
        # "\r" only moves the cursor: a line shorter than the one on screen (the rate drops
        # from 1,020 to 998 claims/s) would leave the old line's last characters behind it.
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)
        self.shown = True

    def _columns(self) -> int | None:
        try:
            return os.get_terminal_size(self.stream.fileno()).columns or None
        except (AttributeError, OSError, ValueError):
            return None

    def done(self) -> None:
        if self.enabled and self.shown:
            self.stream.write("\r\x1b[2K")  # clear the line
            self.stream.flush()

"""Atomic output files: a temp file in the target folder, fsync, validate, rename.

A reader of the output folder (an SFTP upload loop) sees either no file or a complete, validated
one: the temp file's name starts with a dot and ends in ``.partial`` so upload globs skip it, and
rename(2) within one folder is atomic on POSIX file systems.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable


class AtomicFile:
    def __init__(self, target: str, mode: int = 0o600) -> None:
        self.target = target
        folder = os.path.dirname(os.path.abspath(target)) or "."
        os.makedirs(folder, exist_ok=True)
        fd, self.temp = tempfile.mkstemp(
            prefix=f".{os.path.basename(target)}.", suffix=".partial", dir=folder
        )
        os.fchmod(fd, mode)
        self.fh = os.fdopen(fd, "wb")
        self.done = False

    def commit(self, validate: Callable[[str], None] | None = None) -> None:
        """fsync, validate the temp file (raising leaves nothing behind), rename into place."""
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        try:
            if validate is not None:
                validate(self.temp)
            os.replace(self.temp, self.target)
        except BaseException:
            self.discard()
            raise
        self.done = True
        dir_fd = os.open(os.path.dirname(os.path.abspath(self.target)) or ".", os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def discard(self) -> None:
        if not self.fh.closed:
            self.fh.close()
        try:
            os.unlink(self.temp)
        except FileNotFoundError:
            pass

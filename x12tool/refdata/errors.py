"""The one exception type of the reference-data layer."""

from __future__ import annotations


class MapError(Exception):
    """A maps file (or a user profile file) is unreadable, unsafe, invalid or inconsistent.

    The message always reads ``<file>:<line>: <what is wrong>`` so it can be shown as is.
    """

    def __init__(self, file: str, line: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.reason = message
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {message}")

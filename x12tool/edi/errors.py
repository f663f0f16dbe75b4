"""Errors for input that cannot be processed (exit code 3).

Every message is one line: the file, the segment position and byte offset when known, and what was
expected. The CLI prints ``str(error)`` and nothing else.
"""

from __future__ import annotations


class X12InputError(Exception):
    """The input is not a processable 837P: not X12, a broken envelope, an unsupported version."""

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        position: int | None = None,
        offset: int | None = None,
        tag: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.position = position
        self.offset = offset
        self.tag = tag

    def located(self, path: str | None) -> X12InputError:
        """Return the same error with the file path filled in (readers do not know the name)."""
        if self.path is None:
            self.path = path
        return self

    def __str__(self) -> str:
        where = []
        if self.path:
            where.append(str(self.path))
        if self.position is not None:
            seg = f"segment {self.position}"
            if self.tag:
                seg += f" ({self.tag})"
            where.append(seg)
        if self.offset is not None:
            where.append(f"byte {self.offset}")
        prefix = ": ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class UnsupportedError(X12InputError):
    """Valid X12, but not a transaction x12tool handles (4010, 835, 270, another guide)."""

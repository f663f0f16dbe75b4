"""Per-claim report records spooled to a temporary file, so memory stays flat on big files."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator


class ClaimSpool:
    def __init__(self) -> None:
        self.fh = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        self.count = 0

    def add(self, record: dict) -> None:
        # Encoded once, as the JSON report writes a record (json.dumps defaults), so the JSON
        # report copies the text (texts()) instead of decoding and encoding it again.
        self.fh.write(json.dumps(record))
        self.fh.write("\n")
        self.count += 1

    def add_text(self, text: str) -> None:
        """A record already encoded (``json.dumps(record)``, one line)."""
        self.fh.write(text)
        self.fh.write("\n")
        self.count += 1

    def texts(self) -> Iterator[str]:
        """Each record's JSON text (one line, as ``json.dumps(record)`` gives it)."""
        self.fh.flush()
        self.fh.seek(0)
        for line in self.fh:
            yield line[:-1]

    def __iter__(self) -> Iterator[dict]:
        for text in self.texts():
            yield json.loads(text)

    def close(self) -> None:
        self.fh.close()

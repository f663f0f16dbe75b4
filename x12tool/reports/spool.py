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
        self.fh.write(json.dumps(record, separators=(",", ":")))
        self.fh.write("\n")
        self.count += 1

    def __iter__(self) -> Iterator[dict]:
        self.fh.flush()
        self.fh.seek(0)
        for line in self.fh:
            yield json.loads(line)

    def close(self) -> None:
        self.fh.close()

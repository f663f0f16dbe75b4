"""An exclusive lock on a folder, held by one x12tool process at a time.

flock(2) on ``DIR/.x12tool.lock``: the kernel releases it when the process ends, however it ends
(a killed cron run never leaves a stale lock behind). The file's content says who holds it (pid,
host, start time) so that the run that finds the folder busy can say so in one line.
"""

from __future__ import annotations

import fcntl
import os
import time
from datetime import UTC, datetime

LOCK_NAME = ".x12tool.lock"


class FolderBusy(Exception):
    """Another process holds the folder's lock."""

    def __init__(self, folder: str, holder: str) -> None:
        super().__init__(f"{folder} is locked by another x12tool run ({holder})")
        self.folder = folder
        self.holder = holder


class FolderLock:
    """``with FolderLock(folder, wait=seconds):`` — raise FolderBusy after ``wait`` seconds."""

    def __init__(self, folder: str, wait: float = 0.0) -> None:
        self.folder = folder
        self.wait = wait
        self.path = os.path.join(folder, LOCK_NAME)
        self.fd: int | None = None

    def acquire(self) -> FolderLock:
        os.makedirs(self.folder, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + max(self.wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _read_holder(fd)
                    os.close(fd)
                    raise FolderBusy(self.folder, holder) from None
                time.sleep(0.1)
        # the host's name as gethostname(2) gives it (fcntl already ties this to POSIX),
        # without importing socket for it on every preflight
        started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        stamp = f"pid {os.getpid()} on {os.uname().nodename} since {started}\n".encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, stamp, 0)
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            os.ftruncate(self.fd, 0)  # nobody holds it now
        except OSError:
            pass
        os.close(self.fd)  # closing the descriptor releases the flock
        self.fd = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return text or "holder unknown"

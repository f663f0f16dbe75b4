"""Atomic output files: a temp file in the target folder, fsync, validate, rename.

A reader of the output folder (an SFTP upload loop) sees either no file or a complete, validated
one: the temp file's name starts with a dot and ends in ``.partial`` so upload globs skip it, and
rename(2) within one folder is atomic on POSIX file systems.

A process killed mid-run (SIGKILL, power loss) leaves its hidden temp file behind. The temp name
carries the writer's pid (``.NAME.PID.XXXX.partial``), so the next run for the same target
removes the leftovers of writers that no longer exist, and they do not pile up (they hold
claim data).
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
        name = os.path.basename(target)
        _remove_orphans(folder, name)
        fd, self.temp = tempfile.mkstemp(
            prefix=f".{name}.{os.getpid()}.", suffix=".partial", dir=folder
        )
        os.fchmod(fd, mode)
        self.fh = os.fdopen(fd, "wb")
        self.done = False

    def commit(self, validate: Callable[[str], None] | None = None) -> None:
        """fsync, validate the temp file (raising leaves nothing behind), rename into place."""
        self.seal()
        try:
            if validate is not None:
                validate(self.temp)
        except BaseException:
            self.discard()
            raise
        self.publish()

    def seal(self) -> None:
        """Flush and fsync the temp file; it can then be validated, and published."""
        if not self.fh.closed:
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.fh.close()

    def publish(self) -> None:
        """Rename the sealed temp file into place (atomic within the folder)."""
        self.seal()
        try:
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


def publish_together(files: list[AtomicFile]) -> None:
    """Publish sealed, validated files as one step: if a later rename fails, the earlier ones
    are undone (the previous files put back), so the folder never mixes two runs."""
    backups: dict[str, str] = {}
    done: list[AtomicFile] = []
    try:
        for f in files:
            if os.path.exists(f.target):
                folder, name = os.path.split(os.path.abspath(f.target))
                backup = os.path.join(folder, f".{name}.{os.getpid()}.old.partial")
                if os.path.exists(backup):
                    os.unlink(backup)
                os.link(f.target, backup)
                backups[f.target] = backup
            f.publish()
            done.append(f)
    except BaseException:
        for f in reversed(done):
            backup = backups.pop(f.target, None)
            if backup is not None:
                os.replace(backup, f.target)
            else:
                os.unlink(f.target)
        for f in files:
            if not f.done:
                f.discard()
        raise
    finally:
        for backup in backups.values():
            try:
                os.unlink(backup)
            except FileNotFoundError:
                pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def _remove_orphans(folder: str, name: str) -> None:
    """Delete ``.NAME.PID.*.partial`` files whose writer process is gone."""
    prefix = f".{name}."
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for entry in entries:
        if not (entry.startswith(prefix) and entry.endswith(".partial")):
            continue
        pid = entry[len(prefix) :].split(".", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        try:
            os.unlink(os.path.join(folder, entry))
        except OSError:
            pass

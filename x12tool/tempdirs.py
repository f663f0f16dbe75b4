"""Private temporary folders of one run, named with its pid so a later run can clean up.

They hold claim data (pyx12's chunk files, ``check --jobs`` workers' records): 0700, and
removed when the run ends. A SIGKILLed run leaves no chance to clean up, so each new folder's
creation first removes the folders of the same kind whose run (pid) is gone; folders of live
processes and of other users are left alone.
"""

from __future__ import annotations

import os
import shutil
import tempfile


def run_folder(prefix: str) -> str:
    """A new 0700 folder ``<tmp>/<prefix><pid>-XXXX``, after removing stale ones."""
    remove_stale_folders(prefix)
    return tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-")


def remove_stale_folders(prefix: str) -> None:
    root = tempfile.gettempdir()
    try:
        names = os.listdir(root)
    except OSError:
        return
    for name in names:
        if not name.startswith(prefix):
            continue
        pid_text = name[len(prefix) :].split("-", 1)[0]
        if not pid_text.isdigit() or int(pid_text) == os.getpid():
            continue
        path = os.path.join(root, name)
        try:
            if os.stat(path).st_uid != os.getuid():
                continue  # another user's run: not ours to judge
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)  # its run is gone
        except OSError:
            continue  # alive (or not ours to signal): leave it

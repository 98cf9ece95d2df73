"""One run per output folder: an exclusive lock on ``<out>/.cliffmocap/lock``.

The lock is an OS file lock (``flock``), not the file's existence: the kernel releases it when the
holding process ends in any way, so a run killed with SIGKILL leaves no stale lock behind, and the
next run simply takes it. The file keeps the holder's pid, host and start time, to name them in
the error a second run gets. Workers never hold it: they exit by themselves when the run that
started them dies (see :mod:`mocap.batch.local`).

Where the OS has no ``flock`` (Windows) the folder is not locked.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from types import TracebackType

from mocap.errors import OutputError, OutputInUseError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_DIR = ".cliffmocap"
LOCK_NAME = "lock"


class FolderLock:
    """Context manager holding the lock of ``out_dir`` for one run.

    Raises (on enter):
        OutputInUseError: another live run holds the lock (its pid and start time named).
        OutputError: the lock file cannot be created (read-only folder...).
    """

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / LOCK_DIR / LOCK_NAME
        self._fd: int | None = None

    def __enter__(self) -> FolderLock:
        if fcntl is None:
            return self
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise OutputError(
                f"cannot create {self.path}: {e.strerror or e}; choose a folder you can write to."
            ) from e
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise OutputInUseError(
                f"the output folder {self.path.parent.parent} is in use by another run"
                f"{holder}; wait for it to finish, or choose another output folder."
            ) from None
        os.ftruncate(fd, 0)
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
        os.write(fd, json.dumps(info).encode())
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None and fcntl is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _read_holder(fd: int) -> str:
    """`` (pid N on HOST, started HH:MM:SS)`` from the lock file, or '' when unreadable."""
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode())
        started = time.strftime("%H:%M:%S", time.localtime(float(info["started"])))
        return f" (pid {int(info['pid'])} on {info['host']}, started {started})"
    except (OSError, ValueError, KeyError, TypeError):
        return ""

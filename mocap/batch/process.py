"""The worker process of the local engine: its messages to the parent and its main loop.

The parent (:class:`mocap.batch.local.WorkerPool`) sends a :class:`~mocap.batch.types.Job`, or
None to stop; the worker answers with the typed messages below. Start-up output on stderr goes to
a file the parent reads back if the worker dies before it is ready. A worker ignores SIGINT (the
parent decides what Ctrl-C means) and exits by itself when its parent dies.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
import time
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path

from mocap.batch.types import JobResult
from mocap.batch.worker import Attempt, StagesCache, StagesFactory, attempt_job
from mocap.config import PipelineConfig
from mocap.errors import MocapError
from mocap.progress import ProgressEvent
from mocap.terminal import setup_terminal

#: Seconds between a worker's checks that its parent is still alive.
_PARENT_CHECK_S = 0.5


# --- messages from a worker to the parent (the parent sends a Job, or None to stop) ------------


@dataclass(frozen=True)
class Ready:
    """The worker loaded its models (``loads`` times: once) and takes jobs."""

    loads: int = 1


@dataclass(frozen=True)
class StartFailed:
    """The worker could not load its models; no worker will (same config), so the run stops.

    ``raised`` is the error itself when it was a MocapError (a single-video run re-raises it).
    """

    error: str
    error_type: str
    raised: MocapError | None = None


@dataclass(frozen=True)
class Progress:
    """A pipeline progress event of the worker's job (sent only when the pool forwards them)."""

    event: ProgressEvent


@dataclass(frozen=True)
class Done:
    """The worker finished its job (a ``failed`` result is a video error or a bug, not a crash)."""

    attempt: Attempt

    @property
    def result(self) -> JobResult:
        return self.attempt.result


WorkerMessage = Ready | StartFailed | Progress | Done


# --- the worker process --------------------------------------------------------------------------


def _redirect_stderr(path: Path) -> int:
    """Send fd 2 to ``path`` (start-up output, read back if the worker dies); returns the old."""
    sys.stderr.flush()
    saved = os.dup(2)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 2)
    os.close(fd)
    return saved


def _restore_stderr(saved: int) -> None:
    sys.stderr.flush()
    os.dup2(saved, 2)
    os.close(saved)


def _sendable(error: MocapError | None) -> MocapError | None:
    """``error`` if it survives pickling (an error class with extra arguments may not)."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return None
    return error


def worker_main(
    conn: Connection,
    config: PipelineConfig,
    overwrite: bool,
    factory: StagesFactory,
    stderr_path: Path,
    forward_progress: bool,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C means
    setup_terminal()  # a fresh process: no third-party warning text on the user's terminal
    _exit_with_parent(os.getppid())
    saved = _redirect_stderr(stderr_path)
    cache = StagesCache(factory)
    try:
        stages = cache.get(config)  # with the exporters, before the deadline clock starts
    except Exception as e:
        mocap_error = _sendable(e) if isinstance(e, MocapError) else None
        conn.send(StartFailed(str(e), type(e).__name__, mocap_error))
        return
    _restore_stderr(saved)
    conn.send(Ready(cache.loads))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        progress = (lambda event: conn.send(Progress(event))) if forward_progress else None
        attempt = attempt_job(job, config, stages, overwrite, progress)
        conn.send(Done(replace(attempt, error=_sendable(attempt.error))))


def _exit_with_parent(parent: int) -> None:
    """Exit this worker when its parent dies (a SIGKILLed batch must not leave writers behind)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_CHECK_S)
        os._exit(1)  # the next run removes this job's temporary files

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()

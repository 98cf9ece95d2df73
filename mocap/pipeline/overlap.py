"""Running a stage in the background: one worker thread fed through a bounded queue.

The pipeline hands each full CLIFF batch to a :class:`BackgroundStage`, so that while the network
runs (torch releases the GIL inside its kernels) the calling thread decodes, detects and crops the
next chunk. The queue bounds how many batches wait (memory), and ``submit`` blocks when it is
full, so the producer never runs more than ``depth`` batches ahead of the consumer.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Batches waiting for the background stage (besides the one it runs); bounds their memory.
OVERLAP_DEPTH = 2


class BackgroundStage(Generic[T, R]):
    """Apply ``fn`` to submitted items, in order, on one background thread.

    ``submit`` blocks while ``depth`` items wait. Results come back in submission order with the
    seconds ``fn`` took, through :meth:`done` (what finished so far) and :meth:`close` (the rest).
    The first exception raised by ``fn`` stops the worker and is re-raised in the calling thread by
    the next ``submit``, ``done`` or ``close``. Use as a context manager: leaving the block early
    (an exception) stops the worker without running what still waits.
    """

    _END = object()

    def __init__(self, fn: Callable[[T], R], depth: int = OVERLAP_DEPTH, name: str = "stage"):
        if depth < 1:
            raise ValueError(f"depth must be >= 1, got {depth}")
        self._fn = fn
        self._todo: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._results: queue.Queue[tuple[R, float]] = queue.Queue()
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name=f"cliffmocap-{name}", daemon=True)
        self._thread.start()

    def __enter__(self) -> BackgroundStage[T, R]:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None:
            self._stop.set()
        self._finish()

    def _work(self) -> None:
        while True:
            item = self._todo.get()
            if item is self._END or self._stop.is_set():
                return
            t0 = time.perf_counter()
            try:
                out = self._fn(item)
            except BaseException as e:  # re-raised in the calling thread
                self._error = e
                self._stop.set()
                return
            self._results.put((out, time.perf_counter() - t0))

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def submit(self, item: T) -> None:
        """Queue ``item``; blocks while ``depth`` items wait (re-raises a worker error)."""
        while True:
            self._raise()
            try:
                self._todo.put(item, timeout=0.05)
                return
            except queue.Full:
                continue

    def done(self) -> list[tuple[R, float]]:
        """Results finished since the last call, in order, each with the seconds it took."""
        self._raise()
        out = []
        while True:
            try:
                out.append(self._results.get_nowait())
            except queue.Empty:
                return out

    def _finish(self) -> None:
        # The worker exits on _END, on an error, or (stop set) at its next item; keep offering
        # _END until it has gone so a full queue cannot block us.
        while self._thread.is_alive():
            try:
                self._todo.put(self._END, timeout=0.05)
                break
            except queue.Full:
                continue
        self._thread.join()

    def close(self) -> list[tuple[R, float]]:
        """Wait for every submitted item; the results not yet taken by :meth:`done`."""
        self._finish()
        return self.done()

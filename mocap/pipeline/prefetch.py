"""Decoding ahead: a background thread iterates a video source through a small bounded queue."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import suppress
from typing import Any

from mocap.types import FrameBatch

#: Decoded chunks waiting for the compute thread; bounds decode memory to (depth + 2) chunks.
PREFETCH_DEPTH = 2
#: Seconds to wait for the decoder thread to stop when a run ends early.
_STOP_WAIT_S = 5.0


class Prefetcher:
    """Iterate a video source in a background thread through a bounded queue.

    Yields ``(FrameBatch, decode seconds)``; an exception raised by the decoder is re-raised in
    the consuming thread. Leaving the ``with`` block stops the thread before the source closes.
    """

    _END = object()

    def __init__(self, source: Iterable[FrameBatch], depth: int = PREFETCH_DEPTH) -> None:
        self._source = source
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name="cliffmocap-decode", daemon=True)

    def __enter__(self) -> Iterator[tuple[FrameBatch, float]]:
        self._thread.start()
        return self._iterate()

    def __exit__(self, *exc: object) -> None:
        # Unblock the decoder (it may wait on a full queue) and wait for it, but not forever: a
        # decoder stuck in native code is left behind (daemon thread); batch workers are killed.
        self._stop.set()
        deadline = time.monotonic() + _STOP_WAIT_S
        while self._thread.is_alive() and time.monotonic() < deadline:
            with suppress(queue.Empty):
                self._queue.get(timeout=0.05)

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _work(self) -> None:
        try:
            it = iter(self._source)
            while not self._stop.is_set():
                t0 = time.perf_counter()
                try:
                    batch = next(it)
                except StopIteration:
                    break
                if not self._put((batch, time.perf_counter() - t0)):
                    return
        except BaseException as e:  # handed to the consumer, which re-raises it
            self._put(e)
            return
        self._put(self._END)

    def _iterate(self) -> Iterator[tuple[FrameBatch, float]]:
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

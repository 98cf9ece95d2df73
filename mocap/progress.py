"""Progress events: how the pipeline tells its caller what it is doing, without printing.

The library calls ``progress(ProgressEvent(...))`` when a stage advances; the CLI turns the events
into progress bars and a per-stage time summary. A callback must be cheap and must not raise.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

#: Stage names, in pipeline order.
STAGES = ("load", "decode", "detect", "regress", "assemble", "smooth")


@dataclass(frozen=True)
class ProgressEvent:
    """One step of one stage.

    Attributes:
        stage: one of :data:`STAGES` (``"export"`` is reported by the CLI/batch layer).
        done: units finished so far (frames for decode/detect, crops for regress, people after).
        total: units expected (None when unknown, e.g. a container without a frame count).
        elapsed_s: wall-clock seconds spent in this stage so far.
    """

    stage: str
    done: int
    total: int | None
    elapsed_s: float


ProgressCallback = Callable[[ProgressEvent], None]


class StageClock:
    """Accumulates the time spent in each stage and emits events to an optional callback.

    Stages interleave (decode, detect and regress alternate per chunk), so time is accumulated per
    stage across many short intervals rather than measured from first to last event.
    """

    def __init__(self, callback: ProgressCallback | None = None) -> None:
        self._callback = callback
        self.seconds: dict[str, float] = {}
        self.done: dict[str, int] = {}

    def add(self, stage: str, seconds: float, done: int, total: int | None) -> None:
        """Add ``seconds`` to ``stage``, record ``done`` units and notify the callback."""
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds
        self.done[stage] = done
        if self._callback is not None:
            self._callback(ProgressEvent(stage, done, total, self.seconds[stage]))

    def timed(self, stage: str) -> _Timer:
        """``with clock.timed("detect") as t: ...; t.report(done, total)``."""
        return _Timer(self, stage)


class _Timer:
    def __init__(self, clock: StageClock, stage: str) -> None:
        self._clock = clock
        self._stage = stage
        self._start = 0.0

    def __enter__(self) -> _Timer:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def report(self, done: int, total: int | None) -> None:
        now = time.perf_counter()
        self._clock.add(self._stage, now - self._start, done, total)
        self._start = now

"""Warm start: the models load (and CLIFF runs once) while the video is probed and decoded.

A run that loads its own stages starts :class:`BackgroundLoad` after the model files are checked,
opens the video with :func:`mocap.pipeline.loading.open_video_for` (no models needed) and lets the
prefetch thread decode the first chunks; it waits for the stages only when the first chunk is
ready for detection. On CUDA the load thread also makes one small CLIFF call so the first real
batch does not pay the CUDA context and cuDNN set-up. The tracker's library is imported by
:class:`TrackerImport` once CLIFF has returned its first batch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from mocap.config import PipelineConfig
from mocap.pipeline.loading import load_stages
from mocap.pipeline.stages import Stages

if TYPE_CHECKING:
    from mocap.pipeline.stages import Regressor

#: Crops in the warm-up call (small: it is set-up, not a benchmark).
WARM_UP_CROPS = 2
#: (height, width) of the blank image the warm-up crops are cut from.
_WARM_UP_HW = (256, 192)


def warm_up(regressor: Regressor, crops: int = WARM_UP_CROPS) -> None:
    """One CLIFF call on ``crops`` crops of a blank image (first-call set-up off the hot path)."""
    from mocap.crop import prepare_crops

    h, w = _WARM_UP_HW
    boxes = np.tile(np.array([[0.0, 0.0, w, h]], np.float32), (crops, 1))
    regressor(prepare_crops(np.zeros((h, w, 3), np.uint8), boxes))


def _import_tracker() -> None:
    from contextlib import suppress

    with suppress(Exception):  # a broken install fails where the tracker is made, with its error
        from mocap.track import import_backend

        import_backend()


class TrackerImport:
    """The tracker library's import (norfair, with pandas and scipy.stats: 0.7-4 s of GIL-bound
    work on a cold start) on its own thread, begun by :meth:`start`.

    The run starts it when CLIFF has returned its first batch: begun with the model load, the
    import slowed the load; begun right after the load, it slowed the first forward pass (res50,
    32 crops, 2 CPUs: 1.55 -> 1.98 s). Meanwhile the run keeps the frames' detections and
    appearance for the tracker.
    """

    def __init__(self) -> None:
        self._wanted = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._work, name="cliffmocap-import", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        self._wanted.wait()
        _import_tracker()
        self._done.set()

    def start(self) -> None:
        """Begin the import (no-op once begun)."""
        self._wanted.set()

    @property
    def done(self) -> bool:
        """Whether the import has finished (making the tracker no longer waits for it)."""
        return self._done.is_set()


class BackgroundLoad:
    """``load(config)`` (default :func:`load_stages`) and, on CUDA, a warm-up call, on a
    background thread.

    ``result()`` waits and returns the stages with the seconds the load took (re-raising its
    error in the caller).
    """

    def __init__(
        self,
        config: PipelineConfig,
        load: Callable[[PipelineConfig], Stages] = load_stages,
        warm: bool = True,
    ) -> None:
        self._config = config
        self._load = load
        self._warm = warm
        self._stages: Stages | None = None
        self._error: BaseException | None = None
        self._seconds = 0.0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._work, name="cliffmocap-load", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        t0 = time.perf_counter()
        try:
            stages = self._load(self._config)
            on_gpu = str(getattr(stages.regressor, "device", "cpu")).startswith("cuda")
            if self._warm and on_gpu:
                # On CPU a small call only adds work: oneDNN sets up per batch shape anyway
                # (measured: first batch 4.5 s later with it, benchmarks/bench_throughput.py).
                warm_up(stages.regressor)
            self._stages = stages
        except BaseException as e:  # re-raised by result()
            self._error = e
        self._seconds = time.perf_counter() - t0
        self._ready.set()

    def result(self) -> tuple[Stages, float]:
        """The loaded stages and the load seconds (waits for the load)."""
        self._ready.wait()
        if self._error is not None:
            raise self._error
        assert self._stages is not None
        return self._stages, self._seconds

"""Warm start: the models load (and CLIFF runs once) while the video is probed and decoded.

A run that loads its own stages starts :class:`BackgroundLoad` after the model files are checked,
opens the video with :func:`mocap.pipeline.loading.open_video_for` (no models needed) and lets the
prefetch thread decode the first chunks; it waits for the stages only when the first chunk is
ready for detection. On CUDA the load thread also makes one small CLIFF call so the first real
batch does not pay the CUDA context and cuDNN set-up; once the stages are ready it imports the
tracker's library, while the run detects, crops and regresses its first batch.
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

    with suppress(Exception):
        from mocap.track import import_backend

        import_backend()


class BackgroundLoad:
    """``load(config)`` (default :func:`load_stages`), a warm-up call, then the tracker's imports,
    on a background thread.

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
        if self._error is None:
            # Then the tracker's imports (norfair, 1-4 s on a cold start), which nobody waits
            # for: the run makes its tracker after CLIFF has its first batch. Not sooner: the
            # imports hold the GIL and would slow the model load, which the run waits for.
            _import_tracker()

    def result(self) -> tuple[Stages, float]:
        """The loaded stages and the load seconds (waits for the load, not the imports after)."""
        self._ready.wait()
        if self._error is not None:
            raise self._error
        assert self._stages is not None
        return self._stages, self._seconds

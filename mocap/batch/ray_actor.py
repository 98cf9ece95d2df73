"""The Ray actor of the batch engine: one per GPU (or per N CPUs), models loaded once.

An actor keeps its stages in a :class:`~mocap.batch.worker.StagesCache` and runs many videos
with them through :func:`~mocap.batch.worker.run_job`, the per-video logic every engine shares.
Its replies are small dicts (a result row and the actor's counters); videos are read by path and
frames never leave the actor.
"""

from __future__ import annotations

import os
from typing import Any

from mocap.batch.types import Job
from mocap.batch.worker import StagesCache, StagesFactory, run_job
from mocap.config import PipelineConfig


class VideoActor:
    """Loads the models on its first call and keeps them for every later video."""

    def __init__(self, factory: StagesFactory) -> None:
        self._cache = StagesCache(factory)
        self._videos = 0

    def load(self, config: PipelineConfig) -> dict[str, Any]:
        """Load the models for ``config`` (a no-op when they are loaded).

        Returns:
            ``{"loads", "pid"}``, plus ``"error"`` and ``"error_type"`` when loading failed.
        """
        reply: dict[str, Any] = {"pid": os.getpid()}
        try:
            self._cache.get(config)
        except Exception as e:  # a broken model file: every actor would fail the same way
            reply.update(error=str(e), error_type=type(e).__name__)
        reply["loads"] = self._cache.loads
        return reply

    def process(self, job: Job, config: PipelineConfig, overwrite: bool) -> dict[str, Any]:
        """Process one video (a video error or a bug is a ``failed`` row, never raised).

        Returns:
            ``{"result": JobResult.to_dict(), "loads", "videos"}``.
        """
        result = run_job(job, config, self._cache.get(config), overwrite)
        self._videos += 1
        return {"result": result.to_dict(), "loads": self._cache.loads, "videos": self._videos}

"""Process one job in the current process: pipeline, then atomic outputs."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from mocap.batch.outputs import write_outputs
from mocap.batch.types import Job, VideoSummary
from mocap.config import PipelineConfig
from mocap.progress import ProgressCallback, ProgressEvent

if TYPE_CHECKING:
    from mocap.pipeline import Stages


def process_video(
    job: Job,
    config: PipelineConfig,
    *,
    progress: ProgressCallback | None = None,
    overwrite: bool = False,
    stages: Stages | None = None,
) -> VideoSummary:
    """Run the pipeline on ``job.input`` and write all of ``job.outputs``.

    Raises:
        MocapError: whatever the pipeline or the writers raise; no output is half-written.
    """
    from mocap import pipeline

    seconds: dict[str, float] = {}

    def record(event: ProgressEvent) -> None:
        seconds[event.stage] = event.elapsed_s
        if progress is not None:
            progress(event)

    motion = pipeline.run(job.input, config, record, stages=stages)
    t0 = time.perf_counter()
    written = write_outputs(motion, job.outputs, overwrite=overwrite, rig=config.rig)
    record(ProgressEvent("export", len(job.outputs), len(job.outputs), time.perf_counter() - t0))
    return VideoSummary(
        input=job.input,
        people=len(motion.people),
        frames=motion.num_frames,
        outputs=written,
        stage_s=dict(seconds),
    )

"""Process one job in the current process: pipeline, then atomic outputs."""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import TYPE_CHECKING

from mocap.batch.outputs import write_outputs
from mocap.batch.results import is_result_input, load_result
from mocap.batch.types import Job, VideoSummary
from mocap.config import PipelineConfig
from mocap.progress import ProgressCallback, ProgressEvent

if TYPE_CHECKING:
    from mocap.pipeline import Stages
    from mocap.types import MotionSet


def process_video(
    job: Job,
    config: PipelineConfig,
    *,
    progress: ProgressCallback | None = None,
    overwrite: bool = False,
    stages: Stages | None = None,
) -> VideoSummary:
    """Run the pipeline on ``job.input`` (or read it back when it is a ``.npz`` result) and
    write all of ``job.outputs``.

    Raises:
        MocapError: whatever the pipeline or the writers raise; no output is half-written.
    """

    seconds: dict[str, float] = {}

    def record(event: ProgressEvent) -> None:
        seconds[event.stage] = event.elapsed_s
        if progress is not None:
            progress(event)

    if is_result_input(job.input):  # re-export a result: no decoding, no CLIFF
        t0 = time.perf_counter()
        motion = load_result(job.input, config)
        record(ProgressEvent("load", 1, 1, time.perf_counter() - t0))
    else:
        motion = capture(job.input, config, record, stages)
    t0 = time.perf_counter()
    written = write_outputs(
        motion,
        job.outputs,
        overwrite=overwrite,
        rig=config.rig,
        span=config.span,
        video=config.video,
        timings=dict(seconds),
    )
    record(ProgressEvent("export", len(job.outputs), len(job.outputs), time.perf_counter() - t0))
    return VideoSummary(
        input=job.input,
        people=len(motion.people),
        frames=motion.num_frames,
        outputs=written,
        stage_s=dict(seconds),
    )


def capture(
    source: Path, config: PipelineConfig, progress: ProgressCallback, stages: Stages | None
) -> MotionSet:
    """The MotionSet of one input: a video, a photo (no tracking) or a frame-sequence folder
    (:class:`mocap.images.ImageSequence` at ``config.image_fps``, tracked like a video).

    Raises:
        MocapError: an unreadable input (an image that cannot be decoded is an ``ImageError``),
            nobody found, or a model-file problem.
    """
    from dataclasses import replace

    from mocap import images, pipeline

    if source.is_dir():
        stages = stages or pipeline.load_stages(config)
        frames = images.list_images(source)
        opener = functools.partial(
            images.ImageSequence, fps=config.image_fps, chunk_frames=config.chunk_frames
        )
        stages = replace(stages, open_video=lambda _: opener(frames))
        return pipeline.run(source, config, progress, stages=stages)
    if images.is_image(source):
        from mocap.photos import capture_photo

        t0 = time.perf_counter()
        image = images.read_image(source)
        stages = stages or pipeline.load_stages(config)
        if stages.detector_for is not None:
            stages = replace(stages, detector=stages.detector_for(source), detector_for=None)
        motion = capture_photo(source, image, stages, focal=config.focal, fov=config.fov)
        n = len(motion.people)
        progress(ProgressEvent("regress", n, n, time.perf_counter() - t0))
        return motion
    return pipeline.run(source, config, progress, stages=stages)

"""One video from the command line, in a watched worker process like a batch job.

Decoding a hostile file can hang inside native code, where no Python timeout reaches; only a
process can be stopped from outside. So a single video runs in one worker of a
:class:`~mocap.batch.local.WorkerPool` with the same deadlines as a batch (start-up and per-video),
its pipeline progress forwarded to the caller, and its error re-raised here as if the pipeline had
run in this process.
"""

from __future__ import annotations

from pathlib import Path

from mocap.batch import worker
from mocap.batch.local import WorkerPool
from mocap.batch.types import STARTUP_TIMEOUT_S, Job, JobResult, VideoSummary
from mocap.batch.worker import StagesFactory
from mocap.config import PipelineConfig
from mocap.errors import WorkerError
from mocap.progress import ProgressCallback


def run_single(
    job: Job,
    config: PipelineConfig,
    *,
    timeout_s: float,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    stages_factory: StagesFactory | None = None,
    startup_timeout_s: float = STARTUP_TIMEOUT_S,
) -> VideoSummary:
    """Process ``job`` in a worker process; stop it after ``timeout_s`` seconds.

    Returns:
        What the video produced (stage times are in the progress events, not here).

    Raises:
        MocapError: the error the pipeline or a writer raised in the worker (same class and
            message as in-process), or :class:`WorkerError` when the worker crashed, hung,
            could not start, or hit a bug (its traceback in ``trace``).
    """
    results: dict[Job, JobResult] = {}
    pool = WorkerPool(
        config,
        overwrite=overwrite,
        factory=stages_factory or worker.default_stages_factory,
        timeout_s=timeout_s,
        on_result=results.__setitem__,
        startup_timeout_s=startup_timeout_s,
        progress=progress,
    )
    pool.run([job], 1)
    if pool.fatal is not None:
        raise pool.fatal.raised or WorkerError(f"could not start: {pool.fatal.error}")
    result = results[job]
    if result.status == "failed":
        done = pool.done.get(job)
        if done is not None and done.attempt.error is not None:
            raise done.attempt.error
        trace = done.attempt.trace if done is not None else ""
        raise WorkerError(f"{job.input}: {result.error}", trace)
    return VideoSummary(
        input=job.input,
        people=result.people,
        frames=result.frames,
        outputs=tuple(Path(o) for o in result.outputs),
    )

"""Ray engine: the same jobs as the local engine, one Ray task per video.

Tasks ask for one GPU when the cluster has GPUs (Ray pins ``CUDA_VISIBLE_DEVICES``) and for none
otherwise (a ``num_gpus=1`` task would wait forever on a CPU-only cluster). A task whose worker
dies (segfault, OOM kill, lost node) is retried by Ray (``max_retries``); video errors come back
as ``failed`` results and are not retried; a task past its deadline is cancelled with
``ray.cancel(force=True)``, which kills its worker process. Each task loads the models itself
(seconds, small next to a video) so no state lives between tasks. Only paths and small result
records cross the object store; frames never do.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from mocap.batch.local import ResultCallback
from mocap.batch.outputs import remove_stale_temp
from mocap.batch.types import Job, JobResult
from mocap.batch.worker import StagesFactory, run_job
from mocap.config import PipelineConfig
from mocap.errors import DependencyMissingError

#: Ray retries of a task whose worker process died.
MAX_RETRIES = 2


class _StartTimes:
    """Wall-clock start time of each task, so deadlines exclude queueing and worker start-up."""

    def __init__(self) -> None:
        self.starts: dict[int, float] = {}

    def mark(self, key: int) -> None:
        self.starts[key] = time.time()

    def get(self) -> dict[int, float]:
        return dict(self.starts)


def _process(
    job: Job, config: PipelineConfig, overwrite: bool, factory: StagesFactory, clock: Any, key: int
) -> dict[str, Any]:
    t0 = time.perf_counter()
    try:
        stages = factory(config)
        import exporters  # noqa: F401  (imported before the clock starts, like the models)
    except Exception as e:
        return JobResult(
            str(job.input),
            "failed",
            time.perf_counter() - t0,
            error=f"could not load the models: {e}",
            error_type=type(e).__name__,
        ).to_dict()
    clock.mark.remote(key)  # the deadline covers the video, not worker start-up and model loading
    return run_job(job, config, stages, overwrite).to_dict()


def run_ray(
    jobs: list[Job],
    config: PipelineConfig,
    *,
    address: str | None,
    workers: int,
    timeout_s: float,
    overwrite: bool,
    on_result: ResultCallback,
    factory: StagesFactory,
) -> None:
    """Process ``jobs`` as Ray tasks, at most ``workers`` (or one per GPU) at a time."""
    try:
        import ray
        from ray.exceptions import GetTimeoutError, RayError, TaskCancelledError
    except ImportError as e:
        raise DependencyMissingError(
            "--engine ray needs Ray: install the extra with uv sync --extra ray (or pip install "
            "'cliffmocap[ray]')."
        ) from e
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    try:
        gpus = int(ray.cluster_resources().get("GPU", 0))
        in_flight_max = max(workers, gpus) if gpus else workers
        task = ray.remote(num_gpus=1 if gpus else 0, max_retries=MAX_RETRIES)(_process)
        clock = ray.remote(num_cpus=0)(_StartTimes).remote()
        todo = list(enumerate(jobs))
        running: dict[Any, tuple[Job, int]] = {}
        starts: dict[int, float] = {}
        while todo or running:
            while todo and len(running) < in_flight_max:
                key, job = todo.pop(0)
                running[task.remote(job, config, overwrite, factory, clock, key)] = (job, key)
            ready, _ = ray.wait(list(running), num_returns=1, timeout=0.5)
            for ref in ready:
                job, key = running.pop(ref)
                t0 = starts.get(key, time.time())
                try:
                    d = ray.get(ref, timeout=10)
                    d["outputs"] = tuple(d.get("outputs", ()))
                    result = JobResult(**d)
                except (RayError, GetTimeoutError) as e:
                    result = JobResult(
                        str(job.input),
                        "failed",
                        time.time() - t0,
                        error=f"the Ray task failed after {MAX_RETRIES} retries: "
                        f"{type(e).__name__}",
                        error_type=type(e).__name__,
                    )
                on_result(job, result)
            starts = ray.get(clock.get.remote(), timeout=30)
            now = time.time()
            for ref, (job, key) in list(running.items()):
                t0 = starts.get(key, now)
                if now - t0 > timeout_s:
                    ray.cancel(ref, force=True)
                    with contextlib.suppress(TaskCancelledError, RayError, GetTimeoutError):
                        ray.get(ref, timeout=10)
                    running.pop(ref)
                    for folder in {o.parent for o in job.outputs}:
                        remove_stale_temp(folder)
                    on_result(
                        job,
                        JobResult(
                            str(job.input),
                            "failed",
                            now - t0,
                            error=f"timed out after {timeout_s:.0f} s and was cancelled; raise "
                            "--timeout if the video is long, else the file may hang the decoder.",
                            error_type="Timeout",
                        ),
                    )
    finally:
        if started_here:
            ray.shutdown()

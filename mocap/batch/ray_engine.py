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

from mocap.batch.outputs import remove_partial_outputs
from mocap.batch.types import Job, JobResult
from mocap.batch.worker import ResultCallback, StagesFactory, run_job
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
        return JobResult.failed(
            job.input,
            f"could not load the models: {e}",
            type(e).__name__,
            seconds=time.perf_counter() - t0,
        ).to_dict()
    clock.mark.remote(key)  # the deadline covers the video, not worker start-up and model loading
    return run_job(job, config, stages, overwrite).to_dict()


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as e:
        raise DependencyMissingError(
            "--engine ray needs Ray: install the extra with uv sync --extra ray (or pip install "
            "'cliffmocap[ray]')."
        ) from e
    return ray


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
    ray = _import_ray()
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
                on_result(job, _collect(ray, ref, job, starts.get(key, time.time())))
            starts = ray.get(clock.get.remote(), timeout=30)
            _cancel_overdue(ray, running, starts, timeout_s, on_result)
    finally:
        if started_here:
            ray.shutdown()


def _collect(ray: Any, ref: Any, job: Job, t0: float) -> JobResult:
    """The result of a finished task; a task that failed in Ray itself becomes a failed row."""
    from ray.exceptions import GetTimeoutError, RayError

    try:
        return JobResult.from_dict(ray.get(ref, timeout=10))
    except (RayError, GetTimeoutError) as e:
        return JobResult.failed(
            job.input,
            f"the Ray task failed after {MAX_RETRIES} retries: {type(e).__name__}",
            type(e).__name__,
            seconds=time.time() - t0,
        )


def _cancel_overdue(
    ray: Any,
    running: dict[Any, tuple[Job, int]],
    starts: dict[int, float],
    timeout_s: float,
    on_result: ResultCallback,
) -> None:
    """Cancel (kill) the tasks past their deadline, remove their partial outputs, report them."""
    from ray.exceptions import GetTimeoutError, RayError, TaskCancelledError

    now = time.time()
    for ref, (job, key) in list(running.items()):
        t0 = starts.get(key, now)
        if now - t0 <= timeout_s:
            continue
        ray.cancel(ref, force=True)
        with contextlib.suppress(TaskCancelledError, RayError, GetTimeoutError):
            ray.get(ref, timeout=10)
        running.pop(ref)
        remove_partial_outputs(job.outputs)
        error = (
            f"timed out after {timeout_s:.0f} s and was cancelled; raise 'timeout_s' if the video "
            "is long, else the file may hang the decoder."
        )
        on_result(job, JobResult.failed(job.input, error, "Timeout", seconds=now - t0))

"""Ray engine: the same jobs as the local engine, run by a pool of long-lived Ray actors.

One actor (:class:`mocap.batch.ray_actor.VideoActor`) per GPU, or per ``cpus_per_actor`` CPUs on
a CPU-only cluster, at most ``workers`` and at most one per job. Each actor loads the models once
and takes the videos one at a time from the job list, so the model load is paid once per actor,
not once per video. Only paths and small result records cross the object store; frames never do.

Like the local engine's worker processes: an actor not ready (models loaded) within the start-up
deadline is killed and replaced, and after :data:`~mocap.batch.local.MAX_STARTUP_DEATHS` such
failures every pending job fails; models that fail to load (a broken file) fail every pending job
at once. A video error comes back as a ``failed`` row and is not retried. An actor that dies on a
video (segfault, OOM kill, lost node) is replaced and the video retried, up to
:data:`MAX_ATTEMPTS` tries; an actor past the per-video deadline is killed (``ray.kill``), its
partial outputs removed, the video reported failed, and the actor replaced. The deadline counts
from when the video was handed to a ready actor, so it excludes queueing and model loading.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from mocap.batch.local import MAX_STARTUP_DEATHS
from mocap.batch.outputs import remove_partial_outputs
from mocap.batch.types import EngineOptions, Job, JobResult, WorkerStats
from mocap.batch.worker import ResultCallback, StagesFactory
from mocap.config import PipelineConfig
from mocap.errors import DependencyMissingError

#: Tries of a video whose actor died (the first and two retries, as Ray task retries did before;
#: on a cluster a death may be a lost node, not the video).
MAX_ATTEMPTS = 3
#: Seconds the driver waits for a reply before it checks the deadlines again.
_POLL_S = 0.5
#: Seconds to fetch a reply that Ray already reported ready.
_GET_S = 30.0


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as e:
        raise DependencyMissingError(
            "the Ray engine needs Ray: install the extra with uv sync --extra ray (or pip install "
            "'cliffmocap[ray]')."
        ) from e
    return ray


def pool_shape(
    resources: dict[str, float], options: EngineOptions, jobs: int
) -> tuple[int, dict[str, int]]:
    """Number of actors and the Ray resources of each, for a cluster with ``resources``.

    One actor per GPU when the cluster has GPUs (Ray pins ``CUDA_VISIBLE_DEVICES``), else one
    per ``options.cpus_per_actor`` CPUs (fewer when the cluster is smaller); at most
    ``options.workers`` and at most ``jobs``. A GPU actor on a CPU-only cluster would wait forever.
    """
    gpus = int(resources.get("GPU", 0))
    cpus = max(1, int(resources.get("CPU", 1)))
    if gpus:
        capacity, each = gpus, {"num_gpus": 1, "num_cpus": 1}
    else:
        per = max(1, min(options.cpus_per_actor, cpus))
        capacity, each = max(1, cpus // per), {"num_gpus": 0, "num_cpus": per}
    return max(1, min(capacity, options.workers or capacity, jobs)), each


def run_ray(
    jobs: list[Job],
    config: PipelineConfig,
    options: EngineOptions,
    *,
    on_result: ResultCallback,
    factory: StagesFactory,
) -> tuple[WorkerStats, ...]:
    """Process ``jobs`` on a pool of Ray actors; ``on_result`` is called once per job.

    Returns:
        What each actor started did (model loads, videos finished).
    """
    ray = _import_ray()
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=options.address, include_dashboard=False, log_to_driver=False)
    try:
        size, each = pool_shape(ray.cluster_resources(), options, len(jobs))
        pool = ActorPool(ray, config, options, on_result, factory, each)
        return pool.run(jobs, size)
    finally:
        if started_here:
            ray.shutdown()


@dataclass(eq=False)  # slots are found by identity
class _Slot:
    """One actor and what it is doing: loading (``load_ref``), idle, or on ``job``."""

    actor: Any
    started: float  # when it started loading, or its current job
    load_ref: Any = None
    job: Job | None = None
    job_ref: Any = None
    loads: int = 0
    videos: int = 0

    @property
    def pending(self) -> Any:
        return self.load_ref if self.load_ref is not None else self.job_ref

    def stats(self) -> WorkerStats:
        return WorkerStats(self.loads, self.videos)


class ActorPool:
    """The actors of one batch; :meth:`run` processes the jobs, then kills the actors."""

    def __init__(
        self,
        ray: Any,
        config: PipelineConfig,
        options: EngineOptions,
        on_result: ResultCallback,
        factory: StagesFactory,
        resources: dict[str, int],
    ) -> None:
        from mocap.batch.ray_actor import VideoActor

        self._ray, self._config, self._options = ray, config, options
        self._on_result, self._factory = on_result, factory
        self._actor_class = ray.remote(max_restarts=0, **resources)(VideoActor)
        self._todo: deque[Job] = deque()
        self._attempts: dict[Job, int] = {}
        self._slots: list[_Slot] = []
        self._retired: list[WorkerStats] = []
        self._startup_failures = 0
        self._fatal: tuple[str, str] | None = None  # (error, error type) that stops the run

    def run(self, jobs: list[Job], size: int) -> tuple[WorkerStats, ...]:
        """Process ``jobs`` on ``size`` actors; returns what each actor did."""
        self._todo = deque(jobs)
        try:
            self._slots = [self._start() for _ in range(size)]
            while self._fatal is None and (self._todo or any(s.job for s in self._slots)):
                self._dispatch()
                for slot in self._ready_slots():
                    self._handle(slot)
                self._check_deadlines()
            if self._fatal is not None:
                self._fail_pending(*self._fatal)
        finally:
            for slot in self._slots:
                self._retire(slot)
        return tuple(self._retired)

    def _start(self) -> _Slot:
        actor = self._actor_class.remote(self._factory)
        return _Slot(actor, time.monotonic(), load_ref=actor.load.remote(self._config))

    def _dispatch(self) -> None:
        for slot in self._slots:
            if slot.load_ref is None and slot.job is None and self._todo:
                slot.job, slot.started = self._todo.popleft(), time.monotonic()
                slot.job_ref = slot.actor.process.remote(
                    slot.job, self._config, self._options.overwrite
                )

    def _ready_slots(self) -> list[_Slot]:
        by_ref = {s.pending: s for s in self._slots if s.pending is not None}
        if not by_ref:
            time.sleep(_POLL_S)  # only idle actors: nothing left to hand out
            return []
        ready, _ = self._ray.wait(list(by_ref), num_returns=1, timeout=_POLL_S)
        if ready:
            ready, _ = self._ray.wait(list(by_ref), num_returns=len(by_ref), timeout=0)
        return [by_ref[ref] for ref in ready]

    def _handle(self, slot: _Slot) -> None:
        from ray.exceptions import GetTimeoutError, RayActorError, RayError

        ref = slot.pending
        reply: dict[str, Any]
        try:
            reply = self._ray.get(ref, timeout=_GET_S)
        except (RayActorError, GetTimeoutError) as e:  # the actor died (or cannot answer)
            self._replace(slot, died=type(e).__name__)
            return
        except RayError as e:  # the call itself failed (e.g. a reply that cannot be unpickled)
            reply = {"error": f"the Ray actor call failed: {e}", "error_type": type(e).__name__}
            if slot.job is not None:
                reply["result"] = JobResult.failed(
                    slot.job.input, reply["error"], reply["error_type"]
                ).to_dict()
        slot.loads = reply.get("loads", slot.loads)
        if slot.load_ref is not None:
            slot.load_ref = None
            if "error" in reply:
                self._fatal = (f"could not load the models: {reply['error']}", reply["error_type"])
            return
        job, slot.job, slot.job_ref = slot.job, None, None
        slot.videos = reply.get("videos", slot.videos + 1)
        if job is not None:
            self._on_result(job, JobResult.from_dict(reply["result"]))

    def _replace(self, slot: _Slot, *, died: str = "", timed_out: bool = False) -> None:
        """Kill ``slot``'s actor, account for what it was doing, start a new one in its place."""
        loading, job, elapsed = slot.load_ref is not None, slot.job, time.monotonic() - slot.started
        self._retire(slot)
        if loading:
            self._startup_failures += 1
            if self._startup_failures >= MAX_STARTUP_DEATHS:
                how = (
                    f"not ready after {self._options.startup_timeout_s:.0f} s"
                    if timed_out
                    else f"died ({died})"
                )
                self._fatal = (
                    f"the Ray actor could not load the models {self._startup_failures} times "
                    f"(the last {how})",
                    "WorkerStartFailed",
                )
        elif job is not None and timed_out:
            error = (
                f"timed out after {self._options.timeout_s:.0f} s and was stopped; raise "
                "'timeout_s' if the video is long, else the file may hang the decoder."
            )
            self._on_result(job, JobResult.failed(job.input, error, "Timeout", seconds=elapsed))
        elif job is not None:
            self._retry(job, died, elapsed)
        index = self._slots.index(slot)
        if self._fatal is None and self._todo:
            self._slots[index] = self._start()
        else:
            del self._slots[index]

    def _retry(self, job: Job, died: str, elapsed: float) -> None:
        n = self._attempts[job] = self._attempts.get(job, 0) + 1
        if n < MAX_ATTEMPTS:
            self._todo.appendleft(job)
            return
        error = (
            f"the Ray actor died ({died}) on this video {n} times; it may crash the decoder or "
            "run out of memory."
        )
        self._on_result(
            job, JobResult.failed(job.input, error, "WorkerCrashed", seconds=elapsed, attempts=n)
        )

    def _check_deadlines(self) -> None:
        now = time.monotonic()
        for slot in list(self._slots):
            if slot.load_ref is not None:
                limit = self._options.startup_timeout_s
            elif slot.job is not None:
                limit = self._options.timeout_s
            else:
                continue
            if now - slot.started > limit:
                self._replace(slot, timed_out=True)

    def _retire(self, slot: _Slot) -> None:
        """Kill ``slot``'s actor (if still there), remove its job's partial outputs, keep stats."""
        if slot.actor is None:
            return
        with contextlib.suppress(Exception):  # already dead, or Ray going down
            self._ray.kill(slot.actor, no_restart=True)
        if slot.job is not None:
            remove_partial_outputs(slot.job.outputs)
        self._retired.append(slot.stats())
        slot.actor = None

    def _fail_pending(self, error: str, error_type: str) -> None:
        pending = [s.job for s in self._slots if s.job is not None] + list(self._todo)
        self._todo.clear()
        for slot in self._slots:
            self._retire(slot)
            slot.job = None
        for job in pending:
            self._on_result(job, JobResult.failed(job.input, error, error_type))

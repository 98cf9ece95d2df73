"""Local engine: videos run in worker processes watched by the parent.

Each worker is a separate process (``multiprocessing`` spawn context, one ``Process`` each, not a
Pool: one crashed worker must not take the others down). A worker loads the models once, then
takes jobs one at a time over a pipe and answers with typed messages (:mod:`mocap.batch.process`).
The parent restarts a worker that died (the job is retried
once, then reported failed) and kills a worker whose job runs past the deadline (reported
failed). A worker that dies while starting, or is not ready within the start-up deadline (a
hang in native code while loading models), is killed and restarted too, but after
:data:`MAX_STARTUP_DEATHS` such failures the pool gives up: every pending job fails with the last
line the worker wrote on stderr. A worker whose parent died exits by itself. Workers ignore
SIGINT; on Ctrl-C the parent kills them and removes their partial outputs.
"""

from __future__ import annotations

import multiprocessing as mp
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path

from mocap.batch.outputs import remove_partial_outputs
from mocap.batch.process import Done, Progress, Ready, StartFailed, WorkerMessage, worker_main
from mocap.batch.types import STARTUP_TIMEOUT_S, EngineOptions, Job, JobResult, WorkerStats
from mocap.batch.worker import ResultCallback, StagesFactory
from mocap.config import PipelineConfig
from mocap.progress import ProgressCallback

#: Attempts of a job whose worker process died (a crash may be the machine, not the video).
MAX_ATTEMPTS = 2
#: Workers that may die while starting (before they are ready) before the pool gives up; a
#: worker that cannot start (CUDA, a broken install) would otherwise be restarted forever.
MAX_STARTUP_DEATHS = 3
#: Seconds the parent waits for a message before it checks deadlines again.
_POLL_S = 0.25


def _last_line(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return next((line.strip() for line in reversed(lines) if line.strip()), "")


# --- the parent's side ---------------------------------------------------------------------------


@dataclass
class _Worker:
    proc: BaseProcess
    conn: Connection
    stderr: Path
    ready: bool = False
    loads: int = 0  # model loads the worker reported (once, before it is ready)
    videos: int = 0
    job: Job | None = None
    started: float = field(default_factory=time.monotonic)  # job start, or process start

    @property
    def idle(self) -> bool:
        return self.ready and self.job is None


class WorkerPool:
    """Worker processes for one batch; :meth:`run` processes the jobs, then stops the workers."""

    def __init__(
        self,
        config: PipelineConfig,
        *,
        overwrite: bool,
        factory: StagesFactory,
        timeout_s: float,
        on_result: ResultCallback,
        startup_timeout_s: float = STARTUP_TIMEOUT_S,
        progress: ProgressCallback | None = None,
    ) -> None:
        """``progress`` receives the pipeline events of the jobs (meant for one worker)."""
        self._ctx = mp.get_context("spawn")
        self._config, self._overwrite, self._factory = config, overwrite, factory
        self._timeout_s = timeout_s
        self._startup_timeout_s = startup_timeout_s
        self._startup_hangs = 0
        self._last_exit_code: int | None = None
        self._on_result = on_result
        self._progress = progress
        #: the last Done of each job and the start-up failure that stopped the run, if any
        self.done: dict[Job, Done] = {}
        self._todo: deque[Job] = deque()
        self._attempts: dict[Job, int] = {}
        self._workers: list[_Worker] = []
        self._fatal: StartFailed | None = None
        self._startup_deaths = 0
        self._started = 0
        self._tmp = Path()  # per run: the workers' start-up stderr files
        #: what each worker stopped so far did (all of them once :meth:`run` returned)
        self.stats: list[WorkerStats] = []

    def run(self, jobs: list[Job], size: int) -> None:
        """Process ``jobs`` in ``size`` workers; ``on_result`` is called once per job."""
        self._todo = deque(jobs)
        self._tmp = Path(tempfile.mkdtemp(prefix="cliffmocap-workers-"))
        try:
            self._workers = [self._start() for _ in range(min(size, len(jobs)))]
            while self._fatal is None and (self._todo or self._busy()):
                self._dispatch()
                handles = [w.conn for w in self._workers] + [w.proc.sentinel for w in self._workers]
                wait(handles, timeout=_POLL_S)
                for i, w in enumerate(self._workers):
                    self._workers[i] = self._check(w)
                    if self._fatal is not None:
                        break
            if self._fatal is not None:
                self._fail_pending(self._fatal)
        finally:
            self._close()

    @property
    def fatal(self) -> StartFailed | None:
        """Why the workers could not start (None when they did)."""
        return self._fatal

    def _busy(self) -> bool:
        return any(w.job is not None for w in self._workers)

    def _start(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        self._started += 1
        stderr = self._tmp / f"worker-{self._started}.stderr"
        proc = self._ctx.Process(
            target=worker_main,
            args=(
                child,
                self._config,
                self._overwrite,
                self._factory,
                stderr,
                self._progress is not None,
            ),
            name="cliffmocap-worker",
            daemon=True,
        )
        proc.start()
        child.close()
        return _Worker(proc, parent, stderr)

    def _dispatch(self) -> None:
        for w in self._workers:
            if w.idle and self._todo:
                w.job, w.started = self._todo.popleft(), time.monotonic()
                w.conn.send(w.job)

    def _check(self, w: _Worker) -> _Worker:
        """Handle ``w``'s messages, death or deadline; returns the worker now in its place."""
        try:
            while w.conn.poll():
                self._handle(w, w.conn.recv())
        except (EOFError, OSError):
            return self._on_death(w)
        if self._fatal is not None:
            return w
        if not w.proc.is_alive():
            return self._on_death(w)
        if w.job is not None and time.monotonic() - w.started > self._timeout_s:
            return self._on_timeout(w)
        if not w.ready and time.monotonic() - w.started > self._startup_timeout_s:
            self._stop(w)
            self._startup_hangs += 1
            return self._on_startup_death(w, None)
        return w

    def _handle(self, w: _Worker, msg: WorkerMessage) -> None:
        if isinstance(msg, Ready):
            w.ready, w.loads = True, msg.loads
        elif isinstance(msg, StartFailed):
            self._fatal = msg
        elif isinstance(msg, Progress):
            if self._progress is not None:
                self._progress(msg.event)
        elif w.job is not None:
            job, w.job = w.job, None
            w.videos += 1
            self.done[job] = msg
            self._on_result(job, msg.result)

    def _on_death(self, w: _Worker) -> _Worker:
        job, elapsed = w.job, time.monotonic() - w.started
        self._stop(w)
        code = w.proc.exitcode
        if not w.ready:
            return self._on_startup_death(w, code)
        if job is not None:
            n = self._attempts[job] = self._attempts.get(job, 0) + 1
            if n < MAX_ATTEMPTS:
                self._todo.appendleft(job)
            else:
                error = (
                    f"the worker process died (exit code {code}) on this video {n} times; "
                    "it may crash the decoder or run out of memory."
                )
                failed = JobResult.failed(
                    job.input, error, "WorkerCrashed", seconds=elapsed, attempts=n
                )
                self._on_result(job, failed)
        return self._start()

    def _on_startup_death(self, w: _Worker, code: int | None) -> _Worker:
        """A worker died (``code``) or hung (None) before it was ready: restart, up to a limit."""
        self._startup_deaths += 1
        if code is not None:
            self._last_exit_code = code
        if self._startup_deaths < MAX_STARTUP_DEATHS:
            return self._start()
        said = _last_line(w.stderr)
        hangs, deaths = self._startup_hangs, self._startup_deaths - self._startup_hangs
        how = []
        if deaths:
            how.append(
                f"died while starting {deaths} times (last exit code {self._last_exit_code})"
            )
        if hangs:
            how.append(
                f"hung while starting {hangs} times (not ready after "
                f"{self._startup_timeout_s:.0f} s, killed)"
            )
        self._fatal = StartFailed(
            "the worker process "
            + " and ".join(how)
            + "; "
            + (f"its last error output: {said}" if said else "it wrote no error output"),
            "WorkerStartFailed",
        )
        return w

    def _on_timeout(self, w: _Worker) -> _Worker:
        job, elapsed = w.job, time.monotonic() - w.started
        self._stop(w)
        if job is not None:
            error = (
                f"timed out after {self._timeout_s:.0f} s and was stopped; raise 'timeout_s' "
                "if the video is long, else the file may hang the decoder."
            )
            self._on_result(job, JobResult.failed(job.input, error, "Timeout", seconds=elapsed))
        return self._start()

    def _fail_pending(self, fatal: StartFailed) -> None:
        pending = [w.job for w in self._workers if w.job is not None] + list(self._todo)
        self._todo.clear()
        for w in self._workers:
            w.job = None
        for job in pending:
            self._on_result(
                job,
                JobResult.failed(job.input, f"could not start: {fatal.error}", fatal.error_type),
            )

    def _stop(self, w: _Worker) -> None:
        """Kill ``w`` (if alive) and remove the partial outputs of its job."""
        if w.proc.is_alive():
            w.proc.kill()
        w.proc.join(5)
        w.conn.close()
        if w.job is not None:
            remove_partial_outputs(w.job.outputs)
        w.job = None
        self.stats.append(WorkerStats(w.loads, w.videos))

    def _close(self) -> None:
        for w in self._workers:
            if w.proc.is_alive() and w.idle:
                try:
                    w.conn.send(None)
                    w.proc.join(2)
                except OSError:
                    pass
            if not w.conn.closed:
                self._stop(w)
        for p in self._tmp.iterdir():
            p.unlink(missing_ok=True)
        self._tmp.rmdir()


def run_local(
    jobs: list[Job],
    config: PipelineConfig,
    options: EngineOptions,
    *,
    on_result: ResultCallback,
    factory: StagesFactory,
) -> tuple[WorkerStats, ...]:
    """Process ``jobs`` in ``options.workers`` processes (default 1); ``on_result`` is called
    once per job. Returns what each worker process did."""
    pool = WorkerPool(
        config,
        overwrite=options.overwrite,
        factory=factory,
        timeout_s=options.timeout_s,
        on_result=on_result,
        startup_timeout_s=options.startup_timeout_s,
    )
    pool.run(jobs, options.workers or 1)
    return tuple(pool.stats)

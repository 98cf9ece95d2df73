"""Local engine: videos run in worker processes watched by the parent.

Each worker is a separate process (``multiprocessing`` spawn context, one ``Process`` each, not a
Pool: one crashed worker must not take the others down). A worker loads the models once, then
takes jobs one at a time over a pipe. The parent restarts a worker that died (the job is retried
once, then reported failed) and kills a worker whose job runs past the deadline (reported
failed). Workers ignore SIGINT; on Ctrl-C the parent kills them and removes their temp outputs.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from mocap.batch.outputs import remove_stale_temp
from mocap.batch.types import Job, JobResult
from mocap.batch.worker import StagesFactory, run_job
from mocap.config import PipelineConfig

#: Attempts of a job whose worker process died (a crash may be the machine, not the video).
MAX_ATTEMPTS = 2

ResultCallback = Callable[[Job, JobResult], None]


def _worker_main(
    conn: Connection, config: PipelineConfig, overwrite: bool, factory: StagesFactory
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C means
    try:
        stages = factory(config)
        import exporters  # noqa: F401  (loaded before the deadline clock starts, like the models)
    except Exception as e:
        conn.send({"fatal": str(e), "error_type": type(e).__name__})
        return
    conn.send({"ready": True})
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        conn.send(run_job(job, config, stages, overwrite).to_dict())


@dataclass
class _Slot:
    proc: Any
    conn: Connection
    ready: bool = False
    job: Job | None = None
    started: float = 0.0


def _to_result(d: dict[str, Any]) -> JobResult:
    d = dict(d)
    d["outputs"] = tuple(d.get("outputs", ()))
    return JobResult(**d)


def run_local(
    jobs: list[Job],
    config: PipelineConfig,
    *,
    workers: int,
    timeout_s: float,
    overwrite: bool,
    on_result: ResultCallback,
    factory: StagesFactory,
) -> None:
    """Process ``jobs`` in ``workers`` processes; ``on_result`` is called once per job."""
    ctx = mp.get_context("spawn")
    todo: deque[Job] = deque(jobs)
    attempts: dict[int, int] = {}
    slots: list[_Slot] = []

    def start() -> _Slot:
        parent, child = ctx.Pipe()
        proc = ctx.Process(
            target=_worker_main,
            args=(child, config, overwrite, factory),
            name="cliffmocap-worker",
            daemon=True,
        )
        proc.start()
        child.close()
        return _Slot(proc, parent)

    def stop(slot: _Slot) -> None:
        if slot.proc.is_alive():
            slot.proc.kill()
        slot.proc.join(5)
        slot.conn.close()
        if slot.job is not None:
            for folder in {o.parent for o in slot.job.outputs}:
                remove_stale_temp(folder, pid=slot.proc.pid)

    def finish(slot: _Slot, result: JobResult) -> None:
        job, slot.job = slot.job, None
        if job is not None:
            on_result(job, result)

    fatal: dict[str, Any] | None = None
    try:
        for _ in range(min(workers, len(todo))):
            slots.append(start())
        while fatal is None and (todo or any(s.job is not None for s in slots)):
            for s in slots:
                if s.ready and s.job is None and todo:
                    s.job, s.started = todo.popleft(), time.monotonic()
                    s.conn.send(s.job)
            wait([s.conn for s in slots] + [s.proc.sentinel for s in slots], timeout=0.25)
            for i, s in enumerate(slots):
                dead = False
                try:
                    while s.conn.poll():
                        msg = s.conn.recv()
                        if "fatal" in msg:
                            fatal = msg
                        elif "ready" in msg:
                            s.ready = True
                        else:
                            finish(s, _to_result(msg))
                except (EOFError, OSError):
                    dead = True
                if fatal is not None:
                    break
                if dead or not s.proc.is_alive():
                    job = s.job
                    code = s.proc.exitcode
                    stop(s)
                    if job is not None:
                        n = attempts[id(job)] = attempts.get(id(job), 0) + 1
                        if n < MAX_ATTEMPTS:
                            todo.appendleft(job)
                        else:
                            on_result(
                                job,
                                JobResult(
                                    str(job.input),
                                    "failed",
                                    time.monotonic() - s.started,
                                    error=f"the worker process died (exit code {code}) on this "
                                    f"video "
                                    f"{n} times; it may crash the decoder or run out of memory.",
                                    error_type="WorkerCrashed",
                                    attempts=n,
                                ),
                            )
                    s.job = None
                    slots[i] = start()
                elif s.job is not None and time.monotonic() - s.started > timeout_s:
                    job, elapsed = s.job, time.monotonic() - s.started
                    stop(s)
                    s.job = None
                    on_result(
                        job,
                        JobResult(
                            str(job.input),
                            "failed",
                            elapsed,
                            error=f"timed out after {timeout_s:.0f} s and was stopped; "
                            "raise --timeout "
                            "if the video is long, else the file may hang the decoder.",
                            error_type="Timeout",
                        ),
                    )
                    slots[i] = start()
        if fatal is not None:
            pending = [s.job for s in slots if s.job is not None] + list(todo)
            for job in pending:
                on_result(
                    job,
                    JobResult(
                        str(job.input),
                        "failed",
                        error=f"could not start: {fatal['fatal']}",
                        error_type=fatal["error_type"],
                    ),
                )
    finally:
        for s in slots:
            if s.proc.is_alive() and s.job is None and s.ready:
                try:
                    s.conn.send(None)
                    s.proc.join(2)
                except OSError:
                    pass
            stop(s)

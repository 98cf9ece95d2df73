"""run_batch: select what is left to do, dispatch it to an engine, record every result, report."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from mocap.batch import worker
from mocap.batch.index_page import write_index
from mocap.batch.lock import FolderLock
from mocap.batch.manifest import Manifest, config_hash, is_done, job_key
from mocap.batch.outputs import remove_partial_outputs
from mocap.batch.report import write_report
from mocap.batch.types import (
    CPUS_PER_ACTOR,
    STARTUP_TIMEOUT_S,
    BatchResult,
    EngineOptions,
    Job,
    JobResult,
    Plan,
    WorkerStats,
)
from mocap.batch.worker import ResultCallback, StagesFactory
from mocap.config import PipelineConfig
from mocap.errors import OutputError, UsageError
from mocap.progress import ProgressCallback, ProgressEvent

ENGINES = ("local", "ray")


@dataclass
class _Run:
    """State of one batch run: the planned jobs, their manifest keys and the results so far."""

    plan: Plan
    out_dir: Path
    manifest: Manifest
    cfg: str
    version: str
    keys: dict[Job, str]
    results: dict[Job, JobResult] = field(default_factory=dict)
    planned: dict[Job, Job] = field(default_factory=dict)  # job sent to an engine -> plan's job
    start: float = field(default_factory=time.perf_counter)


def run_batch(
    plan: Plan,
    config: PipelineConfig,
    *,
    engine: str = "local",
    address: str | None = None,
    workers: int | None = None,
    timeout_s: float = 3600.0,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    stages_factory: StagesFactory | None = None,
    startup_timeout_s: float | None = None,
    cpus_per_actor: int = CPUS_PER_ACTOR,
) -> BatchResult:
    """Process every job of ``plan``; one failing, crashing or hanging video never stops the rest.

    Jobs already done (manifest record with the same input, config and version, outputs intact)
    and jobs whose outputs all exist are skipped unless ``overwrite``. Results are appended to
    the manifest as they arrive, so a killed run resumes where it stopped.

    Args:
        plan: from :func:`mocap.batch.plan_jobs`.
        config: pipeline settings (model files already checked by the caller, or checked here).
        engine: ``local`` or ``ray``.
        address, workers, timeout_s, overwrite, cpus_per_actor: see
            :class:`~mocap.batch.types.EngineOptions`.
        progress: receives ``ProgressEvent("videos", done, total, elapsed)``.
        stages_factory: builds the stages in each worker (picklable; default
            ``mocap.batch.worker.default_stages_factory``, which loads the real models).
        startup_timeout_s: a worker not ready (models loaded) after this long counts as hung
            (default :data:`mocap.batch.types.STARTUP_TIMEOUT_S`).

    Returns:
        The results and the report files. ``result.ok`` is False when any video failed.

    Raises:
        OutputInUseError: another run works in the same output folder (nothing is done).
    """
    _check_args(plan, config, engine)
    options = EngineOptions(
        workers=workers,
        timeout_s=timeout_s,
        overwrite=overwrite,
        startup_timeout_s=startup_timeout_s or STARTUP_TIMEOUT_S,
        address=address,
        cpus_per_actor=cpus_per_actor,
    )
    out_dir = _make_out_dir(plan)
    with FolderLock(out_dir):
        return _locked_run(
            plan, config, engine, options, progress, stages_factory or worker.default_stages_factory
        )


def _locked_run(
    plan: Plan,
    config: PipelineConfig,
    engine: str,
    options: EngineOptions,
    progress: ProgressCallback | None,
    factory: StagesFactory,
) -> BatchResult:
    """:func:`run_batch` once the output folder is locked for this run."""
    run = _open_run(plan, config)
    todo = _select(run, options.overwrite)
    on_result = _recorder(run, progress)
    if progress is not None:
        progress(ProgressEvent("videos", len(run.results), len(plan.jobs), 0.0))
    stats: tuple[WorkerStats, ...] = ()
    try:
        if todo:
            stats = _dispatch(todo, config, engine, options, on_result, factory)
    finally:
        final = _final_results(run)
        report_json, report_csv, report_error = _report(run, final, engine, stats)
    return BatchResult(tuple(final), report_json, report_csv, report_error, stats)


def _check_args(plan: Plan, config: PipelineConfig, engine: str) -> None:
    if (
        config.boxes is not None
        and not Path(config.boxes).is_dir()
        and len(plan.jobs) + len(plan.rejected) > 1
    ):
        raise UsageError(
            "'boxes' FILE gives the boxes of one video; with several inputs pass a "
            "folder of box files named after the videos (<stem>.txt or .json)."
        )
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}: use local or ray.")


def _make_out_dir(plan: Plan) -> Path:
    out_dir = plan.out_dir or Path(".")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(
            f"cannot create the output folder {out_dir}: {e.strerror}; choose another 'outs'."
        ) from e
    return out_dir


def _open_run(plan: Plan, config: PipelineConfig) -> _Run:
    """Read the output folder's manifest (the folder exists)."""
    import mocap

    out_dir = plan.out_dir or Path(".")
    version, cfg = mocap.__version__, config_hash(config)
    keys = {job: job_key(job, cfg, version) for job in plan.jobs}
    return _Run(plan, out_dir, Manifest(out_dir), cfg, version, keys)


def _select(run: _Run, overwrite: bool) -> list[Job]:
    """Record the skipped jobs in ``run``; return the jobs to process (only missing outputs).

    Partial outputs a killed earlier run left for the returned jobs are removed.
    """
    done = run.manifest.load() if not overwrite else {}
    todo: list[Job] = []
    for job in run.plan.jobs:
        missing = job.outputs if overwrite else tuple(o for o in job.outputs if not o.exists())
        if not overwrite and is_done(done.get(run.keys[job])):
            run.results[job] = JobResult.skipped(job, "done in an earlier run")
        elif not missing:
            run.results[job] = JobResult.skipped(job, "outputs exist ('overwrite' replaces them)")
        else:
            sent = replace(job, outputs=missing) if missing != job.outputs else job
            run.planned[sent] = job
            todo.append(sent)
            remove_partial_outputs(sent.outputs)
    return todo


def _recorder(run: _Run, progress: ProgressCallback | None) -> ResultCallback:
    """The engines' ``on_result``: keep the result, append it to the manifest, report progress."""
    total = len(run.plan.jobs)

    def on_result(sent: Job, result: JobResult) -> None:
        job = run.planned[sent]
        run.results[job] = result
        run.manifest.append(run.keys[job], run.cfg, run.version, result)
        if progress is not None:
            elapsed = time.perf_counter() - run.start
            progress(ProgressEvent("videos", len(run.results), total, elapsed))

    return on_result


def _dispatch(
    todo: list[Job],
    config: PipelineConfig,
    engine: str,
    options: EngineOptions,
    on_result: ResultCallback,
    factory: StagesFactory,
) -> tuple[WorkerStats, ...]:
    """Run ``todo`` on ``engine``; every job's result reaches ``on_result``."""
    if engine == "ray":
        from mocap.batch.ray_engine import run_ray

        return run_ray(todo, config, options, on_result=on_result, factory=factory)
    from mocap.batch.local import run_local

    return run_local(todo, config, options, on_result=on_result, factory=factory)


def _final_results(run: _Run) -> list[JobResult]:
    """One row per planned job (in plan order; unfinished ones interrupted), then the rejected."""
    interrupted = "not run: the batch was interrupted"
    rows = [
        run.results.get(job) or JobResult.failed(job.input, interrupted, "Interrupted")
        for job in run.plan.jobs
    ]
    return rows + [JobResult.failed(p, why, "InputError") for p, why in run.plan.rejected]


def _report(
    run: _Run, final: list[JobResult], engine: str, stats: tuple[WorkerStats, ...]
) -> tuple[Path | None, Path | None, str]:
    """Write the report: (json, csv, "") or, when the folder refuses it, (None, None, why)."""
    meta = {
        "version": run.version,
        "config": run.cfg,
        "engine": engine,
        "out_dir": str(run.out_dir),
        "seconds": round(time.perf_counter() - run.start, 3),
        "workers": [asdict(s) for s in stats],
    }
    names = {str(job.input): job.rel.as_posix() for job in run.plan.jobs}
    try:
        paths = write_report(run.out_dir, final, meta)
        write_index(run.out_dir, final, names)
        return (*paths, "")
    except OutputError as e:  # the results are still returned; the caller says why
        return None, None, str(e)

"""run_batch: skip what is done, run the rest on an engine, record every result, report."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from mocap.batch import worker
from mocap.batch.manifest import Manifest, config_hash, is_done, job_key
from mocap.batch.outputs import remove_stale_temp
from mocap.batch.report import write_report
from mocap.batch.types import BatchResult, Job, JobResult, Plan
from mocap.batch.worker import StagesFactory
from mocap.config import PipelineConfig
from mocap.errors import OutputError, UsageError
from mocap.progress import ProgressCallback, ProgressEvent


def run_batch(
    plan: Plan,
    config: PipelineConfig,
    *,
    engine: str = "local",
    address: str | None = None,
    workers: int = 1,
    timeout_s: float = 3600.0,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    stages_factory: StagesFactory | None = None,
) -> BatchResult:
    """Process every job of ``plan``; one failing, crashing or hanging video never stops the rest.

    Jobs already done (manifest record with the same input, config and version, outputs intact)
    and jobs whose outputs all exist are skipped unless ``overwrite``. Results are appended to
    the manifest as they arrive, so a killed run resumes where it stopped.

    Args:
        plan: from :func:`mocap.batch.plan_jobs`.
        config: pipeline settings (model files already checked by the caller, or checked here).
        engine: ``local`` or ``ray``.
        address: Ray cluster address (``ray`` engine only; None starts a local Ray).
        workers: videos processed at the same time.
        timeout_s: a video running longer is stopped and reported failed.
        overwrite: redo and replace existing outputs.
        progress: receives ``ProgressEvent("videos", done, total, elapsed)``.
        stages_factory: builds the stages in each worker (picklable; default
            ``mocap.batch.worker.default_stages_factory``, which loads the real models).

    Returns:
        The results and the report files. ``result.ok`` is False when any video failed.
    """
    import mocap

    factory = stages_factory or worker.default_stages_factory
    if (
        config.boxes is not None
        and not Path(config.boxes).is_dir()
        and len(plan.jobs) + len(plan.rejected) > 1
    ):
        raise UsageError(
            "--boxes FILE gives the boxes of one video; with several inputs pass a "
            "folder of box files named after the videos (<stem>.txt or .json)."
        )
    if engine not in ("local", "ray"):
        raise UsageError(f"unknown engine {engine!r}: use local or ray.")
    out_dir = plan.out_dir or Path(".")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(
            f"cannot create the output folder {out_dir}: {e.strerror}; choose another --out."
        ) from e
    version = mocap.__version__
    cfg = config_hash(config)
    manifest = Manifest(out_dir)
    done_records = manifest.load()
    results: dict[int, JobResult] = {}
    order: list[Job] = list(plan.jobs)
    keys: dict[int, str] = {}
    todo: list[Job] = []
    for i, job in enumerate(order):
        keys[i] = job_key(job, cfg, version)
        if overwrite:
            todo.append(job)
            continue
        if is_done(done_records.get(keys[i])):
            results[i] = JobResult(
                str(job.input),
                "skipped",
                error="done in an earlier run",
                outputs=tuple(str(o) for o in job.outputs),
            )
            continue
        missing = tuple(o for o in job.outputs if not o.exists())
        if not missing:
            results[i] = JobResult(
                str(job.input),
                "skipped",
                error="outputs exist (--overwrite replaces them)",
                outputs=tuple(str(o) for o in job.outputs),
            )
            continue
        todo.append(replace(job, outputs=missing) if len(missing) < len(job.outputs) else job)
    for folder in {o.parent for job in todo for o in job.outputs}:
        remove_stale_temp(folder)  # left by a run that was killed while writing
    index = {id(job): i for i, job in enumerate(order)}
    for job in todo:
        if id(job) not in index:  # replaced (fewer outputs): map to the planned job's slot
            index[id(job)] = next(i for i, j in enumerate(order) if j.input == job.input)
    total = len(order)
    start = time.perf_counter()

    def on_result(job: Job, result: JobResult) -> None:
        i = index[id(job)]
        results[i] = result
        manifest.append(keys[i], cfg, version, result)
        if progress is not None:
            progress(ProgressEvent("videos", len(results), total, time.perf_counter() - start))

    if progress is not None:
        progress(ProgressEvent("videos", len(results), total, 0.0))
    try:
        if todo:
            if engine == "ray":
                from mocap.batch.ray_engine import run_ray

                run_ray(
                    todo,
                    config,
                    address=address,
                    workers=workers,
                    timeout_s=timeout_s,
                    overwrite=overwrite,
                    on_result=on_result,
                    factory=factory,
                )
            else:
                from mocap.batch.local import run_local

                run_local(
                    todo,
                    config,
                    workers=workers,
                    timeout_s=timeout_s,
                    overwrite=overwrite,
                    on_result=on_result,
                    factory=factory,
                )
    finally:
        final = [
            results.get(
                i,
                JobResult(
                    str(j.input),
                    "failed",
                    error="not run: the batch was interrupted",
                    error_type="Interrupted",
                ),
            )
            for i, j in enumerate(order)
        ]
        final += [
            JobResult(str(p), "failed", error=why, error_type="InputError")
            for p, why in plan.rejected
        ]
        meta = {
            "version": version,
            "config": cfg,
            "engine": engine,
            "out_dir": str(out_dir),
            "seconds": round(time.perf_counter() - start, 3),
        }
        report_json, report_csv = write_report(out_dir, final, meta)
    return BatchResult(tuple(final), report_json, report_csv)

"""What the ``cliffmocap`` command does once its options are read: plan the jobs, check the model
files, run one video or a batch with progress bars, print the summary; exit codes and the
setting-to-option names used in error lines.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from mocap.cli_choices import Engine
from mocap.cliprogress import RichProgress
from mocap.config import PipelineConfig

if TYPE_CHECKING:
    from mocap.batch.types import BatchResult, EngineOptions, VideoSummary

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

#: The option of each library setting (``PipelineConfig`` fields, writer and ``plan_jobs``
#: arguments). Library messages name a setting in single quotes (``'det_conf'``); the command
#: shows the option.
SETTING_FLAGS = {
    "checkpoint": "--checkpoint",
    "smpl_model": "--smpl",
    "detector": "--detector",
    "boxes": "--boxes",
    "video": "--video",
    "decoder": "--decoder",
    "decode_memory_mb": "--decode-memory-mb",
    "det_conf": "--det-conf",
    "max_people": "--max-people",
    "min_track_s": "--min-track-s",
    "max_gap_s": "--max-gap-s",
    "min_observed_share": "--min-observed-share",
    "min_track_score": "--min-track-score",
    "device": "--device",
    "batch_size": "--batch-size",
    "precision": "--precision",
    "focal": "--focal",
    "fov": "--fov",
    "smooth": "--smooth",
    "space": "--space",
    "foot_lock": "--foot-lock",
    "rig": "--rig",
    "span": "--span",
    "outs": "--out",
    "out_format": "--out-format",
    "overwrite": "--overwrite",
    "image_fps": "--fps",
    "timeout_s": "--timeout",
    "j_regressor_extra": "--j-regressor-extra",
}


def with_flags(message: str) -> str:
    """A library message with every quoted setting (``'det_conf'``) replaced by its option."""
    for setting, flag in SETTING_FLAGS.items():
        message = message.replace(f"'{setting}'", flag)
    return message


def run_inputs(
    inputs: list[Path],
    outs: list[Path],
    out_format: str | None,
    config: PipelineConfig,
    engine: Engine,
    options: EngineOptions,
    quiet: bool,
    err: Console,
    image_folders: str = "auto",
) -> int:
    from mocap import batch, modelfiles

    plan = batch.plan_jobs(
        inputs,
        outs,
        out_format=out_format,
        overwrite=options.overwrite,
        image_folders=image_folders,
    )
    reexport = all(batch.is_result_input(job.input) for job in plan.jobs)
    factory = batch.no_stages if reexport else None  # re-export: no CLIFF, no detector
    if reexport:  # the SMPL model is the one model file needed
        lookup = modelfiles.find_model_file(
            modelfiles.SMPL, config.smpl_model, config.resolved_model_dir()
        )
        lookup.require()
    else:
        modelfiles.check_model_files(config)  # before any decoding
    show = not quiet and err.is_terminal
    if plan.single and engine is Engine.local:
        job = plan.jobs[0]
        start = time.perf_counter()
        with RichProgress(err, show) as bars:
            summary = batch.run_single(
                job,
                config,
                timeout_s=options.timeout_s,
                overwrite=options.overwrite,
                progress=bars,
                stages_factory=factory,
            )
        print_single_summary(summary, bars.seconds, time.perf_counter() - start)
        return EXIT_OK

    with RichProgress(err, show) as bars:
        result = batch.run_batch(
            plan,
            config,
            engine=engine.value,
            address=options.address,
            workers=options.workers,
            timeout_s=options.timeout_s,
            overwrite=options.overwrite,
            progress=bars,
            stages_factory=factory,
            cpus_per_actor=options.cpus_per_actor,
        )
    print_batch_summary(result)
    return EXIT_OK if result.ok else EXIT_FAILED


def _count(n: int, one: str, many: str | None = None) -> str:
    """``1 video``, ``2 videos``; ``many`` for irregular plurals (``people``)."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def print_single_summary(summary: VideoSummary, stage_s: dict[str, float], total_s: float) -> None:
    typer.echo(
        f"{summary.input}: {_count(summary.people, 'person', 'people')}, "
        f"{_count(summary.frames, 'frame')}, "
        f"{total_s:.1f} s ({summary.frames / max(total_s, 1e-9):.1f} frames/s)"
    )
    if stage_s:
        typer.echo("stages: " + ", ".join(f"{k} {v:.2f} s" for k, v in stage_s.items()))
    for path in summary.outputs:
        typer.echo(f"wrote {path}")


def print_batch_summary(result: BatchResult) -> None:
    counts = result.counts()
    typer.echo(
        f"{_count(len(result.jobs), 'video')}: " + ", ".join(f"{n} {s}" for s, n in counts.items())
    )
    for job in result.jobs:
        if job.status == "failed":
            typer.echo(f"failed: {job.input}: {with_flags(job.error)}")
    if result.report_error:
        typer.echo(f"error: no report: {with_flags(result.report_error)}", err=True)
        return
    index = "" if result.report_json is None else f"; index: {result.report_json.parent}/index.html"
    typer.echo(f"report: {result.report_json} and {result.report_csv}{index}")
    if not result.ok:
        typer.echo(
            f"error: {counts.get('failed', 0)} of {_count(len(result.jobs), 'video')} failed "
            f"(see {result.report_json}).",
            err=True,
        )

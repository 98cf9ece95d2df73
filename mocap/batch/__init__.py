"""Batch layer: plan jobs from inputs, process videos, write outputs atomically, resume, report.

Only this package and the CLI write files. A folder run keeps a manifest
(``<out>/.cliffmocap/manifest.jsonl``) so a killed run resumes without redoing finished videos;
each video runs in a worker process that a watchdog kills when it hangs, so one bad video never
stops the others; a single video runs the same way (``run_single``). One run at a time per
output folder (a lock in ``.cliffmocap``). Engines: ``local`` (worker processes on this machine)
and ``ray`` (a pool of actors); either way a worker loads the models once for all its videos.
A ``.npz`` result given as input is re-exported without running CLIFF; a folder run writes
``index.html``.
"""

from __future__ import annotations

from mocap.batch.job import process_video
from mocap.batch.outputs import write_outputs
from mocap.batch.plan import VIDEO_SUFFIXES, plan_jobs
from mocap.batch.results import is_result_input, load_result, no_stages
from mocap.batch.runner import run_batch
from mocap.batch.single import run_single
from mocap.batch.types import (
    BatchResult,
    EngineOptions,
    Job,
    JobResult,
    Plan,
    VideoSummary,
    WorkerStats,
)

__all__ = [
    "VIDEO_SUFFIXES",
    "BatchResult",
    "EngineOptions",
    "Job",
    "JobResult",
    "Plan",
    "VideoSummary",
    "WorkerStats",
    "is_result_input",
    "load_result",
    "no_stages",
    "plan_jobs",
    "process_video",
    "run_batch",
    "run_single",
    "write_outputs",
]

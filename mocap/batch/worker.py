"""What a worker does with one job, wherever it runs (local worker process or Ray task).

Failures of the video (a MocapError: bad file, no people, unwritable output) and bugs (any other
exception) become a ``failed`` result; they never escape, so the engine can tell them apart from
a worker that crashed or hung.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING

from mocap.batch.job import process_video
from mocap.batch.types import Job, JobResult
from mocap.config import PipelineConfig
from mocap.errors import MocapError

if TYPE_CHECKING:
    from mocap.pipeline import Stages

StagesFactory = Callable[[PipelineConfig], "Stages"]
#: Called by an engine once per job with its final result.
ResultCallback = Callable[[Job, JobResult], None]


def default_stages_factory(config: PipelineConfig) -> Stages:
    from mocap.pipeline import load_stages

    return load_stages(config)


def run_job(job: Job, config: PipelineConfig, stages: Stages | None, overwrite: bool) -> JobResult:
    """Process one video; every failure is returned as a ``failed`` JobResult."""
    t0 = time.perf_counter()
    try:
        summary = process_video(job, config, overwrite=overwrite, stages=stages)
    except MocapError as e:
        return JobResult.failed(
            job.input, str(e), type(e).__name__, seconds=time.perf_counter() - t0
        )
    except Exception as e:  # a bug: keep the traceback's last line for the report
        where = traceback.extract_tb(e.__traceback__)[-1]
        return JobResult.failed(
            job.input,
            f"internal error ({type(e).__name__}: {e}) at {where.filename}:{where.lineno}",
            type(e).__name__,
            seconds=time.perf_counter() - t0,
        )
    return JobResult(
        str(job.input),
        "ok",
        time.perf_counter() - t0,
        people=summary.people,
        frames=summary.frames,
        outputs=tuple(str(p) for p in summary.outputs),
    )

"""What a worker does with one job, wherever it runs (local worker process or Ray task).

Failures of the video (a MocapError: bad file, no people, unwritable output) and bugs (any other
exception) become a ``failed`` result; they never escape, so the engine can tell them apart from
a worker that crashed or hung.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mocap.batch.job import process_video
from mocap.batch.types import Job, JobResult
from mocap.config import PipelineConfig
from mocap.errors import MocapError
from mocap.progress import ProgressCallback

if TYPE_CHECKING:
    from mocap.pipeline import Stages

#: Builds the stages in a worker (None: no models, e.g. a run that only re-exports results).
StagesFactory = Callable[[PipelineConfig], "Stages | None"]
#: Called by an engine once per job with its final result.
ResultCallback = Callable[[Job, JobResult], None]


def default_stages_factory(config: PipelineConfig) -> Stages:
    from mocap.pipeline import load_stages

    return load_stages(config)


class StagesCache:
    """The stages of one worker, loaded on first use and kept for the next videos.

    Keyed by the factory and the config (the model settings): a different key replaces the
    stages (one set of models in memory at a time). ``loads`` counts the factory calls, so an
    engine can report that a worker loaded its models once for all its videos.
    """

    def __init__(self, factory: StagesFactory) -> None:
        self._factory = factory
        self._key: PipelineConfig | None = None
        self._stages: Stages | None = None
        self.loads = 0

    def get(self, config: PipelineConfig) -> Stages | None:
        """The stages for ``config``, loading them (and the exporters) when the key changed.

        Raises:
            Exception: whatever the factory raises (nothing is kept then).
        """
        if self._key != config:
            self._key, self._stages = None, None
            self.loads += 1
            self._stages = self._factory(config)
            import exporters  # noqa: F401  (loaded before any deadline clock starts, like the models)

            self._key = config
        return self._stages


@dataclass(frozen=True)
class Attempt:
    """One try of a job.

    Attributes:
        result: the job's row (``failed`` for a video error or a bug).
        error: the error the video failed with (a single-video run re-raises it).
        trace: the traceback of a bug (not a MocapError), for ``--debug``.
    """

    result: JobResult
    error: MocapError | None = None
    trace: str = ""


def attempt_job(
    job: Job,
    config: PipelineConfig,
    stages: Stages | None,
    overwrite: bool,
    progress: ProgressCallback | None = None,
) -> Attempt:
    """Process one video; every failure is returned, never raised."""
    t0 = time.perf_counter()
    try:
        summary = process_video(job, config, overwrite=overwrite, stages=stages, progress=progress)
    except MocapError as e:
        failed = JobResult.failed(
            job.input, str(e), type(e).__name__, seconds=time.perf_counter() - t0
        )
        return Attempt(failed, e)
    except Exception as e:  # a bug: keep the traceback's last line for the report
        where = traceback.extract_tb(e.__traceback__)[-1]
        failed = JobResult.failed(
            job.input,
            f"internal error ({type(e).__name__}: {e}) at {where.filename}:{where.lineno}",
            type(e).__name__,
            seconds=time.perf_counter() - t0,
        )
        return Attempt(failed, trace=traceback.format_exc())
    ok = JobResult(
        str(job.input),
        "ok",
        time.perf_counter() - t0,
        people=summary.people,
        frames=summary.frames,
        outputs=tuple(str(p) for p in summary.outputs),
    )
    return Attempt(ok)


def run_job(job: Job, config: PipelineConfig, stages: Stages | None, overwrite: bool) -> JobResult:
    """Process one video; every failure is returned as a ``failed`` JobResult."""
    return attempt_job(job, config, stages, overwrite).result

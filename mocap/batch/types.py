"""Records of the batch layer: jobs planned, what one video produced, what a run did."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

JobStatus = Literal["ok", "failed", "skipped"]

#: Default seconds a worker may take to load its models before it counts as hung (loading the
#: CLIFF checkpoint, SMPL and YOLO and initialising CUDA takes well under a minute).
STARTUP_TIMEOUT_S = 300.0
#: Default CPUs of one Ray actor on a CPU-only cluster: its decode thread and torch's intra-op
#: threads (Ray sets ``OMP_NUM_THREADS`` to it); CLIFF's convolutions scale well to about 4.
CPUS_PER_ACTOR = 4


@dataclass(frozen=True)
class Job:
    """One input video and the files it must produce.

    Attributes:
        input: the video file.
        outputs: output files (suffix = format), all written from one pipeline run.
        rel: the input's path relative to the folder it was found in (its name for a file input).
    """

    input: Path
    outputs: tuple[Path, ...]
    rel: Path


@dataclass(frozen=True)
class Plan:
    """Jobs of one command line.

    Attributes:
        jobs: one per distinct input video, in a stable order.
        rejected: inputs that cannot be jobs, with the reason (reported as failed).
        out_dir: the output folder of a batch (None for a single video with explicit outputs).
        single: True for one video given as a file with explicit output files.
    """

    jobs: tuple[Job, ...]
    rejected: tuple[tuple[Path, str], ...] = ()
    out_dir: Path | None = None
    single: bool = False


@dataclass(frozen=True)
class VideoSummary:
    """What processing one video produced.

    Attributes:
        input: the video.
        people: number of people exported.
        frames: decoded frames.
        outputs: files written (a writer may write several per requested output, e.g. BVH).
        stage_s: seconds per pipeline stage.
    """

    input: Path
    people: int
    frames: int
    outputs: tuple[Path, ...]
    stage_s: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class JobResult:
    """Outcome of one job in a batch (one row of the report)."""

    input: str
    status: JobStatus
    seconds: float = 0.0
    people: int = 0
    frames: int = 0
    outputs: tuple[str, ...] = ()
    error: str = ""
    error_type: str = ""
    attempts: int = 1

    @classmethod
    def failed(
        cls,
        input: Path | str,
        error: str,
        error_type: str,
        *,
        seconds: float = 0.0,
        attempts: int = 1,
    ) -> JobResult:
        """A ``failed`` row: ``error`` is the one-line reason, ``error_type`` its class name."""
        return cls(
            str(input), "failed", seconds, error=error, error_type=error_type, attempts=attempts
        )

    @classmethod
    def skipped(cls, job: Job, why: str) -> JobResult:
        """A ``skipped`` row for ``job`` (its outputs are already in place)."""
        return cls(str(job.input), "skipped", error=why, outputs=tuple(str(o) for o in job.outputs))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["outputs"] = list(self.outputs)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> JobResult:
        """Inverse of :meth:`to_dict` (a Ray task returns the dict)."""
        return cls(**{**d, "outputs": tuple(d.get("outputs", ()))})


@dataclass(frozen=True)
class EngineOptions:
    """How an engine runs the jobs of one batch (the one place for the engines' settings).

    Attributes:
        workers: videos processed at the same time; None: the engine's default (local: 1; Ray:
            one actor per GPU, or per ``cpus_per_actor`` CPUs on a CPU-only cluster).
        timeout_s: a video running longer is stopped and reported failed.
        overwrite: redo and replace existing outputs.
        startup_timeout_s: a worker (process or actor) that has not loaded its models after this
            long counts as hung.
        address: Ray cluster address (None starts a local Ray); Ray only.
        cpus_per_actor: CPUs each Ray actor reserves on a CPU-only cluster (its torch threads);
            Ray only.
    """

    workers: int | None = None
    timeout_s: float = 3600.0
    overwrite: bool = False
    startup_timeout_s: float = STARTUP_TIMEOUT_S
    address: str | None = None
    cpus_per_actor: int = CPUS_PER_ACTOR


@dataclass(frozen=True)
class WorkerStats:
    """What one worker (a local worker process or a Ray actor) did in a batch.

    Attributes:
        loads: times it loaded the models (1 when it kept them for all its videos).
        videos: videos it finished (ok or failed; not those it died or was stopped on).
    """

    loads: int
    videos: int


@dataclass(frozen=True)
class BatchResult:
    """Outcome of a batch run.

    Attributes:
        jobs: one result per planned job and per rejected input.
        report_json, report_csv: the run report files (None when they could not be written).
        report_error: why the report could not be written (disk full...), else empty.
        workers: what each worker the engine started did (also in the JSON report).
    """

    jobs: tuple[JobResult, ...]
    report_json: Path | None
    report_csv: Path | None
    report_error: str = ""
    workers: tuple[WorkerStats, ...] = ()

    @property
    def ok(self) -> bool:
        """No job failed and the report was written."""
        return all(j.status != "failed" for j in self.jobs) and not self.report_error

    def counts(self) -> dict[str, int]:
        c = Counter(j.status for j in self.jobs)
        return {s: c[s] for s in ("ok", "skipped", "failed") if c[s]}

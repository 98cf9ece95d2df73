"""A single video runs in a watched worker: its deadline holds even in a native hang, its errors
come back as raised in-process, its progress reaches the caller."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from _hostile import (
    factory_hangs_in_native_code,
    factory_one_person,
    hostile_videos,
    write_video,
)

from mocap.batch import plan_jobs
from mocap.batch.single import run_single
from mocap.config import PipelineConfig
from mocap.errors import VideoUnreadableError, WorkerError
from mocap.progress import ProgressEvent


def _job(video: Path, out: Path):
    (job,) = plan_jobs([video], [out]).jobs
    return job


@pytest.mark.timeout(120)
def test_single_video_runs_in_a_worker_and_reports_progress(
    tmp_path: Path, cfg: PipelineConfig
) -> None:
    video = write_video(tmp_path / "clip.mp4", frames=8)
    events: list[ProgressEvent] = []
    summary = run_single(
        _job(video, tmp_path / "a.npz"),
        cfg,
        timeout_s=60,
        progress=events.append,
        stages_factory=factory_one_person,
    )
    assert summary.people == 1 and summary.frames == 8
    assert summary.outputs == (tmp_path / "a.npz",) and (tmp_path / "a.npz").is_file()
    decoded = [e.done for e in events if e.stage == "decode"]
    assert decoded and decoded[-1] == 8


@pytest.mark.slow  # waits for a watchdog deadline
@pytest.mark.timeout(120)
def test_single_video_hanging_in_the_pipeline_is_stopped_at_the_deadline(
    tmp_path: Path, cfg: PipelineConfig
) -> None:
    video = write_video(tmp_path / "hang.mp4")  # the detector never returns on it
    t0 = time.monotonic()
    with pytest.raises(WorkerError) as caught:
        run_single(
            _job(video, tmp_path / "a.npz"), cfg, timeout_s=3, stages_factory=factory_one_person
        )
    assert 3 <= time.monotonic() - t0 < 60
    assert str(caught.value).startswith(f"{video}: timed out after 3 s and was stopped")
    assert list(tmp_path.iterdir()) == [video]  # nothing written, no temporary file


@pytest.mark.timeout(120)
def test_single_video_error_comes_back_with_its_class_and_message(
    tmp_path: Path, cfg: PipelineConfig
) -> None:
    bad = hostile_videos(tmp_path / "clips")["truncated"]
    with pytest.raises(VideoUnreadableError) as caught:
        run_single(
            _job(bad, tmp_path / "a.npz"), cfg, timeout_s=60, stages_factory=factory_one_person
        )
    assert str(caught.value).startswith(f"Cannot read '{bad}' as a video")


@pytest.mark.timeout(120)
def test_single_video_whose_worker_hangs_at_startup_is_given_up(
    tmp_path: Path, cfg: PipelineConfig
) -> None:
    video = write_video(tmp_path / "clip.mp4")
    with pytest.raises(WorkerError) as caught:
        run_single(
            _job(video, tmp_path / "a.npz"),
            cfg,
            timeout_s=60,
            stages_factory=factory_hangs_in_native_code,
            startup_timeout_s=1,
        )
    assert str(caught.value).startswith("could not start: the worker process hung while starting")

"""Hostile and unreadable inputs: each is one failed job with a one-line reason, the rest of the
batch runs; a single one is one error naming the file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from _hostile import factory_real_decoder, hostile_videos, write_video

from mocap.batch import plan_jobs, run_batch
from mocap.batch.plan import input_problem
from mocap.config import PipelineConfig
from mocap.errors import VideoError

NOBODY = 65534


@contextlib.contextmanager
def unprivileged() -> Iterator[None]:
    """Run the block as a user without root's right to read everything (root: effective uid
    'nobody', so permission bits apply; other users: nothing to do)."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder every user may enter (pytest's tmp folders are private to root when run as root)."""
    d = Path(tempfile.mkdtemp(prefix="cliffmocap-reliability-"))
    d.chmod(0o755)
    yield d
    for root, dirs, files in os.walk(d, topdown=False):
        for n in dirs:
            (Path(root) / n).chmod(0o755)
            (Path(root) / n).rmdir()
        for n in files:
            (Path(root) / n).unlink()
    d.rmdir()


@pytest.mark.slow
def test_every_hostile_video_fails_alone_with_one_line(tmp_path: Path, cfg: PipelineConfig) -> None:
    made = hostile_videos(tmp_path / "clips")
    plan = plan_jobs([tmp_path / "clips"], [tmp_path / "out"], out_format="npz,glb")
    res = run_batch(plan, cfg, workers=2, stages_factory=factory_real_decoder)
    by_name = {Path(j.input).stem: j for j in res.jobs}
    assert set(by_name) == set(made) | {"good"}
    assert by_name["good"].error_type == "NoPeopleFoundError"  # decoded to the end
    expected = {
        "empty": "VideoEmptyError",
        "text": "VideoUnreadableError",
        "random": "VideoUnreadableError",
        "truncated": "VideoUnreadableError",
        "header_only": "VideoUnreadableError",
        "audio_only": "NoVideoStreamError",
    }
    assert {k: by_name[k].error_type for k in expected} == expected
    for job in res.jobs:
        assert job.status == "failed" and job.attempts == 1  # an error, never a worker crash
        assert "\n" not in job.error and job.input in job.error
    assert not [p for p in (tmp_path / "out").rglob("*") if p.suffix in (".npz", ".glb")]


def test_unreadable_file_and_folder_are_failed_jobs_and_the_rest_is_planned(
    shared_dir: Path,
) -> None:
    src = shared_dir / "clips"
    (src / "locked").mkdir(parents=True)
    for name in ("a.mp4", "secret.mp4", "locked/b.mp4"):
        (src / name).write_bytes(b"video bytes")
    (src / "secret.mp4").chmod(0o000)
    (src / "locked").chmod(0o000)
    os.mkfifo(src / "pipe.mp4")  # would block the decoder forever
    plan_jobs([src], [shared_dir / "warm-up"])  # imports done before the uid changes
    with unprivileged():
        plan = plan_jobs([src, shared_dir / "missing.mp4"], [shared_dir / "out"])
    assert [j.rel for j in plan.jobs] == [Path("a.mp4")]
    reasons = {p.name: why for p, why in plan.rejected}
    assert reasons["secret.mp4"].startswith("cannot be read (permission denied")
    assert reasons["locked"] == "folder cannot be read (Permission denied)"
    assert reasons["pipe.mp4"].startswith("is not a regular file")
    assert reasons["missing.mp4"] == "input not found; check the path"


def test_rejected_inputs_are_failed_rows_of_the_report(tmp_path: Path, cfg: PipelineConfig) -> None:
    src = tmp_path / "clips"
    src.mkdir()
    write_video(src / "good.mp4")
    os.mkfifo(src / "pipe.mp4")
    plan = plan_jobs([src], [tmp_path / "out"], out_format="npz")
    res = run_batch(plan, cfg, stages_factory=factory_real_decoder)
    rows = {Path(j.input).name: (j.status, j.error_type) for j in res.jobs}
    assert rows == {
        "good.mp4": ("failed", "NoPeopleFoundError"),
        "pipe.mp4": ("failed", "InputError"),
    }
    assert "pipe.mp4" in res.report_csv.read_text()


def test_a_single_unreadable_input_is_one_error_naming_it(shared_dir: Path) -> None:
    secret = shared_dir / "secret.mp4"
    secret.write_bytes(b"video bytes")
    secret.chmod(0o000)
    fifo = shared_dir / "pipe.mp4"
    os.mkfifo(fifo)
    plan_jobs([shared_dir], [shared_dir / "warm-up"])  # imports done before the uid changes
    with unprivileged(), pytest.raises(VideoError) as caught:
        plan_jobs([secret], [shared_dir / "a.npz"])
    assert str(caught.value) == (
        f"input video {secret} cannot be read (permission denied); check the file's permissions."
    )
    with pytest.raises(VideoError, match="is not a regular file"):
        plan_jobs([fifo], [shared_dir / "a.npz"])
    assert input_problem(shared_dir) is None

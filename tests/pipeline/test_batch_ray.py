"""The Ray engine on a local 2-CPU Ray: same jobs, crash retries, hung-task cancel, results."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _pipeline_fakes import factory_ok

from mocap.batch import plan_jobs, run_batch
from mocap.config import PipelineConfig

pytestmark = [pytest.mark.ray, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


@pytest.fixture(scope="session")
def local_ray():
    import ray

    path = os.pathsep.join([str(ROOT), str(HERE), os.environ.get("PYTHONPATH", "")])
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": path}},
    )
    yield ray
    ray.shutdown()


def test_ray_engine_isolates_failures_and_hangs(local_ray, tmp_path: Path) -> None:
    src = tmp_path / "clips"
    src.mkdir()
    for n in ("a.mp4", "b.mp4", "bad.mp4", "crash.mp4", "hang.mp4"):
        (src / n).write_bytes(b"BAD!" if n == "bad.mp4" else b"fake")
    out = tmp_path / "out"
    plan = plan_jobs([src], [out], out_format="npz")
    res = run_batch(
        plan,
        PipelineConfig(smooth="off", detector="yolo11n.yaml"),
        engine="ray",
        workers=2,
        timeout_s=45,
        stages_factory=factory_ok,
    )
    by = {Path(j.input).name: j for j in res.jobs}
    assert by["a.mp4"].status == by["b.mp4"].status == "ok", res.jobs
    assert (out / "a.npz").is_file() and (out / "b.npz").is_file()
    assert by["bad.mp4"].status == "failed" and "not a video file" in by["bad.mp4"].error
    assert by["crash.mp4"].status == "failed" and "retries" in by["crash.mp4"].error
    assert by["hang.mp4"].status == "failed" and by["hang.mp4"].error_type == "Timeout"
    assert local_ray.is_initialized()  # a Ray the caller started is left running
    good = plan_jobs([src / "a.mp4", src / "b.mp4"], [out], out_format="npz")
    again = run_batch(
        good,
        PipelineConfig(smooth="off", detector="yolo11n.yaml"),
        engine="ray",
        stages_factory=factory_ok,
    )
    assert [j.status for j in again.jobs] == ["skipped", "skipped"]

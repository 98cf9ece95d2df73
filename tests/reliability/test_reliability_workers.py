"""Workers that die or hang while starting, and a batch whose parent is killed: never a hang."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from _hostile import factory_dies_at_startup, factory_hangs_in_native_code

from mocap.batch import local, plan_jobs, run_batch
from mocap.config import PipelineConfig


@pytest.mark.timeout(120)
def test_worker_dying_at_startup_is_given_up_naming_its_last_stderr_line(
    tmp_path: Path, clips: Path, cfg: PipelineConfig
) -> None:
    plan = plan_jobs([clips], [tmp_path / "out"], out_format="npz")
    res = run_batch(plan, cfg, workers=2, stages_factory=factory_dies_at_startup)
    assert [j.status for j in res.jobs] == ["failed"] * 3
    error = res.jobs[0].error
    assert f"died while starting {local.MAX_STARTUP_DEATHS} times (last exit code 134)" in error
    assert error.endswith("libcuda.so.1: cannot open shared object file")
    assert res.report_json.is_file()


@pytest.mark.slow  # waits for a watchdog deadline three times
@pytest.mark.timeout(180)
def test_worker_hanging_in_native_code_at_startup_is_killed_and_given_up(
    tmp_path: Path, clips: Path, cfg: PipelineConfig
) -> None:
    plan = plan_jobs([clips], [tmp_path / "out"], out_format="npz")
    # Long enough for a worker to import its modules and reach the factory on a loaded 2-core
    # machine (1.5 s was not: under load the worker was killed before writing its line).
    deadline = 10.0
    t0 = time.monotonic()
    res = run_batch(
        plan,
        cfg,
        workers=1,
        stages_factory=factory_hangs_in_native_code,
        startup_timeout_s=deadline,
    )
    took = time.monotonic() - t0
    assert [j.status for j in res.jobs] == ["failed"] * 3
    assert {j.error_type for j in res.jobs} == {"WorkerStartFailed"}
    error = res.jobs[0].error
    assert f"hung while starting {local.MAX_STARTUP_DEATHS} times" in error
    assert "not ready after 10 s" in error
    assert error.endswith("its last error output: initialising the GPU driver")
    # three deadlines plus process start-up, not the 3600 s the worker would sleep
    assert deadline * local.MAX_STARTUP_DEATHS <= took < 120
    assert not list((tmp_path / "out").glob("*.npz"))

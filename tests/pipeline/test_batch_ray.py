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
        cpus_per_actor=1,
    )
    by = {Path(j.input).name: j for j in res.jobs}
    assert by["a.mp4"].status == by["b.mp4"].status == "ok", res.jobs
    assert (out / "a.npz").is_file() and (out / "b.npz").is_file()
    assert by["bad.mp4"].status == "failed" and "not a video file" in by["bad.mp4"].error
    crash = by["crash.mp4"]
    assert crash.status == "failed" and "died" in crash.error and crash.attempts == 3
    assert by["hang.mp4"].status == "failed" and by["hang.mp4"].error_type == "Timeout"
    # 3 actors died on crash.mp4 and 1 was killed on hang.mp4; every actor (replacements too)
    # loaded the models once, and between them they finished a, b and bad
    assert [w.loads for w in res.workers] == [1] * len(res.workers) and len(res.workers) >= 4
    assert sum(w.videos for w in res.workers) == 3
    assert local_ray.is_initialized()  # a Ray the caller started is left running
    good = plan_jobs([src / "a.mp4", src / "b.mp4"], [out], out_format="npz")
    again = run_batch(
        good,
        PipelineConfig(smooth="off", detector="yolo11n.yaml"),
        engine="ray",
        stages_factory=factory_ok,
    )
    assert [j.status for j in again.jobs] == ["skipped", "skipped"]


def _rows(jobs, root: Path) -> dict[str, tuple]:
    """Report/manifest rows keyed by input name, without times and with outputs relative."""
    return {
        Path(j["input"]).name: (
            j["status"],
            j["people"],
            j["frames"],
            j["error_type"],
            j["attempts"],
            sorted(Path(o).relative_to(root).as_posix() for o in j["outputs"]),
        )
        for j in jobs
    }


def test_actor_pool_loads_models_once_per_actor_and_matches_local(local_ray, tmp_path: Path):
    """Real stages (rule-filled CLIFF res50, synthetic SMPL, box files) on 6 clips, 2 actors."""
    import json

    import numpy as np
    from e2e_assets import write_checkpoint, write_mot, write_smpl, write_video

    from mocap.batch.manifest import Manifest

    clips, boxes = tmp_path / "clips", tmp_path / "boxes"
    clips.mkdir()
    boxes.mkdir()
    write_video(clips / "v0.mp4", frames=6)
    for i in range(6):
        if i:
            (clips / f"v{i}.mp4").write_bytes((clips / "v0.mp4").read_bytes())
        write_mot(boxes / f"v{i}.txt", frames=6)
    (clips / "v5.mp4").write_bytes(b"BAD!")  # a video error: failed, not retried
    config = PipelineConfig(
        checkpoint=write_checkpoint(tmp_path / "res50.pt"),
        smpl_model=write_smpl(tmp_path / "SMPL_NEUTRAL.pkl"),
        boxes=boxes,
        device="cpu",
        smooth="off",
    )
    runs = {}
    for engine, workers in (("local", 1), ("ray", 2)):
        out = tmp_path / engine
        out.mkdir()
        (out / "v4.npz").write_bytes(b"kept")  # outputs exist: skipped by both engines
        plan = plan_jobs([clips], [out], out_format="npz")
        res = run_batch(plan, config, engine=engine, workers=workers, cpus_per_actor=1)
        runs[engine] = (res, out)
    (ray_res, ray_out), (local_res, local_out) = runs["ray"], runs["local"]
    # one model load per actor, each actor fed several videos: 2 actors, 5 videos processed
    assert [w.loads for w in ray_res.workers] == [1, 1], ray_res.workers
    assert sum(w.videos for w in ray_res.workers) == 5
    assert [w.loads for w in local_res.workers] == [1]
    # the same rows, manifest and report counts as the local engine
    status = {Path(j.input).name: j.status for j in ray_res.jobs}
    assert status == {
        **{f"v{i}.mp4": "ok" for i in range(4)},
        "v4.mp4": "skipped",
        "v5.mp4": "failed",
    }
    as_dicts = [[j.to_dict() for j in r.jobs] for r in (ray_res, local_res)]
    assert _rows(as_dicts[0], ray_out) == _rows(as_dicts[1], local_out)
    manifests = [Manifest(o).load().values() for o in (ray_out, local_out)]
    assert _rows(manifests[0], ray_out) == _rows(manifests[1], local_out)
    reports = [json.loads(r.report_json.read_text()) for r in (ray_res, local_res)]
    assert reports[0]["counts"] == reports[1]["counts"] == {"ok": 4, "skipped": 1, "failed": 1}
    assert reports[0]["workers"] == [{"loads": 1, "videos": v.videos} for v in ray_res.workers]
    for i in range(4):
        a, b = np.load(ray_out / f"v{i}.npz"), np.load(local_out / f"v{i}.npz")
        assert a.files == b.files
        for k in a.files:
            if a[k].dtype.kind == "f":
                np.testing.assert_allclose(a[k], b[k], rtol=1e-4, atol=1e-5, err_msg=k)
            else:
                assert np.array_equal(a[k], b[k]), k

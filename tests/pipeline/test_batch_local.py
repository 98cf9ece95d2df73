"""Folder runs on the local engine with fake stages: isolation, skipping, resume, reports."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from _pipeline_fakes import factory_dies, factory_fails, factory_ok
from typer.testing import CliRunner

from mocap.batch import plan_jobs, run_batch
from mocap.batch.manifest import Manifest
from mocap.cli import app
from mocap.cli_run import with_flags
from mocap.config import PipelineConfig
from mocap.errors import UsageError

CFG = PipelineConfig(smooth="off", detector="yolo11n.yaml")


def _videos(root: Path, names: list[str]) -> None:
    for n in names:
        p = root / n
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"BAD!" if "bad" in n else b"fake video " + n.encode())


def test_plan_keeps_layout_dedupes_and_rejects(tmp_path: Path) -> None:
    src = tmp_path / "clips"
    _videos(src, ["a.mp4", "sub/b.MOV", "sub/deeper/c.mkv", "notes.txt", ".hidden/d.mp4"])
    out = tmp_path / "out"
    plan = plan_jobs([src, src / "a.mp4", tmp_path / "missing.mp4"], [out], out_format="npz,glb")
    assert [j.rel.as_posix() for j in plan.jobs] == ["a.mp4", "sub/b.MOV", "sub/deeper/c.mkv"]
    assert plan.jobs[1].outputs == (out / "sub/b.npz", out / "sub/b.glb")
    assert [(p.name, why) for p, why in plan.rejected] == [
        ("missing.mp4", "input not found; check the path")
    ]


def test_plan_rejects_output_clashes_and_file_outputs(tmp_path: Path) -> None:
    _videos(tmp_path, ["x/a.mp4", "y/a.mp4"])
    plan = plan_jobs([tmp_path / "x/a.mp4", tmp_path / "y/a.mp4"], [tmp_path / "o"])
    assert len(plan.jobs) == 1 and "would overwrite those of" in plan.rejected[0][1]
    with pytest.raises(UsageError) as caught:
        plan_jobs([tmp_path / "x"], [tmp_path / "o.glb"])
    assert "--out must be one folder" in with_flags(str(caught.value))


@pytest.mark.slow  # several worker processes
def test_good_bad_crashing_and_duplicate_inputs(tmp_path: Path) -> None:
    src = tmp_path / "clips"
    _videos(src, ["good1.mp4", "bad.mp4", "nobody.mp4", "sub/good2.mp4", "crash.mp4"])
    out = tmp_path / "out"
    plan = plan_jobs([src, src / "good1.mp4"], [out], out_format="npz")
    events = []
    res = run_batch(
        plan, CFG, workers=2, timeout_s=60, progress=events.append, stages_factory=factory_ok
    )
    status = {Path(j.input).name: j for j in res.jobs}
    assert {k: v.status for k, v in status.items()} == {
        "bad.mp4": "failed",
        "crash.mp4": "failed",
        "good1.mp4": "ok",
        "nobody.mp4": "failed",
        "good2.mp4": "ok",
    }
    assert "not a video file" in status["bad.mp4"].error
    assert status["crash.mp4"].error_type == "WorkerCrashed" and status["crash.mp4"].attempts == 2
    assert status["nobody.mp4"].error_type == "NoPeopleFoundError"
    assert (out / "good1.npz").is_file() and (out / "sub/good2.npz").is_file()
    assert not (out / "bad.npz").exists() and not res.ok
    assert events[-1].stage == "videos" and events[-1].done == events[-1].total == 5
    doc = json.loads(res.report_json.read_text())
    assert doc["counts"] == {"ok": 2, "skipped": 0, "failed": 3}
    rows = list(csv.DictReader(res.report_csv.open()))
    assert sorted(r["status"] for r in rows) == ["failed", "failed", "failed", "ok", "ok"]
    assert not list(out.rglob(".*.part"))  # no partial output left


@pytest.mark.slow  # waits out a per-video timeout
def test_hanging_video_is_killed_and_the_rest_continue(tmp_path: Path) -> None:
    src = tmp_path / "clips"
    _videos(src, ["a_hang.mp4", "b.mp4"])
    res = run_batch(
        plan_jobs([src], [tmp_path / "out"], out_format="npz"),
        CFG,
        workers=1,
        timeout_s=8,
        stages_factory=factory_ok,
    )
    by = {Path(j.input).name: j for j in res.jobs}
    assert by["a_hang.mp4"].status == "failed" and by["a_hang.mp4"].error_type == "Timeout"
    assert by["b.mp4"].status == "ok"


@pytest.mark.slow  # several worker processes
def test_rerun_skips_done_and_existing_and_overwrite_redoes(tmp_path: Path) -> None:
    src = tmp_path / "clips"
    _videos(src, ["a.mp4", "b.mp4"])
    out = tmp_path / "out"
    plan = plan_jobs([src], [out], out_format="npz")
    first = run_batch(plan, CFG, stages_factory=factory_ok)
    assert [j.status for j in first.jobs] == ["ok", "ok"]
    stamp = (out / "a.npz").stat().st_mtime_ns
    again = run_batch(plan, CFG, stages_factory=factory_ok)
    assert [j.status for j in again.jobs] == ["skipped", "skipped"]
    assert again.jobs[0].error == "done in an earlier run"
    assert (out / "a.npz").stat().st_mtime_ns == stamp
    # a corrupted output (size differs) is not "done"; it exists, so without --overwrite it stays
    (out / "b.npz").write_bytes(b"x")
    third = run_batch(plan, CFG, stages_factory=factory_ok)
    assert third.jobs[1].status == "skipped" and "outputs exist" in third.jobs[1].error
    forced = run_batch(plan, CFG, overwrite=True, stages_factory=factory_ok)
    assert [j.status for j in forced.jobs] == ["ok", "ok"]
    assert (out / "b.npz").stat().st_size > 1
    # a changed config is a different job: outputs exist, so skipped, not silently mixed
    assert Manifest(out).load()


def test_a_model_that_cannot_load_fails_every_job_once(tmp_path: Path) -> None:
    src = tmp_path / "clips"
    _videos(src, ["a.mp4", "b.mp4"])
    res = run_batch(
        plan_jobs([src], [tmp_path / "out"], out_format="npz"), CFG, stages_factory=factory_fails
    )
    assert [j.status for j in res.jobs] == ["failed", "failed"]
    assert all("checkpoint is broken" in j.error for j in res.jobs)


@pytest.mark.timeout(120)
def test_a_worker_that_dies_while_starting_is_given_up_after_three_tries(tmp_path: Path) -> None:
    from mocap.batch import local

    src = tmp_path / "clips"
    _videos(src, ["a.mp4", "b.mp4", "c.mp4"])
    res = run_batch(
        plan_jobs([src], [tmp_path / "out"], out_format="npz"),
        CFG,
        workers=2,
        stages_factory=factory_dies,
    )
    assert [j.status for j in res.jobs] == ["failed"] * 3
    assert {j.error_type for j in res.jobs} == {"WorkerStartFailed"}
    error = res.jobs[0].error
    assert f"died while starting {local.MAX_STARTUP_DEATHS} times" in error
    assert "exit code 134" in error
    assert error.endswith("its last error output: fatal: CUDA driver initialisation failed")


def test_write_outputs_lets_the_writers_error_through_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import exporters
    from mocap.batch import write_outputs
    from mocap.errors import OutputExistsError

    target = tmp_path / "o" / "a.npz"

    class Refused(OutputExistsError):
        def __init__(self, message: str, path: Path) -> None:
            super().__init__(message)
            self.path = path  # an attribute a rebuilt exception would lose

    raised = Refused(f"output '{target}' already exists", target)

    def refuses(motion, path, overwrite=False):
        assert Path(path) == target  # written in place: the writer is atomic itself
        raise raised

    monkeypatch.setitem(exporters.WRITERS, ".npz", refuses)
    with pytest.raises(Refused) as caught:
        write_outputs(None, (target,))  # type: ignore[arg-type]
    assert caught.value is raised and caught.value.path == target


def test_partial_outputs_of_a_killed_writer_are_removed(tmp_path: Path) -> None:
    from mocap.batch.outputs import remove_partial_outputs

    names = [
        ".a.npz.1a2b3c.part",  # a.npz being written
        ".a_person2.bvh.4d5e6f.part",  # one of a.bvh's per-person files
        ".clip.v2_person1.amass.npz.0f0f0f.part",  # clip.v2.amass.npz, per person
        ".b.npz.1a2b3c.part",  # another job's output
        ".a.npz.part.keep",  # not a temp file
        "a.npz",  # a finished output
    ]
    for n in names:
        (tmp_path / n).write_bytes(b"x")
    remove_partial_outputs((tmp_path / "a.npz", tmp_path / "a.bvh", tmp_path / "clip.v2.amass.npz"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[3:])


def test_truncated_manifest_line_is_ignored(tmp_path: Path) -> None:
    src = tmp_path / "clips"
    _videos(src, ["a.mp4"])
    out = tmp_path / "out"
    plan = plan_jobs([src], [out], out_format="npz")
    run_batch(plan, CFG, stages_factory=factory_ok)
    with Manifest(out).path.open("a") as f:
        f.write('{"key": "abc", "status": "o')  # killed mid-write
    again = run_batch(plan, CFG, stages_factory=factory_ok)
    assert again.jobs[0].status == "skipped"


def test_cli_batch_exit_code_and_summary(tmp_path: Path, model_home: Path, fake_stages) -> None:
    src = tmp_path / "clips"
    _videos(src, ["good.mp4", "bad.mp4"])
    out = tmp_path / "out"
    r = CliRunner().invoke(
        app, [str(src), "--out", str(out), "--out-format", "npz", "--detector", "yolo11n.yaml"]
    )
    assert r.exit_code == 1, r.output
    assert "2 videos: 1 ok, 1 failed" in r.output and "failed: " in r.output
    assert "error: 1 of 2 videos failed" in r.output
    assert (out / "good.npz").is_file()
    r = CliRunner().invoke(
        app,
        [
            str(src / "good.mp4"),
            str(src / "good.mp4"),
            "--out",
            str(out),
            "--out-format",
            "npz",
            "--detector",
            "yolo11n.yaml",
        ],
    )
    assert r.exit_code == 0 and "1 video: 1 skipped" in r.output


def test_boxes_with_several_videos_is_a_usage_error(tmp_path: Path, model_home: Path) -> None:
    src = tmp_path / "clips"
    _videos(src, ["a.mp4", "b.mp4"])
    boxes = tmp_path / "det.txt"
    boxes.write_text("1,-1,1,1,5,5,0.9\n")
    r = CliRunner().invoke(app, [str(src), "--out", str(tmp_path / "o"), "--boxes", str(boxes)])
    assert r.exit_code == 2 and "--boxes FILE gives the boxes of one video" in r.output

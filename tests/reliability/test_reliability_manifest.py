"""Corrupt manifests never block a rerun: damaged lines are skipped with a warning naming the file
and line; an unreadable manifest is moved aside and the outputs on disk decide what is skipped."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from _hostile import factory_real_decoder

from mocap.batch import plan_jobs, run_batch
from mocap.batch.manifest import Manifest
from mocap.batch.runner import _open_run
from mocap.batch.types import JobResult
from mocap.cli_run import with_flags
from mocap.config import PipelineConfig


def _done_run(tmp_path: Path, cfg: PipelineConfig):
    """Two finished jobs recorded in a manifest, with their outputs (written by the test)."""
    src = tmp_path / "src"
    src.mkdir()
    for n in ("a.mp4", "b.mp4"):
        (src / n).write_bytes(b"video " + n.encode())
    out = tmp_path / "out"
    plan = plan_jobs([src], [out], out_format="npz")
    run = _open_run(plan, cfg)
    for job in plan.jobs:
        job.outputs[0].parent.mkdir(parents=True, exist_ok=True)
        job.outputs[0].write_bytes(b"npz of " + job.input.name.encode())
        result = JobResult(str(job.input), "ok", outputs=tuple(str(o) for o in job.outputs))
        run.manifest.append(run.keys[job], run.cfg, run.version, result)
    return out, plan


@pytest.mark.parametrize(
    "damage",
    [b"\xff\xfe\x00\x81 not utf-8\n", b'{"key": "abc", "status": "o', b"[1, 2, 3]\n", b"{]\n"],
    ids=["binary", "cut-short", "not-a-record", "bad-json"],
)
def test_damaged_line_is_skipped_with_a_warning_naming_file_and_line(
    tmp_path: Path, cfg: PipelineConfig, caplog: pytest.LogCaptureFixture, damage: bytes
) -> None:
    out, plan = _done_run(tmp_path, cfg)
    manifest = Manifest(out)
    lines = manifest.path.read_bytes().splitlines(keepends=True)
    manifest.path.write_bytes(lines[0] + damage)  # line 2 damaged (and the last line)
    with caplog.at_level(logging.WARNING, logger="mocap.batch.manifest"):
        res = run_batch(plan, cfg, stages_factory=factory_real_decoder)
    assert [j.status for j in res.jobs] == ["skipped", "skipped"]
    assert res.jobs[0].error == "done in an earlier run"  # its record is intact
    assert res.jobs[1].error.startswith("outputs exist")  # its record is the damaged line
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 1
    assert f"line 2 of the manifest {manifest.path}" in warned[0]


@pytest.mark.slow  # two batch runs in worker processes
def test_record_after_a_cut_short_line_starts_its_own_line(
    tmp_path: Path, cfg: PipelineConfig
) -> None:
    out, plan = _done_run(tmp_path, cfg)
    manifest = Manifest(out)
    with manifest.path.open("ab") as f:
        f.write(b'{"key": "abc", "stat')  # a kill mid-write
    before = set(manifest.load())
    (out / "a.npz").unlink()  # redo a: its record is appended after the damaged line
    run_batch(plan, cfg, stages_factory=factory_real_decoder)
    lines = manifest.path.read_bytes().splitlines()
    assert lines[2] == b'{"key": "abc", "stat'
    assert json.loads(lines[3])["status"] == "failed"  # readable, not glued to the damaged line
    assert set(manifest.load()) == before


def test_unreadable_manifest_is_moved_aside_and_outputs_decide(
    tmp_path: Path, cfg: PipelineConfig, caplog: pytest.LogCaptureFixture
) -> None:
    out, plan = _done_run(tmp_path, cfg)
    manifest = Manifest(out)
    manifest.path.unlink()
    manifest.path.mkdir()  # reading it fails with an OS error (as EIO or EACCES would)
    (out / "b.npz").unlink()
    with caplog.at_level(logging.WARNING, logger="mocap.batch.manifest"):
        res = run_batch(plan, cfg, stages_factory=factory_real_decoder)
    assert [j.status for j in res.jobs] == ["skipped", "failed"]  # a exists; b redone (not a video)
    assert res.jobs[1].error_type in ("VideoUnreadableError", "VideoError")
    (warned,) = [r.getMessage() for r in caplog.records]
    assert f"cannot read the manifest {manifest.path}" in warned and "moved to" in warned
    assert manifest.path.is_file() and len(manifest.load()) == 1  # b's new record
    assert len(list(manifest.path.parent.glob("manifest.jsonl.unreadable-*"))) == 1


def test_hostile_record_types_do_not_crash_the_resume(tmp_path: Path, cfg: PipelineConfig) -> None:
    out, plan = _done_run(tmp_path, cfg)
    manifest = Manifest(out)
    recs = [json.loads(line) for line in manifest.path.read_text().splitlines()]
    recs[0]["output_sizes"] = ["not", "a", "dict"]
    recs[1]["output_sizes"] = {str(out / "b.npz"): "12"}
    manifest.path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    res = run_batch(plan, cfg, stages_factory=factory_real_decoder)
    assert [with_flags(j.error) for j in res.jobs] == [
        "outputs exist (--overwrite replaces them)"
    ] * 2


def test_speed_and_placement_settings_do_not_invalidate_a_resume() -> None:
    """A resume after changing only how the work runs (device, batch sizes, device crops, compile)
    skips finished jobs; a setting that changes results makes them run again."""
    import dataclasses

    from mocap.batch.manifest import config_hash

    base = PipelineConfig()
    same = dataclasses.replace(
        base, device="cuda", batch_size=128, det_batch=64, crop_on_device=True, torch_compile=True
    )
    assert config_hash(same) == config_hash(base)
    assert config_hash(dataclasses.replace(base, det_conf=base.det_conf + 0.1)) != config_hash(base)

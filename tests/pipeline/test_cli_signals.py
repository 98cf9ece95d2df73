"""Signals on real processes: Ctrl-C exits 130 with no partial output; a batch killed with
SIGKILL resumes without redoing finished videos or corrupting outputs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from e2e_assets import write_run_assets

from mocap.batch import plan_jobs, run_batch
from mocap.batch.manifest import Manifest
from mocap.config import PipelineConfig

pytestmark = pytest.mark.slow
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(HERE), env.get("PYTHONPATH", "")])
    env.pop("CLIFFMOCAP_DEBUG", None)
    return env


def _cpu_seconds(pid: int) -> float:
    """CPU seconds of ``pid`` and its children (a single video runs in a worker process)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def test_sigint_exits_130_and_leaves_no_output(tmp_path: Path) -> None:
    assets = write_run_assets(tmp_path, frames=150)
    video, boxes, ckpt, smpl = (assets[k] for k in ("video", "boxes", "ckpt", "smpl"))
    out = tmp_path / "out"
    out.mkdir()
    cmd = [
        sys.executable,
        "-m",
        "mocap",
        str(video),
        "--out",
        str(out / "a.npz"),
        "--out",
        str(out / "a.glb"),
        "--boxes",
        str(boxes),
        "--checkpoint",
        str(ckpt),
        "--smpl",
        str(smpl),
        "--device",
        "cpu",
        "--batch-size",
        "8",
    ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 240
        while _cpu_seconds(proc.pid) < 12 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)  # imports done, models loaded, frames being processed
        assert proc.poll() is None, "finished before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        _stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1].startswith("error: interrupted")
    assert "Traceback" not in stderr
    assert list(out.iterdir()) == []


def test_batch_killed_with_sigkill_resumes_without_redoing(tmp_path: Path) -> None:
    src = tmp_path / "clips"
    src.mkdir()
    names = [f"slow_{i}.mp4" for i in range(6)]
    for n in names:
        (src / n).write_bytes(b"fake " + n.encode())
    out = tmp_path / "out"
    script = textwrap.dedent(f"""
        from pathlib import Path
        from _pipeline_fakes import factory_ok
        from mocap.batch import plan_jobs, run_batch
        from mocap.config import PipelineConfig
        plan = plan_jobs([Path({str(src)!r})], [Path({str(out)!r})], out_format="npz")
        run_batch(plan, PipelineConfig(smooth="off", detector="yolo11n.yaml"),
                  stages_factory=factory_ok)
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=_env(),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    manifest = Manifest(out)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            if sum(r["status"] == "ok" for r in manifest.load().values()) >= 2:
                break
            time.sleep(0.1)
        assert proc.poll() is None, "the batch finished before it was killed"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    done_before = {
        Path(r["input"]).name: r for r in manifest.load().values() if r["status"] == "ok"
    }
    assert 2 <= len(done_before) < 6
    finished = {
        Path(p).name: Path(p).stat().st_mtime_ns for r in done_before.values() for p in r["outputs"]
    }
    for p in out.glob("*.npz"):  # whatever is in place is complete
        assert np.load(p, allow_pickle=False)["schema"] == "cliffmocap/1"
    res = run_batch(
        plan_jobs([src], [out], out_format="npz"),
        PipelineConfig(smooth="off", detector="yolo11n.yaml"),
        stages_factory=__import__("_pipeline_fakes").factory_ok,
    )
    status = {Path(j.input).name: (j.status, j.error) for j in res.jobs}
    for name in done_before:
        assert status[name] == ("skipped", "done in an earlier run")
    assert all(s in ("ok", "skipped") for s, _ in status.values())
    assert sum(s == "ok" for s, _ in status.values()) == 6 - len(done_before)
    for name, mtime in finished.items():
        assert (out / name).stat().st_mtime_ns == mtime  # not redone
    assert sorted(p.name for p in out.glob("*.npz")) == sorted(
        n.replace(".mp4", ".npz") for n in names
    )
    assert not list(out.rglob(".*.part"))  # no partial output left


def test_ctrl_c_in_a_batch_exits_130_with_a_report(tmp_path: Path, model_home: Path) -> None:
    src = tmp_path / "clips"
    src.mkdir()
    for i in range(5):
        (src / f"slow_{i}.mp4").write_bytes(b"fake")
    out = tmp_path / "out"
    script = textwrap.dedent(f"""
        import _pipeline_fakes, mocap.batch.worker as worker
        worker.default_stages_factory = _pipeline_fakes.factory_ok
        from mocap.cli import main
        main([{str(src)!r}, "--out", {str(out)!r}, "--out-format", "npz",
              "--detector", "yolo11n.yaml"])
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=_env(),
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    manifest = Manifest(out)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            if any(r["status"] == "ok" for r in manifest.load().values()):
                break
            time.sleep(0.1)
        assert proc.poll() is None, "the batch finished before it was interrupted"
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1].startswith("error: interrupted")
    reports = list(out.glob("cliffmocap-report-*.json"))
    assert len(reports) == 1
    doc = __import__("json").loads(reports[0].read_text())
    assert doc["counts"]["ok"] >= 1
    assert any(j["error_type"] == "Interrupted" for j in doc["jobs"])
    assert not list(out.rglob(".*.part"))  # no partial output left
    for p in out.glob("*.npz"):
        assert np.load(p, allow_pickle=False)["schema"] == "cliffmocap/1"

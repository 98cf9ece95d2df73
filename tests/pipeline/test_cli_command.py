"""The cliffmocap command in process (CliRunner): options, exit codes, one-line errors."""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import mocap
from mocap.cli import app
from mocap.config import PipelineConfig

runner = CliRunner()


def invoke(*args: str, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


def test_help_lists_every_option_with_help() -> None:
    r = invoke("--help")
    assert r.exit_code == 0
    for opt in (
        "--out",
        "--checkpoint",
        "--smpl",
        "--detector",
        "--boxes",
        "--smooth",
        "--device",
        "--batch-size",
        "--fov",
        "--focal",
        "--engine",
        "--address",
        "--overwrite",
        "--debug",
        "--version",
        "--out-format",
        "--workers",
        "--timeout",
        "--space",
        "--foot-lock",
    ):
        assert opt in r.output
    assert "off|light|medium|heavy" in r.output.replace(" ", "")
    assert "world|camera" in r.output.replace(" ", "")


def test_version() -> None:
    r = invoke("--version")
    assert r.exit_code == 0 and r.output.strip() == f"cliffmocap {mocap.__version__}"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--detector", "y.pt", "--boxes", "b.txt"], "--detector and --boxes both given"),
        (["--fov", "60", "--focal", "1000"], "--focal and --fov both given"),
        (["--address", "auto"], "--address needs --engine ray"),
    ],
)
def test_contradicting_options_are_usage_errors(clip: Path, tmp_path: Path, args, message) -> None:
    r = invoke(clip, "--out", tmp_path / "a.npz", *args)
    assert r.exit_code == 2
    assert r.output.strip() == f"error: {message}: pass only one of them." or message in r.output
    assert "Traceback" not in r.output


def test_click_level_usage_errors_exit_2(clip: Path) -> None:
    assert invoke(clip).exit_code == 2  # no --out
    assert invoke(clip, "--out", "a.npz", "--smooth", "extreme").exit_code == 2
    assert invoke(clip, "--out", "a.npz", "--batch-size", "0").exit_code == 2


def test_missing_input_is_one_line(tmp_path: Path, model_home: Path) -> None:
    r = invoke(tmp_path / "nope.mp4", "--out", tmp_path / "a.npz")
    assert r.exit_code == 1
    assert r.output.strip().splitlines() == [
        f"error: input video not found: {tmp_path / 'nope.mp4'}; check the path."
    ]


def test_missing_model_file_names_it_and_how_to_fix(
    clip: Path, tmp_path: Path, model_home: Path
) -> None:
    (model_home / "SMPL_NEUTRAL.pkl").unlink()
    r = invoke(clip, "--out", tmp_path / "a.npz")
    assert r.exit_code == 1
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: SMPL model not found: ")
    assert "SMPL_NEUTRAL.pkl" in lines[0] and "--smpl" in lines[0]
    assert not (tmp_path / "a.npz").exists()


def test_debug_flag_and_env_show_the_traceback(
    clip: Path, tmp_path: Path, model_home: Path
) -> None:
    (model_home / "SMPL_NEUTRAL.pkl").unlink()
    r = invoke(clip, "--out", tmp_path / "a.npz", "--debug")
    assert (
        r.exit_code == 1 and "Traceback" in r.output and "error: SMPL model not found" in r.output
    )
    r = invoke(clip, "--out", tmp_path / "a.npz", env={"CLIFFMOCAP_DEBUG": "1"})
    assert r.exit_code == 1 and "Traceback" in r.output


def test_one_video_writes_every_output(
    clip: Path, tmp_path: Path, model_home: Path, fake_stages
) -> None:
    from exporters import read_npz

    out = tmp_path / "res" / "a.npz"
    r = invoke(clip, "--out", out, "--out", tmp_path / "b.npz", "--smooth", "off")
    assert r.exit_code == 0, r.output
    assert "2 people, 12 frames" in r.output and f"wrote {out}" in r.output
    motion = read_npz(out)
    assert [p.track_id for p in motion.people] == [1, 2]
    assert (tmp_path / "b.npz").is_file()
    assert not list(out.parent.glob(".*"))  # no temp files left


def test_existing_output_needs_overwrite(
    clip: Path, tmp_path: Path, model_home: Path, fake_stages
) -> None:
    out = tmp_path / "a.npz"
    out.write_bytes(b"keep me")
    r = invoke(clip, "--out", out)
    assert r.exit_code == 1 and "--overwrite" in r.output and "exists" in r.output
    assert out.read_bytes() == b"keep me"
    r = invoke(clip, "--out", out, "--overwrite")
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:2] == b"PK"


def test_unsupported_output_suffix(clip: Path, tmp_path: Path, model_home: Path) -> None:
    r = invoke(clip, "--out", tmp_path / "a.mp3")
    assert r.exit_code == 2  # a usage mistake (README: 2 = usage)
    assert "unsupported output" in r.output and ".glb" in r.output and ".npz" in r.output


def test_unwritable_output_folder(
    clip: Path, tmp_path: Path, model_home: Path, fake_stages
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    r = invoke(clip, "--out", blocker / "a.npz")
    assert r.exit_code == 1
    assert r.output.strip().startswith(f"error: cannot write {blocker / 'a.npz'}")
    assert len(r.output.strip().splitlines()) == 1


def test_disk_full_leaves_no_partial_file(
    clip: Path,
    tmp_path: Path,
    model_home: Path,
    fake_stages,
    monkeypatch: pytest.MonkeyPatch,
    single_in_process,
) -> None:
    import exporters

    def full_disk(motion, path, overwrite=False, **kw):
        # an atomic writer (like every real one) whose disk fills up: its temp file goes away
        tmp = Path(path).with_name(f".{Path(path).name}.part")
        try:
            tmp.write_bytes(b"half")
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        finally:
            tmp.unlink()

    monkeypatch.setitem(exporters.WRITERS, ".npz", full_disk)
    out = tmp_path / "o" / "a.npz"
    r = invoke(clip, "--out", out)
    assert r.exit_code == 1
    assert (
        r.output.strip()
        == f"error: cannot write {out}: no space left on device; free some space or choose "
        "another --out."
    )
    assert list(out.parent.iterdir()) == []


def test_no_people_found(tmp_path: Path, model_home: Path, fake_stages) -> None:
    clip = tmp_path / "nobody.mp4"
    clip.write_bytes(b"x")
    r = invoke(clip, "--out", tmp_path / "a.npz")
    assert r.exit_code == 1 and r.output.startswith("error: no people found in ")
    assert not (tmp_path / "a.npz").exists()


def test_interrupt_exits_130(
    clip: Path, tmp_path: Path, model_home: Path, monkeypatch, single_in_process
) -> None:
    import mocap.pipeline

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(mocap.pipeline, "run", interrupted)
    r = invoke(clip, "--out", tmp_path / "a.npz")
    assert r.exit_code == 130 and "interrupted" in r.output


def test_bugs_are_one_line_without_debug(
    clip: Path, tmp_path: Path, model_home: Path, monkeypatch, single_in_process
) -> None:
    import mocap.pipeline

    def buggy(*a, **k):
        return np.zeros(3)[5]

    monkeypatch.setattr(mocap.pipeline, "run", buggy)
    r = invoke(clip, "--out", tmp_path / "a.npz")
    assert r.exit_code == 1
    assert r.output.startswith("error: internal error (IndexError") and "--debug" in r.output
    assert "Traceback" not in r.output


def test_options_reach_the_pipeline_config(
    clip: Path, tmp_path: Path, model_home: Path, monkeypatch, single_in_process
) -> None:
    import mocap.batch

    seen = {}

    def capture(job, config, **kw):
        seen["config"] = config
        raise mocap.errors.NoPeopleFoundError("stop here")

    monkeypatch.setattr(mocap.batch, "process_video", capture)
    r = invoke(
        clip,
        "--out",
        tmp_path / "a.glb",
        "--smooth",
        "heavy",
        "--device",
        "cpu",
        "--batch-size",
        "7",
        "--fov",
        "60",
        "--max-people",
        "2",
        "--det-conf",
        "0.3",
        "--precision",
        "fp32",
        "--decoder",
        "pyav",
        "--detector",
        "yolo11n.yaml",
        "--min-track-s",
        "0.8",
        "--max-gap-s",
        "0.5",
        "--min-observed-share",
        "0.6",
        "--min-track-score",
        "0.7",
        "--space",
        "camera",
        "--foot-lock",
        "off",
    )
    assert r.exit_code == 1
    c = seen["config"]
    tracking = (c.min_track_s, c.max_gap_s, c.min_observed_share, c.min_track_score)
    assert tracking == (0.8, 0.5, 0.6, 0.7)
    assert (c.space, c.foot_lock) == ("camera", False)
    assert PipelineConfig().space == "world" and PipelineConfig().foot_lock
    assert (
        c.smooth,
        c.device,
        c.batch_size,
        c.fov,
        c.max_people,
        c.det_conf,
        c.precision,
        c.decoder,
        c.detector,
    ) == ("heavy", "cpu", 7, 60.0, 2, 0.3, "fp32", "pyav", "yolo11n.yaml")


def test_python_dash_m_and_exit_codes_in_a_real_process(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    run = lambda *a: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "mocap", *a], cwd=root, capture_output=True, text=True, timeout=120
    )
    r = run("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"cliffmocap {mocap.__version__}"
    r = run(str(tmp_path / "x.mp4"))
    assert r.returncode == 2 and "Missing option '--out'" in r.stderr
    r = run(str(tmp_path / "x.mp4"), "--out", str(tmp_path / "x.npz"))
    assert r.returncode == 1 and r.stderr.strip() == (
        f"error: input video not found: {tmp_path / 'x.mp4'}; check the path."
    )


def test_the_command_line_layer_does_not_import_torch() -> None:
    import subprocess
    import sys

    code = "import sys, mocap.cli, mocap.batch, mocap.pipeline; print('torch' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_rig_option_reaches_the_writers(
    clip: Path, tmp_path: Path, model_home: Path, monkeypatch
) -> None:
    import json

    import _pipeline_fakes

    import mocap.batch.worker
    import mocap.pipeline.capture

    with_body = _pipeline_fakes.factory_with_body
    monkeypatch.setattr(mocap.pipeline.capture, "load_stages", with_body)
    monkeypatch.setattr(mocap.batch.worker, "default_stages_factory", with_body)
    out = tmp_path / "a.glb"
    r = invoke(clip, "--out", out, "--out", tmp_path / "a.bvh", "--rig", "ue5", "--smooth", "off")
    assert r.exit_code == 0, r.output
    data = out.read_bytes()
    doc = json.loads(data[20 : 20 + int.from_bytes(data[12:16], "little")])
    names = {n.get("name") for n in doc["nodes"]}
    assert {"root", "pelvis", "thigh_l", "upperarm_r"} <= names and "left_hip" not in names
    bvh = list(tmp_path.glob("a_person*.bvh"))
    assert len(bvh) == 2 and all("ROOT root" in p.read_text() for p in bvh)
    assert invoke(clip, "--out", out, "--rig", "maya").exit_code == 2

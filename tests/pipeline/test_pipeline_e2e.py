"""End to end with the real stages: rule-filled CLIFF res50 checkpoint (official container),
synthetic SMPL model, a synthetic H.264 clip and a MOTChallenge box file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from e2e_assets import (
    FPS,
    person_boxes,
    write_run_assets,
)
from typer.testing import CliRunner

from mocap.cli import app

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture(scope="session")
def assets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_run_assets(tmp_path_factory.mktemp("e2e"))


def _base(assets: dict[str, Path]) -> list[str]:
    return [
        "--checkpoint",
        str(assets["ckpt"]),
        "--smpl",
        str(assets["smpl"]),
        "--device",
        "cpu",
        "--smooth",
        "off",
    ]


@pytest.fixture(scope="session")
def direct(assets: dict[str, Path]) -> dict[tuple[int, int], object]:
    """What the CLIFF core computes for every detection, one crop at a time."""
    from mocap.crop import prepare_crops
    from mocap.regress import CliffRegressor
    from mocap.video import open_video
    from mocap.weights import load_cliff

    reg = CliffRegressor(load_cliff(assets["ckpt"]), device="cpu", precision="fp32", batch_size=1)
    out = {}
    with open_video(assets["video"]) as src:
        for batch in src:
            for img, f in zip(batch.images, batch.indices, strict=True):
                people = person_boxes(int(f))
                boxes = np.array(
                    [[x, y, x + w, y + h] for x, y, w, h in people.values()], np.float32
                )
                r = reg(prepare_crops(img, boxes))
                for j, tid in enumerate(people):
                    out[(tid, int(f))] = (r.pose_aa[j], r.betas[j], r.cam_crop[j], r.transl[j])
    return out


@pytest.fixture(scope="session")
def off_run(assets, tmp_path_factory: pytest.TempPathFactory):
    """One CLI run with smoothing off writing .npz, .glb and .bvh."""
    out = tmp_path_factory.mktemp("res")
    args = [
        str(assets["video"]),
        "--out",
        str(out / "a.npz"),
        "--out",
        str(out / "a.glb"),
        "--out",
        str(out / "a.bvh"),
        "--boxes",
        str(assets["boxes"]),
        *_base(assets),
    ]
    return runner.invoke(app, args), out


def test_boxes_to_npz_glb_bvh(off_run, direct) -> None:
    from bvh import Bvh
    from pygltflib import GLTF2

    from exporters import read_npz

    r, out = off_run
    assert r.exit_code == 0, r.output
    assert "2 people, 12 frames" in r.output
    data = np.load(out / "a.npz", allow_pickle=False)
    assert str(data["schema"]) == "cliffmocap/1" and str(data["variant"]) == "res50"
    assert len(data["frame"]) == 24 and data["observed"].all()
    for k in range(24):
        pose, betas, cam, transl = direct[(int(data["track_id"][k]), int(data["frame"][k]))]
        np.testing.assert_allclose(data["global_orient"][k], pose[0], atol=2e-5)
        np.testing.assert_allclose(data["body_pose"][k], pose[1:], atol=2e-5)
        np.testing.assert_allclose(data["frame_betas"][k], betas, atol=2e-5)
        np.testing.assert_allclose(data["cam_crop"][k], cam, atol=2e-5)
        np.testing.assert_allclose(data["transl"][k], transl, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(data["time"][data["track_id"] == 1], np.arange(12) / FPS, atol=1e-3)
    motion = read_npz(out / "a.npz")
    assert [p.track_id for p in motion.people] == [1, 2]
    gltf = GLTF2().load(str(out / "a.glb"))
    assert len(gltf.skins) == 2 and len(gltf.animations) >= 1
    bvhs = sorted(out.glob("a*.bvh"))
    assert len(bvhs) == 2
    for path in bvhs:
        mocap_bvh = Bvh(path.read_text())
        assert mocap_bvh.nframes == 12 and len(mocap_bvh.get_joints()) == 24
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_smoothing_is_the_smoothing_module_on_the_raw_rows(assets, off_run, tmp_path: Path) -> None:
    from exporters import read_npz
    from mocap.smoothing import smooth_sequence

    out = tmp_path / "s.npz"
    args = [
        str(assets["video"]),
        "--out",
        str(out),
        "--boxes",
        str(assets["boxes"]),
        *_base(assets)[:-2],
        "--smooth",
        "heavy",
    ]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    raw = read_npz(off_run[1] / "a.npz")
    smoothed = read_npz(out)
    for p_raw, p_s in zip(raw.people, smoothed.people, strict=True):
        want = smooth_sequence(p_raw, "heavy")
        np.testing.assert_allclose(p_s.transl, want.transl, atol=1e-5)
        np.testing.assert_allclose(p_s.poses, want.poses, atol=1e-5)
        np.testing.assert_allclose(p_s.frame_betas, p_raw.frame_betas, atol=1e-6)  # kept per frame
        np.testing.assert_allclose(p_s.cam_crop, p_raw.cam_crop, atol=1e-6)


def test_yolo_yaml_model_finds_nobody(assets, tmp_path: Path) -> None:
    """A new user's first run (fresh, empty per-user folders): one clean error line, and
    Ultralytics' settings land in our cache folder, not in the user's global config."""
    fresh = {k: tmp_path / k.lower() for k in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")}
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOLO_")}
    env.update({k: str(v) for k, v in fresh.items()})
    out = tmp_path / "y.npz"
    cmd = [sys.executable, "-m", "mocap", str(assets["video"]), "--out", str(out)]
    cmd += ["--detector", "yolo11n.yaml", *_base(assets)]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert r.returncode == 1, r.stdout + r.stderr
    assert (r.stdout + r.stderr).startswith(f"error: no people found in {assets['video']}"), (
        r.stdout + r.stderr
    )
    assert not out.exists()
    assert list((fresh["XDG_CACHE_HOME"] / "cliffmocap" / "ultralytics").rglob("settings.json"))
    assert not (fresh["XDG_CONFIG_HOME"] / "Ultralytics").exists()


def test_real_batch_good_bad_and_duplicate(assets, tmp_path: Path) -> None:
    clips = tmp_path / "clips"
    (clips / "sub").mkdir(parents=True)
    shutil.copy(assets["video"], clips / "good.mp4")
    shutil.copy(assets["video"], clips / "sub" / "other.mp4")
    (clips / "broken.mp4").write_text("not a video")
    boxes = tmp_path / "boxes"
    boxes.mkdir()
    for stem in ("good", "other", "broken"):
        shutil.copy(assets["boxes"], boxes / f"{stem}.txt")
    out = tmp_path / "out"
    r = runner.invoke(
        app,
        [
            str(clips),
            str(clips / "good.mp4"),
            "--out",
            str(out),
            "--out-format",
            "npz,glb",
            "--boxes",
            str(boxes),
            *_base(assets),
        ],
    )
    assert r.exit_code == 1, r.output
    assert "3 videos: 2 ok, 1 failed" in r.output and "broken.mp4" in r.output
    for rel in ("good.npz", "good.glb", "sub/other.npz", "sub/other.glb"):
        assert (out / rel).is_file()
    assert not (out / "broken.npz").exists()


def test_missing_checkpoint_stops_before_decoding(assets, tmp_path: Path) -> None:
    r = runner.invoke(
        app,
        [
            str(tmp_path / "no-video.mp4"),
            "--out",
            str(tmp_path / "a.npz"),
            "--checkpoint",
            str(tmp_path / "none.pt"),
            "--smpl",
            str(assets["smpl"]),
            "--boxes",
            str(assets["boxes"]),
        ],
    )
    # the input check comes first (it costs nothing), then the model files: both one line, exit 1
    assert r.exit_code == 1 and r.output.count("\n") == 1
    r = runner.invoke(
        app,
        [
            str(assets["video"]),
            "--out",
            str(tmp_path / "a.npz"),
            "--checkpoint",
            str(tmp_path / "none.pt"),
            "--smpl",
            str(assets["smpl"]),
            "--boxes",
            str(assets["boxes"]),
        ],
    )
    assert (
        r.exit_code == 1 and "CLIFF checkpoint not found" in r.output and "--checkpoint" in r.output
    )

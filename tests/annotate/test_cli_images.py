"""The command line on images, end to end with real stages (rule-filled CLIFF res50 checkpoint,
synthetic SMPL): photos -> npz + pseudo-GT files; an image folder + COCO keypoints -> one
pseudo-GT file; a numbered folder -> a tracked sequence. Corrupt images are failed items."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from mocap.cli import app
from mocap.cliffgt import read_cliffgt
from mocap.testing.assets import write_checkpoint, write_smpl

pytestmark = pytest.mark.slow
runner = CliRunner()
BOX = [40.0, 30.0, 110.0, 170.0]  # x1, y1, x2, y2 of the "person" drawn on every image


@pytest.fixture(scope="module")
def assets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("img-e2e")
    return {
        "ckpt": write_checkpoint(root / "res50-rule.pt"),
        "smpl": write_smpl(root / "SMPL_NEUTRAL.pkl"),
    }


def _base(assets: dict[str, Path]) -> list[str]:
    return ["--checkpoint", str(assets["ckpt"]), "--smpl", str(assets["smpl"]), "--device", "cpu"]


def _image(seed: int, size: tuple[int, int] = (200, 180)) -> Image.Image:
    rng = np.random.default_rng(seed)
    img = np.full((size[1], size[0], 3), 90, np.uint8)
    x1, y1, x2, y2 = (int(v) for v in BOX)
    img[y1:y2, x1:x2] = rng.integers(100, 255, 3)
    return Image.fromarray(img)


def _boxes(folder: Path, stems: list[str]) -> Path:
    folder.mkdir()
    for stem in stems:
        (folder / f"{stem}.json").write_text(json.dumps({"frames": {"0": [[*BOX, 0.9]]}}))
    return folder


def _glb_json(path: Path) -> str:
    """The JSON chunk of a binary glTF file."""
    data = path.read_bytes()
    length = int.from_bytes(data[12:16], "little")
    return data[20 : 20 + length].decode("utf-8")


def test_photos_to_npz_and_pseudo_gt(assets, tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    _image(0).save(photos / "beach.jpg")
    _image(1, (180, 200)).save(photos / "hotel.png")
    (photos / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    boxes = _boxes(tmp_path / "boxes", ["beach", "hotel", "broken"])
    out = tmp_path / "out"
    args = [
        str(photos),
        "--out",
        str(out),
        "--out-format",
        "npz,cliffgt.npz,glb",
        "--boxes",
        str(boxes),
    ]
    r = runner.invoke(app, [*args, *_base(assets)])
    assert r.exit_code == 1, r.output
    assert "3 videos: 2 ok, 1 failed" in r.output and "broken.jpg" in r.output
    for stem, size in (("beach", (200, 180)), ("hotel", (180, 200))):
        gt = read_cliffgt(out / f"{stem}.cliffgt.npz")
        assert gt.imgname.tolist() == [photos.joinpath(stem).with_suffix(
            ".jpg" if stem == "beach" else ".png").name]  # fmt: skip
        np.testing.assert_allclose(gt.focal_l, np.hypot(*size))
        np.testing.assert_allclose(gt.center[0], [75.0, 100.0], atol=1e-4)
        res = np.load(out / f"{stem}.npz", allow_pickle=False)
        np.testing.assert_allclose(res["transl"], gt.global_t)
        np.testing.assert_allclose(res["image_size"], size)
        glb = json.loads(_glb_json(out / f"{stem}.glb"))
        assert len(glb["skins"]) == 1  # one posed character per person
    assert not (out / "broken.npz").exists()
    report = json.loads(next(out.glob("*.json")).read_text())
    assert "broken.jpg" in json.dumps(report)


def test_keypoints_json_to_pseudo_gt(assets, tmp_path: Path) -> None:
    images = tmp_path / "images"
    images.mkdir()
    entries, anns = [], []
    for k in range(3):
        _image(k).save(images / f"{k}.jpg")
        entries.append({"id": k, "file_name": f"{k}.jpg", "width": 200, "height": 180})
        kp = np.zeros((17, 3))
        kp[:, 0] = np.linspace(50, 100, 17)
        kp[:, 1] = np.linspace(40, 160, 17)
        kp[:, 2] = 2
        x1, y1, x2, y2 = BOX
        anns.append({"id": 10 + k, "image_id": k, "keypoints": kp.ravel().tolist(),
                     "bbox": [x1, y1, x2 - x1, y2 - y1]})  # fmt: skip
    (images / "2.jpg").write_bytes(b"garbage")
    (tmp_path / "coco.json").write_text(json.dumps({"images": entries, "annotations": anns}))
    out = tmp_path / "labels.cliffgt.npz"
    args = [str(images), "--keypoints", str(tmp_path / "coco.json"), "--out", str(out)]
    r = runner.invoke(app, [*args, "--fit", "params", "--fit-iters", "30", *_base(assets)])
    assert r.exit_code == 1, r.output
    assert "2 people on 2 images labelled" in r.output and "failed: 2.jpg" in r.output
    gt = read_cliffgt(out)
    assert gt.imgname.tolist() == ["0.jpg", "1.jpg"] and gt.annot_id.tolist() == [10, 11]
    report = json.loads((tmp_path / "labels.cliffgt.report.json").read_text())
    assert report["failed"][0]["image"] == "2.jpg"
    assert report["mean_px_error_after"] < report["mean_px_error_before"]
    # network mode, one step: runs the fine-tuning path end to end
    out2 = tmp_path / "net.cliffgt.npz"
    args2 = [str(images), "--keypoints", str(tmp_path / "coco.json"), "--out", str(out2)]
    r = runner.invoke(app, [*args2, "--fit-iters", "1", "--fit-lr", "1e-6", *_base(assets)])
    assert r.exit_code == 1 and len(read_cliffgt(out2)) == 2, r.output
    r = runner.invoke(app, [*args2, *_base(assets)])
    assert r.exit_code == 1 and "output exists" in r.output


def test_numbered_folder_is_a_tracked_sequence(assets, tmp_path: Path) -> None:
    frames = tmp_path / "walk"
    frames.mkdir()
    for k in range(4):
        _image(0).save(frames / f"frame_{k:03d}.png")
    boxes = tmp_path / "boxes"
    boxes.mkdir()
    rows = [{str(k): [[*BOX, 0.9]] for k in range(4)}]
    (boxes / "walk.json").write_text(json.dumps({"frames": rows[0]}))
    out = tmp_path / "out"
    args = [
        str(frames),
        "--out",
        str(out),
        "--out-format",
        "npz",
        "--boxes",
        str(boxes),
        "--fps",
        "5",
    ]
    r = runner.invoke(app, [*args, *_base(assets), "--smooth", "off"])
    assert r.exit_code == 0, r.output
    res = np.load(out / "walk.npz", allow_pickle=False)
    assert float(res["fps"]) == 5.0 and res["frame"].tolist() == [0, 1, 2, 3]
    assert len(set(res["track_id"].tolist())) == 1


def test_pose_detector_labels_images_without_annotations(assets, tmp_path: Path) -> None:
    """A randomly initialised Ultralytics pose model (no weights) finds 'people' at conf 0."""
    images = tmp_path / "images"
    images.mkdir()
    _image(0).save(images / "a.jpg")
    out = tmp_path / "det.cliffgt.npz"
    args = [str(images), "--pose-detector", "yolo11n-pose.yaml", "--det-conf", "0.0",
            "--max-people", "2", "--out",
            str(out), "--fit", "params", "--fit-iters", "2", *_base(assets)]  # fmt: skip
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    gt = read_cliffgt(out)
    assert len(gt) == 2 and set(gt.imgname.tolist()) == {"a.jpg"}
    assert gt.part.shape == (len(gt), 24, 3) and np.all(gt.part[:, [12, 13, 14], 2] == 0)
    r = runner.invoke(app, [*args[:3], "--keypoints", str(tmp_path / "x.json"), *args[3:]])
    assert r.exit_code == 2 and "only one of them" in r.output


@pytest.mark.ray
def test_photos_on_the_ray_engine(assets, tmp_path: Path) -> None:
    """The same photo jobs on a local Ray: one ok, one corrupt image failed, outputs in place."""
    import os

    import ray

    from mocap.batch import plan_jobs, run_batch
    from mocap.config import PipelineConfig

    photos = tmp_path / "photos"
    photos.mkdir()
    _image(0).save(photos / "beach.jpg")
    (photos / "broken.png").write_bytes(b"nope")
    boxes = _boxes(tmp_path / "boxes", ["beach", "broken"])
    out = tmp_path / "out"
    root = Path(__file__).resolve().parents[2]
    path = os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": path}})  # fmt: skip
    try:
        config = PipelineConfig(checkpoint=assets["ckpt"], smpl_model=assets["smpl"], boxes=boxes,
                                device="cpu")  # fmt: skip
        plan = plan_jobs([photos], [out], out_format="npz,cliffgt.npz")
        res = run_batch(plan, config, engine="ray", workers=2, timeout_s=300)
    finally:
        ray.shutdown()
    by = {Path(j.input).name: j for j in res.jobs}
    assert by["beach.jpg"].status == "ok" and by["broken.png"].status == "failed", res.jobs
    assert "broken.png" in by["broken.png"].error
    assert len(read_cliffgt(out / "beach.cliffgt.npz")) == 1 and (out / "beach.npz").is_file()

"""Annotator over image items: COCO JSON + images -> pseudo-GT rows in both modes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mocap.annotate.joints import J24Joints
from mocap.annotate.label import Annotator, LabelItem
from mocap.annotate.metrics import pa_mpjpe
from mocap.annotate.types import AnnotatorConfig
from mocap.body import SmplBody
from mocap.cliffgt import PseudoGT, read_cliffgt, write_cliffgt
from mocap.images import read_image
from mocap.keypoints import read_coco_keypoints
from mocap.keypoints.tables import COCO17_TO_J24
from mocap.testing.annotate_scenes import make_scene, tiny_cliff


def _coco_folder(tmp_path: Path, joints: J24Joints, n: int = 3):
    """Images on disk and a COCO JSON with their (noisy) keypoints and boxes."""
    scene = make_scene(joints, n, seed=21, noise_px=1.0)
    images, annotations = [], []
    for k in range(n):
        name = f"img_{k}.png"
        Image.fromarray(scene.images[k]).save(tmp_path / name)
        h, w = scene.images[k].shape[:2]
        images.append({"id": k, "file_name": name, "width": w, "height": h})
        kps = np.zeros((17, 3))
        for c, slot in enumerate(COCO17_TO_J24):
            kps[c] = scene.part[k, slot] * [1, 1, 2]  # COCO visibility 2 where labelled
        x1, y1, x2, y2 = scene.boxes[k].tolist()
        annotations.append(
            {"id": 500 + k, "image_id": k, "keypoints": kps.ravel().tolist(),
             "bbox": [x1, y1, x2 - x1, y2 - y1], "iscrowd": 0}
        )  # fmt: skip
    (tmp_path / "kp.json").write_text(json.dumps({"images": images, "annotations": annotations}))
    return scene


# the network mode fits a CLIFF network per image: slow (params keeps the path in the dev run)
@pytest.mark.parametrize("mode", ["params", pytest.param("network", marks=pytest.mark.slow)])
def test_label_images_from_coco_json(
    tmp_path: Path, joints: J24Joints, body: SmplBody, mode: str
) -> None:
    scene = _coco_folder(tmp_path, joints)
    cfg = AnnotatorConfig(mode=mode, lr=5e-4 if mode == "network" else None, iterations=60)
    annotator = Annotator(tiny_cliff(0), body, cfg, batch_size=2)
    items = [
        LabelItem(read_image(tmp_path / im.file_name), im.file_name, p.box, p.part, p.annot_id)
        for im in read_coco_keypoints(tmp_path / "kp.json")
        for p in im.people
    ]
    done: list[int] = []
    results = list(annotator.label(items, progress=done.append))
    assert done == [2, 3] and [len(r[0]) for r in results] == [2, 1]
    gt = PseudoGT.concat([r[0] for r in results])
    back = read_cliffgt(write_cliffgt(tmp_path / "labels.cliffgt.npz", gt))
    assert back.imgname.tolist() == ["img_0.png", "img_1.png", "img_2.png"]
    assert back.annot_id.tolist() == [500, 501, 502]
    np.testing.assert_allclose(back.part, scene.part, atol=1e-4)  # labels kept, in J24
    np.testing.assert_allclose(back.focal_l, np.hypot(640, 480), rtol=1e-6)
    for fit in (r[1] for r in results):
        assert fit.final.px_error.mean() < 0.5 * fit.initial.px_error.mean()
    pred = back.S[..., :3]  # pelvis-relative J24 of the labels
    truth = scene.joints24 - scene.joints24[:, 14:15]
    before = np.concatenate([r[1].initial.joints24 for r in results])
    assert pa_mpjpe(pred, truth).mean() < pa_mpjpe(before, truth).mean()


def test_people_without_keypoints_get_cliffs_prediction(joints: J24Joints, body: SmplBody) -> None:
    scene = make_scene(joints, 2, seed=3)
    annotator = Annotator(tiny_cliff(0), body, AnnotatorConfig(mode="params"))
    items = [
        LabelItem(scene.images[k], f"{k}.jpg", scene.boxes[k], np.zeros((24, 3))) for k in range(2)
    ]
    ((gt, fit),) = annotator.label(items)
    assert fit.iterations == 0
    np.testing.assert_array_equal(fit.final.rotmat, fit.initial.rotmat)
    assert np.all(gt.annot_id == -1) and np.all(gt.part == 0)


def test_label_folder_reports_bad_images(tmp_path: Path, joints: J24Joints, body: SmplBody) -> None:
    from mocap.annotate.dataset import label_folder

    _coco_folder(tmp_path, joints, n=4)
    (tmp_path / "img_1.png").write_bytes(b"\x89PNG broken")
    (tmp_path / "img_2.png").unlink()
    Image.fromarray(np.zeros((10, 10, 3), np.uint8)).save(tmp_path / "img_3.png")
    annotator = Annotator(tiny_cliff(0), body, AnnotatorConfig(mode="params", iterations=20))
    gt, report = label_folder(tmp_path, read_coco_keypoints(tmp_path / "kp.json"), annotator)
    assert gt.imgname.tolist() == ["img_0.png"] and report.labelled == 1 and report.images == 1
    reasons = dict(report.failed)
    assert set(reasons) == {"img_1.png", "img_2.png", "img_3.png"}
    assert "does not exist" in reasons["img_2.png"] and "10x10" in reasons["img_3.png"]
    assert report.px_after[0] < report.px_before[0]


def test_label_detected_uses_the_detectors_people(
    tmp_path: Path, joints: J24Joints, body: SmplBody
) -> None:
    from mocap.annotate.dataset import label_detected
    from mocap.keypoints.detector import PoseDetections

    scene = make_scene(joints, 2, seed=9, noise_px=1.0)
    for k in range(2):
        Image.fromarray(scene.images[k]).save(tmp_path / f"{k}.png")
    (tmp_path / "2.png").write_bytes(b"junk")

    class FakePose:
        def __init__(self) -> None:
            self.calls = 0

        def detect(self, images):
            k = self.calls
            self.calls += 1
            return [
                PoseDetections(
                    scene.boxes[k : k + 1], np.ones(1, np.float32), scene.part[k : k + 1]
                )
            ]

    annotator = Annotator(tiny_cliff(0), body, AnnotatorConfig(mode="params", iterations=20))
    gt, report = label_detected(tmp_path, FakePose(), annotator)  # type: ignore[arg-type]
    assert gt.imgname.tolist() == ["0.png", "1.png"] and report.failed[0][0] == "2.png"
    np.testing.assert_allclose(gt.part, scene.part)
    assert np.mean(report.px_after) < np.mean(report.px_before)

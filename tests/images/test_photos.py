"""Photos as one-frame results, and pseudo-GT rows turned into exportable results."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import exporters
from mocap.cliffgt import PseudoGT
from mocap.photos import photo_motion, pseudo_gt_motion


def _gt() -> PseudoGT:
    rng = np.random.default_rng(0)
    n = 3
    return PseudoGT(
        imgname=np.array(["a.jpg", "b.jpg", "a.jpg"]),
        center=rng.uniform(100, 300, (n, 2)),
        scale=rng.uniform(0.5, 1.5, n),
        part=np.zeros((n, 24, 3)),
        annot_id=np.arange(n),
        pose=rng.normal(0, 0.3, (n, 72)),
        shape=rng.normal(0, 1, (n, 10)),
        has_smpl=np.ones(n, bool),
        global_t=rng.uniform([-1, -1, 4], [1, 1, 8], (n, 3)),
        focal_l=np.full(n, math.hypot(640, 480)),
        S=np.zeros((n, 24, 4)),
    )


def test_pseudo_gt_rows_of_one_image_round_trip_through_npz(tmp_path: Path) -> None:
    gt = _gt()
    motion = pseudo_gt_motion(gt, "a.jpg", (640, 480))
    assert [p.track_id for p in motion.people] == [0, 1]
    assert motion.camera.fx == pytest.approx(800.0) and motion.camera.cx == 320.0
    path = tmp_path / "a.npz"
    exporters.write(motion, path)
    back = exporters.read_npz(path)
    assert back.video.path.name == "a.jpg" and back.num_frames == 1
    for person, row in zip(back.people, (0, 2), strict=True):
        np.testing.assert_allclose(person.global_orient[0], gt.pose[row, :3])
        np.testing.assert_allclose(person.body_pose[0].ravel(), gt.pose[row, 3:])
        np.testing.assert_allclose(person.transl[0], gt.global_t[row])
        np.testing.assert_allclose(person.betas, gt.shape[row])
        box = person.boxes[0]
        np.testing.assert_allclose((box[:2] + box[2:]) / 2, gt.center[row], rtol=1e-6)
    with pytest.raises(KeyError, match=r"c\.jpg"):
        pseudo_gt_motion(gt, "c.jpg", (640, 480))


def test_photo_motion_defaults() -> None:
    m = photo_motion("x.png", (100, 50), np.zeros((2, 72)), np.zeros((2, 10)),
                     np.ones((2, 3)), np.zeros((2, 4)))  # fmt: skip
    assert m.camera.fx == pytest.approx(math.hypot(100, 50))
    assert [float(p.scores[0]) for p in m.people] == [1.0, 1.0]


def test_capture_photo_with_fake_detector() -> None:
    from types import SimpleNamespace

    from mocap.crop import prepare_crops
    from mocap.errors import NoPeopleFoundError
    from mocap.photos import capture_photo
    from mocap.regress import CliffRegressor
    from mocap.testing.annotate_scenes import tiny_cliff
    from mocap.types import Detections

    boxes = np.array([[10, 20, 60, 120], [100, 30, 150, 130]], np.float32)

    class Fixed:
        def __init__(self, b: np.ndarray) -> None:
            self.b = b

        def detect(self, batch):
            return [Detections(0, self.b, np.full(len(self.b), 0.9, np.float32))]

    regressor = CliffRegressor(tiny_cliff(0), device="cpu", batch_size=4)
    stages = SimpleNamespace(detector=Fixed(boxes), cropper=prepare_crops, regressor=regressor,
                             body=None, provenance=None)  # fmt: skip
    image = np.random.default_rng(0).integers(0, 255, (160, 200, 3), np.uint8)
    motion = capture_photo("p.jpg", image, stages)
    direct = regressor(prepare_crops(image, boxes))
    assert len(motion.people) == 2 and motion.camera.width == 200
    for k, person in enumerate(motion.people):
        np.testing.assert_allclose(person.transl[0], direct.transl[k], rtol=1e-6)
        np.testing.assert_allclose(person.global_orient[0], direct.pose_aa[k, 0], rtol=1e-6)
        np.testing.assert_array_equal(person.boxes[0], boxes[k])
    stages.detector = Fixed(np.zeros((0, 4), np.float32))
    with pytest.raises(NoPeopleFoundError, match=r"p\.jpg"):
        capture_photo("p.jpg", image, stages)

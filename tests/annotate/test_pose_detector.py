"""The Ultralytics pose keypoint detector, on a randomly initialised model (no weights, offline)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mocap.errors import DetectorError, ModelFileNotFoundError
from mocap.keypoints.detector import YoloPoseDetector
from mocap.keypoints.tables import COCO17_TO_J24


@pytest.fixture(scope="module")
def detector() -> YoloPoseDetector:
    return YoloPoseDetector(
        "yolo11n-pose.yaml", conf=0.0, keypoint_conf=0.5, imgsz=128, device="cpu"
    )


def test_detections_map_to_j24_with_threshold(detector: YoloPoseDetector, monkeypatch) -> None:
    images = [np.random.default_rng(k).integers(0, 256, (96, 128, 3), np.uint8) for k in range(2)]
    raw = list(detector.model.predict(source=[im[..., ::-1].copy() for im in images], verbose=False,
                                      conf=0.0, imgsz=128, device="cpu"))  # fmt: skip
    out = detector.detect(images)
    assert len(out) == 2
    for det, r in zip(out, raw, strict=True):
        kp = r.keypoints.data.numpy()
        assert det.part.shape == (len(kp), 24, 3) and det.boxes.shape == (len(kp), 4)
        for c, slot in enumerate(COCO17_TO_J24):
            keep = kp[:, c, 2] >= 0.5
            np.testing.assert_allclose(det.part[keep, slot], kp[keep, c], rtol=1e-6)
            assert np.all(det.part[~keep, slot] == 0)


def test_refuses_non_pose_models_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(DetectorError, match="pose"):
        YoloPoseDetector("yolo11n.yaml", device="cpu")
    with pytest.raises(ModelFileNotFoundError, match="not found"):
        YoloPoseDetector(tmp_path / "none-pose.pt", device="cpu")

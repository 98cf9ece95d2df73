"""YoloDetector plumbing with a randomly initialised model built from yaml (no weights, offline)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from mocap.config import PipelineConfig
from mocap.detect import (
    COCO_PERSON_CLASS,
    BoxFileDetector,
    PersonDetector,
    YoloDetector,
    make_detector,
    resolve_detector_weights,
)
from mocap.errors import DetectorError, ModelFileNotFoundError, UsageError
from mocap.types import FrameBatch


@pytest.fixture(scope="module")
def yolo() -> YoloDetector:
    return YoloDetector("yolo11n.yaml", conf=0.25, imgsz=128, batch_size=3, device="cpu")


def _batch(n: int, first: int = 10) -> FrameBatch:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 72, 96, 3), dtype=np.uint8)
    return FrameBatch(np.arange(first, first + n), np.arange(n) / 30.0, images)


def test_detect_yolo_batches_bgr_frames_and_returns_one_detections_per_frame(yolo, monkeypatch):
    calls = []
    real_predict = yolo.model.predict

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real_predict(*args, **kwargs)

    monkeypatch.setattr(yolo.model, "predict", spy)
    batch = _batch(5)
    out = yolo.detect(batch)

    assert [len(c["source"]) for c in calls] == [3, 2]
    sent = [frame for c in calls for frame in c["source"]]
    for frame, rgb in zip(sent, batch.images, strict=True):
        assert frame.flags["C_CONTIGUOUS"]
        np.testing.assert_array_equal(frame, rgb[..., ::-1])
    for c in calls:
        assert c["classes"] == [COCO_PERSON_CLASS] and c["stream"] is True
        assert c["verbose"] is False and c["conf"] == 0.25 and c["imgsz"] == 128
        assert "half" not in c and "quantize" not in c  # fp16 only on CUDA
    assert [d.frame for d in out] == list(batch.indices)
    for d in out:
        assert d.boxes.dtype == np.float32 and d.boxes.shape[1] == 4
        assert d.scores.shape == (len(d.boxes),) and d.track_ids is None


def test_detect_yolo_satisfies_the_protocol(yolo):
    assert isinstance(yolo, PersonDetector)
    assert yolo.device == "cpu" and yolo.half is False


def test_detect_yolo_runs_offline(yolo):
    assert os.environ.get("YOLO_OFFLINE") == "1"
    assert os.environ.get("YOLO_AUTOINSTALL") == "false"
    from ultralytics import settings

    assert settings["sync"] is False


def test_detect_missing_weights_say_where_to_get_them(tmp_path):
    with pytest.raises(ModelFileNotFoundError) as caught:
        YoloDetector("yolo11x.pt", model_dir=tmp_path, device="cpu")
    message = str(caught.value)
    assert str(tmp_path / "yolo11x.pt") in message
    assert "github.com/ultralytics/assets/releases" in message
    assert "CLIFFMOCAP_HOME" in message and "'detector'" in message
    assert caught.value.path == tmp_path / "yolo11x.pt"


def test_detect_missing_absolute_weights(tmp_path):
    with pytest.raises(ModelFileNotFoundError, match=r"elsewhere\.pt"):
        resolve_detector_weights(tmp_path / "elsewhere.pt", tmp_path)


def test_detect_weights_found_by_name_in_model_dir(tmp_path):
    (tmp_path / "mine.pt").write_bytes(b"x")
    assert resolve_detector_weights("mine.pt", tmp_path) == str((tmp_path / "mine.pt").resolve())
    assert resolve_detector_weights("yolo11n.yaml", tmp_path) == "yolo11n.yaml"


def test_detect_corrupt_weights_are_one_clear_line(tmp_path):
    bad = tmp_path / "broken.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(DetectorError) as caught:
        YoloDetector(bad, device="cpu")
    assert str(bad) in str(caught.value) and "\n" not in str(caught.value)


def test_detect_make_detector_picks_box_file(tmp_path: Path):
    boxes = tmp_path / "b.json"
    boxes.write_text('{"frames": {"0": [[1, 2, 3, 4, 0.5]]}}')
    detector = make_detector(PipelineConfig(boxes=boxes))
    assert isinstance(detector, BoxFileDetector) and isinstance(detector, PersonDetector)
    with pytest.raises(ModelFileNotFoundError):
        make_detector(PipelineConfig(detector="absent.pt", model_dir=tmp_path))


def test_detect_cuda_without_a_gpu_is_a_usage_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(UsageError, match="no CUDA GPU"):
        YoloDetector("yolo11n.yaml", device="cuda")

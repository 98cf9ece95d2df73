"""What YoloDetector asks ultralytics for on CUDA and on CPU (no GPU call: a recording model)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest
import torch

import mocap.detect
from mocap.config import PipelineConfig
from mocap.detect import CPU_DET_BATCH, YoloDetector, make_detector
from mocap.types import FrameBatch


class _Boxes:
    def __init__(self) -> None:
        self.xyxy = torch.tensor([[1.0, 2.0, 30.0, 60.0]])
        self.conf = torch.tensor([0.9])


class _Result:
    boxes = _Boxes()


class _RecordingYolo:
    """Stands in for ultralytics.YOLO: records predict() arguments, one result per frame."""

    calls: ClassVar[list[dict]] = []

    def __init__(self, weights: str, task: str) -> None:
        self.task = task

    def predict(self, **kwargs):
        _RecordingYolo.calls.append(kwargs)
        return iter([_Result() for _ in kwargs["source"]])


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch):
    _RecordingYolo.calls = []
    monkeypatch.setattr(mocap.detect, "_import_yolo", lambda: _RecordingYolo)
    return _RecordingYolo


def _batch(n: int) -> FrameBatch:
    images = np.zeros((n, 48, 64, 3), np.uint8)
    return FrameBatch(np.arange(n), np.arange(n) / 30.0, images)


def _on_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    # the device resolves to CUDA without touching a GPU (nothing here runs on it)
    monkeypatch.setattr(mocap.detect, "resolve_device", lambda d: torch.device("cuda:0"))


def test_cuda_detects_each_chunk_in_one_half_precision_call(recorder, monkeypatch) -> None:
    _on_cuda(monkeypatch)
    det = make_detector(PipelineConfig(detector="yolo11n.yaml", device="cuda"))
    out = det.detect(_batch(32))
    assert [len(c["source"]) for c in recorder.calls] == [32]  # the whole chunk at once
    call = recorder.calls[0]
    assert call["device"] == "cuda:0"
    assert call.get("half") is True or call.get("quantize") == 16
    assert len(out) == 32 and out[5].frame == 5 and out[5].boxes.shape == (1, 4)


def test_cuda_keeps_an_explicit_detector_batch(recorder, monkeypatch) -> None:
    _on_cuda(monkeypatch)
    det = YoloDetector("yolo11n.yaml", batch_size=5, device="cuda")
    det.detect(_batch(12))
    assert [len(c["source"]) for c in recorder.calls] == [5, 5, 2]


def test_cpu_keeps_full_precision_and_small_batches(recorder) -> None:
    det = make_detector(PipelineConfig(detector="yolo11n.yaml", device="cpu"))
    det.detect(_batch(20))
    sizes = [len(c["source"]) for c in recorder.calls]
    assert sizes == [CPU_DET_BATCH, CPU_DET_BATCH, 20 - 2 * CPU_DET_BATCH]
    for c in recorder.calls:
        assert c["device"] == "cpu" and "half" not in c and "quantize" not in c


@pytest.mark.gpu
def test_cuda_half_precision_detector_runs_a_whole_chunk() -> None:
    det = YoloDetector("yolo11n.yaml", conf=0.01, imgsz=128, device="cuda")
    assert det.half and det.batch_size is None
    out = det.detect(_batch(12))
    assert [d.frame for d in out] == list(range(12))
    assert all(d.boxes.dtype == np.float32 and d.boxes.shape[1] == 4 for d in out)

"""The device crop path (``crop_on_device``) through a real run: same crops and predictions as
the CPU (cv2) path within :func:`mocap.crop.prepare_crops_torch`'s tolerance, forced on CPU."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from e2e_assets import write_run_assets

import mocap
from mocap.config import PipelineConfig
from mocap.device import resolve_crop_on_device
from mocap.pipeline import load_stages
from mocap.pipeline.devicecrop import DeviceCropper, PinnedUploader

#: Max |diff| of normalised crops, device path vs cv2 (the 1.7e-4 measured on white noise in
#: prepare_crops_torch's docstring, with margin; tests/cliff/test_cliff_crop.py uses the same).
CROP_TOL = 1e-3
#: Max |diff| of the network's rotation matrices for crops that differ by CROP_TOL at most
#: (rule-filled res50, fp32; measured here: crops 5e-6 apart, predictions equal; the bound
#: leaves room for other CPUs' arithmetic).
ROTMAT_TOL = 1e-4


@pytest.fixture(scope="module")
def assets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_run_assets(tmp_path_factory.mktemp("devcrop"), frames=10)


class _Recorder:
    """The real regressor, keeping every batch of crops it was given (on the CPU)."""

    def __init__(self, regressor) -> None:
        self.regressor = regressor
        self.batches: list = []

    def __call__(self, crops):
        self.batches.append(crops)
        return self.regressor(crops)


def _run(assets: dict[str, Path], device: str, crop_on_device: bool | None, **kw):
    cfg = PipelineConfig(
        checkpoint=assets["ckpt"],
        smpl_model=assets["smpl"],
        boxes=assets["boxes"],
        device=device,
        crop_on_device=crop_on_device,
        smooth="off",
        space="camera",
        batch_size=8,
        chunk_frames=4,
        **kw,
    )
    stages = load_stages(cfg)
    rec = _Recorder(stages.regressor)
    motion = mocap.run(assets["video"], cfg, stages=replace(stages, regressor=rec))
    return stages, rec, motion


def _images(batches) -> np.ndarray:
    return np.concatenate([torch.as_tensor(b.images).cpu().numpy() for b in batches])


@pytest.mark.slow
def test_device_crop_run_matches_the_cpu_crop_run(assets) -> None:
    cpu_stages, cpu, cpu_motion = _run(assets, "cpu", False)
    dev_stages, dev, dev_motion = _run(assets, "cpu", True)
    assert cpu_stages.chunk_cropper is None and isinstance(dev_stages.chunk_cropper, DeviceCropper)
    assert all(isinstance(b.images, np.ndarray) for b in cpu.batches)
    assert all(isinstance(b.images, torch.Tensor) for b in dev.batches)
    # same rows in the same batches: 10 frames x 2 people in batches of 8
    assert [len(b) for b in dev.batches] == [len(b) for b in cpu.batches] == [8, 8, 4]
    for field in ("center", "scale", "focal", "window", "image_hw"):
        for a, b in zip(cpu.batches, dev.batches, strict=True):
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    for a, b in zip(cpu.batches, dev.batches, strict=True):
        np.testing.assert_array_equal(torch.as_tensor(b.bbox_info).numpy(), a.bbox_info)
    diff = np.abs(_images(dev.batches) - _images(cpu.batches)).max()
    assert diff < CROP_TOL, diff
    assert len(cpu_motion.people) == len(dev_motion.people) == 2
    for p, q in zip(cpu_motion.people, dev_motion.people, strict=True):
        np.testing.assert_array_equal(p.frames, q.frames)
        np.testing.assert_allclose(q.body_pose, p.body_pose, atol=ROTMAT_TOL)
        np.testing.assert_allclose(q.global_orient, p.global_orient, atol=ROTMAT_TOL)
        np.testing.assert_allclose(q.transl, p.transl, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(q.betas, p.betas, atol=ROTMAT_TOL)


def test_auto_crops_on_the_device_only_on_cuda() -> None:
    assert resolve_crop_on_device(None, torch.device("cuda:0")) is True
    assert resolve_crop_on_device(None, torch.device("cpu")) is False
    assert resolve_crop_on_device(True, torch.device("cpu")) is True
    assert resolve_crop_on_device(False, torch.device("cuda:0")) is False


def test_cpu_upload_shares_memory_and_picks_rows() -> None:
    frames = np.random.default_rng(0).integers(0, 256, (5, 6, 4, 3), dtype=np.uint8)
    up = PinnedUploader(torch.device("cpu"))
    assert not up.pinned  # pinned memory only with CUDA
    whole = up.upload(frames)
    assert whole.data_ptr() == frames.ctypes.data  # no copy on CPU
    np.testing.assert_array_equal(up.upload(frames, np.array([3, 1])).numpy(), frames[[3, 1]])


@pytest.mark.gpu
def test_pinned_ring_uploads_every_chunk_intact() -> None:
    up = PinnedUploader(torch.device("cuda"), slots=2)
    assert up.pinned
    rng = np.random.default_rng(1)
    chunks = [rng.integers(0, 256, (n, 64, 48, 3), dtype=np.uint8) for n in (3, 2, 4, 1, 5)]
    sent = [up.upload(c, np.arange(len(c))[::-1].copy()) for c in chunks]  # ring reused, grown
    for c, s in zip(chunks, sent, strict=True):
        assert s.device.type == "cuda"
        np.testing.assert_array_equal(s.cpu().numpy(), c[::-1])


@pytest.mark.gpu
@pytest.mark.slow
def test_cuda_run_crops_on_the_gpu_and_matches_cpu(assets) -> None:
    _, cpu, cpu_motion = _run(assets, "cpu", False, precision="fp32")
    stages, gpu, gpu_motion = _run(assets, "cuda", None, precision="fp32")
    assert isinstance(stages.chunk_cropper, DeviceCropper)
    assert all(b.images.device.type == "cuda" for b in gpu.batches)
    diff = np.abs(_images(gpu.batches) - _images(cpu.batches)).max()
    assert diff < CROP_TOL, diff
    for p, q in zip(cpu_motion.people, gpu_motion.people, strict=True):
        np.testing.assert_allclose(q.body_pose, p.body_pose, atol=1e-3)  # TF32/cuDNN vs oneDNN


def test_many_boxes_are_cut_in_groups_in_box_order(monkeypatch) -> None:
    import mocap.pipeline.devicecrop as devicecrop
    from mocap.crop import prepare_crops_many

    monkeypatch.setattr(devicecrop, "CROP_GROUP", 2)  # 5 boxes -> gathers of 2, 2, 1
    rng = np.random.default_rng(2)
    frames = rng.integers(0, 256, (3, 60, 80, 3), dtype=np.uint8)
    index = np.array([2, 0, 1, 2, 0])
    boxes = np.array(
        [[5, 5, 40, 55], [10, 2, 30, 50], [0, 0, 79, 59], [20, 10, 60, 58], [1, 1, 9, 9]]
    )
    dev = DeviceCropper("cpu")(frames, index, boxes.astype(np.float32), 100.0)
    ref = prepare_crops_many(frames, index, boxes, 100.0)
    assert dev.images.shape == (5, 3, 256, 192)
    np.testing.assert_array_equal(dev.window, ref.window)
    assert np.abs(dev.images.numpy() - ref.images).max() < CROP_TOL


def test_chunk_cropping_keeps_every_detection_row(tmp_path: Path) -> None:
    """The chunk path joins each crop to its (frame, detection) like the per-frame path, also
    with people missing from some frames and a frame with nobody."""
    from _pipeline_fakes import FakeDetector, FakeVideo, fake_cropper, make_stages

    video = tmp_path / "clip.mp4"
    video.write_bytes(b"fake")
    hidden = frozenset({(1, 2), (2, 2), (1, 5), (2, 9)})
    calls: list[tuple[int, int]] = []

    def chunk_cropper(images, index, boxes, focal):
        calls.append((len(images), len(boxes)))
        assert np.all(np.diff(index) >= 0)  # rows in frame order
        return fake_cropper(images[0], boxes, focal)  # the fake crop carries its box

    def stages(chunked: bool):
        s = make_stages(video=FakeVideo(frames=12, chunk=4), detector=FakeDetector(hidden=hidden))
        return replace(s, chunk_cropper=chunk_cropper) if chunked else s

    cfg = PipelineConfig(smooth="off", space="camera", batch_size=5)
    per_frame = mocap.run(video, cfg, stages=stages(False))
    chunked = mocap.run(video, cfg, stages=stages(True))
    assert calls == [(4, 6), (4, 7), (4, 7)]  # one call per chunk, every box of the chunk
    assert len(chunked.people) == len(per_frame.people) == 2
    for p, q in zip(per_frame.people, chunked.people, strict=True):
        np.testing.assert_array_equal(q.observed, p.observed)
        np.testing.assert_array_equal(q.body_pose, p.body_pose)
        np.testing.assert_array_equal(q.transl, p.transl)

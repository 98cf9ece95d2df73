"""Camera maths: cam_crop2full against hand-computed values, focal / FOV, intrinsics."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mocap.camera import cam_crop2full, estimate_focal, focal_from_fov, make_intrinsics
from mocap.errors import UsageError


def test_cam_crop2full_hand_computed():
    cam = np.array([[1.0, 0.1, -0.2], [0.5, 0.0, 0.3]])
    center = np.array([[640.0, 360.0], [840.0, 260.0]])
    scale = np.array([1.0, 2.0])
    # row 0: b = 200, bs = 200: tz = 2 f / bs = 10; box centred -> (tx, ty) unchanged
    # row 1: b = 400, bs = 200: tz = 10; tx = 2 * 200 / 200 = 2; ty = 2 * -100 / 200 + 0.3 = -0.7
    want = np.array([[0.1, -0.2, 10.0], [2.0, -0.7, 10.0]], dtype=np.float32)
    got = cam_crop2full(cam, center, scale, (720, 1280), 1000.0)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-6)
    got_t = cam_crop2full(
        torch.tensor(cam, dtype=torch.float32),
        torch.tensor(center),
        torch.tensor(scale),
        torch.tensor([[720, 1280], [720, 1280]]),
        torch.tensor([1000.0, 1000.0]),
    )
    assert got_t.dtype == torch.float32
    np.testing.assert_array_equal(got_t.numpy(), got)


def test_cam_crop2full_matches_the_demo_lines():
    rng = np.random.default_rng(0)
    cam = rng.uniform([0.3, -0.5, -0.5], [1.5, 0.5, 0.5], size=(20, 3)).astype(np.float32)
    center = rng.uniform(0, 1000, size=(20, 2)).astype(np.float32)
    scale = rng.uniform(0.5, 4, size=20).astype(np.float32)
    f = np.float32(estimate_focal(1920, 1080))
    c, s, k = torch.from_numpy(center), torch.from_numpy(scale), torch.from_numpy(cam)
    img_h, img_w = torch.full((20,), 1080.0), torch.full((20,), 1920.0)
    focal = torch.full((20,), float(f))
    bs = s * 200 * k[:, 0] + 1e-9
    ref = torch.stack(
        [
            2 * (c[:, 0] - img_w / 2.0) / bs + k[:, 1],
            2 * (c[:, 1] - img_h / 2.0) / bs + k[:, 2],
            2 * focal / bs,
        ],
        dim=-1,
    )
    np.testing.assert_array_equal(cam_crop2full(cam, center, scale, (1080, 1920), f), ref.numpy())


def test_focal_and_intrinsics():
    assert estimate_focal(1280, 720) == pytest.approx(math.hypot(1280, 720))
    assert focal_from_fov(90.0, 720) == pytest.approx(360.0)
    assert focal_from_fov(60.0, 1080) == pytest.approx(540.0 * math.sqrt(3))
    k = make_intrinsics(1280, 721)
    assert (k.fx, k.fy, k.cx, k.cy) == (pytest.approx(math.hypot(1280, 721)),) * 2 + (640.0, 360.5)
    assert make_intrinsics(1280, 720, focal=1000.0).fx == 1000.0
    assert make_intrinsics(1280, 720, fov=90.0).fy == pytest.approx(360.0)
    with pytest.raises(UsageError, match="not both"):
        make_intrinsics(1280, 720, focal=1000.0, fov=60.0)
    with pytest.raises(UsageError):
        focal_from_fov(180.0, 720)
    with pytest.raises(UsageError):
        make_intrinsics(1280, 720, focal=-5.0)

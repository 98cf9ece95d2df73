"""Crop preparation against hand-computed windows, ties, black borders and bbox_info values."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import torch

from mocap.crop import (
    IMG_MEAN,
    IMG_STD,
    CropInputError,
    box_center_scale,
    compute_bbox_info,
    crop_windows,
    prepare_crops,
    prepare_crops_many,
    prepare_crops_torch,
)

W, H = 1280, 720
FOCAL = math.sqrt(W**2 + H**2)
#: Device path vs cv2 path on the normalised crops (measured: <= 7e-6 on smooth images,
#: <= 1.7e-4 on white noise, where cv2's rounding of a few weights differs).
DEVICE_TOL = 1e-3


def _spin_window(center, scale):
    """The official recipe, written out: 3x3 crop affine, np.linalg.inv, corners mapped back."""
    h = 200 * scale
    w = h / (256 / 192.0)
    t = np.zeros((3, 3))
    t[0, 0] = 192.0 / w
    t[1, 1] = 256.0 / h
    t[0, 2] = 192 * (-float(center[0]) / w + 0.5)
    t[1, 2] = 256 * (-float(center[1]) / h + 0.5)
    t[2, 2] = 1
    inv = np.linalg.inv(t)
    ul = np.dot(inv, np.array([0.0, 0.0, 1.0]))
    br = np.dot(inv, np.array([192.0, 256.0, 1.0]))
    return [round(ul[0]), round(ul[1]), round(br[0]), round(br[1])]


def test_centre_box_hand_computed():
    center, scale = box_center_scale([[540, 260, 740, 460]])
    np.testing.assert_array_equal(center, [[640.0, 360.0]])
    # the 200 x 200 box grows to 3:4 by its width: 200 * 4/3 = 266.67, then x1.1
    assert scale[0] == pytest.approx(200 * 4 / 3 / 200 * 1.1, rel=1e-15)
    # window height 293.33, width 220: rows round(213.33)..round(506.67), cols 530..750
    np.testing.assert_array_equal(crop_windows(center, scale), [[530, 213, 750, 507]])
    info = compute_bbox_info(center, scale, (H, W), FOCAL)
    b = 200 * scale[0]
    np.testing.assert_allclose(info[0], [0.0, 0.0, (b - 0.24 * FOCAL) / (0.06 * FOCAL)], atol=1e-6)


def test_corner_box_is_padded_black():
    image = np.full((H, W, 3), (200, 100, 50), dtype=np.uint8)
    crops = prepare_crops(image, [[0, 0, 100, 300]])
    # tall box: size 300, scale 1.65, window 247.5 x 330 around (50, 150)
    np.testing.assert_array_equal(crops.window, [[-74, -15, 174, 315]])
    black = -IMG_MEAN / IMG_STD
    colour = (np.array([200, 100, 50], np.float32) / 255 - IMG_MEAN) / IMG_STD
    np.testing.assert_allclose(crops.images[0, :, 0, 0], black, atol=1e-6)
    np.testing.assert_allclose(crops.images[0, :, 128, 96], colour, atol=1e-6)
    np.testing.assert_allclose(
        crops.bbox_info[0, :2], [(50 - W / 2) / FOCAL * 2.8, (150 - H / 2) / FOCAL * 2.8], rtol=1e-6
    )


def test_box_partly_outside_right_and_bottom():
    image = np.full((H, W, 3), 255, dtype=np.uint8)
    crops = prepare_crops(image, [[1200, 600, 1400, 800]])
    x0, y0, x1, y1 = crops.window[0]
    assert x0 < W < x1 and y0 < H < y1
    white = (1 - IMG_MEAN) / IMG_STD
    np.testing.assert_allclose(crops.images[0, :, 0, 0], white, atol=1e-6)
    np.testing.assert_allclose(crops.images[0, :, -1, -1], -IMG_MEAN / IMG_STD, atol=1e-6)


def test_box_fully_outside_gives_a_black_crop():
    image = np.full((H, W, 3), 255, dtype=np.uint8)
    crops = prepare_crops(image, [[2000, 2000, 2100, 2200]])
    np.testing.assert_allclose(
        crops.images[0],
        np.broadcast_to((-IMG_MEAN / IMG_STD)[:, None, None], (3, 256, 192)),
        atol=1e-6,
    )


def test_trap_tie_box_rounds_like_the_official_affine_path():
    center, scale = box_center_scale([[472, 274, 727, 353]])
    win = crop_windows(center, scale)[0]
    assert win[1] == 127  # the naive round(313.5 - 187) = round(126.5) = 126 is wrong here
    assert list(win) == _spin_window(center[0], scale[0])


def test_windows_equal_the_official_recipe_on_random_integer_boxes():
    rng = np.random.default_rng(1)
    xy = rng.integers(-100, 1400, size=(3000, 2))
    wh = rng.integers(1, 700, size=(3000, 2))
    boxes = np.concatenate([xy, xy + wh], axis=1).astype(np.float32)
    center, scale = box_center_scale(boxes)
    ours = crop_windows(center, scale)
    official = np.array([_spin_window(c, s) for c, s in zip(center, scale, strict=True)])
    np.testing.assert_array_equal(ours, official)
    h = 200 * scale
    naive = np.rint(center[:, 1] - h / 2).astype(int)
    assert (naive != ours[:, 1]).any(), "no tie box in the sample: the test lost its teeth"


def test_center_and_scale_use_float32_sums_then_float64():
    box = np.array([[100.1, 50.3, 300.7, 450.9]], dtype=np.float32)
    center, scale = box_center_scale(box)
    sum_x = np.float32(box[0, 0]) + np.float32(box[0, 2])
    assert center[0, 0] == np.float64(sum_x) / 2.0
    size = max(np.float64(box[0, 2] - box[0, 0]) * (256 / 192.0), np.float64(box[0, 3] - box[0, 1]))
    assert scale[0] == size / 200.0 * 1.1
    assert center.dtype == scale.dtype == np.float64


def test_bbox_info_matches_the_demo_lines_in_torch_float32():
    rng = np.random.default_rng(2)
    center = rng.uniform(-100, 1400, size=(50, 2))
    scale = rng.uniform(0.2, 5, size=50)
    focal = np.float32(FOCAL)
    ours = compute_bbox_info(center, scale, (H, W), focal)
    # the demo's lines, verbatim in meaning, on float32 tensors
    c, s = torch.from_numpy(center).float(), torch.from_numpy(scale).float()
    img_h, img_w = torch.full((50,), float(H)), torch.full((50,), float(W))
    f = torch.full((50,), FOCAL).float()
    ref = torch.stack([c[:, 0] - img_w / 2.0, c[:, 1] - img_h / 2.0, s * 200], dim=-1)
    ref[:, :2] = ref[:, :2] / f.unsqueeze(-1) * 2.8
    ref[:, 2] = (ref[:, 2] - 0.24 * f) / (0.06 * f)
    np.testing.assert_array_equal(ours, ref.numpy())
    assert ours.dtype == np.float32


def test_normalised_crop_equals_cv2_resize_of_the_window():
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, size=(H, W, 3), dtype=np.uint8)
    crops = prepare_crops(image, [[300, 100, 500, 600]])
    x0, y0, x1, y1 = crops.window[0]
    assert x0 >= 0 and x1 <= W and y0 >= 0 and y1 <= H
    ref = cv2.resize(image[y0:y1, x0:x1].astype(np.float32), (192, 256))
    ref = ((ref / 255.0 - IMG_MEAN) / IMG_STD).transpose(2, 0, 1)
    np.testing.assert_array_equal(crops.images[0], ref)
    assert crops.images.dtype == np.float32 and crops.images.shape == (1, 3, 256, 192)


def test_focal_override_and_fields():
    image = np.zeros((H, W, 3), np.uint8)
    crops = prepare_crops(image, [[540, 260, 740, 460], [10, 10, 50, 90]], focal=1000.0)
    np.testing.assert_array_equal(crops.focal, [1000.0, 1000.0])
    np.testing.assert_array_equal(crops.image_hw, [[H, W], [H, W]])
    assert len(crops) == 2 and crops.center.shape == (2, 2) and crops.scale.shape == (2,)
    default = prepare_crops(image, [[540, 260, 740, 460]])
    assert default.focal[0] == np.float32(FOCAL)


@pytest.mark.parametrize(
    "image, boxes",
    [
        (np.zeros((H, W), np.uint8), [[0, 0, 10, 10]]),
        (np.zeros((H, W, 3), np.float32), [[0, 0, 10, 10]]),
        (np.zeros((H, W, 3), np.uint8), [[0, 0, 10]]),
        (np.zeros((H, W, 3), np.uint8), [[10, 10, 10, 10]]),
        (np.zeros((H, W, 3), np.uint8), [[0, 0, np.nan, 10]]),
    ],
)
def test_bad_inputs_raise_one_clear_error(image, boxes):
    with pytest.raises(CropInputError):
        prepare_crops(image, boxes)


def _scene(seed: int, smooth: bool) -> np.ndarray:
    image = np.random.default_rng(seed).integers(0, 256, size=(H, W, 3), dtype=np.uint8)
    return cv2.GaussianBlur(image, (0, 0), 3) if smooth else image


BOXES = np.array(
    [
        [472, 274, 727, 353],
        [0, 0, 100, 300],
        [1200, 600, 1400, 800],
        [600, 300, 640, 340],
        [-50, -50, 2000, 900],
        [100.3, 200.7, 400.2, 650.9],
    ],
    dtype=np.float32,
)


def _device_agreement(device: str) -> float:
    frames = np.stack([_scene(4, smooth=True), _scene(5, smooth=False)])
    frame_index = np.array([0, 1, 0, 1, 0, 1])
    dev = prepare_crops_torch(torch.from_numpy(frames).to(device), frame_index, BOXES)
    cpu = prepare_crops_many(frames, frame_index, BOXES)
    for field in ("window", "center", "scale", "focal", "image_hw"):
        np.testing.assert_array_equal(getattr(dev, field), getattr(cpu, field))
    np.testing.assert_array_equal(dev.bbox_info.cpu().numpy(), cpu.bbox_info)
    assert dev.images.shape == (6, 3, 256, 192) and dev.images.dtype == torch.float32
    return float(np.abs(dev.images.cpu().numpy() - cpu.images).max())


def test_many_frames_keep_box_order():
    frames = np.stack([_scene(6, smooth=True), _scene(7, smooth=True)])
    frame_index = [1, 0, 1]
    many = prepare_crops_many(frames, frame_index, BOXES[:3])
    for i, f in enumerate(frame_index):
        one = prepare_crops(frames[f], BOXES[i : i + 1])
        np.testing.assert_array_equal(many.images[i], one.images[0])
        np.testing.assert_array_equal(many.window[i], one.window[0])
    assert len(prepare_crops_many(frames, [], np.zeros((0, 4)))) == 0
    with pytest.raises(CropInputError, match="frame index"):
        prepare_crops_many(frames, [0, 2, 0], BOXES[:3])


def test_device_path_agrees_with_cv2_path_on_cpu():
    assert _device_agreement("cpu") < DEVICE_TOL


@pytest.mark.gpu
def test_device_path_agrees_with_cv2_path_on_cuda():
    assert _device_agreement("cuda") < DEVICE_TOL


def test_device_path_checks_frame_indices():
    frames = torch.zeros((2, 64, 48, 3), dtype=torch.uint8)
    with pytest.raises(CropInputError, match="frame_index"):
        prepare_crops_torch(frames, [0, 2], [[0, 0, 10, 10], [0, 0, 10, 10]])
    with pytest.raises(CropInputError, match="uint8"):
        prepare_crops_torch(frames.float(), [0], [[0, 0, 10, 10]])

"""Synthetic scenes for the annotator's tests and benchmark: SMPL bodies with known pose, shape
and translation, projected with CLIFF's full-frame camera (focal sqrt(w^2 + h^2), principal point
at the image centre), with keypoint noise, dataset label masks, dropped and low-confidence
keypoints; and a tiny CLIFF-shaped network that trains in seconds on a CPU.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import torch
from torch import nn

from mocap.annotate.joints import J24Joints
from mocap.annotate.losses import project_full
from mocap.annotate.types import AnnotationBatch
from mocap.camera import estimate_focal
from mocap.cliff import Cliff, build_model
from mocap.crop import prepare_crops_many
from mocap.rotations import axis_angle_to_matrix

#: J24 slots each dataset labels (COCO: limbs and face; MPII: limbs, neck, head top, pelvis,
#: thorax).
LABELLED = {"coco": (*range(12), 19, 20, 21, 22, 23), "mpii": tuple(range(16))}


@dataclass(frozen=True, eq=False)
class Scene:
    """N single-person images with known bodies.

    Attributes:
        images: (N, H, W, 3) uint8 RGB (keypoint dots on a textured background).
        boxes: (N, 4) float32 xyxy boxes around the true labelled keypoints (x1.2).
        part: (N, 24, 3) noisy J24 labels ``[x, y, conf]`` in pixels.
        rotmat, betas, transl: the true bodies ((N, 24, 3, 3), (N, 10), (N, 3)).
        joints24: (N, 24, 3) true J24, metres, camera frame; clean_px: (N, 24, 2) their projection.
    """

    images: np.ndarray
    boxes: np.ndarray
    part: np.ndarray
    rotmat: np.ndarray
    betas: np.ndarray
    transl: np.ndarray
    joints24: np.ndarray
    clean_px: np.ndarray

    def batch(self, device: Any = "cpu") -> AnnotationBatch:
        crops = prepare_crops_many(self.images, np.arange(len(self.images)), self.boxes)
        return AnnotationBatch.from_crops(crops, self.part, device)


def random_bodies(
    rng: np.random.Generator, n: int, width: int, height: int, pose_sigma: float = 0.2
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bodies facing the camera (yaw within +-50 deg), small joint angles, betas ~ N(0, 1), 4-8 m
    away, centred somewhere in the middle of the image: rotmat (n,24,3,3), betas, transl."""
    focal = estimate_focal(width, height)
    aa = rng.normal(0.0, pose_sigma, (n, 24, 3))
    yaw = rng.uniform(-0.9, 0.9, n)
    root = np.einsum(
        "nij,jk->nik",
        axis_angle_to_matrix(np.stack([np.zeros(n), yaw, np.zeros(n)], 1)),
        np.diag([1.0, -1.0, -1.0]),  # SMPL's y-up, +z-facing body seen by an OpenCV camera
    )
    rot = np.asarray(axis_angle_to_matrix(aa))
    rot[:, 0] = root
    z = rng.uniform(4.0, 8.0, n)
    uv = rng.uniform([0.25 * width, 0.4 * height], [0.75 * width, 0.6 * height], (n, 2))
    transl = np.stack(
        [(uv[:, 0] - width / 2) * z / focal, (uv[:, 1] - height / 2) * z / focal, z], 1
    )
    return rot, rng.normal(0.0, 1.0, (n, 10)), transl


def make_scene(
    joints: J24Joints,
    n: int,
    seed: int = 0,
    size: tuple[int, int] = (640, 480),
    noise_px: float = 0.0,
    dataset: str = "coco",
    drop: int = 0,
    low_conf: int = 0,
    bodies: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> Scene:
    """Project bodies (given, or :func:`random_bodies`) into ``size`` = (w, h) images.

    Args:
        noise_px: Gaussian pixel noise (sigma) added to the labels.
        dataset: ``"coco"`` or ``"mpii"``, which J24 slots are labelled.
        drop: per person, this many labelled keypoints get conf 0.
        low_conf: per person, this many other labelled keypoints get conf 0.3.
    """
    rng = np.random.default_rng(seed)
    w, h = size
    rot, betas, transl = bodies if bodies is not None else random_bodies(rng, n, w, h)
    with torch.no_grad():
        t = {
            k: torch.as_tensor(v, dtype=torch.float64)
            for k, v in dict(r=rot, b=betas, t=transl).items()
        }
        j24 = joints.posed(t["r"], t["b"], t["t"])
        focal = torch.full((n,), estimate_focal(w, h), dtype=torch.float64)
        px = project_full(j24, focal, torch.tensor([[h, w]] * n, dtype=torch.float64)).numpy()
    part = np.zeros((n, 24, 3))
    slots = np.array(LABELLED[dataset])
    part[:, slots, 2] = 1.0
    part[..., :2] = px + rng.normal(0.0, noise_px, px.shape) * (noise_px > 0)
    for i in range(n):
        chosen = rng.choice(slots, drop + low_conf, replace=False)
        part[i, chosen[:drop], 2] = 0.0
        part[i, chosen[drop:], 2] = 0.3
    part[..., :2] *= part[..., 2:] > 0
    lab = px[:, slots]
    lo, hi = lab.min(1), lab.max(1)
    centre, half = (lo + hi) / 2, 1.2 * (hi - lo) / 2
    boxes = np.concatenate([centre - half, centre + half], 1).astype(np.float32)
    return Scene(_draw(rng, px, w, h), boxes, part, rot, betas, transl, j24.numpy(), px)


def _draw(rng: np.random.Generator, px: np.ndarray, w: int, h: int) -> np.ndarray:
    """Images with coloured dots at the keypoints on a random smooth background."""
    out = np.empty((len(px), h, w, 3), np.uint8)
    for i, pts in enumerate(px):
        small = rng.integers(40, 120, (6, 8, 3)).astype(np.uint8)
        img = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
        for k, (x, y) in enumerate(pts):
            colour = tuple(int(c) for c in np.array([37, 91, 173]) * (k + 1) % 256)
            cv2.circle(img, (int(np.rint(x)), int(np.rint(y))), 4, colour, -1)
        out[i] = img
    return out


class TinyEncoder(nn.Module):
    """A small backbone with CLIFF's (B, 3, 256, 192) -> (B, 2048) interface (one BatchNorm, so
    tests can check it stays frozen)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, kernel_size=8, stride=8)
        self.bn = nn.BatchNorm2d(8)
        self.pool = nn.AdaptiveAvgPool2d((4, 3))
        self.fc = nn.Linear(8 * 4 * 3, 2048)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pool(torch.relu(self.bn(self.conv(x)))).flatten(1))


def tiny_cliff(seed: int = 0) -> Cliff:
    """CLIFF's real regressor head on :class:`TinyEncoder`, seeded, in eval mode."""
    torch.manual_seed(seed)
    model = build_model("res50")
    encoder = TinyEncoder()
    encoder.bn.running_mean = torch.empty(8).uniform_(-0.1, 0.1)  # non-trivial statistics
    encoder.bn.running_var = torch.empty(8).uniform_(0.5, 1.5)
    model.encoder = encoder
    return model.eval()

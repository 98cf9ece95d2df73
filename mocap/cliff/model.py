"""The CLIFF regressor: a backbone plus the iterative SMPL/camera regressor head.

One class for both released variants; the backbone is picked by name from :data:`BACKBONES`.
State-dict keys equal the official ones (``init_pose``, ``init_shape``, ``init_cam`` first, then
``encoder.*``, ``fc1``, ``fc2``, ``decpose``, ``decshape``, ``deccam``); the float operation order
of the official forward is kept (concatenation order, decoder output + running value).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import torch
from torch import nn

from mocap.cliff.hrnet import FEATURE_CHANNELS, HRNetW48
from mocap.cliff.resnet import ResNet50
from mocap.errors import CliffInputError
from mocap.rotations import matrix_to_rot6d, rot6d_to_matrix

#: Backbone constructors by variant name; both emit a (B, 2048) feature.
BACKBONES: dict[str, Callable[[], nn.Module]] = {"hr48": HRNetW48, "res50": ResNet50}

#: Crop (H, W) of the released checkpoints (CLIFF constants.CROP_IMG_HEIGHT / CROP_IMG_WIDTH).
CROP_HW = (256, 192)
NUM_JOINTS = 24
NPOSE = NUM_JOINTS * 6  # 6D rotation per SMPL joint
NSHAPE = 10
NCAM = 3  # weak-perspective crop camera (s, tx, ty)
NBBOX = 3  # bbox_info conditioning vector
HIDDEN = 1024
N_ITER = 3  # refinement iterations of the official forward
#: Starting crop camera of SPIN/CLIFF's smpl_mean_params.npz (``cam``).
MEAN_CAM = (0.9, 0.0, 0.0)


class CliffOutput(NamedTuple):
    """Per-crop network outputs.

    Attributes:
        pose_rotmat: (B, 24, 3, 3) SMPL joint rotations; joint 0 is the global orientation in the
            camera frame (x right, y down, z forward).
        betas: (B, 10) SMPL shape coefficients (neutral model).
        cam: (B, 3) weak-perspective camera of the crop (s, tx, ty).
        pose_6d: (B, 144) the 6D pose the rotations were built from (24 joints x 6).
        features: (B, 2048) backbone feature ``xf`` (usable as an appearance embedding).
    """

    pose_rotmat: torch.Tensor
    betas: torch.Tensor
    cam: torch.Tensor
    pose_6d: torch.Tensor
    features: torch.Tensor


def _default_init_pose() -> torch.Tensor:
    """(1, 144) 6D start pose used before a checkpoint is loaded: root rotated 180 deg about x
    (as in smpl_mean_params.npz, the camera sees the person's front), other joints identity."""
    # on the CPU even when the network is built on the meta device (mocap.weights.load_cliff)
    rots = torch.eye(3, device="cpu").repeat(NUM_JOINTS, 1, 1)
    rots[0] = torch.diag(torch.tensor([1.0, -1.0, -1.0], device="cpu"))
    return matrix_to_rot6d(rots).reshape(1, NPOSE)


class Cliff(nn.Module):
    """CLIFF network: crops (B, 3, 256, 192) + bbox_info (B, 3) -> :class:`CliffOutput`.

    Args:
        variant: backbone name, a key of :data:`BACKBONES` (``"hr48"`` or ``"res50"``).

    Randomly initialised (PyTorch defaults); the ``init_*`` buffers start at a plausible mean
    (see :func:`_default_init_pose`) and are overwritten by any checkpoint.
    """

    # registered buffers (typed for the checker; nn.Module resolves them at run time)
    init_pose: torch.Tensor
    init_shape: torch.Tensor
    init_cam: torch.Tensor

    def __init__(self, variant: str) -> None:
        super().__init__()
        if variant not in BACKBONES:
            raise CliffInputError(
                f"unknown CLIFF variant {variant!r}; choose one of {', '.join(sorted(BACKBONES))}"
            )
        self.variant = variant
        # provenance, set by mocap.weights.load_cliff
        self.checkpoint_path: Path | None = None
        self.checkpoint_sha256 = ""
        self.encoder = BACKBONES[variant]()
        self.fc1 = nn.Linear(FEATURE_CHANNELS + NBBOX + NPOSE + NSHAPE + NCAM, HIDDEN)
        self.drop1 = nn.Dropout(p=0.5)
        self.fc2 = nn.Linear(HIDDEN, HIDDEN)
        self.drop2 = nn.Dropout(p=0.5)
        self.decpose = nn.Linear(HIDDEN, NPOSE)
        self.decshape = nn.Linear(HIDDEN, NSHAPE)
        self.deccam = nn.Linear(HIDDEN, NCAM)
        for dec in (self.decpose, self.decshape, self.deccam):
            nn.init.xavier_uniform_(dec.weight, gain=0.01)  # official training-time init
        self.register_buffer("init_pose", _default_init_pose())
        self.register_buffer("init_shape", torch.zeros(1, NSHAPE))
        self.register_buffer("init_cam", torch.tensor([MEAN_CAM]))

    def regress(
        self, xf: torch.Tensor, bbox_info: torch.Tensor, n_iter: int = N_ITER
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Iterative refinement from the mean parameters.

        Args:
            xf: (B, 2048) backbone features.
            bbox_info: (B, 3) normalised box (cx, cy, b) conditioning, see ``mocap.crop``.
            n_iter: refinement iterations (3 in the official forward).

        Returns:
            pose_6d (B, 144), betas (B, 10), cam (B, 3) after ``n_iter`` iterations.
        """
        b = xf.shape[0]
        pose = self.init_pose.expand(b, -1)
        shape = self.init_shape.expand(b, -1)
        cam = self.init_cam.expand(b, -1)
        for _ in range(n_iter):
            xc = torch.cat([xf, bbox_info, pose, shape, cam], dim=1)
            xc = self.drop2(self.fc2(self.drop1(self.fc1(xc))))
            # decoder output first, then the running value (official operand order)
            pose = self.decpose(xc) + pose
            shape = self.decshape(xc) + shape
            cam = self.deccam(xc) + cam
        return pose, shape, cam

    def forward(self, images: torch.Tensor, bbox_info: torch.Tensor) -> CliffOutput:
        """Run the network.

        Args:
            images: (B, 3, 256, 192) ImageNet-normalised RGB crops.
            bbox_info: (B, 3) conditioning vector, same dtype as ``images``.
        """
        if images.ndim != 4 or tuple(images.shape[1:]) != (3, *CROP_HW):
            raise CliffInputError(
                f"CLIFF expects crops of shape (B, 3, {CROP_HW[0]}, {CROP_HW[1]}), got "
                f"{tuple(images.shape)}; cut them with mocap.crop.prepare_crops"
            )
        if bbox_info.shape != (images.shape[0], NBBOX):
            raise CliffInputError(
                f"bbox_info must have shape ({images.shape[0]}, {NBBOX}), "
                f"got {tuple(bbox_info.shape)}"
            )
        return self.head(self.encoder(images), bbox_info)

    def head(self, xf: torch.Tensor, bbox_info: torch.Tensor) -> CliffOutput:
        """Regressor head on backbone features: (B, 2048) + (B, 3) -> :class:`CliffOutput`.

        Split from :meth:`forward` so mixed-precision callers can run the backbone in bf16/fp16
        and this cheap (0.02 GFLOP) affine head in float32.
        """
        pose, shape, cam = self.regress(xf, bbox_info)
        rotmat = rot6d_to_matrix(pose.reshape(-1, NUM_JOINTS, 6))
        return CliffOutput(rotmat, shape, cam, pose, xf)


def build_model(variant: str) -> Cliff:
    """Randomly initialised CLIFF network whose state dict matches the official checkpoints.

    Args:
        variant: ``"hr48"`` (HRNet-W48) or ``"res50"`` (ResNet-50).
    """
    return Cliff(variant)

"""Inputs, settings and results of the annotator (docs/cliff_annotator.md; our choices in
docs/annotator.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import torch

from mocap.camera import PIXELS_PER_SCALE
from mocap.crop import Crops
from mocap.errors import UsageError

F64 = npt.NDArray[np.float64]

MODES = ("network", "params")
FINETUNE = ("all", "head")

#: EFT's defaults (eft/utils/train_options.py), the fallback where CLIFF's values are unpublished:
#: Adam learning rate for fine-tuning the network, iterations per batch, early stop when the mean
#: 2D loss (crop units, squared) drops below this, keypoint loss weight, betas weight.
EFT_LR = 5e-6
EFT_ITERATIONS = 20
EFT_STOP_LOSS = 1e-4
EFT_KEYPOINT_WEIGHT = 5.0
EFT_SHAPE_WEIGHT = 0.001
#: Parameter-space mode (our choice, measured in benchmarks/bench_annotate.py): Adam on 6D
#: rotations, betas and transl.
PARAMS_LR = 0.02
PARAMS_ITERATIONS = 100
#: Pose pull toward the initial prediction (our choice: sum of squared Frobenius distances of the
#: 23 body joints' rotation matrices; measured in benchmarks/bench_annotate.py: 0.001 overfits
#: noisy labels, 0.01 keeps 3D errors lower at 5 px noise).
DEFAULT_POSE_WEIGHT = 0.01


@dataclass(frozen=True)
class AnnotatorConfig:
    """How the annotator fits.

    Attributes:
        mode: ``"network"`` fine-tunes a copy of the CLIFF network per batch (EFT-style, as the
            CLIFF annotator); ``"params"`` optimises SMPL pose, shape and translation directly,
            starting from CLIFF's prediction.
        finetune: network mode only: ``"all"`` layers (EFT) or the regressor ``"head"`` only
            (the backbone runs once per batch; much faster).
        lr: Adam learning rate (None: :data:`EFT_LR` in network mode, :data:`PARAMS_LR` in
            params mode).
        iterations: maximum optimiser steps per batch (None: 20 network, 100 params).
        stop_loss: stop a batch once its mean 2D loss is below this (crop units squared).
        keypoint_weight: weight of the 2D loss.
        pose_weight, shape_weight: weights of the pull toward the initial pose and shape.
        use_hips: keep the hip and pelvis labels (EFT drops them: dataset hips are not SMPL's).
    """

    mode: str = "network"
    finetune: str = "all"
    lr: float | None = None
    iterations: int | None = None
    stop_loss: float = EFT_STOP_LOSS
    keypoint_weight: float = EFT_KEYPOINT_WEIGHT
    pose_weight: float = DEFAULT_POSE_WEIGHT
    shape_weight: float = EFT_SHAPE_WEIGHT
    use_hips: bool = False

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise UsageError(f"annotator mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.finetune not in FINETUNE:
            raise UsageError(
                f"fine-tuned layers must be one of {', '.join(FINETUNE)}, got {self.finetune!r}"
            )
        if self.lr is not None and not self.lr >= 0:
            raise UsageError(f"learning rate must be >= 0, got {self.lr}")
        if self.iterations is not None and self.iterations < 0:
            raise UsageError(f"iterations must be >= 0, got {self.iterations}")
        if min(self.keypoint_weight, self.pose_weight, self.shape_weight) < 0:
            raise UsageError("annotator loss weights must be >= 0")

    @property
    def learning_rate(self) -> float:
        if self.lr is not None:
            return self.lr
        return EFT_LR if self.mode == "network" else PARAMS_LR

    @property
    def max_iterations(self) -> int:
        if self.iterations is not None:
            return self.iterations
        return EFT_ITERATIONS if self.mode == "network" else PARAMS_ITERATIONS


@dataclass(frozen=True, eq=False)
class AnnotationBatch:
    """People to label together (torch tensors on one device, float32).

    Attributes:
        images: (B, 3, 256, 192) normalised crops; bbox_info: (B, 3) (see :mod:`mocap.crop`).
        center: (B, 2) box centre, pixels; scale: (B,) box height / 200.
        focal: (B,) focal length, pixels; image_hw: (B, 2) image (height, width), pixels.
        part: (B, 24, 3) J24 ``[x, y, conf]`` targets in full-image pixels.
    """

    images: torch.Tensor
    bbox_info: torch.Tensor
    center: torch.Tensor
    scale: torch.Tensor
    focal: torch.Tensor
    image_hw: torch.Tensor
    part: torch.Tensor

    @classmethod
    def from_crops(cls, crops: Crops, part: Any, device: Any = "cpu") -> AnnotationBatch:
        """Build from :func:`mocap.crop.prepare_crops` output and (B, 24, 3) keypoints."""

        def t(v: Any) -> torch.Tensor:
            return torch.as_tensor(np.asarray(v), dtype=torch.float32, device=device)

        return cls(
            t(crops.images), t(crops.bbox_info), t(crops.center), t(crops.scale),
            t(crops.focal), t(crops.image_hw), t(part),
        )  # fmt: skip

    def __len__(self) -> int:
        return int(self.scale.shape[0])

    @property
    def box_px(self) -> torch.Tensor:
        """(B,) box height in pixels."""
        return self.scale * PIXELS_PER_SCALE


@dataclass(frozen=True, eq=False)
class BodyParams:
    """SMPL bodies in the full-image camera (numpy float64).

    Attributes:
        rotmat: (B, 24, 3, 3) joint rotations (joint 0: global orientation, camera frame).
        betas: (B, 10) shape.
        transl: (B, 3) SMPL ``transl``, metres (the pelvis is at J_0(betas) + transl).
        joints24: (B, 24, 3) J24 keypoints, metres, camera frame.
        px_error: (B,) mean 2D error in pixels over the labelled keypoints.
    """

    rotmat: F64
    betas: F64
    transl: F64
    joints24: F64
    px_error: F64

    @property
    def pose_aa(self) -> F64:
        """(B, 72) axis-angle, global orientation first (the pseudo-GT files' ``pose``)."""
        from mocap.rotations import matrix_to_axis_angle

        return np.asarray(matrix_to_axis_angle(self.rotmat)).reshape(len(self.betas), 72)


@dataclass(frozen=True, eq=False)
class Fit:
    """One batch labelled.

    Attributes:
        initial: CLIFF's prediction (stage (b) of the annotator).
        final: the label (stage (d)).
        iterations: optimiser steps taken (< the maximum when the 2D loss reached the stop value).
        loss_2d: mean 2D loss of the batch after each step, first value before any step.
    """

    initial: BodyParams
    final: BodyParams
    iterations: int
    loss_2d: tuple[float, ...]

"""The annotator's objective: full-frame 2D reprojection loss plus a pull toward the initial
prediction (docs/cliff_annotator.md §2.1, §2.3). Torch, batched; every term is per sample (B,).

Choices where the paper is silent (documented in docs/annotator.md):

* the 2D residual is measured in crop units, ``2 (u - k) / b`` with b the box height in pixels,
  so a fit behaves the same at any image resolution (EFT's normalised-coordinate loss);
* squared error, weighted by each keypoint's confidence, averaged over the labelled keypoints
  and both coordinates; conf 0 keypoints are masked out before any arithmetic, so their values
  can be anything (even far outside the image) without changing a single bit of the result;
* the regulariser is ``w_pose * sum_k ||R_k - R0_k||_F^2`` over the 23 body joints plus
  ``w_shape * ||beta - beta0||^2``; the global orientation and the camera are left to the 2D
  loss: they are what the full-frame loss corrects (a crop-conditioned prediction is off by the
  viewing angle at the image edges), and pulling the root toward the prediction measurably
  kept 10-16 degree errors there (tests/annotate/test_annotate_fit.py, edge test).
"""

from __future__ import annotations

from typing import Any

import torch


def project_full(points: torch.Tensor, focal: torch.Tensor, image_hw: torch.Tensor) -> Any:
    """Pinhole projection in the full image: u = f X / Z + w / 2, v = f Y / Z + h / 2.

    Args:
        points: (B, K, 3) metres, OpenCV camera frame (z forward, in front of the camera).
        focal: (B,) focal length in pixels.
        image_hw: (B, 2) image (height, width) in pixels.

    Returns:
        (B, K, 2) pixels.
    """
    z = points[..., 2:].clamp_min(1e-6)
    centre = torch.stack([image_hw[:, 1], image_hw[:, 0]], -1)[:, None, :] / 2.0
    return focal[:, None, None] * points[..., :2] / z + centre


def keypoint_loss(pred_px: torch.Tensor, part: torch.Tensor, box_px: torch.Tensor) -> Any:
    """Confidence-weighted squared 2D error in crop units.

    Args:
        pred_px: (B, 24, 2) projected keypoints, pixels.
        part: (B, 24, 3) ``[x, y, conf]`` targets; conf 0 = not labelled.
        box_px: (B,) box height b = 200 * scale in pixels.

    Returns:
        (B,) loss; 0 for a sample with no labelled keypoint.
    """
    conf = part[..., 2].clamp_min(0.0)
    used = conf > 0
    diff = torch.where(used[..., None], pred_px - part[..., :2], torch.zeros_like(pred_px))
    sq = ((2.0 * diff / box_px[:, None, None]) ** 2).sum(-1)  # (B, 24)
    return (conf * sq).sum(-1) / (2.0 * conf.sum(-1).clamp_min(1e-12))


def prior_loss(
    rotmat: torch.Tensor,
    rotmat0: torch.Tensor,
    betas: torch.Tensor,
    betas0: torch.Tensor,
    pose_weight: float,
    shape_weight: float,
) -> Any:
    """Pull toward the initial prediction (EFT-style "SMPL regularisation").

    Args:
        rotmat, rotmat0: (B, 24, 3, 3) current and initial joint rotations (joint 0, the global
            orientation, is not pulled).
        betas, betas0: (B, 10) current and initial shape.

    Returns:
        (B,) ``pose_weight * sum_{k=1..23} ||R_k - R0_k||_F^2 + shape_weight * ||beta - beta0||^2``.
    """
    pose = ((rotmat[:, 1:] - rotmat0[:, 1:]) ** 2).sum((-1, -2, -3))
    shape = ((betas - betas0) ** 2).sum(-1)
    return pose_weight * pose + shape_weight * shape


def pixel_error(pred_px: torch.Tensor, part: torch.Tensor) -> Any:
    """(B,) mean Euclidean 2D error in pixels over the labelled keypoints (NaN when none)."""
    used = part[..., 2] > 0
    dist = torch.where(
        used, (pred_px - part[..., :2]).norm(dim=-1), torch.zeros_like(used, dtype=pred_px.dtype)
    )
    n = used.sum(-1)
    return torch.where(
        n > 0, dist.sum(-1) / n.clamp_min(1), torch.full_like(dist[:, 0], float("nan"))
    )

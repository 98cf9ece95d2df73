"""Posed joints for grounding: the project's SMPL forward pass (``mocap.body.SmplBody``).

Joint indices are SMPL's (``exporters.skeleton.SMPL_JOINT_NAMES``): the legs are hip -> knee ->
ankle -> foot, where SMPL's "foot" joint sits at the ball of the foot (called *toe* here).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mocap.body import SmplBody
from mocap.rotations import axis_angle_to_matrix
from mocap.types import FloatArray, SmplModelData

LEFT, RIGHT = 0, 1
HIPS = (1, 2)
"""SMPL left/right hip joints."""
KNEES = (4, 5)
ANKLES = (7, 8)
TOES = (10, 11)
"""SMPL ``left_foot``/``right_foot`` joints (ball of the foot)."""
FOOT_POINTS = (ANKLES[0], ANKLES[1], TOES[0], TOES[1])
"""Joints that can touch the floor: left/right ankle (heel), left/right ball of the foot."""
SIDE_POINTS = ((0, 2), (1, 3))
"""Columns of ``FOOT_POINTS`` belonging to the left and the right foot."""


@dataclass(frozen=True)
class FootHeights:
    """Heights of the foot joints above the sole when the foot stands flat (rest pose), metres.

    Attributes:
        ankle: ankle joint above the lowest point of the rest mesh.
        toe: SMPL foot joint (ball of the foot) above it.
    """

    ankle: float
    toe: float


def foot_heights(data: SmplModelData, betas: FloatArray) -> FootHeights:
    """Foot joint heights above the soles in the shaped rest pose (SMPL's rest pose is a T-pose
    standing upright in its canonical y-up frame, so the lowest vertex is on the sole).

    Args:
        data: the body model.
        betas: (10,) shape coefficients.
    """
    verts = data.shaped_vertices(betas)  # (V, 3)
    joints = data.j_regressor @ verts  # (24, 3)
    sole = float(verts[:, 1].min())
    ankle = float(np.mean(joints[list(ANKLES), 1])) - sole
    toe = float(np.mean(joints[list(TOES), 1])) - sole
    return FootHeights(ankle=ankle, toe=toe)


def flat_offsets(h: FootHeights) -> FloatArray:
    """(4,) flat-foot heights of ``FOOT_POINTS``, metres."""
    return np.array([h.ankle, h.ankle, h.toe, h.toe])


def posed_joints(
    body: SmplBody,
    betas: FloatArray,
    global_orient: FloatArray,
    body_pose: FloatArray,
    transl: FloatArray,
) -> FloatArray:
    """Joint positions of a motion through the SMPL forward pass (float64, joints only).

    Args:
        body: the SMPL model.
        betas: (10,) shape coefficients (one body for every row).
        global_orient: (T, 3) axis-angle root rotation.
        body_pose: (T, 23, 3) axis-angle of joints 1..23.
        transl: (T, 3) metres.

    Returns:
        (T, 24, 3) float64 joint positions in the frame of ``global_orient``/``transl``, metres.
    """
    import torch

    n = len(transl)
    b = torch.as_tensor(np.broadcast_to(betas, (n, len(betas))).copy(), dtype=torch.float64)
    with torch.no_grad():
        out = body.forward(
            b,
            torch.as_tensor(global_orient, dtype=torch.float64),
            torch.as_tensor(body_pose, dtype=torch.float64),
            torch.as_tensor(transl, dtype=torch.float64),
            return_vertices=False,
        )
    return out.joints.numpy()


def global_rotations(poses: FloatArray, parents: np.ndarray) -> FloatArray:
    """World rotation of every joint, composed down the kinematic tree.

    Args:
        poses: (T, 24, 3) axis-angle local rotations (root first).
        parents: (24,) parent indices, -1 for the root.

    Returns:
        (T, 24, 3, 3) float64 rotations ``G_k = G_parent(k) R_k``.
    """
    local = axis_angle_to_matrix(np.asarray(poses, dtype=np.float64))
    out = np.empty_like(local)
    out[:, 0] = local[:, 0]
    for k in range(1, local.shape[1]):
        out[:, k] = out[:, parents[k]] @ local[:, k]
    return out

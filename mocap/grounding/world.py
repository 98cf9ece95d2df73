"""The world frame of a grounded video and motion re-expressed in it.

World frame: gravity-aligned, +y up, the floor at y = 0, metres; the camera at x = z = 0 at height
``H``; the camera's forward direction (+z of the OpenCV camera frame) projected on the floor points
along world -z. ``world_from_camera`` maps camera coordinates ``p_c`` to ``p_w = R p_c + t``.
"""

from __future__ import annotations

import numpy as np

from mocap.rotations import axis_angle_to_matrix, matrix_to_axis_angle
from mocap.types import FloatArray

CAMERA_FORWARD = np.array([0.0, 0.0, 1.0])
"""OpenCV optical axis in camera coordinates."""
CAMERA_DOWN = np.array([0.0, 1.0, 0.0])
"""OpenCV image-down axis in camera coordinates (used when the camera looks straight down)."""


def world_from_camera(up: FloatArray, height: float) -> FloatArray:
    """The (4, 4) float64 rigid transform camera -> world.

    Args:
        up: (3,) world up (unit, pointing away from the floor) in camera coordinates.
        height: camera height above the floor, metres.
    """
    y = np.asarray(up, dtype=np.float64)
    y = y / np.linalg.norm(y)
    forward = CAMERA_FORWARD - (CAMERA_FORWARD @ y) * y
    if np.linalg.norm(forward) < 1e-6:  # looking straight down or up: image-down is "forward"
        forward = CAMERA_DOWN - (CAMERA_DOWN @ y) * y
    z = -forward / np.linalg.norm(forward)
    x = np.cross(y, z)
    out = np.eye(4)
    out[:3, :3] = np.stack([x, y, z])  # rows: world axes in camera coordinates
    out[1, 3] = height
    return out


def camera_from_pitch_roll(pitch_deg: float, roll_deg: float, height: float) -> FloatArray:
    """(4, 4) ``world_from_camera`` of a camera with the given pitch (optical axis above the
    horizon, degrees), roll (about the optical axis, degrees) and height (metres); for tests and
    benchmarks that place cameras."""
    p, r = np.radians(pitch_deg), np.radians(roll_deg)
    # up in camera coordinates: the level camera's (0, -1, 0) pitched about x to (0, -cos p,
    # sin p), then rolled about the optical axis z by r
    c = np.cos(p)
    up = np.array([c * np.sin(r), -c * np.cos(r), np.sin(p)])
    return world_from_camera(up, height)


def transform_points(transform: FloatArray, points: FloatArray) -> FloatArray:
    """Apply a (4, 4) rigid transform to points (..., 3)."""
    return points @ transform[:3, :3].T + transform[:3, 3]


def motion_to_frame(
    transform: FloatArray, global_orient: FloatArray, transl: FloatArray, pelvis_rest: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Re-express an SMPL root in another frame (SMPL rotates about the rest pelvis ``J_0``).

    Args:
        transform: (4, 4) rigid transform from the motion's frame to the target frame.
        global_orient: (T, 3) axis-angle root rotation.
        transl: (T, 3) SMPL ``transl``, metres.
        pelvis_rest: (3,) rest pelvis ``J_0`` for the person's betas.

    Returns:
        global_orient (T, 3) and transl (T, 3) in the target frame, such that every posed joint
        ``X`` maps to ``R X + t``.
    """
    rot = transform[:3, :3]
    orient = matrix_to_axis_angle(rot @ axis_angle_to_matrix(global_orient))
    new_transl = (transl + pelvis_rest) @ rot.T + transform[:3, 3] - pelvis_rest
    return orient, new_transl

"""SMPL skeleton facts and axis conversions shared by every writer (and the Blender add-on).

Frames used here (see ``docs/exporters_spec.md`` of the project notes):

* **camera** — OpenCV camera frame of the video: +x right, +y down, +z forward (what
  ``mocap.types.SmplSequence`` holds);
* **y-up** — glTF / BVH world: +y up, the video camera at the origin looking down -z;
  ``CAMERA_TO_YUP`` (``C``, 180 degrees about x) maps camera coordinates into it;
* **z-up** — Blender / AMASS world: +z up, the camera looking along +y;
  ``YUP_TO_ZUP`` (``A``, +90 degrees about x) is what Blender's glTF and BVH importers apply and
  ``CAMERA_TO_ZUP = A @ C`` maps camera coordinates straight into it: (x, y, z) -> (x, z, -y).

SMPL rotates the root about the rest pelvis ``J_0`` and adds ``transl`` afterwards, so a root
re-expressed in another frame ``X`` is at ``X @ (J_0 + transl)``, never ``X @ transl``.
"""

from __future__ import annotations

import numpy as np

from mocap.errors import OutputError
from mocap.rotations import (
    axis_angle_to_matrix,
    axis_angle_to_quaternion,
    continuous_quaternions,
    quaternion_to_axis_angle,
)
from mocap.types import MotionSet, SmplModelData, SmplSequence

SMPL_JOINT_NAMES: tuple[str, ...] = (
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2",
    "left_ankle", "right_ankle", "spine3", "left_foot", "right_foot", "neck", "left_collar",
    "right_collar", "head", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "left_hand", "right_hand",
)  # fmt: skip
"""The 24 SMPL joints in model order (smplx's names)."""

SMPL_PARENTS: tuple[int, ...] = (
    -1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20, 21,
)  # fmt: skip
"""Parent of every SMPL joint (row 0 of the model's ``kintree_table``; -1 for the root)."""

CAMERA_TO_YUP = np.diag([1.0, -1.0, -1.0])
"""(3, 3) ``C``: OpenCV camera axes -> glTF/BVH y-up world (the camera looks down -z)."""

YUP_TO_ZUP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
"""(3, 3) ``A`` = Rx(+90 deg): glTF y-up -> Blender z-up, (x, y, z) -> (x, -z, y)."""

CAMERA_TO_ZUP = YUP_TO_ZUP @ CAMERA_TO_YUP
"""(3, 3) ``M = A C``: OpenCV camera -> Blender / AMASS z-up world, (x, y, z) -> (x, z, -y)."""

METRES_TO_CENTIMETRES = 100.0
"""BVH consumers (MotionBuilder, Maya, Blender with scale 0.01) expect centimetres."""

for _matrix in (CAMERA_TO_YUP, YUP_TO_ZUP, CAMERA_TO_ZUP):
    _matrix.setflags(write=False)  # shared constants: nobody may change them in place

MAX_INFLUENCES = 4
"""glTF JOINTS_0/WEIGHTS_0 hold 4 influences; many engines read only that set."""


class SmplModelRequiredError(OutputError):
    """A format needs the SMPL body model (rest pose, mesh) but none was given."""


def leaf_joints(parents: tuple[int, ...] = SMPL_PARENTS) -> list[int]:
    """Joints without children (10, 11, 15, 22, 23 for SMPL)."""
    return [j for j in range(len(parents)) if j not in parents]


def require_body(motion: MotionSet, fmt: str) -> SmplModelData:
    """Return ``motion.body`` or raise the clear error saying that ``fmt`` needs the SMPL model."""
    if motion.body is None:
        raise SmplModelRequiredError(
            f"{fmt} output needs the SMPL body model for the rest pose and mesh: give its path in "
            "'smpl_model' (SMPL is licence-gated; register and download at "
            "https://smpl.is.tue.mpg.de). "
            ".npz output works without it."
        )
    return motion.body


def select_people(motion: MotionSet, person: int | None, what: str) -> list[SmplSequence]:
    """All people, or the one whose ``track_id`` is ``person``.

    Raises:
        OutputError: naming the ids present when ``person`` is not one of them, or when the motion
            holds nobody.
    """
    ids = [p.track_id for p in motion.people]
    if not ids:
        raise OutputError(f"no people to write into {what}: the motion holds no tracked person")
    if person is None:
        return list(motion.people)
    for p in motion.people:
        if p.track_id == person:
            return [p]
    raise OutputError(f"person={person} is not in the motion; track ids present: {ids}")


def local_rotations(seq: SmplSequence) -> np.ndarray:
    """(T, 24, 3, 3) local rotation matrices from the sequence's axis-angle poses (camera frame)."""
    return axis_angle_to_matrix(seq.poses)


def root_in_world(
    global_orient: np.ndarray, transl: np.ndarray, pelvis_rest: np.ndarray, to_world: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """An SMPL root expressed in another world frame.

    Args:
        global_orient: (T, 3) axis-angle root orientation in the camera frame.
        transl: (T, 3) SMPL ``transl`` in the camera frame, metres.
        pelvis_rest: (3,) rest position ``J_0`` of the pelvis for this person's betas, metres.
        to_world: (3, 3) rotation from the camera frame to the target world
            (``CAMERA_TO_YUP`` or ``CAMERA_TO_ZUP``).

    Returns:
        rotations: (T, 3, 3) root orientation ``X @ R_0`` in the target world.
        positions: (T, 3) absolute pelvis position ``X @ (J_0 + transl)`` in metres.
    """
    rotations = to_world @ axis_angle_to_matrix(global_orient)
    positions = (transl + pelvis_rest) @ to_world.T
    return rotations, positions


def dense_track(seq: SmplSequence) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sequence on every frame from its first to its last, gaps interpolated.

    Rotations are normalised-linearly interpolated between the neighbouring keys
    (sign-continuous quaternions), translations linearly; frames that exist are kept exactly.

    Returns:
        frames: (N,) int64 consecutive frame indices ``frames[0] .. frames[-1]``.
        rotvecs: (N, 24, 3) axis-angle poses (camera frame).
        transl: (N, 3) metres.
    """
    frames = np.arange(seq.frames[0], seq.frames[-1] + 1, dtype=np.int64)
    poses = seq.poses
    if len(frames) == len(seq.frames):
        return frames, poses.copy(), seq.transl.copy()
    quats = continuous_quaternions(axis_angle_to_quaternion(poses))
    dense_q = _interp_rows(frames, seq.frames, quats)
    dense_q /= np.linalg.norm(dense_q, axis=-1, keepdims=True)
    rotvecs = quaternion_to_axis_angle(dense_q)
    transl = _interp_rows(frames, seq.frames, seq.transl)
    return frames, rotvecs, transl


def _interp_rows(x_new: np.ndarray, x: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Interpolate ``values`` (T, ...) linearly along axis 0 from ``x`` (T,) to ``x_new`` (N,)."""
    flat = values.reshape(len(x), -1)
    out = np.stack([np.interp(x_new, x, flat[:, c]) for c in range(flat.shape[1])], axis=1)
    return out.reshape((len(x_new), *values.shape[1:]))


def top_weights(weights: np.ndarray, count: int = MAX_INFLUENCES) -> tuple[np.ndarray, np.ndarray]:
    """Keep the ``count`` largest skinning weights per vertex and renormalise them.

    Args:
        weights: (V, J) non-negative skinning weights.
        count: influences kept per vertex.

    Returns:
        joints: (V, count) int64 joint indices (unused slots 0 with weight 0).
        kept: (V, count) float32 weights summing to 1 per vertex in float32 arithmetic.
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.shape[1] < count:  # fewer joints than slots: pad so argsort has enough columns
        w = np.concatenate([w, np.zeros((w.shape[0], count - w.shape[1]))], axis=1)
    order = np.argsort(-w, axis=1, kind="stable")[:, :count]
    kept = np.take_along_axis(w, order, axis=1)
    sums = kept.sum(axis=1, keepdims=True)
    sums[sums <= 0] = 1.0
    kept = kept / sums
    joints = np.where(kept > 0, order, 0)
    kept32 = kept.astype(np.float32)
    # Put the float32 rounding residue on the largest weight so the stored sum is 1.
    kept32[:, 0] += np.float32(1.0) - kept32.sum(axis=1, dtype=np.float32)
    return joints.astype(np.int64), kept32

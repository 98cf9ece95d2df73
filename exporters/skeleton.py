"""Skeleton helpers and axis conversions shared by every writer (and the Blender add-on).

The SMPL joint names and parents live in ``mocap.smpl_joints``.

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

from mocap.errors import OutputError, SmplModelRequiredError
from mocap.interpolate import interp_linear, interp_rotations
from mocap.rotations import axis_angle_to_matrix
from mocap.types import MotionSet, SmplModelData, SmplSequence

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


def dense_track(
    seq: SmplSequence, frame_times: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sequence on every frame from its first to its last, gaps interpolated.

    Rotations are slerped between the neighbouring keys (``mocap.interpolate``, the same gap
    fill the pipeline uses), translations linearly; frames that exist are kept exactly. The
    clock is the decoded frames' timestamps ``frame_times`` (``MotionSet.frame_times``, so a
    variable frame rate gap is filled in real time), or the frame index when they are not given
    or not strictly increasing over the track.

    Returns:
        frames: (N,) int64 consecutive frame indices ``frames[0] .. frames[-1]``.
        rotvecs: (N, 24, 3) axis-angle poses (camera frame).
        transl: (N, 3) metres.
    """
    frames = np.arange(seq.frames[0], seq.frames[-1] + 1, dtype=np.int64)
    poses = seq.poses
    if len(frames) == len(seq.frames):
        return frames, poses.copy(), seq.transl.copy()
    clock = frames.astype(np.float64)
    if frame_times is not None:
        times = np.asarray(frame_times, np.float64)[frames]
        if np.all(np.diff(times) > 0):
            clock = times
    keys = clock[seq.frames - frames[0]]
    return frames, interp_rotations(clock, keys, poses), interp_linear(clock, keys, seq.transl)


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

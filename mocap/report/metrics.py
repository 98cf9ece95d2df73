"""Quality figures of a result, per track: what a person checks before trusting a capture.

Pure numpy on a :class:`~mocap.types.MotionSet`. Joints come from the SMPL model (batched LBS,
joints only) when ``motion.body`` is there; figures that need joints are None without it.

Definitions (units in the names):

* ``observed_share``: observed rows / rows (the rest were filled by the tracker);
* ``mean_score``: mean detection score of the observed rows;
* ``rotation_jitter_deg_s2``: mean over joints (24, root included) and frames of the magnitude of
  the angular acceleration, from the local angular velocity ``log(R_t^T R_t+1) / dt`` between
  consecutive frames; a steady motion scores low, frame-to-frame wobble high;
* ``foot_skate_m_s``: median horizontal speed (perpendicular to up) of the feet while planted:
  the feet in contact where contacts are known (grounding), else the lower foot of every frame;
* ``depth_min_m`` / ``depth_max_m``: range of the translation's depth (camera z);
* ``pelvis_box_px``: mean distance in pixels between the projected pelvis and the detection box
  centre over the observed rows with a real box (a body placed where the person is scores a few
  pixels; None when the result holds no boxes).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from mocap.rotations import axis_angle_to_matrix, matrix_to_axis_angle
from mocap.types import MotionSet, SmplSequence

#: SMPL joint indices (exporters.skeleton.SMPL_JOINT_NAMES): pelvis and the two feet.
PELVIS = 0
FEET = (10, 11)  # left_foot, right_foot
#: Up in the camera frame without grounding (image up).
CAMERA_UP = np.array([0.0, -1.0, 0.0])


@dataclass(frozen=True)
class TrackFigures:
    """The quality figures of one track (see the module docstring; None = not computable)."""

    track_id: int
    frames: int
    first_frame: int
    last_frame: int
    observed_share: float
    mean_score: float | None
    rotation_jitter_deg_s2: float | None
    foot_skate_m_s: float | None
    depth_min_m: float
    depth_max_m: float
    pelvis_box_px: float | None


@dataclass(frozen=True, eq=False)
class TrackSpans:
    """Runs of frames, as (start, end) frame pairs with ``end`` exclusive.

    Attributes:
        track_id: the track.
        present: the person's spans, where it is known to exist (runs of consecutive rows,
            observed or filled; the same spans as ``exporters.spans`` and the per-span files).
        missing: gaps between the spans (no row: the person is not known to exist there).
        observed, filled: rows seen by the detector / filled (interpolated) by the tracker.
        contact_left, contact_right: rows with that foot in contact (empty when unknown).
    """

    track_id: int
    present: list[tuple[int, int]]
    missing: list[tuple[int, int]]
    observed: list[tuple[int, int]]
    filled: list[tuple[int, int]]
    contact_left: list[tuple[int, int]]
    contact_right: list[tuple[int, int]]


def runs(frames: npt.ArrayLike, flags: npt.ArrayLike) -> list[tuple[int, int]]:
    """Maximal runs of consecutive ``frames`` where ``flags`` holds: [(start, end_exclusive)]."""
    f = np.asarray(frames, np.int64)
    on = np.asarray(flags, bool)
    out: list[tuple[int, int]] = []
    run: list[int] = []  # [start, last] of the open run
    for frame, flag in zip(f.tolist(), on.tolist(), strict=True):
        if flag and run and frame == run[1] + 1:
            run[1] = frame
            continue
        if run:
            out.append((run[0], run[1] + 1))
            run = []
        if flag:
            run = [frame, frame]
    if run:
        out.append((run[0], run[1] + 1))
    return out


def rotation_jitter(
    global_orient: npt.ArrayLike,
    body_pose: npt.ArrayLike,
    frames: npt.ArrayLike,
    times: npt.ArrayLike,
) -> float | None:
    """Mean angular acceleration magnitude in deg/s^2 over all 24 joints (None: < 3 frames).

    Args:
        global_orient: (T, 3) and body_pose (T, 23, 3) axis-angle, radians.
        frames: (T,) frame indices (only steps between consecutive frames count).
        times: (T,) seconds.
    """
    pose = np.concatenate(
        [np.asarray(global_orient, np.float64)[:, None], np.asarray(body_pose, np.float64)], 1
    )  # (T, 24, 3)
    f = np.asarray(frames, np.int64)
    t = np.asarray(times, np.float64)
    if len(f) < 3:
        return None
    rot = axis_angle_to_matrix(pose)  # (T, 24, 3, 3)
    step = np.swapaxes(rot[:-1], -1, -2) @ rot[1:]  # R_t^T R_t+1, (T-1, 24, 3, 3)
    dt = np.diff(t)
    ok = (np.diff(f) == 1) & (dt > 0)
    omega = matrix_to_axis_angle(step) / np.where(ok, dt, 1.0)[:, None, None]  # rad/s
    both = ok[:-1] & ok[1:]
    if not both.any():
        return None
    mid = 0.5 * (dt[:-1] + dt[1:])
    alpha = np.linalg.norm(omega[1:] - omega[:-1], axis=-1) / mid[:, None]  # (T-2, 24)
    return float(np.degrees(alpha[both].mean()))


def foot_skate(
    feet: npt.ArrayLike,
    frames: npt.ArrayLike,
    times: npt.ArrayLike,
    up: npt.ArrayLike,
    contact: npt.ArrayLike | None = None,
) -> float | None:
    """Median horizontal speed (m/s) of planted feet (None: no planted step).

    Args:
        feet: (T, 2, 3) left/right foot positions, metres.
        frames, times: (T,) frame indices and seconds.
        up: (3,) unit up vector in the frame of ``feet``.
        contact: (T, 2) bool feet in contact; None takes the lower foot of every frame.
    """
    p = np.asarray(feet, np.float64)
    u = np.asarray(up, np.float64)
    f = np.asarray(frames, np.int64)
    t = np.asarray(times, np.float64)
    if len(f) < 2:
        return None
    if contact is None:
        lower = np.argmin(p @ u, axis=1)  # (T,) the foot with the smallest height
        planted = np.zeros((len(f), 2), bool)
        planted[np.arange(len(f)), lower] = True
    else:
        planted = np.asarray(contact, bool)
    move = p[1:] - p[:-1]
    move -= (move @ u)[..., None] * u  # horizontal part, (T-1, 2, 3)
    dt = np.diff(t)
    step_ok = (np.diff(f) == 1) & (dt > 0)
    both = planted[1:] & planted[:-1] & step_ok[:, None]  # (T-1, 2)
    if not both.any():
        return None
    speed = np.linalg.norm(move, axis=-1) / np.where(step_ok, dt, 1.0)[:, None]
    return float(np.median(speed[both]))


def person_joints(
    motion: MotionSet,
    person: SmplSequence,
    world_from_camera: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.float64] | None:
    """(T, 24, 3) camera-frame joints of every row (None without a body model).

    A grounded person (``world_from_camera`` given) is posed from its world motion and mapped
    back to the camera frame.
    """
    if motion.body is None or len(person) == 0:
        return None
    import torch

    from mocap.body import SmplBody
    from mocap.render.views import pose_in_camera

    body = SmplBody(motion.body)
    n = len(person)
    orient, pose, transl, back = pose_in_camera(person, np.arange(n), world_from_camera)
    with torch.inference_mode():
        out = body.forward(
            torch.as_tensor(np.repeat(person.betas[None], n, 0)),
            torch.as_tensor(orient),
            torch.as_tensor(pose),
            torch.as_tensor(transl),
            return_vertices=False,
        )
    joints = out.joints.numpy()
    return joints if back is None else joints @ back[:3, :3].T + back[:3, 3]


def track_figures(
    motion: MotionSet,
    person: SmplSequence,
    joints: npt.NDArray[np.float64] | None,
    up: npt.ArrayLike = CAMERA_UP,
    contact: npt.ArrayLike | None = None,
) -> TrackFigures:
    """The figures of one track.

    Args:
        motion: the result (for the camera intrinsics).
        person: the track.
        joints: (T, 24, 3) camera-frame joints of its rows (:func:`person_joints`), or None.
        up: (3,) unit up vector in the camera frame.
        contact: (T, 2) bool foot contacts, or None.
    """
    obs = person.observed
    cam = motion.camera
    pelvis_px = skate = None
    if joints is not None:
        pelvis = joints[:, PELVIS]
        uv = np.stack(
            [
                cam.fx * pelvis[:, 0] / pelvis[:, 2] + cam.cx,
                cam.fy * pelvis[:, 1] / pelvis[:, 2] + cam.cy,
            ],
            1,
        )
        b = person.boxes
        centre = 0.5 * (b[:, :2] + b[:, 2:])
        dist = np.linalg.norm(uv - centre, axis=1)
        real_box = obs & (b[:, 2] > b[:, 0]) & (b[:, 3] > b[:, 1])  # results without boxes: 0s
        pelvis_px = float(dist[real_box].mean()) if real_box.any() else None
        skate = foot_skate(joints[:, list(FEET)], person.frames, person.times, up, contact)
    return TrackFigures(
        track_id=int(person.track_id),
        frames=len(person),
        first_frame=int(person.frames[0]) if len(person) else 0,
        last_frame=int(person.frames[-1]) if len(person) else 0,
        observed_share=float(obs.mean()) if len(person) else 0.0,
        mean_score=float(person.scores[obs].mean()) if obs.any() else None,
        rotation_jitter_deg_s2=rotation_jitter(
            person.global_orient, person.body_pose, person.frames, person.times
        ),
        foot_skate_m_s=skate,
        depth_min_m=float(person.transl[:, 2].min()) if len(person) else 0.0,
        depth_max_m=float(person.transl[:, 2].max()) if len(person) else 0.0,
        pelvis_box_px=pelvis_px,
    )


def track_spans(person: SmplSequence, contact: npt.ArrayLike | None = None) -> TrackSpans:
    """Observed / filled / contact runs of one track."""
    c = np.zeros((len(person), 2), bool) if contact is None else np.asarray(contact, bool)
    present = runs(person.frames, np.ones(len(person), bool))
    return TrackSpans(
        track_id=int(person.track_id),
        present=present,
        missing=[(a[1], b[0]) for a, b in pairwise(present)],
        observed=runs(person.frames, person.observed),
        filled=runs(person.frames, ~person.observed),
        contact_left=runs(person.frames, c[:, 0]),
        contact_right=runs(person.frames, c[:, 1]),
    )

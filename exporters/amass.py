"""AMASS-style per-person .npz (SMPL+H layout, z-up world) for SMPL tools and Blender add-ons.

Keys: ``poses`` (T, 156) axis-angle in the SMPL+H layout (root, 21 body joints, 2 x 15 finger
joints left at zero: SMPL's two hand joints have no SMPL+H counterpart and are dropped),
``trans`` (T, 3) metres, ``betas`` (16,) (our 10 + zeros), ``gender``, ``mocap_framerate`` and
``mocap_frame_rate`` (both spellings are read by different loaders), ``dmpls`` (T, 8) zeros,
``surface_model_type`` ``"smplh"``; extras: ``root_orient``, ``pose_body``, ``pose_hand``,
``mocap_time_length``, ``num_betas``, ``track_id``, ``frame_start`` (video frame of row 0),
``observed`` (T,) bool (the person was detected on the row's frame; False on interpolated rows)
and ``in_span`` (T,) bool (the row lies in one of the person's spans, :mod:`exporters.spans`:
observed or a short filled gap; False where this writer interpolated across a longer gap, where
the person is not known to exist). Loaders that do not know these keys ignore them.

The world is AMASS's z-up frame: by default the grounded world (``mocap.ground``) turned z-up,
floor at z = 0; for an ungrounded motion (or ``space="camera"``) ``M = CAMERA_TO_ZUP`` applied
to the camera-frame result. Root ``M R_0`` and ``trans = M (J_0 + transl) - J_0`` (SMPL rotates
the root about the rest pelvis ``J_0``). The body is SMPL, not SMPL+H: betas and joint positions
transfer only approximately to SMPL+H/SMPL-X bodies. Frames missing inside a track are
interpolated; rows cover the person's first to last tracked frame, or with ``span="spans"`` one
file per span (no row the person was not known to exist on).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from exporters._output import atomic_paths, per_person_paths, write_npz_file
from exporters.skeleton import (
    CAMERA_TO_ZUP,
    YUP_TO_ZUP,
    dense_track,
    require_body,
    root_in_world,
    select_people,
)
from exporters.space import place
from exporters.spans import SPAN_CHOICES, observed_on, span_paths, spans_of
from mocap.errors import UsageError
from mocap.rotations import matrix_to_axis_angle
from mocap.types import MotionSet, SmplSequence

SUFFIX = ".amass.npz"
SMPLH_POSE_SIZE = 156  # 52 joints x 3: root + 21 body + 15 left-hand + 15 right-hand fingers
SMPLH_BODY_JOINTS = 21  # SMPL joints 1..21 are identical in SMPL+H
AMASS_NUM_BETAS = 16
AMASS_NUM_DMPLS = 8
GENDERS = ("neutral", "male", "female")


def amass_arrays(
    motion: MotionSet,
    seq: SmplSequence,
    gender: str = "neutral",
    to_zup: np.ndarray = CAMERA_TO_ZUP,
) -> dict[str, np.ndarray]:
    """The AMASS-style arrays of one person (see the module docstring); ``to_zup`` (3, 3) turns
    the rows' frame into the z-up world."""
    body = require_body(motion, "AMASS (.amass.npz)")
    frames, rotvecs, transl = dense_track(seq, motion.frame_times)
    n = len(frames)
    pelvis = body.rest_joints(seq.betas)[0]
    root, pelvis_world = root_in_world(rotvecs[:, 0], transl, pelvis, to_zup)
    poses = np.zeros((n, SMPLH_POSE_SIZE))
    poses[:, :3] = matrix_to_axis_angle(root)
    poses[:, 3 : 3 + 3 * SMPLH_BODY_JOINTS] = rotvecs[:, 1 : 1 + SMPLH_BODY_JOINTS].reshape(n, -1)
    betas = np.zeros(AMASS_NUM_BETAS)
    betas[: len(seq.betas)] = seq.betas
    fps = float(motion.fps)
    return {
        "poses": poses,
        "trans": pelvis_world - pelvis,  # AMASS/SMPL trans: the pelvis sits at J_0 + trans
        "betas": betas,
        "gender": np.array(gender),
        "mocap_framerate": np.array(fps),
        "mocap_frame_rate": np.array(fps),
        "mocap_time_length": np.array(n / fps),
        "dmpls": np.zeros((n, AMASS_NUM_DMPLS)),
        "surface_model_type": np.array("smplh"),
        "num_betas": np.array(len(seq.betas), dtype=np.int64),
        "root_orient": poses[:, :3].copy(),
        "pose_body": poses[:, 3:66].copy(),
        "pose_hand": poses[:, 66:].copy(),
        "track_id": np.array(seq.track_id, dtype=np.int64),
        "frame_start": np.array(frames[0], dtype=np.int64),
        "observed": observed_on(seq, frames),
        "in_span": np.isin(frames, seq.frames),
    }


def write_amass(
    motion: MotionSet,
    path: str | Path,
    person: int | None = None,
    gender: str = "neutral",
    span: str = "track",
    overwrite: bool = False,
    space: str | None = None,
) -> list[Path]:
    """Write one AMASS-style ``.amass.npz`` per person (or per span of each person).

    Args:
        motion: the result; ``motion.body`` must hold the SMPL model (for the pelvis ``J_0``).
        path: ``<stem>.amass.npz``; several people go to ``<stem>_person<id>.amass.npz``.
        person: write only this track id.
        gender: ``"neutral"``, ``"male"`` or ``"female"`` (model of the fit).
        span: ``"track"`` (one file per person, first to last tracked frame) or ``"spans"`` (one
            file per continuous span of each person,
            ``<stem>_person<id>_from<first video frame>.amass.npz``; see :mod:`exporters.spans`).
        overwrite: replace existing files.
        space: ``world`` (default when grounded: z up, floor at z = 0, as AMASS files are) or
            ``camera`` (the camera frame turned z-up).

    Returns:
        The paths written.

    Raises:
        SmplModelRequiredError: no SMPL model in ``motion``.
        UsageError: unknown gender or ``span``.
        OutputExistsError: a target exists (checked for every file before any is written).
    """
    if gender not in GENDERS:
        raise UsageError(f"gender={gender!r} is not one of {', '.join(GENDERS)}")
    if span not in SPAN_CHOICES:
        raise UsageError(f"AMASS span {span!r} is not one of {', '.join(SPAN_CHOICES)}")
    require_body(motion, "AMASS (.amass.npz)")
    placed = place(motion, select_people(motion, person, str(path)), space)
    to_zup = YUP_TO_ZUP @ placed.to_yup
    people = list(placed.people)
    if span == "spans":
        people = spans_of(people)
        paths = span_paths(Path(path), people, SUFFIX)
    else:
        ids = [p.track_id for p in people]
        paths = per_person_paths(Path(path), ids, SUFFIX, one_file=person is not None)
    with atomic_paths(paths, overwrite) as temps:
        for seq, tmp in zip(people, temps, strict=True):
            write_npz_file(tmp, amass_arrays(motion, seq, gender, to_zup))
    return paths

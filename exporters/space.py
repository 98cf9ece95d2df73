"""Which frame the writers export: the grounded world (default when grounded) or the camera frame.

* ``world`` — the grounded motion of ``mocap.ground`` (``SmplSequence.world``): y up, floor at
  y = 0, metres; already the glTF/BVH y-up world, so its rotation to y-up is the identity. The
  video camera is placed at its fitted pose ``world_from_camera``.
* ``camera`` — today's camera-frame rows, turned into y-up by ``CAMERA_TO_YUP``; the video camera
  sits at the origin.

Camera poses are given in the y-up export world in the glTF camera convention (the camera looks
down its local -z with +y up), i.e. ``[R_wc C | t_wc]`` with ``C = CAMERA_TO_YUP`` (which is its own
inverse) mapping glTF camera axes to OpenCV ones.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np

from exporters.skeleton import CAMERA_TO_YUP
from mocap.errors import UsageError
from mocap.types import FloatArray, MotionSet, SmplSequence

logger = logging.getLogger(__name__)

SPACES = ("world", "camera")


@dataclass(frozen=True)
class Placement:
    """People rows and the transforms a writer needs for the chosen space.

    Attributes:
        space: ``world`` or ``camera`` (what is actually written).
        people: the rows to write (world rows swapped in for ``world``).
        to_yup: (3, 3) rotation from the rows' frame to the y-up export world.
        camera_pose: (4, 4) pose of the video camera in the y-up export world, glTF camera axes.
    """

    space: str
    people: tuple[SmplSequence, ...]
    to_yup: FloatArray
    camera_pose: FloatArray


def resolve_space(motion: MotionSet, space: str | None) -> str:
    """``world`` when the motion is grounded and ``space`` is ``world`` or None, else ``camera``.

    Raises:
        UsageError: ``space`` is not one of ``SPACES``.
    """
    if space is not None and space not in SPACES:
        raise UsageError(f"space must be one of {', '.join(SPACES)}, got {space!r}")
    if space == "camera":
        return "camera"
    if motion.grounding is None:
        if space == "world":
            logger.info("the motion is not grounded; writing it in the camera frame")
        return "camera"
    return "world"


def place(motion: MotionSet, people: list[SmplSequence], space: str | None = None) -> Placement:
    """Rows and transforms of ``people`` (from ``motion``) for ``space`` (:func:`resolve_space`)."""
    chosen = resolve_space(motion, space)
    if chosen == "camera" or motion.grounding is None:
        return Placement("camera", tuple(people), CAMERA_TO_YUP.copy(), np.eye(4))
    rows = []
    for seq in people:
        w = seq.world
        if w is None:
            raise UsageError(f"track {seq.track_id} has no world motion; ground the motion again")
        rows.append(  # the world rows are now the rows (world=None: nothing left to keep in step)
            replace(
                seq,
                global_orient=w.global_orient,
                body_pose=w.body_pose,
                transl=w.transl,
                world=None,
            )
        )
    pose = motion.grounding.world_from_camera.copy()
    pose[:3, :3] = pose[:3, :3] @ CAMERA_TO_YUP
    return Placement("world", tuple(rows), np.eye(3), pose)

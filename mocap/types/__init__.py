"""Data passed between pipeline stages (numpy only; this module never imports torch).

Conventions, stated once for every field below:

* frame indices are 0-based in decode order; times are seconds from the first decoded frame;
* pixels have their origin at the top-left corner; boxes are ``(x1, y1, x2, y2)``;
* rotations are axis-angle vectors in radians, in SMPL joint order
  (``mocap.smpl_joints.SMPL_JOINT_NAMES``): joint 0 is ``global_orient``, joints 1..23
  ``body_pose``;
* translations are metres in the OpenCV camera frame of the video (+x right, +y down, +z forward);
* field names of SMPL parameters are smplx's (``global_orient``, ``body_pose``, ``betas``,
  ``transl``).

Every dataclass is frozen and checks its array shapes on construction, raising ``ValueError`` that
names the field, the shape it got and the shape it expects. Arrays are converted to the documented
dtype (a copy is made only when the dtype differs).

The types live in :mod:`mocap.types.base`, :mod:`mocap.types.frames` and
:mod:`mocap.types.motion`; this package re-exports them.
"""

from mocap.types.base import (
    NUM_BETAS,
    NUM_BODY_JOINTS,
    NUM_SMPL_JOINTS,
    BoolArray,
    FloatArray,
    IntArray,
)
from mocap.types.frames import (
    CameraIntrinsics,
    Detections,
    FrameBatch,
    Track,
    VideoInfo,
)
from mocap.types.motion import (
    Grounding,
    MotionSet,
    Provenance,
    SmplModelData,
    SmplSequence,
    WorldMotion,
)

__all__ = [
    "NUM_BETAS",
    "NUM_BODY_JOINTS",
    "NUM_SMPL_JOINTS",
    "BoolArray",
    "CameraIntrinsics",
    "Detections",
    "FloatArray",
    "FrameBatch",
    "Grounding",
    "IntArray",
    "MotionSet",
    "Provenance",
    "SmplModelData",
    "SmplSequence",
    "Track",
    "VideoInfo",
    "WorldMotion",
]

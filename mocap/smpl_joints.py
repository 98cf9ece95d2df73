"""The SMPL skeleton: joint names and kinematic tree, defined once for the library.

Numbers from SMPL v1.x (docs/exporters_spec.md §1.1); names are smplx's. The Blender add-on,
which cannot import ``mocap``, keeps its own copy in ``blender_addon/smpl_model.py``; a test
asserts the two are equal.
"""

from __future__ import annotations

from mocap.types import NUM_SMPL_JOINTS

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
"""Parent of every SMPL joint (row 0 of the model's ``kintree_table``; -1 for the root).

SMPL files store the root's parent as ``2**32 - 1``; parents always precede their children."""

if len(SMPL_JOINT_NAMES) != NUM_SMPL_JOINTS or len(SMPL_PARENTS) != NUM_SMPL_JOINTS:
    raise AssertionError("SMPL joint tables must have one entry per SMPL joint")

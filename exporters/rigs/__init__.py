"""Retarget-ready skeletons: SMPL motion on the rigs animators use (``rig`` setting).

``presets`` holds the target skeletons as data (names, hierarchy, rest pose, bone axes, with the
source of each fact), ``retarget`` the maths that re-expresses a person's motion on one of them
with every joint's world position unchanged, ``checks`` the Unity Humanoid and Unreal rules as
checks on a written skeleton.
"""

from exporters.rigs.presets import PRESETS, RIG_NAMES, RigPreset, rig_preset
from exporters.rigs.retarget import RigMotion, RigSkeleton, build_rig, rest_vertices, rig_motion

__all__ = [
    "PRESETS",
    "RIG_NAMES",
    "RigMotion",
    "RigPreset",
    "RigSkeleton",
    "build_rig",
    "rest_vertices",
    "rig_motion",
    "rig_preset",
]

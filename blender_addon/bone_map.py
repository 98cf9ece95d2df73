"""Bone maps from SMPL joints to a user's armature: detection by name, presets as JSON.

numpy/bpy-free (tested without Blender). A bone map is a dict ``{smpl joint name: bone name}``
holding only the joints found. Detection normalises names (lower case, a ``prefix:`` such as
``mixamorig:`` or ``mixamorig1:`` dropped, ``DEF-`` dropped) and tries each naming convention;
the one that matches most joints wins. The conventions are the exporters' rig presets
(``exporters/rigs/presets.py``; a test keeps both in step) plus common variants.
"""

import json
import re

from .smpl_model import SMPL_JOINT_NAMES

BONE_MAP_FORMAT = "cliffmocap-bone-map/1"

_SIDES = {"rigify": (".l", ".r"), "ue": ("_l", "_r"), "mixamo": ("left", "right")}

# Per convention: one template per SMPL joint ({s} = side), "" where the convention has none.
# Rigify: Blender's human metarig; the generated rig's deform bones carry "DEF-" (dropped).
# Mixamo: "mixamorig:" skeleton; Unity Humanoid names (HumanBodyBones) share its sides.
# UE: Unreal mannequin (UE5; "ue4" below) names.
CONVENTIONS = {
    "rigify": (
        "spine", "thigh{s}", "thigh{s}", "spine.001", "shin{s}", "shin{s}", "spine.002",
        "foot{s}", "foot{s}", "spine.003", "toe{s}", "toe{s}", "spine.004", "shoulder{s}",
        "shoulder{s}", "spine.006", "upper_arm{s}", "upper_arm{s}", "forearm{s}", "forearm{s}",
        "hand{s}", "hand{s}", "f_middle.01{s}", "f_middle.01{s}",
    ),
    "mixamo": (
        "hips", "{s}upleg", "{s}upleg", "spine", "{s}leg", "{s}leg", "spine1", "{s}foot",
        "{s}foot", "spine2", "{s}toebase", "{s}toebase", "neck", "{s}shoulder", "{s}shoulder",
        "head", "{s}arm", "{s}arm", "{s}forearm", "{s}forearm", "{s}hand", "{s}hand",
        "{s}handmiddle1", "{s}handmiddle1",
    ),
    "unity": (
        "hips", "{s}upperleg", "{s}upperleg", "spine", "{s}lowerleg", "{s}lowerleg", "chest",
        "{s}foot", "{s}foot", "upperchest", "{s}toes", "{s}toes", "neck", "{s}shoulder",
        "{s}shoulder", "head", "{s}upperarm", "{s}upperarm", "{s}lowerarm", "{s}lowerarm",
        "{s}hand", "{s}hand", "{s}middleproximal", "{s}middleproximal",
    ),
    "ue": (
        "pelvis", "thigh{s}", "thigh{s}", "spine_01", "calf{s}", "calf{s}", "spine_03",
        "foot{s}", "foot{s}", "spine_05", "ball{s}", "ball{s}", "neck_01", "clavicle{s}",
        "clavicle{s}", "head", "upperarm{s}", "upperarm{s}", "lowerarm{s}", "lowerarm{s}",
        "hand{s}", "hand{s}", "middle_01{s}", "middle_01{s}",
    ),
    "smpl": tuple(SMPL_JOINT_NAMES),
}  # fmt: skip
# UE4's mannequin has three spine bones (spine_01..03) where UE5's has five.
CONVENTIONS["ue4"] = tuple(
    {"spine_03": "spine_02", "spine_05": "spine_03"}.get(n, n) for n in CONVENTIONS["ue"]
)
_SIDE_OF = {"rigify": "rigify", "mixamo": "mixamo", "unity": "mixamo", "ue": "ue", "ue4": "ue"}
_PREFIX = re.compile(r"^(?:.*:|def-)")


def normalise(name: str) -> str:
    """Lower case, without a ``prefix:`` (Mixamo, FBX namespaces) or Rigify's ``DEF-``."""
    return _PREFIX.sub("", name.lower())


def convention_names(convention: str) -> list[str]:
    """(24,) normalised names of ``convention`` in SMPL joint order."""
    left, right = _SIDES.get(_SIDE_OF.get(convention, ""), ("", ""))
    out = []
    for joint, template in zip(SMPL_JOINT_NAMES, CONVENTIONS[convention], strict=True):
        side = left if joint.startswith("left_") else right
        out.append(template.format(s=side))
    return out


def detect_bone_map(bone_names) -> tuple[str, dict]:
    """The best convention for an armature's ``bone_names`` and its map.

    Returns:
        (convention, {smpl joint: bone name}); ("", {}) when nothing matches.
    """
    by_norm = {}
    for name in bone_names:
        by_norm.setdefault(normalise(name), name)
    best, best_map = "", {}
    for convention in CONVENTIONS:
        mapping = {}
        for joint, want in zip(SMPL_JOINT_NAMES, convention_names(convention), strict=True):
            if want in by_norm:
                mapping[joint] = by_norm[want]
        if len(mapping) > len(best_map):
            best, best_map = convention, mapping
    return best, best_map


def map_to_json(mapping: dict, name: str) -> str:
    """A bone map preset as JSON text."""
    items = {j: mapping[j] for j in SMPL_JOINT_NAMES if mapping.get(j)}
    return json.dumps({"format": BONE_MAP_FORMAT, "name": name, "bones": items}, indent=1)


def map_from_json(text: str) -> dict:
    """The bone map of a preset's JSON text.

    Raises:
        ValueError: not a cliffmocap bone map, or an unknown SMPL joint in it.
    """
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("format") != BONE_MAP_FORMAT:
        raise ValueError(f"not a cliffmocap bone map (format {BONE_MAP_FORMAT})")
    bones = data.get("bones", {})
    unknown = sorted(set(bones) - set(SMPL_JOINT_NAMES))
    if unknown:
        raise ValueError(f"unknown SMPL joints in the bone map: {', '.join(unknown)}")
    return {j: str(b) for j, b in bones.items() if b}

"""The Unity Humanoid and Unreal mannequin rules, as checks on a written skeleton.

Neither Unity nor Unreal runs here, so what their importers require is written down as data with
its source and checked on the files we write (``skeleton_from_glb``) or on what Blender imports.
Every check returns a list of problems (empty: the skeleton passes).

Frame of a :class:`SkeletonFacts`: the armature's rest pose, y up, the character facing +z, its
left at +x (glTF's convention; Unity's glTF and FBX importers turn it into Unity's left-handed
frame, Unreal's into its z-up one).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pygltflib as gl

from mocap.errors import OutputError
from mocap.rotations import quaternion_to_matrix


@dataclass(frozen=True)
class SkeletonFacts:
    """A skeleton's rest pose as its importer sees it.

    Attributes:
        names: (K,) bone names; parents: (K,) parent index, -1 for a top bone.
        heads: (K, 3) rest positions of the bones' origins, metres (y up, facing +z).
        axes: (K, 3, 3) rest rotations (columns: the bones' local x, y, z), or None if unknown.
    """

    names: tuple[str, ...]
    parents: tuple[int, ...]
    heads: np.ndarray
    axes: np.ndarray | None = None

    def index(self, name: str) -> int:
        return self.names.index(name)

    def is_descendant(self, bone: str, ancestor: str) -> bool:
        k = self.parents[self.index(bone)]
        target = self.index(ancestor)
        while k >= 0:
            if k == target:
                return True
            k = self.parents[k]
        return False

    def direction(self, start: str, end: str) -> np.ndarray:
        d = self.heads[self.index(end)] - self.heads[self.index(start)]
        return d / np.linalg.norm(d)


def skeleton_from_glb(path: str | Path, person_node: str) -> SkeletonFacts:
    """The bone tree below node ``person_node`` of a .glb, in its default (rest) pose.

    Raises:
        OutputError: no node of that name.
    """
    doc = gl.GLTF2().load(str(path))
    if doc is None:
        raise OutputError(f"{path}: not a glTF file")
    nodes = doc.nodes
    by_name = {n.name: i for i, n in enumerate(nodes)}
    if person_node not in by_name:
        raise OutputError(f"{path}: no node {person_node!r}")
    names: list[str] = []
    parents: list[int] = []
    world: list[np.ndarray] = []

    def visit(i: int, parent: int, parent_world: np.ndarray) -> None:
        node = nodes[i]
        local = np.eye(4)
        if node.rotation is not None:
            local[:3, :3] = quaternion_to_matrix(np.asarray(node.rotation, dtype=np.float64))
        if node.translation is not None:
            local[:3, 3] = node.translation
        here = parent_world @ local
        names.append(node.name or "")
        parents.append(parent)
        world.append(here)
        me = len(names) - 1
        for c in node.children or []:
            visit(c, me, here)

    for c in nodes[by_name[person_node]].children or []:
        visit(c, -1, np.eye(4))
    mats = np.asarray(world)
    return SkeletonFacts(tuple(names), tuple(parents), mats[:, :3, 3], mats[:, :3, :3])


def _angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.degrees(np.arctan2(np.linalg.norm(np.cross(a, b)), np.dot(a, b))))


def _missing(sk: SkeletonFacts, names: tuple[str, ...]) -> list[str]:
    return [f"required bone {n!r} is missing" for n in names if n not in sk.names]


def _hierarchy(sk: SkeletonFacts, tree: dict[str, str]) -> list[str]:
    """``tree`` child -> ancestor: every present child must sit below its ancestor."""
    out = []
    for child, ancestor in tree.items():
        if child in sk.names and ancestor in sk.names and not sk.is_descendant(child, ancestor):
            out.append(f"{child!r} is not below {ancestor!r}")
    return out


def _limb_angles(
    sk: SkeletonFacts, chains: dict[str, tuple[str, str]], down_deg: float, tol_deg: float
) -> list[str]:
    """Arm bones ``down_deg`` below horizontal outwards (left +x), within ``tol_deg``."""
    out = []
    down = np.radians(down_deg)
    for label, (a, b) in chains.items():
        if a not in sk.names or b not in sk.names:
            continue
        side = 1.0 if label.startswith("left") else -1.0
        want = np.array([side * np.cos(down), -np.sin(down), 0.0])
        err = _angle_deg(sk.direction(a, b), want)
        if err > tol_deg:
            out.append(f"{label} ({a} -> {b}) is {err:.2f} deg off the rest pose")
    return out


def _legs_down(sk: SkeletonFacts, chains: tuple[tuple[str, str], ...], tol: float) -> list[str]:
    out = []
    for a, b in chains:
        if a in sk.names and b in sk.names:
            err = _angle_deg(sk.direction(a, b), np.array([0.0, -1.0, 0.0]))
            if err > tol:
                out.append(f"leg {a} -> {b} is {err:.2f} deg off vertical")
    return out


# --- Unity Humanoid ---------------------------------------------------------------------------
# Source: Unity Scripting Reference, HumanTrait.RequiredBone / HumanBodyBones (the 15 bones an
# Avatar cannot be built without; HumanTrait.RequiredBoneCount = 15) and Unity Manual
# "Configuring the Avatar" ("all of the required bones have been matched").
UNITY_REQUIRED: tuple[str, ...] = (
    "Hips", "Spine", "Head", "LeftUpperLeg", "LeftLowerLeg", "LeftFoot", "RightUpperLeg",
    "RightLowerLeg", "RightFoot", "LeftUpperArm", "LeftLowerArm", "LeftHand", "RightUpperArm",
    "RightLowerArm", "RightHand",
)  # fmt: skip
# Source: Unity Scripting Reference, HumanTrait.GetParentBone: the human bone each one hangs from
# (a mapped bone must be a descendant of that bone in the model's transform hierarchy).
UNITY_PARENTS: dict[str, str] = {
    "Spine": "Hips", "Chest": "Spine", "UpperChest": "Chest", "Neck": "UpperChest",
    "Head": "Neck", "LeftUpperLeg": "Hips", "RightUpperLeg": "Hips",
    "LeftLowerLeg": "LeftUpperLeg", "RightLowerLeg": "RightUpperLeg",
    "LeftFoot": "LeftLowerLeg", "RightFoot": "RightLowerLeg", "LeftToes": "LeftFoot",
    "RightToes": "RightFoot", "LeftShoulder": "UpperChest", "RightShoulder": "UpperChest",
    "LeftUpperArm": "LeftShoulder", "RightUpperArm": "RightShoulder",
    "LeftLowerArm": "LeftUpperArm", "RightLowerArm": "RightUpperArm",
    "LeftHand": "LeftLowerArm", "RightHand": "RightLowerArm",
    "LeftMiddleProximal": "LeftHand", "RightMiddleProximal": "RightHand",
}  # fmt: skip
# Source: Unity Manual "Configuring the Avatar": "the model is in T-pose" (the avatar's
# "Enforce T-Pose": arms straight out sideways, horizontal; legs straight down).
UNITY_T_POSE_ARMS = {
    "left upper arm": ("LeftUpperArm", "LeftLowerArm"),
    "left lower arm": ("LeftLowerArm", "LeftHand"),
    "right upper arm": ("RightUpperArm", "RightLowerArm"),
    "right lower arm": ("RightLowerArm", "RightHand"),
}
UNITY_LEGS = (
    ("LeftUpperLeg", "LeftLowerLeg"),
    ("LeftLowerLeg", "LeftFoot"),
    ("RightUpperLeg", "RightLowerLeg"),
    ("RightLowerLeg", "RightFoot"),
)
POSE_TOL_DEG = 1.0
"""Rest directions must match the stated pose within 1 degree (issue 18)."""


def unity_humanoid_problems(sk: SkeletonFacts) -> list[str]:
    """Problems Unity's Humanoid avatar setup would have with ``sk`` (empty: none)."""
    out = _missing(sk, UNITY_REQUIRED)
    out += _hierarchy(sk, UNITY_PARENTS)
    out += _limb_angles(sk, UNITY_T_POSE_ARMS, 0.0, POSE_TOL_DEG)
    out += _legs_down(sk, UNITY_LEGS, POSE_TOL_DEG)
    if "LeftHand" in sk.names and sk.heads[sk.index("LeftHand"), 0] <= 0:
        out.append("LeftHand is not on the character's left (+x when facing +z)")
    return out


# --- Unreal Engine 5 mannequin ------------------------------------------------------------------
# Source: the UE5 mannequin skeleton SK_Mannequin (Third Person template; SKM_Manny/SKM_Quinn):
# bone names and parents of the subset we write (nearest ancestor in the full skeleton).
UE5_PARENTS: dict[str, str] = {
    "pelvis": "root", "spine_01": "pelvis", "spine_03": "spine_01", "spine_05": "spine_03",
    "neck_01": "spine_05", "head": "neck_01", "clavicle_l": "spine_05",
    "clavicle_r": "spine_05", "upperarm_l": "clavicle_l", "upperarm_r": "clavicle_r",
    "lowerarm_l": "upperarm_l", "lowerarm_r": "upperarm_r", "hand_l": "lowerarm_l",
    "hand_r": "lowerarm_r", "middle_01_l": "hand_l", "middle_01_r": "hand_r",
    "thigh_l": "pelvis", "thigh_r": "pelvis", "calf_l": "thigh_l", "calf_r": "thigh_r",
    "foot_l": "calf_l", "foot_r": "calf_r", "ball_l": "foot_l", "ball_r": "foot_r",
}  # fmt: skip
UE5_REQUIRED: tuple[str, ...] = ("root", *UE5_PARENTS)
# Source: UE5 docs, Animation > Root Motion: root motion is read from the skeleton's root bone,
# which sits on the floor under the character; our preset puts it at the rest origin.
# Source: UE5 mannequin reference pose: an A-pose (arm angle approximated as 45 degrees here; a
# 30-60 degree band is accepted as "A-pose").
UE5_A_POSE_BAND_DEG = (30.0, 60.0)
UE5_ARMS = {
    "left upper arm": ("upperarm_l", "lowerarm_l"),
    "right upper arm": ("upperarm_r", "lowerarm_r"),
}
UE5_LEGS = (
    ("thigh_l", "calf_l"),
    ("calf_l", "foot_l"),
    ("thigh_r", "calf_r"),
    ("calf_r", "foot_r"),
)
UE5_BONE_AXIS = 0
"""Unreal bones point along their local +X (mannequin convention)."""


def unreal_mannequin_problems(sk: SkeletonFacts) -> list[str]:
    """Problems Unreal's IK Retargeter / root motion would have with ``sk`` (empty: none)."""
    out = _missing(sk, UE5_REQUIRED)
    out += _hierarchy(sk, UE5_PARENTS)
    tops = [n for n, p in zip(sk.names, sk.parents, strict=True) if p < 0]
    if tops != ["root"]:
        out.append(f"the only top bone must be 'root', found {tops}")
    elif np.linalg.norm(sk.heads[sk.index("root")]) > 1e-6:
        out.append("the root bone is not at the rest origin (on the floor)")
    lo, hi = UE5_A_POSE_BAND_DEG
    for label, (a, b) in UE5_ARMS.items():
        if a in sk.names and b in sk.names:
            d = sk.direction(a, b)
            down = float(np.degrees(np.arcsin(np.clip(-d[1], -1.0, 1.0))))
            if not lo <= down <= hi or abs(d[2]) > np.sin(np.radians(POSE_TOL_DEG)):
                out.append(f"{label} is {down:.1f} deg below horizontal: not an A-pose")
    out += _legs_down(sk, UE5_LEGS, POSE_TOL_DEG)
    out += _axis_problems(sk, UE5_PARENTS, UE5_BONE_AXIS)
    return out


def _axis_problems(sk: SkeletonFacts, tree: dict[str, str], axis: int) -> list[str]:
    """Every parent in ``tree`` with one child in it must point its ``axis`` at that child."""
    if sk.axes is None:
        return []
    out = []
    for parent in set(tree.values()) - {"root", "pelvis", "spine_05"}:  # several children
        children = [c for c, p in tree.items() if p == parent and c in sk.names]
        if parent in sk.names and len(children) == 1:
            local = sk.axes[sk.index(parent)][:, axis]
            err = _angle_deg(local, sk.direction(parent, children[0]))
            if err > POSE_TOL_DEG:
                out.append(f"{parent}'s local axis {'XYZ'[axis]} is {err:.2f} deg off its bone")
    return out

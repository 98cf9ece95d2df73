"""Bake a cliffmocap person's motion onto another armature (Blender side of ``retarget_math``)."""

import bpy
import numpy as np
from mathutils import Matrix

from . import bone_map, retarget_math
from .smpl_model import SMPL_JOINT_NAMES

HIDDEN_SCALE = 1e-6  # a source pelvis scaled below this is hidden (off its track): no key


class RetargetError(Exception):
    """The bake cannot run (message for the user)."""


def _rotation(m: np.ndarray) -> np.ndarray:
    """(3, 3) rotation part of a (3, 3) matrix with uniform scale."""
    scale = np.cbrt(np.linalg.det(m))
    return m / scale if abs(scale) > HIDDEN_SCALE else np.eye(3)


def _parents_first(bones) -> list:
    def depth(b):
        return 0 if b.parent is None else 1 + depth(b.parent)

    return sorted(bones, key=depth)


def source_frames(source) -> tuple[int, int]:
    """The source action's frame range (the scene's when it has no action)."""
    action = source.animation_data.action if source.animation_data else None
    if action is None:
        scene = bpy.context.scene
        return scene.frame_start, scene.frame_end
    start, end = action.frame_range
    return int(np.floor(start)), int(np.ceil(end))


def bake(source, target, mapping: dict, frames: range) -> int:
    """Key ``target``'s mapped bones on ``frames`` so they follow ``source``; returns keyed frames.

    Raises:
        RetargetError: the map misses the pelvis or a leg, or names bones that do not exist.
    """
    missing = [b for b in mapping.values() if b not in target.data.bones]
    if missing:
        raise RetargetError(f"bones not in {target.name}: {', '.join(missing)}")
    # the source is a cliffmocap person on any of its rigs (SMPL names or a --rig preset)
    _, source_map = bone_map.detect_bone_map([b.name for b in source.data.bones])
    absent = [j for j in SMPL_JOINT_NAMES if j not in source_map]
    if absent:
        raise RetargetError(f"{source.name} is not a cliffmocap person (no bone for {absent[0]})")
    source_names = [source_map[j] for j in SMPL_JOINT_NAMES]
    for need in ("pelvis", "left_hip", "left_knee", "left_ankle"):
        if need not in mapping:
            raise RetargetError(f"map the SMPL joint {need} to a bone first")
    bones = _parents_first(target.data.bones)
    index = {b.name: i for i, b in enumerate(bones)}
    parents = [index[b.parent.name] if b.parent else -1 for b in bones]
    rest = np.array([np.array(b.matrix_local) for b in bones])
    bone_of_joint = {SMPL_JOINT_NAMES.index(j): index[b] for j, b in mapping.items()}
    to_target = np.linalg.inv(np.array(target.matrix_world)) @ np.array(source.matrix_world)
    rot_x = _rotation(to_target[:3, :3])
    src_bones = [source.data.bones[n] for n in source_names]
    src_rest_rot = np.array(
        [rot_x @ _rotation(np.array(b.matrix_local)[:3, :3]) for b in src_bones]
    )
    src_rest_pos = np.array([to_target[:3, :3] @ np.array(b.head_local) for b in src_bones])
    align = retarget_math.rest_alignment(rest, bone_of_joint, src_rest_pos)
    heads = rest[:, :3, 3]
    leg = [bone_of_joint.get(j) for j in (1, 4, 7)]
    scale = (
        np.linalg.norm(heads[leg[1]] - heads[leg[0]])
        + np.linalg.norm(heads[leg[2]] - heads[leg[1]])
    ) / retarget_math.leg_length(src_rest_pos)
    pose_bones = [target.pose.bones[b.name] for b in bones]
    for pb in pose_bones:  # unmapped bones follow rigidly: identity basis
        pb.matrix_basis = Matrix.Identity(4)
        pb.rotation_mode = "QUATERNION"
    scene = bpy.context.scene
    previous = {}
    keyed = 0
    for f in frames:
        scene.frame_set(f)
        mats = np.array([np.array(source.pose.bones[n].matrix) for n in source_names])
        if abs(np.linalg.det(mats[0][:3, :3])) < HIDDEN_SCALE:
            continue
        src_rot = np.array([rot_x @ _rotation(m[:3, :3]) for m in mats])
        hips = scale * (to_target[:3, :3] @ mats[0][:3, 3] + to_target[:3, 3])
        bases = retarget_math.pose_bases(
            rest, parents, bone_of_joint, align, src_rest_rot, src_rot, hips
        )
        for b in sorted(bone_of_joint.values()):
            pb = pose_bones[b]
            q = Matrix(bases[b].tolist()).to_quaternion()
            if b in previous:
                q.make_compatible(previous[b])
            previous[b] = q
            pb.rotation_quaternion = q
            pb.keyframe_insert("rotation_quaternion", frame=f)
            if b == bone_of_joint[0]:
                pb.location = bases[b][:3, 3].tolist()
                pb.keyframe_insert("location", frame=f)
        keyed += 1
    return keyed

"""Build one animated SMPL character (armature + skinned mesh) per person from a .npz result.

Geometry (docs/exporters_spec.md §1.2, §0): SMPL joint k has local rotation R_k (axis-angle
pose), rest joints J (24, 3) from the person's betas, and camera-frame translation ``transl``.
Blender's world is z-up: the rest body is stored as A·v (A = +90° about X, y-up → z-up) and the
posed body must land on M·p_cv (M = A·C, OpenCV camera → Blender). With bone rest rotations
Q_k (armature space, identity armature object) the pose-bone values that achieve this are:

* non-root bones:   r_k = Q_kᵀ · A·R_k·Aᵀ · Q_k
* root rotation:    r_0 = Q_0ᵀ · M·R_0·Aᵀ · Q_0
* root location:    l_0 = Q_0ᵀ · (M·(J_0 + transl) − A·J_0)

(Blender's deform matrix of bone k is D_parent · B_k·L_k·B_k⁻¹ with B_k the rest matrix.)
"""

import bpy
import numpy as np

from .keyframes import INTERP_CONSTANT, INTERP_LINEAR, add_keys, visibility_keys
from .rotations import (
    CV_TO_BLENDER,
    Y_UP_TO_Z_UP,
    axis_angle_to_matrix,
    make_sign_continuous,
    matrix_to_quaternion,
)
from .smpl_model import SMPL_JOINT_NAMES

LEAF_BONE_LENGTH = 0.05  # metres; display length of bones without children
A = Y_UP_TO_Z_UP
M = CV_TO_BLENDER


def _bone_length(k: int, joints_b: np.ndarray, parents: np.ndarray) -> float:
    """Display length: distance to the first child, or LEAF_BONE_LENGTH for leaves."""
    children = np.flatnonzero(parents == k)
    if len(children):
        return max(float(np.linalg.norm(joints_b[children[0]] - joints_b[k])), LEAF_BONE_LENGTH)
    return LEAF_BONE_LENGTH


def _make_armature(context, collection, name: str, joints_b: np.ndarray, parents: np.ndarray):
    arm = bpy.data.armatures.new(name)
    obj = bpy.data.objects.new(name, arm)
    collection.objects.link(obj)
    view_layer = context.view_layer
    previous = view_layer.objects.active
    view_layer.objects.active = obj
    bpy.ops.object.mode_set(mode="EDIT")
    bones = []
    for k, bone_name in enumerate(SMPL_JOINT_NAMES):
        eb = arm.edit_bones.new(bone_name)
        eb.head = joints_b[k].tolist()
        # Every bone points up (+Z) with roll 0, so its rest rotation is exactly A (entries
        # 0/±1, no float32 rounding) and pose quaternions equal SMPL's local rotations, as in
        # a glTF import with bone_heuristic='BLENDER'.
        eb.tail = (joints_b[k] + [0.0, 0.0, _bone_length(k, joints_b, parents)]).tolist()
        eb.roll = 0.0
        if parents[k] >= 0:
            eb.parent = bones[parents[k]]
        bones.append(eb)
    bpy.ops.object.mode_set(mode="OBJECT")
    view_layer.objects.active = previous
    return obj


def _make_mesh(collection, name: str, verts_b: np.ndarray, faces: np.ndarray, weights, arm_obj):
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(verts_b.tolist(), [], faces.tolist())
    mesh.update()
    mesh.polygons.foreach_set("use_smooth", [True] * len(mesh.polygons))
    obj = bpy.data.objects.new(name, mesh)
    collection.objects.link(obj)
    obj.parent = arm_obj
    for k, bone_name in enumerate(SMPL_JOINT_NAMES):
        group = obj.vertex_groups.new(name=bone_name)
        for i in np.flatnonzero(weights[:, k] > 0):
            group.add([int(i)], float(weights[i, k]), "REPLACE")
    mod = obj.modifiers.new("Armature", "ARMATURE")
    mod.object = arm_obj
    return obj


def pose_bone_values(pose, transl, joints, rest_rotations):
    """Pose-bone quaternions and root location for every tracked frame.

    Args:
        pose: (T, 24, 3) axis-angle, radians, SMPL local rotations (OpenCV camera frame root).
        transl: (T, 3) metres, OpenCV camera frame.
        joints: (24, 3) shaped rest joints, SMPL frame, metres.
        rest_rotations: (24, 3, 3) bone rest rotations Q_k in armature space.

    Returns:
        (T, 24, 4) quaternions (w, x, y, z), sign-continuous over time, and (T, 3) root location
        in the root bone's rest frame.
    """
    rot = axis_angle_to_matrix(pose)  # (T, 24, 3, 3)
    q_t = np.swapaxes(rest_rotations, -1, -2)  # Q_kᵀ
    world = A @ rot @ A.T  # (T,24,3,3): rest-frame rotations expressed in Blender axes
    world[:, 0] = M @ rot[:, 0] @ A.T
    local = q_t[None] @ world @ rest_rotations[None]
    loc = (M @ (joints[0] + transl).T).T - A @ joints[0]  # (T, 3)
    loc = loc @ rest_rotations[0]  # row-vector form of Q_0ᵀ·loc
    return make_sign_continuous(matrix_to_quaternion(local)), loc


def build_person(context, collection, person, model, num_frames: int):
    """Create ``person_<id>`` (armature) and ``person_<id>_body`` (mesh), keyed on video frames.

    Returns:
        The armature object.
    """
    verts, joints = model.shaped(person.betas)
    name = f"person_{person.track_id}"
    arm_obj = _make_armature(context, collection, name, joints @ A.T, model.parents)
    _make_mesh(collection, f"{name}_body", verts @ A.T, model.faces, model.weights, arm_obj)
    bones = arm_obj.data.bones  # stored in hierarchy order: look bones up by name
    rest = np.array([np.array(bones[n].matrix_local)[:3, :3] for n in SMPL_JOINT_NAMES])
    quats, loc = pose_bone_values(person.pose, person.transl, joints, rest)

    action = bpy.data.actions.new(f"{name}_motion")
    arm_obj.animation_data_create()
    arm_obj.animation_data.action = action
    frames = person.frames
    for k, bone_name in enumerate(SMPL_JOINT_NAMES):
        arm_obj.pose.bones[bone_name].rotation_mode = "QUATERNION"
        path = f'pose.bones["{bone_name}"]'
        add_keys(
            action,
            arm_obj,
            path + ".rotation_quaternion",
            frames,
            quats[:, k],
            bone_name,
            INTERP_LINEAR,
        )
    root = SMPL_JOINT_NAMES[0]
    add_keys(action, arm_obj, f'pose.bones["{root}"].location', frames, loc, root, INTERP_LINEAR)
    key_frames, scale = visibility_keys(frames, num_frames)
    add_keys(
        action, arm_obj, f'pose.bones["{root}"].scale', key_frames,
        np.repeat(scale[:, None], 3, axis=1), root, INTERP_CONSTANT,
    )  # fmt: skip
    arm_obj["cliffmocap_track_id"] = person.track_id
    arm_obj["cliffmocap_frame_start"] = int(frames[0])
    arm_obj["cliffmocap_frame_end"] = int(frames[-1])
    return arm_obj

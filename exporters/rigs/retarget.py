"""Re-express SMPL motion on a rig preset's skeleton, keeping every joint's world position.

Notation (per person; ``k`` a joint, ``p`` its parent, SMPL canonical frame: y up, facing +z):

* ``J_k`` (24, 3): the person's shaped SMPL rest joints, metres; SMPL's rest rotations are
  identity, so SMPL's world transform of joint ``k`` is ``G_k = G_p [R_k | J_k - J_p]``.
* ``Q_k`` (24, 3, 3): the local rotations that pose SMPL's rest into the preset's rest pose
  (T- or A-pose, :func:`rest_pose`); ``A_k = A_p Q_k`` their world rotations and
  ``J'_k = J'_p + A_p (J_k - J_p)`` the rest joints of that pose.
* ``B_k`` (24, 3, 3): the rest world rotation of target bone ``k`` (its local axes: the preset's
  ``bone_axis`` towards the child, ``roll_axis`` towards the front), :func:`bone_frames`.

Target bone ``k`` gets the world transform ``M_k(t) = G_k(t) [A_k^T B_k | 0]``: same position as
SMPL's joint, a constant rotation offset ``D_k = A_k^T B_k``. Hence its local rotation is
``L_k = D_p^T R_k D_k`` (the top bone: ``R_0 D_0`` with ``R_0`` the root rotation in the writer's
world) and its local translation the constant ``B_p^T (J'_k - J'_p)``: only rotations and the
root's translation animate, and ``M_k(t)`` at ``R = Q`` is exactly the rest ``[B_k | J'_k]``.

The rest pose stands on its origin: it is shifted by ``rest_shift`` so the pelvis is above the
origin and the lowest rest mesh vertex is at height 0 (SMPL's own preset keeps SMPL's rest).
A preset's ``root_bone`` sits at the origin in the rest pose and follows the pelvis on the floor
plane ``y = floor_y`` of the writer's world (y up; 0 is the floor of a grounded motion), without
rotation; the pelvis then moves relative to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from exporters.rigs.presets import RigPreset
from mocap.smpl_joints import SMPL_JOINT_NAMES, SMPL_PARENTS

PRIMARY_CHILD: tuple[int, ...] = (
    3, 4, 5, 6, 7, 8, 9, 10, 11, 12, -1, -1, 15, 16, 17, -1, 18, 19, 20, 21, 22, 23, -1, -1,
)  # fmt: skip
"""The child each SMPL joint's bone points to (-1: a leaf, which continues its parent's bone)."""

_LEFT_ARM, _RIGHT_ARM = (16, 18, 20), (17, 19, 21)  # shoulder, elbow, wrist: arm bones
_LEGS = (1, 2, 4, 5)  # hips and knees: thigh and shin bones
UP = np.array([0.0, 1.0, 0.0])
FRONT = np.array([0.0, 0.0, 1.0])
"""SMPL canonical frame (and glTF's): +y up, the character faces +z, its left is +x."""
_AXIS = {"X": 0, "Y": 1, "Z": 2}
_PARALLEL_COS = 0.9  # roll reference closer than ~26 degrees to the bone: use the other one


@dataclass(frozen=True)
class RigSkeleton:
    """A preset's skeleton for one person's shape (``K`` bones, parents before children).

    Attributes:
        names: (K,) bone names; with a root bone it is bone 0 and the pelvis is bone 1.
        parents: (K,) parent bone index, -1 for the top bone.
        smpl_joint: (K,) SMPL joint of each bone, -1 for the root bone.
        rest_local_rotation: (K, 3, 3) bind-pose rotation relative to the parent.
        rest_local_translation: (K, 3) bind-pose offset in the parent's frame, metres.
        rest_world: (K, 4, 4) bind-pose transforms in the armature's frame (y up, metres).
        frames: (24, 3, 3) ``D_k`` per SMPL joint (constant rotation offset, see module docs).
        rest_pose: (24, 3, 3) ``Q_k``, SMPL local rotations of the preset's rest pose.
        rest_shift: (3,) translation of the rest pose (feet on the origin), metres.
    """

    names: tuple[str, ...]
    parents: tuple[int, ...]
    smpl_joint: tuple[int, ...]
    rest_local_rotation: np.ndarray
    rest_local_translation: np.ndarray
    rest_world: np.ndarray
    frames: np.ndarray
    rest_pose: np.ndarray
    rest_shift: np.ndarray

    @property
    def has_root_bone(self) -> bool:
        return self.smpl_joint[0] < 0


@dataclass(frozen=True)
class RigMotion:
    """Keys of one person on a :class:`RigSkeleton` (``T`` frames, ``K`` bones).

    Attributes:
        rotations: (T, K, 3, 3) local rotations.
        translations: (T, K, 3) local translations, metres (constant except ``moving`` bones).
        moving: indices of bones whose translation is animated (top bone, and the pelvis
            below a root bone).
    """

    rotations: np.ndarray
    translations: np.ndarray
    moving: tuple[int, ...]


def swing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(3, 3) the smallest rotation taking direction ``a`` (3,) onto direction ``b`` (3,)."""
    a = a / np.linalg.norm(a)
    b = b / np.linalg.norm(b)
    axis = np.cross(a, b)
    s, c = np.linalg.norm(axis), float(np.dot(a, b))
    if s < 1e-12:
        if c > 0:
            return np.eye(3)
        ortho = np.cross(a, [1.0, 0.0, 0.0] if abs(a[0]) < 0.9 else [0.0, 1.0, 0.0])
        axis, s, c = ortho / np.linalg.norm(ortho), 0.0, -1.0  # half turn about any normal
    else:
        axis = axis / s
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + s * k + (1.0 - c) * k @ k  # Rodrigues: I + sin K + (1 - cos) K^2


def rest_targets(preset: RigPreset) -> dict[int, np.ndarray]:
    """Rest direction (3,) of the bones the preset poses: arms (T/A-pose) and legs (straight).

    Keyed by the SMPL joint at the bone's start; other bones keep SMPL's rest direction.
    """
    if preset.rest == "smpl":
        return {}
    down = np.deg2rad(preset.arm_down_deg)
    left = np.array([np.cos(down), -np.sin(down), 0.0])
    right = left * np.array([-1.0, 1.0, 1.0])
    targets = {j: left for j in _LEFT_ARM} | {j: right for j in _RIGHT_ARM}
    return targets | {j: -UP for j in _LEGS}


def rest_pose(preset: RigPreset, joints: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SMPL pose of the preset's rest pose for rest joints ``joints`` (24, 3) metres.

    Returns:
        local: (24, 3, 3) ``Q_k``; world: (24, 3, 3) ``A_k``; posed: (24, 3) ``J'_k`` metres.
    """
    targets = rest_targets(preset)
    local = np.tile(np.eye(3), (24, 1, 1))
    world = np.empty((24, 3, 3))
    posed = np.empty((24, 3))
    for k, p in enumerate(SMPL_PARENTS):
        parent_rot = world[p] if p >= 0 else np.eye(3)
        if k in targets:
            inherited = parent_rot @ (joints[PRIMARY_CHILD[k]] - joints[k])
            local[k] = parent_rot.T @ swing(inherited, targets[k]) @ parent_rot
        world[k] = parent_rot @ local[k]
        posed[k] = joints[k] if p < 0 else _moved(joints, posed, parent_rot, k, p)
    return local, world, posed


def _moved(
    joints: np.ndarray, posed: np.ndarray, parent_rot: np.ndarray, k: int, p: int
) -> np.ndarray:
    """(3,) ``J'_k = J'_p + A_p (J_k - J_p)`` written so that unposed joints stay bit-exact."""
    return joints[k] + (posed[p] - joints[p]) + (parent_rot - np.eye(3)) @ (joints[k] - joints[p])


def bone_direction(posed: np.ndarray, k: int) -> np.ndarray:
    """(3,) unit rest direction of bone ``k``: to its primary child, or its parent's for a leaf."""
    child = PRIMARY_CHILD[k]
    d = posed[child] - posed[k] if child >= 0 else posed[k] - posed[SMPL_PARENTS[k]]
    return d / np.linalg.norm(d)


def bone_frames(preset: RigPreset, posed: np.ndarray) -> np.ndarray:
    """(24, 3, 3) ``B_k``: columns are the bone's local axes in the armature frame.

    ``bone_axis`` along the bone, ``roll_axis`` towards the front (+z), or up (+y) for bones
    that point nearly forward (the feet); the third axis completes a right-handed frame.
    """
    if preset.bone_axis is None or preset.roll_axis is None:
        return np.tile(np.eye(3), (24, 1, 1))
    along, roll = _AXIS[preset.bone_axis], _AXIS[preset.roll_axis]
    third = 3 - along - roll
    sign = 1.0 if (roll - along) % 3 == 1 else -1.0  # e_third = sign * e_along x e_roll
    frames = np.empty((24, 3, 3))
    for k in range(24):
        d = bone_direction(posed, k)
        ref = FRONT if abs(d @ FRONT) < _PARALLEL_COS else UP
        r = ref - (ref @ d) * d
        r /= np.linalg.norm(r)
        frames[k][:, along] = d
        frames[k][:, roll] = r
        frames[k][:, third] = sign * np.cross(d, r)
    return frames


def _blend(
    world_a: np.ndarray,
    posed: np.ndarray,
    joints: np.ndarray,
    vertices: np.ndarray,
    weights: np.ndarray,
) -> np.ndarray:
    """(V, 3) linear blend skinning of rest ``vertices`` by the rest-pose change ``A``, ``J'``."""
    per_joint = np.einsum("kij,vkj->vki", world_a, vertices[:, None, :] - joints[None])
    return np.einsum("vk,vki->vi", weights, per_joint + posed[None])


def build_rig(
    preset: RigPreset,
    joints: np.ndarray,
    mesh: tuple[np.ndarray, np.ndarray] | None = None,
    bone_axes: bool = True,
) -> RigSkeleton:
    """The preset's skeleton for one person.

    Args:
        preset: the target skeleton.
        joints: (24, 3) the person's shaped SMPL rest joints, metres.
        mesh: (V, 3) shaped rest vertices and (V, 24) weights; the rest pose stands on its
            lowest vertex (the soles). None: on its lowest joint.
        bone_axes: give bones the preset's local axes (glTF, FBX); False keeps every rest frame
            aligned with the armature (BVH, which has no rest rotations).
    """
    local_q, world_a, posed = rest_pose(preset, joints)
    frames_b = bone_frames(preset, posed) if bone_axes else np.tile(np.eye(3), (24, 1, 1))
    shift = np.zeros(3)
    if preset.rest != "smpl":  # SMPL's own preset keeps today's rest exactly
        low = posed if mesh is None else _blend(world_a, posed, joints, *mesh)
        shift = np.array([-posed[0, 0], -float(low[:, 1].min()), -posed[0, 2]])
    d = np.transpose(world_a, (0, 2, 1)) @ frames_b
    root = preset.root_bone is not None
    names = ((preset.root_bone,) if preset.root_bone is not None else ()) + preset.bone_names
    first = 1 if root else 0
    parents = ((-1,) if root else ()) + tuple(
        p + first if p >= 0 else (0 if root else -1) for p in SMPL_PARENTS
    )
    smpl_joint = ((-1,) if root else ()) + tuple(range(len(SMPL_JOINT_NAMES)))
    up = [max(p, 0) for p in SMPL_PARENTS]
    offsets = np.einsum("kij,kj->ki", world_a[up], joints - joints[up])  # A_p (J_k - J_p)
    offsets[0] = posed[0] + shift
    parent_t = np.transpose(frames_b[up], (0, 2, 1))
    local_rot = parent_t @ frames_b
    local_rot[0] = frames_b[0]
    local_t = np.einsum("kij,kj->ki", parent_t, offsets)
    local_t[0] = offsets[0]
    rest_world = np.tile(np.eye(4), (len(names), 1, 1))
    rest_world[first:, :3, :3] = frames_b
    rest_world[first:, :3, 3] = posed + shift
    if root:
        local_rot = np.concatenate([np.eye(3)[None], local_rot])
        local_t = np.concatenate([np.zeros((1, 3)), local_t])
    return RigSkeleton(
        names=names,
        parents=parents,
        smpl_joint=smpl_joint,
        rest_local_rotation=local_rot,
        rest_local_translation=local_t,
        rest_world=rest_world,
        frames=d,
        rest_pose=local_q,
        rest_shift=shift,
    )


def rig_motion(
    rig: RigSkeleton, rotations: np.ndarray, pelvis: np.ndarray, floor_y: float = 0.0
) -> RigMotion:
    """Keys on ``rig`` for one person's SMPL motion (see the module docs for the maths).

    Args:
        rig: from :func:`build_rig` with the same person's rest joints.
        rotations: (T, 24, 3, 3) SMPL local rotations, the root's already in the writer's world.
        pelvis: (T, 3) pelvis world position in the writer's world (y up), metres.
        floor_y: height of the floor plane in that world (the root bone's height), metres.
    """
    d = rig.frames  # (24, 3, 3)
    parent_d = d[[max(p, 0) for p in SMPL_PARENTS]]
    local = np.transpose(parent_d, (0, 2, 1)) @ rotations @ d  # D_p^T R_k D_k
    local[:, 0] = rotations[:, 0] @ d[0]
    n = len(rotations)
    translations = np.repeat(rig.rest_local_translation[None], n, axis=0)
    if not rig.has_root_bone:
        translations[:, 0] = pelvis
        return RigMotion(rotations=local, translations=translations, moving=(0,))
    ground = pelvis.copy()
    ground[:, 1] = floor_y
    translations[:, 0] = ground
    translations[:, 1] = pelvis - ground  # the root bone does not rotate
    rot = np.concatenate([np.tile(np.eye(3), (n, 1, 1, 1)), local], axis=1)
    return RigMotion(rotations=rot, translations=translations, moving=(0, 1))


def rest_vertices(
    rig: RigSkeleton, joints: np.ndarray, vertices: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """(V, 3) shaped SMPL rest vertices posed into the rig's rest pose (and shifted with it).

    Args:
        joints: (24, 3) the person's rest joints; vertices: (V, 3) shaped rest vertices, metres;
        weights: (V, 24) skinning weights.
    """
    if not np.any(rig.rest_shift) and np.all(rig.rest_pose == np.eye(3)):
        return vertices.copy()  # SMPL's own rest: exactly today's vertices
    world = np.empty((24, 3, 3))
    posed = np.empty((24, 3))
    for k, p in enumerate(SMPL_PARENTS):
        parent_rot = world[p] if p >= 0 else np.eye(3)
        world[k] = parent_rot @ rig.rest_pose[k]
        posed[k] = joints[k] if p < 0 else _moved(joints, posed, parent_rot, k, p)
    return _blend(world, posed, joints, vertices, weights) + rig.rest_shift

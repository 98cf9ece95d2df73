"""Motion transfer from a cliffmocap (SMPL) armature onto another armature: the numpy maths.

bpy-free (tested without Blender); ``operator_retarget`` feeds it Blender's matrices. All inputs
are in the TARGET armature's space (its object transform removed), rotations as (3, 3) matrices.

Per mapped target bone ``b`` driven by SMPL joint ``j``:

* rest alignment ``C_b = swing(t_b -> s_j)``: the smallest rotation taking the target bone's rest
  direction ``t_b`` (its head to the head of the bone mapped to ``j``'s child, else its own +Y)
  onto the source joint's rest direction ``s_j`` (to its child joint, else from its parent);
* wanted rotation ``W_b(t) = S_j(t) S_j^rest^T C_b T_b^rest``: the source joint's change since its
  rest, applied to the aligned target rest frame, so the bone points where the source points;
* Blender pose maths ``M_b = M_p (T_p^rest)^-1 T_b^rest B_b`` gives the local (basis) rotation
  ``B_b``; unmapped bones keep ``B_b = I`` and follow their parent rigidly.

Root motion: the hips bone's head goes to ``scale * P_0(t)``, the source pelvis scaled about the
target armature's origin by the target/source leg length ratio (with the armature on the floor
and a grounded capture, feet stay on the floor).
"""

import numpy as np

from .smpl_model import SMPL_PARENTS

PRIMARY_CHILD = (
    3, 4, 5, 6, 7, 8, 9, 10, 11, 12, -1, -1, 15, 16, 17, -1, 18, 19, 20, 21, 22, 23, -1, -1,
)  # fmt: skip
"""The child each SMPL joint's bone points to (equal to ``exporters.rigs.retarget``'s, tested)."""
LEG = ((1, 4), (4, 7))  # left hip -> knee -> ankle: the leg length used for the root scale


def swing(a, b) -> np.ndarray:
    """(3, 3) the smallest rotation taking direction ``a`` onto direction ``b``."""
    a = np.asarray(a, float) / np.linalg.norm(a)
    b = np.asarray(b, float) / np.linalg.norm(b)
    axis = np.cross(a, b)
    s, c = np.linalg.norm(axis), float(a @ b)
    if s < 1e-12:
        if c > 0:
            return np.eye(3)
        ortho = np.cross(a, [1.0, 0.0, 0.0] if abs(a[0]) < 0.9 else [0.0, 1.0, 0.0])
        axis, s, c = ortho / np.linalg.norm(ortho), 0.0, -1.0  # half turn: sin 0
    else:
        axis = axis / s
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + s * k + (1.0 - c) * k @ k


def source_direction(positions, j: int) -> np.ndarray:
    """(3,) direction of SMPL joint ``j``'s bone in ``positions`` (24, 3)."""
    child = PRIMARY_CHILD[j]
    if child >= 0:
        return positions[child] - positions[j]
    return positions[j] - positions[SMPL_PARENTS[j]]


def rest_alignment(target_rest, bone_of_joint: dict, source_rest_pos) -> dict:
    """``{bone index: C_b}`` for every mapped bone.

    Args:
        target_rest: (K, 4, 4) target bones' rest matrices (armature space).
        bone_of_joint: {SMPL joint index: target bone index}.
        source_rest_pos: (24, 3) source joints' rest positions (same space).
    """
    out = {}
    for j, b in bone_of_joint.items():
        child = bone_of_joint.get(PRIMARY_CHILD[j]) if PRIMARY_CHILD[j] >= 0 else None
        if child is not None:
            t_dir = target_rest[child][:3, 3] - target_rest[b][:3, 3]
        else:
            t_dir = target_rest[b][:3, 1]  # the bone's own +Y (Blender bones point along +Y)
        out[b] = swing(t_dir, source_direction(source_rest_pos, j))
    return out


def leg_length(positions) -> float:
    return float(sum(np.linalg.norm(positions[c] - positions[p]) for p, c in LEG))


def pose_bases(
    target_rest, target_parents, bone_of_joint, align, source_rest_rot, source_rot, hips_head
) -> np.ndarray:
    """(K, 4, 4) basis (local pose) matrices of one frame.

    Args:
        target_rest: (K, 4, 4) rest matrices, bones ordered parents first; target_parents: (K,).
        bone_of_joint: {SMPL joint: target bone}; align: :func:`rest_alignment`'s result.
        source_rest_rot, source_rot: (24, 3, 3) source joints' rest and current rotations.
        hips_head: (3,) where the hips bone (the one mapped to the pelvis) must be.
    """
    joint_of_bone = {b: j for j, b in bone_of_joint.items()}
    hips = bone_of_joint.get(0)
    k_total = len(target_rest)
    pose = np.empty((k_total, 4, 4))
    basis = np.tile(np.eye(4), (k_total, 1, 1))
    for b in range(k_total):
        p = target_parents[b]
        rel = target_rest[b] if p < 0 else np.linalg.inv(target_rest[p]) @ target_rest[b]
        frame = rel if p < 0 else pose[p] @ rel  # where the bone is with an identity basis
        if b in joint_of_bone:
            j = joint_of_bone[b]
            wanted = np.eye(4)
            wanted[:3, :3] = (
                source_rot[j] @ source_rest_rot[j].T @ align[b] @ target_rest[b][:3, :3]
            )
            wanted[:3, 3] = hips_head if b == hips else frame[:3, 3]
            local = np.linalg.inv(frame) @ wanted
            basis[b][:3, :3] = local[:3, :3]
            if b == hips:
                basis[b][:3, 3] = local[:3, 3]
        pose[b] = frame @ basis[b]
    return basis

"""A synthetic SMPL-format body model, for tests, samples, benchmarks and users without a licence.

The real SMPL model is licence-gated, so nothing in this project may ship it. This module builds a
stand-in with the exact keys, shapes and dtypes of the SMPL v1.x ``.pkl`` files
(``docs/exporters_spec.md`` §1.4) whose body is a plausible humanoid in SMPL's canonical frame
(metres, y up, facing +z, body-left = +x, T-pose, pelvis near the origin, soles at y = -1.18,
1.70 m tall):

* the mesh is one closed, consistently oriented genus-0 surface (hence exactly
  ``F = 2V - 4 = 13776`` triangles over ``V = 6890`` vertices): a torso tube that runs on into neck
  and head, two arm tubes grown out of holes in the torso's sides, and two leg tubes that split the
  torso's bottom ring at the crotch; the left half is built and mirrored, so the body is exactly
  left/right symmetric and ``vert_sym_idxs`` is exact;
* joints sit where a person's joints are (close to SMPL's neutral template), with SMPL's parents;
* ``J_regressor`` is sparse, non-negative, rows sum to 1, and regresses the designed joints from the
  template (each row is a convex combination of a cross-section of vertices around its joint);
* skinning weights fall off with the distance to each joint's bone (<= 4 influences, rows sum to 1);
* ``shapedirs``: beta0 scales height, beta1 girth, betas 2..9 are small smooth random fields;
  ``posedirs`` are small random offsets localised by the skinning weights.

Writers produce a py2-style pickle (``chumpy.ch.Ch`` wrappers and a ``scipy.sparse.csc`` regressor,
as in the downloaded files, without needing chumpy) and a plain ``.npz``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import nnls

from mocap.smpl_joints import SMPL_PARENTS
from mocap.testing.smpl_files import write_smpl_npz, write_smpl_pkl
from mocap.testing.synthetic_body import NUM_FACES, NUM_VERTICES, build_mesh, designed_joints
from mocap.types import NUM_BETAS, NUM_SMPL_JOINTS, SmplModelData

__all__ = [
    "KINTREE_ROOT",
    "NUM_FACES",
    "NUM_POSE_BASIS",
    "NUM_VERTICES",
    "SMPL_PARENTS",
    "designed_joints",
    "make_synthetic_smpl",
    "synthetic_smpl_model_data",
    "write_smpl_npz",
    "write_smpl_pkl",
]

NUM_POSE_BASIS = 207  # 23 joints x 9 entries of (R - I)

#: SMPL kinematic tree (docs/exporters_spec.md §1.1); the file stores the root parent as 2**32 - 1.
KINTREE_ROOT = 4294967295

#: The child whose bone each joint drives (for skinning); leaves continue their parent's bone.
_BONE_CHILD = {
    0: 3,
    1: 4,
    2: 5,
    3: 6,
    4: 7,
    5: 8,
    6: 9,
    7: 10,
    8: 11,
    9: 12,
    12: 15,
    13: 16,
    14: 17,
    16: 18,
    17: 19,
    18: 20,
    19: 21,
    20: 22,
    21: 23,
}

_HEIGHT_PER_BETA = 0.03  # beta0 = 1 stretches y about the pelvis by 3 % (about 5 cm)
_GIRTH_PER_BETA = 0.12  # beta1 = 1 pushes the surface 12 % further from its bone
_OTHER_BETA_SCALE = 0.004  # metres; betas 2..9 are small smooth fields
_POSEDIRS_SCALE = 0.002  # metres per unit of (R - I)
_SKIN_SIGMA = 0.035  # metres; skinning weights ~ exp(-d^2 / (2 sigma^2))
_MAX_INFLUENCES = 4


def make_synthetic_smpl(seed: int = 0) -> dict[str, Any]:
    """Build the synthetic model as a dict keyed like an SMPL v1.x ``.pkl`` file.

    Args:
        seed: seeds the small random blend-shape fields (the geometry does not depend on it).

    Returns:
        dict with ``v_template`` (6890, 3) f64, ``shapedirs`` (6890, 3, 10) f64, ``posedirs``
        (6890, 3, 207) f64, ``J_regressor`` and ``J_regressor_prior`` (24, 6890) f64 (dense here;
        :func:`write_smpl_pkl` stores them as scipy csc as the real files do), ``weights`` and
        ``weights_prior`` (6890, 24) f64, ``J`` (24, 3) f64, ``f`` (13776, 3) uint32,
        ``kintree_table`` (2, 24) int64 (root parent 4294967295), ``vert_sym_idxs`` (6890,) int64,
        ``bs_type`` ``'lrotmin'``, ``bs_style`` ``'lbs'``, ``pose_training_info`` (a small dict).
    """
    rng = np.random.default_rng(seed)
    verts, faces, sym = build_mesh()
    joints = designed_joints()
    j_regressor = _joint_regressor(verts, joints)
    joints = j_regressor @ verts
    weights, closest = _skinning_weights(verts, joints)
    shapedirs = _shapedirs(verts, joints, closest, rng)
    posedirs = _posedirs(verts, weights, rng)
    parents = np.array(SMPL_PARENTS, dtype=np.int64)
    parents[0] = KINTREE_ROOT
    return {
        "v_template": verts,
        "shapedirs": shapedirs,
        "posedirs": posedirs,
        "J_regressor": j_regressor,
        "J_regressor_prior": j_regressor.copy(),
        "weights": weights,
        "weights_prior": weights.copy(),
        "J": joints,
        "f": faces.astype(np.uint32),
        "kintree_table": np.stack([parents, np.arange(NUM_SMPL_JOINTS, dtype=np.int64)]),
        "vert_sym_idxs": sym,
        "bs_type": "lrotmin",
        "bs_style": "lbs",
        "pose_training_info": {"source": "cliffmocap synthetic body", "seed": int(seed)},
    }


def synthetic_smpl_model_data(seed: int = 0) -> SmplModelData:
    """The synthetic model as :class:`mocap.types.SmplModelData` (``source="synthetic"``)."""
    d = make_synthetic_smpl(seed)
    parents = d["kintree_table"][0].copy()
    parents[0] = -1
    return SmplModelData(
        v_template=d["v_template"],
        shapedirs=d["shapedirs"],
        j_regressor=d["J_regressor"],
        weights=d["weights"],
        faces=d["f"].astype(np.int64),
        parents=parents,
        posedirs=d["posedirs"],
        source="synthetic",
    )


def _bone_segments(joints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(24, 3) start and end of the bone each joint drives."""
    ends = np.empty_like(joints)
    for k in range(NUM_SMPL_JOINTS):
        if k in _BONE_CHILD:
            ends[k] = joints[_BONE_CHILD[k]]
        elif k == 15:  # head: up to the crown
            ends[k] = joints[k] + (0.0, 0.14, 0.0)
        else:  # feet and hands continue along the parent's direction
            ends[k] = joints[k] + 0.8 * (joints[k] - joints[SMPL_PARENTS[k]])
    return joints, ends


def _joint_regressor(verts: np.ndarray, joints: np.ndarray) -> np.ndarray:
    """(24, V) non-negative rows summing to 1 with ``J_regressor @ verts == joints``.

    Each row mixes the vertices of the body's cross-section through the joint (a slab
    perpendicular to its bone), found by non-negative least squares with the sum-to-one row
    appended to the system.
    """
    starts, ends = _bone_segments(joints)
    reg = np.zeros((NUM_SMPL_JOINTS, len(verts)))
    for k in range(NUM_SMPL_JOINTS):
        axis = ends[k] - starts[k]
        axis /= np.linalg.norm(axis)
        rel = verts - joints[k]
        along = rel @ axis
        across = np.linalg.norm(rel - along[:, None] * axis, axis=1)
        for half, radius in ((0.012, 0.12), (0.02, 0.16), (0.03, 0.22), (0.05, 0.3)):
            sel = np.nonzero((np.abs(along) < half) & (across < radius))[0]
            if len(sel) < 4:
                continue
            system = np.vstack([verts[sel].T, np.ones(len(sel))])
            w, residual = nnls(system, np.append(joints[k], 1.0))
            if residual < 1e-9:
                break
        else:
            raise RuntimeError(f"synthetic body: joint {k} is not inside its cross-section")
        reg[k, sel] = w
    return reg / reg.sum(1, keepdims=True)


def _segment_distances(verts: np.ndarray, joints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(V, 24) distance of each vertex to each bone, and (V, 24, 3) the closest bone points."""
    starts, ends = _bone_segments(joints)
    d = ends - starts
    t = np.einsum("vkc,kc->vk", verts[:, None, :] - starts[None], d) / (d * d).sum(1)
    closest = starts[None] + np.clip(t, 0, 1)[..., None] * d[None]
    return np.linalg.norm(verts[:, None, :] - closest, axis=2), closest


def _skinning_weights(verts: np.ndarray, joints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(V, 24) weights (<= 4 influences, rows sum to 1), (V, 3) each vertex's closest bone point."""
    dist, closest = _segment_distances(verts, joints)
    logits = -(dist**2 - (dist**2).min(1, keepdims=True)) / (2 * _SKIN_SIGMA**2)
    w = np.exp(logits)
    # keep the 4 largest; ties at the cut (midline vertices equally near a left and a right bone)
    # are kept or dropped together so the weights stay exactly left/right symmetric
    cut = -np.sort(-w, axis=1)[:, _MAX_INFLUENCES - 1 : _MAX_INFLUENCES]
    tie = np.abs(w - cut) <= 1e-9 * cut
    above = (w > cut) & ~tie
    room = _MAX_INFLUENCES - above.sum(1, keepdims=True)
    keep = above | (tie & (tie.sum(1, keepdims=True) <= room))
    w = np.where(keep & (w > 1e-6), w, 0.0)
    w /= w.sum(1, keepdims=True)
    return w, closest[np.arange(len(verts)), dist.argmin(1)]


def _shapedirs(
    verts: np.ndarray, joints: np.ndarray, closest: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """(V, 3, 10): beta0 height, beta1 girth, betas 2..9 small smooth random fields (metres)."""
    dirs = np.zeros((len(verts), 3, NUM_BETAS))
    dirs[:, 1, 0] = _HEIGHT_PER_BETA * (verts[:, 1] - joints[0, 1])
    dirs[:, :, 1] = _GIRTH_PER_BETA * (verts - closest)
    for m in range(2, NUM_BETAS):
        freq = rng.normal(0.0, 3.0, 3)
        direction = rng.normal(size=3)
        direction /= np.linalg.norm(direction)
        field = np.sin(verts @ freq + rng.uniform(0, 2 * np.pi))
        dirs[:, :, m] = _OTHER_BETA_SCALE * field[:, None] * direction
    return dirs


def _posedirs(verts: np.ndarray, weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(V, 3, 207) small offsets: basis n moves the vertices skinned to joint 1 + n // 9."""
    direction = rng.normal(size=(3, NUM_POSE_BASIS))
    freq = rng.normal(0.0, 4.0, (3, NUM_POSE_BASIS))
    local = np.repeat(weights[:, 1:], 9, axis=1) * (1.0 + 0.5 * np.sin(verts @ freq))  # (V, 207)
    return _POSEDIRS_SCALE * local[:, None, :] * direction[None]

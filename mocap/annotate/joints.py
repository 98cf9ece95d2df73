"""The 24 keypoints of the pseudo-GT files (J24) computed from a posed SMPL body.

Each J24 slot comes from one of three sources (docs/cliff_annotator.md §4, SPIN models/smpl.py):
an SMPL joint, a row of SPIN's ``J_regressor_extra.npy`` (a (9, 6890) vertex regressor for the
LSP/MPII/H36M joints SMPL lacks), or one mesh vertex (smplx's default face-point selector).
SPIN's extra regressor is distributed with SPIN's data, not here; without it each extra row falls
back to the nearest SMPL joint (:data:`EXTRA_FALLBACK`), which is approximate (hip centres differ
by a few centimetres, the head top lies about 10 cm above SMPL's head joint), so
:attr:`J24Joints.exact` says which slots are exact.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Final

import numpy as np

from mocap.body import NUM_POSE_BASIS, SmplBody
from mocap.errors import SmplModelError
from mocap.types import NUM_SMPL_JOINTS, SmplModelData

#: Source of each J24 slot: ("smpl", joint), ("extra", row of J_regressor_extra) or
#: ("vertex", id). SPIN constants.JOINT_MAP; vertex ids of smplx's vertex_ids["smplh"].
J24_SOURCES: Final[tuple[tuple[str, int], ...]] = (
    ("smpl", 8),
    ("smpl", 5),
    ("extra", 0),
    ("extra", 1),
    ("smpl", 4),
    ("smpl", 7),
    ("smpl", 21),
    ("smpl", 19),
    ("smpl", 17),
    ("smpl", 16),
    ("smpl", 18),
    ("smpl", 20),
    ("extra", 2),
    ("extra", 3),
    ("extra", 4),
    ("extra", 5),
    ("extra", 6),
    ("extra", 7),
    ("extra", 8),
    ("vertex", 332),
    ("vertex", 2800),
    ("vertex", 6260),
    ("vertex", 583),
    ("vertex", 4071),
)
NUM_EXTRA = 9

#: Nearest SMPL joint for each extra row when J_regressor_extra.npy is not given (approximate):
#: right hip, left hip, neck (LSP), head top (LSP), pelvis (MPII), thorax (MPII), spine (H36M),
#: jaw (H36M), head (H36M).
EXTRA_FALLBACK: Final[tuple[int, ...]] = (2, 1, 12, 15, 0, 12, 6, 15, 15)

#: The pelvis subtracted from the pseudo-GT files' ``S`` (our choice; the files do not say which):
#: J24 slot 14, MPII's pelvis.
S_PELVIS_SLOT: Final = 14


def read_extra_regressor(path: str | os.PathLike[str], num_vertices: int) -> np.ndarray:
    """SPIN's ``J_regressor_extra.npy``: a (9, V) float64 vertex regressor, read with
    ``allow_pickle=False``.

    Args:
        path: the ``.npy`` file; num_vertices: V of the SMPL model it must fit (6890).

    Raises:
        SmplModelError: the file is not a numeric ``.npy`` array of shape (9, V) with finite
            values (the message names the file and what is wrong).
    """
    path = Path(path)
    what = f"J_regressor_extra file '{path}'"
    fix = "; use data/J_regressor_extra.npy of SPIN's data archive"
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        why = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise SmplModelError(f"{what} cannot be read as a .npy array ({why}){fix}") from None
    if not isinstance(array, np.ndarray):  # an .npz archive
        array.close()
        raise SmplModelError(f"{what} is an .npz archive, not a .npy array{fix}")
    if array.dtype.kind not in "biuf":
        raise SmplModelError(f"{what} is not a numeric .npy array{fix}")
    if array.shape != (NUM_EXTRA, num_vertices):
        raise SmplModelError(
            f"{what} has shape {array.shape}; SPIN's regressor for this SMPL model is "
            f"({NUM_EXTRA}, {num_vertices}){fix}"
        )
    if not np.all(np.isfinite(array)):
        raise SmplModelError(f"{what} holds non-finite values{fix}")
    return array.astype(np.float64)


class J24Joints:
    """Computes (B, 24, 3) J24 keypoints of posed SMPL bodies.

    Only the few mesh vertices J24 needs are skinned: a reduced model keeps those vertices plus 24
    pseudo-vertices that carry the rest joints (template and shape blend shapes of the joint
    regression, which is linear), so joints and the kept vertices are the full model's exactly,
    at a fraction of the cost.

    Args:
        body: the SMPL model.
        extra_regressor: optional (9, V) SPIN ``J_regressor_extra`` rows; None uses
            :data:`EXTRA_FALLBACK`.

    Attributes:
        exact: (24,) bool, False for slots approximated by :data:`EXTRA_FALLBACK`.

    Raises:
        SmplModelError: the extra regressor's shape does not fit the body, or a face vertex id
            is outside the mesh.
    """

    def __init__(self, body: SmplBody, extra_regressor: Any | None = None) -> None:
        nv = body.data.num_vertices
        extra = None if extra_regressor is None else np.asarray(extra_regressor, np.float64)
        if extra is not None and extra.shape != (NUM_EXTRA, nv):
            raise SmplModelError(
                f"J_regressor_extra must have shape ({NUM_EXTRA}, {nv}), got {extra.shape}"
            )
        faces = [i for kind, i in J24_SOURCES if kind == "vertex"]
        if max(faces) >= nv:
            raise SmplModelError(f"SMPL model '{body.data.source}' has no vertex {max(faces)}")
        used = set(faces) if extra is None else set(faces) | set(np.flatnonzero(extra.any(0)))
        self.vertex_ids = np.array(sorted(used), dtype=np.int64)
        self._extra = None if extra is None else extra[:, self.vertex_ids]
        self.exact = np.array([k != "extra" or extra is not None for k, _ in J24_SOURCES])
        self.body = body
        self.reduced = SmplBody(_reduced_model(body, self.vertex_ids))
        self._cache: dict[tuple[str, Any], Any] = {}

    def _extra_t(self, like: Any) -> Any:
        import torch

        key = (str(like.device), like.dtype)
        if key not in self._cache:
            self._cache[key] = torch.as_tensor(self._extra, dtype=like.dtype, device=like.device)
        return self._cache[key]

    def from_smpl(self, joints: Any, vertices: Any) -> Any:
        """J24 from posed SMPL joints (B, 24, 3) and the full mesh's vertices (B, V, 3).

        Returns:
            (B, 24, 3) in the frame of the inputs (torch).
        """
        return self._assemble(joints, vertices[:, self.vertex_ids])

    def _assemble(self, joints: Any, kept: Any) -> Any:
        """J24 from joints (B, 24, 3) and the kept vertices (B, len(vertex_ids), 3)."""
        import torch

        if self._extra is None:
            extra = joints[:, list(EXTRA_FALLBACK)]
        else:
            extra = torch.einsum("kv,bvc->bkc", self._extra_t(kept), kept)
        where = {int(v): k for k, v in enumerate(self.vertex_ids)}
        cols = []
        for kind, i in J24_SOURCES:
            if kind == "smpl":
                cols.append(joints[:, i])
            elif kind == "extra":
                cols.append(extra[:, i])
            else:
                cols.append(kept[:, where[i]])
        return torch.stack(cols, 1)

    def posed(self, rotmat: Any, betas: Any, transl: Any) -> Any:
        """J24 (B, 24, 3) metres of bodies given rotations (B, 24, 3, 3), betas (B, 10) and SMPL
        ``transl`` (B, 3), in the frame of ``transl`` (the full-image camera); differentiable."""
        out = self.reduced.forward(betas, rotmat[:, :1], rotmat[:, 1:], transl, pose2rot=False)
        assert out.vertices is not None  # return_vertices defaults to True
        return self._assemble(out.joints, out.vertices[:, : len(self.vertex_ids)])


def _reduced_model(body: SmplBody, keep: np.ndarray) -> SmplModelData:
    """The kept vertices plus 24 pseudo-vertices at the rest joints (regressor = identity on
    them, one-hot skinning, no pose correctives): same joints, same kept vertices."""
    d, nb = body.data, body.num_betas
    j_template = d.j_regressor @ d.v_template  # (24, 3)
    j_dirs = np.einsum("jv,vcl->jcl", d.j_regressor, d.shapedirs[:, :, :nb])  # (24, 3, L)
    n = len(keep)
    posedirs = np.zeros((n + NUM_SMPL_JOINTS, 3, NUM_POSE_BASIS))
    if d.posedirs is not None:
        posedirs[:n] = d.posedirs[keep]
    return SmplModelData(
        v_template=np.concatenate([d.v_template[keep], j_template]),
        shapedirs=np.concatenate([d.shapedirs[keep, :, :nb], j_dirs]),
        j_regressor=np.concatenate([np.zeros((NUM_SMPL_JOINTS, n)), np.eye(NUM_SMPL_JOINTS)], 1),
        weights=np.concatenate([d.weights[keep], np.eye(NUM_SMPL_JOINTS)]),
        faces=np.zeros((0, 3), np.int64),
        parents=d.parents,
        posedirs=posedirs,
        source=f"{d.source} (J24 vertices)",
    )

"""The SMPL forward function (our own LBS; smplx is not called) and loading a model for it.

Reading the files lives in :mod:`mocap.smplfile`. Importing this module does not import torch;
:meth:`SmplBody.forward` does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from mocap.errors import SmplModelError
from mocap.smplfile import NUM_POSE_BASIS, read_body_model_data
from mocap.types import NUM_BETAS, NUM_SMPL_JOINTS, FloatArray, SmplModelData


def load_body_model(path: str | os.PathLike[str]) -> SmplBody:
    """Load an SMPL model file (``.pkl`` as downloaded, no chumpy needed; or ``.npz``).

    Raises:
        ModelFileNotFoundError: the file is absent (message says where to get SMPL).
        SmplModelError: unreadable, unsafe or malformed content.
    """
    return SmplBody(read_body_model_data(path))


# --- the body model -------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SmplOutput:
    """Result of :meth:`SmplBody.forward` (torch tensors).

    Attributes:
        joints: (B, 24, 3) posed joint positions in metres, ``transl`` included.
        vertices: (B, V, 3) posed vertices in metres, ``transl`` included (None for joints only).
        rotmats: (B, 24, 3, 3) local joint rotations used.
    """

    joints: Any
    vertices: Any | None
    rotmats: Any


class SmplBody:
    """An SMPL body model: numpy data for exporters, and a batched torch forward (LBS).

    Attributes:
        data: the model's arrays (:class:`mocap.types.SmplModelData`).
        num_betas: shape coefficients used by :meth:`forward` (10, as CLIFF predicts).
    """

    def __init__(self, data: SmplModelData, num_betas: int = NUM_BETAS) -> None:
        self.data = data
        self.num_betas = num_betas
        if data.posedirs is None or data.posedirs.shape[2] != NUM_POSE_BASIS:
            raise SmplModelError(f"SMPL model '{data.source}' has no usable posedirs (V, 3, 207)")
        # joints only depend on betas: J(b) = J_template + sum_l b_l J_shapedirs[:, :, l]
        self._j_template = data.j_regressor @ data.v_template  # (24, 3)
        self._j_shapedirs = np.einsum(
            "jv,vcl->jcl", data.j_regressor, data.shapedirs[:, :, :num_betas]
        )  # (24, 3, L)
        self._cache: dict[tuple[str, Any], dict[str, Any]] = {}

    @property
    def parents(self) -> np.ndarray:
        """(24,) int64 parent of each joint, -1 for the root."""
        return self.data.parents

    def rest_joints(self, betas: FloatArray) -> FloatArray:
        """Rest-pose joints for ``betas`` (..., L), L <= num_betas: (..., 24, 3) float64 metres."""
        b = np.asarray(betas, dtype=np.float64)
        if b.ndim == 0 or b.shape[-1] > self.num_betas:
            raise ValueError(
                f"rest_joints: betas must have shape (..., <= {self.num_betas}), got {b.shape}"
            )
        return self._j_template + np.einsum(
            "...l,jcl->...jc", b, self._j_shapedirs[:, :, : b.shape[-1]]
        )

    def _tensors(self, like: Any) -> dict[str, Any]:
        """The model's arrays as tensors on ``like``'s device and dtype (converted once)."""
        import torch

        key = (str(like.device), like.dtype)
        if key not in self._cache:
            nv = self.data.num_vertices

            def t(a: np.ndarray) -> Any:
                return torch.as_tensor(
                    np.ascontiguousarray(a), dtype=like.dtype, device=like.device
                )

            # plain tensors even when first called under inference_mode (usable with autograd)
            with torch.inference_mode(False), torch.no_grad():
                self._cache[key] = self._convert(t, nv)
        return self._cache[key]

    def _convert(self, t: Any, nv: int) -> dict[str, Any]:
        d = self.data
        return {
            "v_template": t(d.v_template),  # (V, 3)
            "shapedirs": t(d.shapedirs[:, :, : self.num_betas]),  # (V, 3, L)
            # (207, V*3): row n is the offset field of pose feature n, flattened per vertex
            "posedirs": t(d.posedirs.reshape(nv * 3, NUM_POSE_BASIS).T),  # pyright: ignore[reportOptionalMemberAccess]
            "weights_t": t(d.weights.T),  # (24, V)
            "j_template": t(self._j_template),  # (24, 3)
            "j_shapedirs": t(self._j_shapedirs),  # (24, 3, L)
        }

    def forward(
        self,
        betas: Any,
        global_orient: Any,
        body_pose: Any,
        transl: Any = None,
        pose2rot: bool = True,
        return_vertices: bool = True,
    ) -> SmplOutput:
        """SMPL: shape blend shapes, joint regression, pose blend shapes (lrotmin), FK and LBS.

        Args:
            betas: (B, L) shape coefficients, L <= num_betas (torch; dtype/device used throughout).
            global_orient: root rotation, (B, 3) / (B, 1, 3) axis-angle with ``pose2rot`` or
                (B, 3, 3) / (B, 1, 3, 3) matrices without.
            body_pose: joints 1..23, (B, 69) / (B, 23, 3) axis-angle or (B, 23, 3, 3) matrices.
            transl: (B, 3) metres added to joints and vertices (None = zero).
            pose2rot: True for axis-angle input, False for rotation matrices (CLIFF's output).
            return_vertices: False skips the mesh (joints only: 24 small matrices per body, cheap
                on CPU); joints are the same either way, since pose correctives never move joints.

        Returns:
            :class:`SmplOutput` with joints (B, 24, 3), vertices (B, V, 3) or None, rotmats.
        """
        import torch

        betas = torch.as_tensor(betas)
        if not betas.is_floating_point():
            betas = betas.double()
        bsz, nb = betas.shape[0], betas.shape[-1]
        if betas.ndim != 2 or nb > self.num_betas:
            raise ValueError(
                f"forward: betas must be (B, <= {self.num_betas}), got {tuple(betas.shape)}"
            )
        t = self._tensors(betas)
        like = {"dtype": betas.dtype, "device": betas.device}
        rot = _joint_rotations(global_orient, body_pose, bsz, pose2rot, like)

        # 1-2. rest joints J (B, 24, 3) from the shaped template (linear in betas)
        rest = t["j_template"] + torch.einsum("bl,jcl->bjc", betas, t["j_shapedirs"][:, :, :nb])

        # 3. forward kinematics -> world transforms G (B, 24, 4, 4)
        world = _forward_kinematics(rot, rest, self.data.parents.tolist())
        joints = world[:, :, :3, 3]  # (B, 24, 3)
        offset = (
            torch.zeros(bsz, 1, 3, **like)
            if transl is None
            else torch.as_tensor(transl).to(**like).reshape(bsz, 1, 3)
        )
        if not return_vertices:
            return SmplOutput(joints=joints + offset, vertices=None, rotmats=rot)

        # 4. shaped rest mesh (B, V, 3) and pose blend shapes from (R_k - I), joints 1..23 (lrotmin)
        v_shaped = t["v_template"] + torch.einsum("bl,vcl->bvc", betas, t["shapedirs"][:, :, :nb])
        eye = torch.eye(3, **like)
        pose_feature = (rot[:, 1:] - eye).reshape(bsz, NUM_POSE_BASIS)  # (B, 207)
        v_posed = v_shaped + (pose_feature @ t["posedirs"]).reshape(bsz, -1, 3)

        # 5. linear blend skinning
        vertices = _skin(world, rest, v_posed, t["weights_t"])
        return SmplOutput(joints=joints + offset, vertices=vertices + offset, rotmats=rot)

    __call__ = forward


def _joint_rotations(
    global_orient: Any, body_pose: Any, bsz: int, pose2rot: bool, like: dict[str, Any]
) -> Any:
    """(B, 24, 3, 3) joint rotations from :meth:`SmplBody.forward`'s pose arguments."""
    import torch

    from mocap.rotations import axis_angle_to_matrix

    go = torch.as_tensor(global_orient).to(**like)
    bp = torch.as_tensor(body_pose).to(**like)
    if pose2rot:
        rot = axis_angle_to_matrix(torch.cat([go.reshape(bsz, 1, 3), bp.reshape(bsz, -1, 3)], 1))
    else:
        rot = torch.cat([go.reshape(bsz, 1, 3, 3), bp.reshape(bsz, -1, 3, 3)], 1)
    if rot.shape[1] != NUM_SMPL_JOINTS:
        raise ValueError(f"forward: expected 24 joint rotations, got {rot.shape[1]}")
    return rot


def _forward_kinematics(rot: Any, rest: Any, parents: list[int]) -> Any:
    """World transforms ``G_k = G_parent(k) [R_k | J_k - J_parent(k)]``.

    Args:
        rot: (B, 24, 3, 3) local joint rotations.
        rest: (B, 24, 3) rest joint positions, metres.
        parents: 24 parent indices (root's is ignored).

    Returns:
        (B, 24, 4, 4) world transforms; column 3 holds the posed joint positions.
    """
    import torch

    bsz = rot.shape[0]
    rel = rest.clone()
    rel[:, 1:] = rest[:, 1:] - rest[:, parents[1:]]
    local = torch.zeros(bsz, NUM_SMPL_JOINTS, 4, 4, dtype=rot.dtype, device=rot.device)
    local[:, :, :3, :3] = rot
    local[:, :, :3, 3] = rel
    local[:, :, 3, 3] = 1.0
    chain = [local[:, 0]]
    for k in range(1, NUM_SMPL_JOINTS):
        chain.append(chain[parents[k]] @ local[:, k])
    return torch.stack(chain, 1)


def _skin(world: Any, rest: Any, v_posed: Any, weights_t: Any) -> Any:
    """Linear blend skinning ``v' = sum_k W_vk G_k [I | -J_k] v`` (rest rotations are identity).

    Args:
        world: (B, 24, 4, 4) world transforms from :func:`_forward_kinematics`.
        rest: (B, 24, 3) rest joints, metres.
        v_posed: (B, V, 3) shaped and pose-corrected rest vertices, metres.
        weights_t: (24, V) skinning weights, joint-major.

    Returns:
        (B, V, 3) posed vertices, metres (no translation).
    """
    bsz = world.shape[0]
    skin = world[:, :, :3, :].clone()  # (B, 24, 3, 4)
    skin[:, :, :, 3] = world[:, :, :3, 3] - (world[:, :, :3, :3] @ rest.unsqueeze(-1))[..., 0]
    # Blend in a vertex-last layout: one (B*12, 24) x (24, V) product, then every elementwise
    # op below runs over contiguous rows of V (B*V tiny 3x3 matmuls would be ~10x slower).
    skin_rows = skin.reshape(bsz, NUM_SMPL_JOINTS, 12).transpose(1, 2).reshape(-1, NUM_SMPL_JOINTS)
    per_vertex = (skin_rows @ weights_t).reshape(bsz, 3, 4, -1)  # (B, 3, 4, V)
    points = v_posed.transpose(1, 2).unsqueeze(1)  # (B, 1, 3, V)
    moved = (per_vertex[:, :, :3] * points).sum(2) + per_vertex[:, :, 3]  # (B, 3, V)
    return moved.transpose(1, 2).contiguous()  # (B, V, 3)

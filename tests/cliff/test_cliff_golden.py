"""Our CLIFF network, filled with the golden rule, reproduces the official model's numbers.

Goldens: the official ``CLIFF`` classes filled with the same rule and run in float64 and float32
(docs/cliff_spec.md §9). Tolerances: float64 1e-9 (measured ~1e-14), float32 1e-4.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

F64_TOL = 1e-9
F32_TOL = 1e-4
#: Relative tolerance of the fill checksums (float64 sums of up to 4.7 M values).
SUM_RTOL = 1e-12


def _inputs(filled, dtype=torch.float64):
    g = filled.golden
    return torch.from_numpy(g["images"]).to(dtype), torch.from_numpy(g["bbox_info"]).to(dtype)


@pytest.fixture(scope="session")
def outputs64(filled):
    """Float64 forward of the 4 golden crops, with fc1/fc2 outputs of every iteration hooked."""
    images, bbox = _inputs(filled)
    model = filled.model64
    captured: dict[str, list[np.ndarray]] = {"fc1": [], "fc2": []}
    hooks = [
        getattr(model, name).register_forward_hook(
            lambda _m, _i, out, name=name: captured[name].append(out.numpy().copy())
        )
        for name in captured
    ]
    try:
        with torch.inference_mode():
            out = model(images, bbox)
    finally:
        for h in hooks:
            h.remove()
    return out, captured


def test_fill_checksums(filled):
    g = filled.golden
    keys = list(filled.state)
    assert keys == [str(k) for k in g["state_keys"]]
    tensors = [filled.state[k].double() for k in keys]
    sums = np.array([t.sum().item() for t in tensors])
    abssums = np.array([t.abs().sum().item() for t in tensors])
    first = np.array([t.flatten()[0].item() if t.numel() else 0.0 for t in tensors])
    np.testing.assert_allclose(sums, g["state_sums"], rtol=SUM_RTOL, atol=1e-12)
    np.testing.assert_allclose(abssums, g["state_abssums"], rtol=SUM_RTOL, atol=1e-12)
    np.testing.assert_array_equal(first, g["state_first"])
    for name in ("init_pose", "init_shape", "init_cam"):
        np.testing.assert_array_equal(filled.state[name].numpy(), g[name])


def test_backbone_feature(filled, outputs64):
    out, _ = outputs64
    np.testing.assert_allclose(out.features.numpy(), filled.golden["xf"], rtol=0, atol=F64_TOL)


def test_every_refinement_iteration(filled, outputs64):
    g = filled.golden
    _, captured = outputs64
    n_iter = int(g["n_iter"])
    assert len(captured["fc1"]) == n_iter == len(captured["fc2"])
    np.testing.assert_allclose(np.stack(captured["fc1"]), g["fc1_out"], rtol=0, atol=F64_TOL)
    np.testing.assert_allclose(np.stack(captured["fc2"]), g["fc2_out"], rtol=0, atol=F64_TOL)
    xf = torch.from_numpy(g["xf"])
    bbox = torch.from_numpy(g["bbox_info"])
    with torch.inference_mode():
        for it in range(n_iter):
            pose, betas, cam = filled.model64.regress(xf, bbox, n_iter=it + 1)
            np.testing.assert_allclose(pose.numpy(), g["pose_6d_iters"][it], rtol=0, atol=F64_TOL)
            np.testing.assert_allclose(betas.numpy(), g["betas_iters"][it], rtol=0, atol=F64_TOL)
            np.testing.assert_allclose(cam.numpy(), g["cam_iters"][it], rtol=0, atol=F64_TOL)


def test_final_outputs_float64(filled, outputs64):
    g = filled.golden
    out, _ = outputs64
    assert out.pose_rotmat.shape == (4, 24, 3, 3)
    np.testing.assert_allclose(out.pose_6d.numpy(), g["pred_pose_6d"], rtol=0, atol=F64_TOL)
    np.testing.assert_allclose(out.pose_rotmat.numpy(), g["pred_rotmat"], rtol=0, atol=F64_TOL)
    np.testing.assert_allclose(out.betas.numpy(), g["pred_betas"], rtol=0, atol=F64_TOL)
    np.testing.assert_allclose(out.cam.numpy(), g["pred_cam_crop"], rtol=0, atol=F64_TOL)


def test_final_outputs_float32(filled):
    g = filled.golden
    images, bbox = _inputs(filled, torch.float32)
    with torch.inference_mode():
        out = filled.model32(images, bbox)
    assert out.pose_rotmat.dtype == torch.float32
    for ours, key in (
        (out.pose_rotmat, "pred_rotmat"),
        (out.betas, "pred_betas"),
        (out.cam, "pred_cam_crop"),
    ):
        np.testing.assert_allclose(ours.numpy(), g[key + "_f32"], rtol=0, atol=F32_TOL)
        np.testing.assert_allclose(ours.double().numpy(), g[key], rtol=0, atol=F32_TOL)


def test_output_depends_on_bbox_info(filled):
    """The conditioning vector is wired in: swapping its x/y entries moves the rotations."""
    g = filled.golden
    xf, bbox = torch.from_numpy(g["xf"]), torch.from_numpy(g["bbox_info"])
    with torch.inference_mode():
        same = filled.model64.head(xf, bbox)
        swapped = filled.model64.head(xf, bbox[:, [1, 0, 2]])
    np.testing.assert_allclose(same.pose_rotmat.numpy(), g["pred_rotmat"], rtol=0, atol=F64_TOL)
    assert (swapped.pose_rotmat - same.pose_rotmat).abs().max() > 1e-3

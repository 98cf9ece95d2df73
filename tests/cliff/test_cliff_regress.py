"""Batched inference: official numbers through the regressor, chunking, transl, precisions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mocap.camera import cam_crop2full
from mocap.cliff import build_model
from mocap.crop import Crops, prepare_crops
from mocap.errors import UsageError
from mocap.regress import CliffRegressor, resolve_precision

#: float32 through the regressor (channels_last, chunks) vs the official float64 golden.
F32_TOL = 1e-4
#: bf16 backbone on rule-filled weights: measured max |d rot| 0.027 (res50) / 0.013 (hr48).
BF16_ROT_TOL = 0.1


@pytest.fixture(scope="module")
def res50(filled_res50):
    """A fresh float32 res50 with the rule weights (the regressor converts models in place)."""
    model = build_model("res50")
    model.load_state_dict(filled_res50.state, strict=True)
    return model


def _golden_crops(golden) -> Crops:
    n = len(golden["images"])
    rng = np.random.default_rng(0)
    return Crops(
        images=golden["images"],
        bbox_info=golden["bbox_info"].astype(np.float32),
        center=rng.uniform(100, 1000, size=(n, 2)),
        scale=rng.uniform(0.5, 3, size=n),
        focal=np.full(n, 1500.0, np.float32),
        image_hw=np.tile([[720, 1280]], (n, 1)),
        window=np.zeros((n, 4), np.int64),
    )


def test_fp32_regressor_reproduces_the_golden_in_chunks(res50, filled_res50):
    g = filled_res50.golden
    crops = _golden_crops(g)
    result = CliffRegressor(res50, device="cpu", precision="fp32", batch_size=3)(
        crops, features=True
    )
    assert result.rotmat.shape == (4, 24, 3, 3) and result.rotmat.dtype == np.float32
    np.testing.assert_allclose(result.rotmat, g["pred_rotmat"], atol=F32_TOL, rtol=0)
    np.testing.assert_allclose(result.betas, g["pred_betas"], atol=F32_TOL, rtol=0)
    np.testing.assert_allclose(result.cam_crop, g["pred_cam_crop"], atol=F32_TOL, rtol=0)
    np.testing.assert_allclose(result.features, g["xf"], atol=F32_TOL, rtol=0)
    # axis-angle as the demo exports it (torchgeometry path)
    np.testing.assert_allclose(result.pose_aa.reshape(4, 72), g["pose_aa_demo"], atol=F32_TOL)
    want = cam_crop2full(result.cam_crop, crops.center, crops.scale, crops.image_hw, crops.focal)
    np.testing.assert_array_equal(result.transl, want)


@pytest.mark.slow  # two res50 forward passes
def test_batch_size_does_not_change_results(res50, filled_res50):
    g = filled_res50.golden
    crops = _golden_crops({k: g[k][:2] for k in ("images", "bbox_info")})
    one = CliffRegressor(res50, device="cpu", precision="fp32", batch_size=1)(crops)
    two = CliffRegressor(res50, device="cpu", precision="fp32", batch_size=2)(crops)
    np.testing.assert_allclose(one.rotmat, two.rotmat, atol=1e-5)
    assert one.features is None and len(one) == 2


@pytest.mark.slow  # two res50 forward passes of the golden crops
def test_bf16_cpu_is_close_but_not_identical(res50, filled_res50):
    crops = _golden_crops(filled_res50.golden)
    fp32 = CliffRegressor(res50, device="cpu", precision="fp32")(crops)
    bf16 = CliffRegressor(res50, device="cpu", precision="bf16")(crops)
    diff = np.abs(bf16.rotmat - fp32.rotmat).max()
    assert 0 < diff < BF16_ROT_TOL
    assert bf16.rotmat.dtype == np.float32


def test_end_to_end_from_an_image(res50):
    image = np.random.default_rng(5).integers(0, 256, size=(360, 640, 3), dtype=np.uint8)
    crops = prepare_crops(image, [[100, 50, 220, 330], [400, 100, 500, 300]])
    result = CliffRegressor(res50, device="cpu", batch_size=8)(crops)
    assert len(result) == 2 and result.transl.shape == (2, 3)
    assert np.isfinite(result.transl).all() and np.isfinite(result.pose_aa).all()


def test_no_crops_give_empty_results(res50):
    empty = Crops(
        np.zeros((0, 3, 256, 192), np.float32),
        np.zeros((0, 3), np.float32),
        np.zeros((0, 2)),
        np.zeros(0),
        np.zeros(0, np.float32),
        np.zeros((0, 2), np.int64),
        np.zeros((0, 4), np.int64),
    )
    result = CliffRegressor(res50, device="cpu")(empty)
    assert result.rotmat.shape == (0, 24, 3, 3) and result.transl.shape == (0, 3)


def test_settings_are_checked(res50):
    with pytest.raises(UsageError, match="batch size"):
        CliffRegressor(res50, device="cpu", batch_size=0)
    with pytest.raises(UsageError, match="precision"):
        CliffRegressor(res50, device="cpu", precision="int8")
    with pytest.raises(UsageError, match="fp16"):
        CliffRegressor(res50, device="cpu", precision="fp16")
    with pytest.raises(UsageError, match="device"):
        CliffRegressor(res50, device="tpu")
    assert resolve_precision("auto", torch.device("cpu")) == "fp32"
    if not torch.cuda.is_available():
        with pytest.raises(UsageError, match="CUDA"):
            CliffRegressor(res50, device="cuda")


@pytest.mark.gpu
def test_cuda_autocast_matches_cpu_fp32(filled_res50):
    crops = _golden_crops(filled_res50.golden)
    models = []
    for _ in range(2):
        m = build_model("res50")
        m.load_state_dict(filled_res50.state, strict=True)
        models.append(m)
    cpu = CliffRegressor(models[0], device="cpu", precision="fp32")(crops)
    gpu32 = CliffRegressor(models[1], device="cuda", precision="fp32")(crops)
    np.testing.assert_allclose(gpu32.rotmat, cpu.rotmat, atol=1e-3)
    gpu_auto = CliffRegressor(models[1], device="cuda")(crops)
    assert np.abs(gpu_auto.rotmat - cpu.rotmat).max() < BF16_ROT_TOL


def test_bf16_weights_are_resident_on_a_copy(res50):
    reg = CliffRegressor(res50, device="cpu", precision="bf16")
    enc = {p.dtype for p in reg.model.encoder.parameters()}
    rest = {p.dtype for n, p in reg.model.named_parameters() if not n.startswith("encoder.")}
    assert enc == {torch.bfloat16} and rest == {torch.float32}
    assert {p.dtype for p in res50.parameters()} == {torch.float32}  # the shared model is intact


def test_torch_compile_wraps_the_backbone_only_when_asked(res50, monkeypatch) -> None:
    compiled = []

    def fake_compile(module):
        compiled.append(module)

        def call(x):
            call.calls += 1
            return module(x)

        call.calls = 0
        return call

    monkeypatch.setattr(torch, "compile", fake_compile)
    plain = CliffRegressor(res50, device="cpu", precision="fp32")
    assert compiled == [] and plain.encoder is plain.model.encoder
    reg = CliffRegressor(res50, device="cpu", precision="fp32", torch_compile=True, batch_size=2)
    assert compiled == [reg.model.encoder]
    out = reg.predict(torch.zeros(3, 3, 256, 192), torch.zeros(3, 3))
    assert reg.encoder.calls == 2 and out["rotmat"].shape == (3, 24, 3, 3)  # batches of 2 + 1

"""BatchNorm folding: the folded backbones give the unfolded numbers, with no BatchNorm left."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from mocap.cliff import build_model
from mocap.cliff.inference import SignBitReLU, fold_batchnorm, use_sign_bit_relu
from mocap.crop import prepare_crops
from mocap.errors import UsageError
from mocap.regress import CliffRegressor

#: Largest folded-vs-unfolded difference, relative to the largest output (float32 rounding:
#: measured 1.8e-5 for res50 and 4e-7 for hr48 with random statistics).
FOLD_REL_TOL = 1e-4
#: BatchNorms in each backbone (ResNet-50: stem + 16 bottlenecks x 3 + 4 projections; HRNet-W48
#: with its incre/downsample/final head).
BATCHNORMS = {"res50": 53, "hr48": 325}


def _random_statistics(model: nn.Module, seed: int = 0) -> None:
    """Non-trivial running statistics and affine terms, so folding changes every weight."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                n = m.num_features
                m.running_mean.copy_(0.2 * torch.randn(n, generator=g))  # pyright: ignore[reportCallIssue]
                m.running_var.copy_(0.5 + torch.rand(n, generator=g))  # pyright: ignore[reportCallIssue]
                m.weight.copy_(0.5 + torch.rand(n, generator=g))
                m.bias.copy_(0.1 * torch.randn(n, generator=g))


def _count(model: nn.Module, kind: type) -> int:
    return sum(isinstance(m, kind) for m in model.modules())


@pytest.mark.parametrize("variant", ["res50", "hr48"])
def test_folded_backbone_gives_the_unfolded_numbers(variant):
    torch.manual_seed(0)
    encoder = build_model(variant).encoder.eval()
    _random_statistics(encoder)
    folded = copy.deepcopy(encoder)
    assert fold_batchnorm(folded) == BATCHNORMS[variant] == _count(encoder, nn.BatchNorm2d)
    assert _count(folded, nn.BatchNorm2d) == 0
    x = torch.randn(2, 3, 256, 192)
    with torch.inference_mode():
        want, got = encoder(x), folded(x)
    assert float((got - want).abs().max()) <= FOLD_REL_TOL * float(want.abs().max())


def test_folding_refuses_a_training_module():
    encoder = build_model("res50").encoder.train()
    with pytest.raises(UsageError, match="eval mode"):
        fold_batchnorm(encoder)
    assert _count(encoder, nn.BatchNorm2d) == BATCHNORMS["res50"]


def test_regressor_folds_by_default_and_agrees_with_the_unfolded_one():
    torch.manual_seed(1)
    model = build_model("res50")
    _random_statistics(model)
    plain = CliffRegressor(copy.deepcopy(model), device="cpu", rewrite=False)
    fast = CliffRegressor(model, device="cpu")
    assert _count(plain.model, nn.BatchNorm2d) == BATCHNORMS["res50"]
    assert _count(fast.model, nn.BatchNorm2d) == 0
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)
    crops = prepare_crops(image, np.array([[100, 50, 300, 450], [320, 80, 600, 470.0]]), 800.0)
    a, b = plain(crops), fast(crops)
    np.testing.assert_allclose(b.rotmat, a.rotmat, atol=1e-4)
    np.testing.assert_allclose(b.cam_crop, a.cam_crop, atol=1e-4)
    np.testing.assert_allclose(b.betas, a.betas, atol=1e-4)


def test_sign_bit_relu_is_relu_bit_for_bit_on_bf16():
    values = torch.tensor(
        [0.0, -0.0, 1e-38, -1e-38, 3.5, -3.5, float("inf"), float("-inf"), 6e4, -6e4]
    ).to(torch.bfloat16)
    x = torch.cat([values, torch.randn(10_000).to(torch.bfloat16)]).reshape(1, -1, 1, 1)
    want = torch.relu(x.clone())
    got = SignBitReLU()(x.clone())
    assert torch.equal(got.view(torch.int16), want.view(torch.int16).clamp_min(0))
    assert torch.equal(got, want)
    assert int((got == 0).sum()) > 4000  # about half were negative
    y = torch.randn(100)  # other dtypes: plain ReLU
    assert torch.equal(SignBitReLU()(y.clone()), torch.relu(y))


def test_bf16_backbone_with_sign_bit_relus_gives_identical_numbers():
    torch.manual_seed(2)
    encoder = build_model("res50").encoder.eval().to(torch.bfloat16)
    fast = copy.deepcopy(encoder)
    assert use_sign_bit_relu(fast) == _count(encoder, nn.ReLU) > 0
    assert _count(fast, nn.ReLU) == 0
    x = torch.randn(2, 3, 256, 192).to(torch.bfloat16)
    with torch.inference_mode():
        assert torch.equal(fast(x), encoder(x))


def test_bf16_regressor_on_cpu_uses_sign_bit_relus():
    reg = CliffRegressor(build_model("res50"), device="cpu", precision="bf16")
    assert _count(reg.model.encoder, SignBitReLU) > 0 and _count(reg.model.encoder, nn.ReLU) == 0
    plain = CliffRegressor(build_model("res50"), device="cpu", precision="fp32")
    assert _count(plain.model.encoder, SignBitReLU) == 0

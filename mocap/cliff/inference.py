"""Inference-only rewrites of a backbone: BatchNorms folded, bf16 ReLUs on the sign bit.

**Folding.** In eval mode a BatchNorm is an affine map per channel,
``y = (x - mean) / sqrt(var + eps) * gamma + beta``, so ``bn(conv(x))`` equals one convolution
with scaled weights and a bias (``torch.nn.utils.fusion.fuse_conv_bn_eval``). Folding removes 53
normalisation passes over the feature maps in ResNet-50 and 325 in HRNet-W48. Results change by
float rounding only (a test holds both backbones to the unfolded ones).

Pairs are found by structure, as the backbones in :mod:`mocap.cliff` are written: consecutive
``Conv2d``, ``BatchNorm2d`` items of an ``nn.Sequential``, and attributes ``convK`` / ``bnK`` of
one module whose forward applies ``bnK(convK(x))``.

**bf16 ReLU.** PyTorch's CPU ReLU on bfloat16 widens every element to float: on a (8, 256, 64,
48) feature map it took 1000 us against 454 us in float32, 21 % of a bf16 res50 forward pass
(torch.profiler, batch 8). A bfloat16 is negative exactly when its sign bit is set, i.e. when
its int16 view is negative, so clamping that view at 0 is the same ReLU as an integer operation
(233 us). Bit-identical for every non-NaN input (a NaN with the sign bit set becomes 0).

Both on the 2-core CPU, channels_last, crops/s without -> with the rewrites, one run of
``benchmarks/bench_regress.py --layouts channels_last --batches 8 32 --modes plain eager``:

| variant | fp32 batch 8 | fp32 batch 32 | bf16 batch 8 | bf16 batch 32 |
|---|---|---|---|---|
| res50 | 28.5 -> 34.1 | 20.6 -> 26.0 | 66.8 -> 109.1 | 46.5 -> 78.4 |
| hr48 | 8.1 -> 9.3 | 7.4 -> 8.3 | 27.1 -> 33.5 | 23.1 -> 24.5 |
"""

from __future__ import annotations

from itertools import pairwise

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from mocap.errors import UsageError


def fold_batchnorm(module: nn.Module) -> int:
    """Fold each eval-mode ``BatchNorm2d`` into its convolution, in place; the BatchNorm becomes
    ``nn.Identity``. Returns how many were folded.

    Raises:
        UsageError: ``module`` is in training mode (its batch statistics are not constants).
    """
    if module.training:
        raise UsageError("BatchNorm folding needs a module in eval mode (call .eval() first)")
    folded = 0
    for parent in list(module.modules()):
        for conv_name, bn_name in _pairs(parent):
            conv, bn = getattr(parent, conv_name), getattr(parent, bn_name)
            setattr(parent, conv_name, fuse_conv_bn_eval(conv, bn))
            setattr(parent, bn_name, nn.Identity())
            folded += 1
    return folded


def _pairs(parent: nn.Module) -> list[tuple[str, str]]:
    """(conv name, batchnorm name) of ``parent``'s direct children that fold together."""
    children = dict(parent.named_children())
    if isinstance(parent, nn.Sequential):
        candidates = pairwise(children)
    else:
        candidates = ((n, "bn" + n[len("conv") :]) for n in children if n.startswith("conv"))
    return [
        (c, b)
        for c, b in candidates
        if isinstance(children.get(c), nn.Conv2d) and isinstance(children.get(b), nn.BatchNorm2d)
    ]


class SignBitReLU(nn.Module):
    """In-place ReLU; bfloat16 tensors through their int16 view (see the module docstring)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dtype == torch.bfloat16:
            x.view(torch.int16).clamp_min_(0)
            return x
        return torch.relu_(x)


def use_sign_bit_relu(module: nn.Module) -> int:
    """Replace every in-place ``nn.ReLU`` of ``module`` by :class:`SignBitReLU`, in place; returns
    how many were replaced (ReLUs that are not in place keep their input and are left alone)."""
    replaced = 0
    for parent in list(module.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.ReLU) and child.inplace:
                setattr(parent, name, SignBitReLU())
                replaced += 1
    return replaced

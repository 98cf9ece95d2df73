"""Inference-only rewrite of a backbone: every BatchNorm folded into the convolution before it.

In eval mode a BatchNorm is an affine map per channel, ``y = (x - mean) / sqrt(var + eps) * gamma
+ beta``, so ``bn(conv(x))`` equals one convolution with scaled weights and a bias
(``torch.nn.utils.fusion.fuse_conv_bn_eval``). Folding removes 53 normalisation passes over the
feature maps in ResNet-50 and 325 in HRNet-W48. On the 2-core CPU, batch 32, channels_last
(``benchmarks/bench_regress.py --modes unfolded eager``, one run): res50 fp32 20.6 -> 25.2
crops/s, bf16 45.8 -> 62.1; hr48 fp32 7.1 -> 8.0, bf16 22.7 -> 24.9. Results change by float
rounding only (a test holds both backbones to the unfolded ones).

Pairs are found by structure, as the backbones in :mod:`mocap.cliff` are written: consecutive
``Conv2d``, ``BatchNorm2d`` items of an ``nn.Sequential``, and attributes ``convK`` / ``bnK`` of
one module whose forward applies ``bnK(convK(x))``.
"""

from __future__ import annotations

from itertools import pairwise

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

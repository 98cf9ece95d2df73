"""Residual blocks shared by the CLIFF backbones (HRNet-W48 and ResNet-50).

Attribute names (``conv1``, ``bn1``, ..., ``downsample.0/1``) are part of the official
checkpoints' state-dict keys; do not rename them. All convolutions are bias-free and every
BatchNorm uses PyTorch's defaults (eps 1e-5), as in the official code.
"""

from __future__ import annotations

import torch
from torch import nn


def conv3x3(in_ch: int, out_ch: int, stride: int = 1) -> nn.Conv2d:
    """3x3 convolution, padding 1, no bias."""
    return nn.Conv2d(in_ch, out_ch, kernel_size=3, stride=stride, padding=1, bias=False)


def conv_bn(
    in_ch: int, out_ch: int, kernel: int, stride: int = 1, relu: bool = True, bias: bool = False
) -> nn.Sequential:
    """``Sequential(conv, BN[, ReLU])``: keys ``0.*`` (conv) and ``1.*`` (BN)."""
    layers: list[nn.Module] = [
        nn.Conv2d(in_ch, out_ch, kernel, stride=stride, padding=kernel // 2, bias=bias),
        nn.BatchNorm2d(out_ch),
    ]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


def projection(in_ch: int, out_ch: int, stride: int) -> nn.Sequential | None:
    """1x1 conv + BN shortcut when a block changes shape, else None (identity)."""
    if stride == 1 and in_ch == out_ch:
        return None
    return conv_bn(in_ch, out_ch, kernel=1, stride=stride, relu=False)


class BasicBlock(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN, plus the shortcut, then ReLU (expansion 1)."""

    expansion = 1

    def __init__(self, in_ch: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = conv3x3(in_ch, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = projection(in_ch, planes, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        residual = x if self.downsample is None else self.downsample(x)
        return self.relu(out + residual)


class Bottleneck(nn.Module):
    """1x1-BN-ReLU, 3x3(stride)-BN-ReLU, 1x1(x4)-BN, plus the shortcut, then ReLU ("v1.5")."""

    expansion = 4

    def __init__(self, in_ch: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        out_ch = planes * self.expansion
        self.conv1 = nn.Conv2d(in_ch, planes, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out_ch, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_ch)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = projection(in_ch, out_ch, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        residual = x if self.downsample is None else self.downsample(x)
        return self.relu(out + residual)


def make_layer(
    block: type[BasicBlock] | type[Bottleneck],
    in_ch: int,
    planes: int,
    blocks: int,
    stride: int = 1,
) -> nn.Sequential:
    """``blocks`` blocks; only the first one strides / projects."""
    layers = [block(in_ch, planes, stride)]
    in_ch = planes * block.expansion
    layers += [block(in_ch, planes) for _ in range(1, blocks)]
    return nn.Sequential(*layers)

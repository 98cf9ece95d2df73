"""HRNet-W48 classification backbone as used by CLIFF (``cls_hrnet.HighResolutionNet``).

Maps a normalised crop (B, 3, H, W) (H, W divisible by 32; the checkpoints expect 256 x 192) to a
(B, 2048) feature. Module names reproduce the official state-dict keys
(``docs/cliff_keys_hr48.txt``); summation order follows the official forward so float32 results
round the same way (branch-order fusion sums, ``incre + downsamp`` in the head).
"""

from __future__ import annotations

from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import nn

from mocap.cliff.blocks import BasicBlock, Bottleneck, conv_bn, make_layer

#: cls_hrnet_w48 config (``MODEL.EXTRA`` of cls_hrnet_w48_sgd_lr5e-2_wd1e-4_bs32_x100.yaml):
#: (modules, channels per branch); every branch has 4 BasicBlocks.
W48_STAGES = ((1, (48, 96)), (4, (48, 96, 192)), (3, (48, 96, 192, 384)))
BLOCKS_PER_BRANCH = 4
STEM_CHANNELS = 64
LAYER1_BLOCKS = 4
#: Bottleneck planes of the incre_modules head, one per branch (outputs 128, 256, 512, 1024).
HEAD_PLANES = (32, 64, 128, 256)
FEATURE_CHANNELS = 2048


def _fuse_path(ch_in: int, ch_out: int, j: int, i: int) -> nn.Module | None:
    """Module bringing branch j's map to branch i's resolution and width (None for j == i)."""
    if j == i:
        return None
    if j > i:  # coarser -> finer: 1x1 conv, BN, nearest upsampling
        return nn.Sequential(
            nn.Conv2d(ch_in, ch_out, 1, bias=False),
            nn.BatchNorm2d(ch_out),
            nn.Upsample(scale_factor=2 ** (j - i), mode="nearest"),
        )
    # finer -> coarser: (i - j) stride-2 3x3 steps; only the last changes width and has no ReLU
    steps = [conv_bn(ch_in, ch_in, 3, stride=2) for _ in range(i - j - 1)]
    steps.append(conv_bn(ch_in, ch_out, 3, stride=2, relu=False))
    return nn.Sequential(*steps)


class HighResolutionModule(nn.Module):
    """Parallel branches of BasicBlocks followed by all-to-all fusion (every output kept)."""

    def __init__(self, channels: tuple[int, ...]) -> None:
        super().__init__()
        self.branches = nn.ModuleList(
            make_layer(BasicBlock, c, c, BLOCKS_PER_BRANCH) for c in channels
        )
        n = len(channels)
        self.fuse_layers = nn.ModuleList(
            nn.ModuleList(_fuse_path(channels[j], channels[i], j, i) for j in range(n))  # pyright: ignore[reportArgumentType]
            for i in range(n)
        )
        self.relu = nn.ReLU(inplace=True)

    def forward(self, xs: list[torch.Tensor]) -> list[torch.Tensor]:
        xs = [branch(x) for branch, x in zip(self.branches, xs, strict=True)]
        out = []
        for i, fuse in enumerate(self.fuse_layers):
            # left-to-right sum in branch order, as the official loop does
            y = xs[0] if i == 0 else fuse[0](xs[0])  # pyright: ignore[reportIndexIssue]
            for j in range(1, len(xs)):
                y = y + (xs[j] if j == i else fuse[j](xs[j]))  # pyright: ignore[reportIndexIssue]
            out.append(self.relu(y))
        return out


def _transition(pre: tuple[int, ...], cur: tuple[int, ...]) -> nn.ModuleList:
    """Per output branch: a conv on an existing branch whose width changes, None when it does not,
    and for each new branch a Sequential of stride-2 steps from the last existing branch."""
    layers: list[nn.Module | None] = []
    for i, ch in enumerate(cur):
        if i < len(pre):
            layers.append(None if pre[i] == ch else conv_bn(pre[i], ch, 3))
        else:
            n_steps = i + 1 - len(pre)
            steps = [conv_bn(pre[-1], pre[-1], 3, stride=2) for _ in range(n_steps - 1)]
            steps.append(conv_bn(pre[-1], ch, 3, stride=2))
            layers.append(nn.Sequential(*steps))
    return nn.ModuleList(layers)  # pyright: ignore[reportArgumentType]


class HRNetW48(nn.Module):
    """HRNet-W48 feature extractor: (B, 3, H, W) -> (B, 2048)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, STEM_CHANNELS, 3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(STEM_CHANNELS)
        self.conv2 = nn.Conv2d(STEM_CHANNELS, STEM_CHANNELS, 3, stride=2, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(STEM_CHANNELS)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = make_layer(Bottleneck, STEM_CHANNELS, STEM_CHANNELS, LAYER1_BLOCKS)

        pre: tuple[int, ...] = (STEM_CHANNELS * Bottleneck.expansion,)
        for k, (modules, channels) in enumerate(W48_STAGES, start=1):
            setattr(self, f"transition{k}", _transition(pre, channels))
            stage = nn.Sequential(*(HighResolutionModule(channels) for _ in range(modules)))
            setattr(self, f"stage{k + 1}", stage)
            pre = channels

        self.incre_modules = nn.ModuleList(
            make_layer(Bottleneck, c, p, 1) for c, p in zip(pre, HEAD_PLANES, strict=True)
        )
        head_ch = [p * Bottleneck.expansion for p in HEAD_PLANES]
        self.downsamp_modules = nn.ModuleList(
            conv_bn(a, b, 3, stride=2, bias=True) for a, b in pairwise(head_ch)
        )
        self.final_layer = conv_bn(head_ch[-1], FEATURE_CHANNELS, 1, bias=True)

    def _stage(self, k: int, xs: list[torch.Tensor]) -> list[torch.Tensor]:
        """Apply transition k (new branches come from the last existing branch) and stage k+1."""
        transition: nn.ModuleList = getattr(self, f"transition{k}")
        inputs = []
        for i, t in enumerate(transition):
            src = xs[i] if i < len(xs) else xs[-1]
            inputs.append(src if t is None else t(src))
        return getattr(self, f"stage{k + 1}")(inputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.relu(self.bn2(self.conv2(x)))
        xs = [self.layer1(x)]
        for k in range(1, len(W48_STAGES) + 1):
            xs = self._stage(k, xs)
        y = self.incre_modules[0](xs[0])
        for i, down in enumerate(self.downsamp_modules):
            y = self.incre_modules[i + 1](xs[i + 1]) + down(y)
        y = self.final_layer(y)
        # global average over the whole remaining map (official: avg_pool2d with kernel = map size)
        return F.avg_pool2d(y, kernel_size=y.shape[2:]).flatten(1)

"""ResNet-50 backbone as used by CLIFF (SPIN's re-declaration; torchvision names, no ``fc``).

Maps a normalised crop (B, 3, 256, 192) to a (B, 2048) feature. The official head is a fixed
``AvgPool2d((8, 6))``, so only 256 x 192 inputs (an 8 x 6 final map) are accepted.
"""

from __future__ import annotations

import torch
from torch import nn

from mocap.cliff.blocks import Bottleneck, make_layer

#: Bottleneck counts of layer1..layer4 (ResNet-50) and their planes.
LAYERS = (3, 4, 6, 3)
PLANES = (64, 128, 256, 512)
STEM_CHANNELS = 64
#: Official head: AvgPool2d((8, 6), stride 1) = layer4's map size for a 256 x 192 crop.
POOL_HW = (8, 6)


class ResNet50(nn.Module):
    """ResNet-50 feature extractor: (B, 3, 256, 192) -> (B, 2048)."""

    # the four stages, set by name in __init__ (typed for the checker)
    layer1: nn.Sequential
    layer2: nn.Sequential
    layer3: nn.Sequential
    layer4: nn.Sequential

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, STEM_CHANNELS, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(STEM_CHANNELS)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        in_ch = STEM_CHANNELS
        for k, (blocks, planes) in enumerate(zip(LAYERS, PLANES, strict=True), start=1):
            setattr(
                self,
                f"layer{k}",
                make_layer(Bottleneck, in_ch, planes, blocks, stride=1 if k == 1 else 2),
            )
            in_ch = planes * Bottleneck.expansion
        self.avgpool = nn.AvgPool2d(POOL_HW, stride=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.avgpool(x).flatten(1)

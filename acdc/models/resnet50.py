"""ResNet-50 v1.5 for ImageNet, written out without torchvision.

The architecture is He et al. (2016), "Deep residual learning for image recognition", Table 1
(50-layer column), in the "v1.5" variant that every sparse-training paper on ImageNet uses (RigL,
Top-KAST, AC/DC): the stride-2 downsampling of a stage sits in the 3×3 convolution of its first
bottleneck, not in the first 1×1. Layer names follow torchvision's ``resnet50`` so that masks and
checkpoints keyed by parameter name (``layer1.0.conv1.weight``) carry over.

At 224×224 the convolutions and the classifier do 4.09e9 multiply-adds, i.e. 8.2 GFLOPs at
2 FLOPs per multiply-add: the "8.2" of AC/DC Table 1 and of RigL's dense ResNet-50.
"""

from __future__ import annotations

import torch
from torch import nn

STAGE_BLOCKS = (3, 4, 6, 3)
"""Bottleneck blocks per stage (He et al. 2016, Table 1, 50-layer)."""

STAGE_WIDTHS = (64, 128, 256, 512)
"""Width of the 3×3 convolution of each stage; a block's output has ``4 × width`` channels."""

EXPANSION = 4


class Bottleneck(nn.Module):
    """1×1 reduce, 3×3 (carrying the stride, v1.5), 1×1 expand, plus the identity or a projection.

    The residual sum ``out + identity`` is a plain tensor add in :meth:`forward`; the FLOPs counter
    sees it through its functional hook (see :mod:`acdc.flops.functional_costs`).
    """

    def __init__(self, in_channels: int, width: int, stride: int) -> None:
        super().__init__()
        out_channels = width * EXPANSION
        self.conv1 = nn.Conv2d(in_channels, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, out_channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample: nn.Module | None = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet50(nn.Module):
    """ResNet-50 v1.5: input ``(N, 3, H, W)``, output logits ``(N, num_classes)``.

    Parameters
    ----------
    num_classes : int, default 1000
        Width of the final fully connected layer (ImageNet: 1000).
    """

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        in_channels = 64
        for index, (blocks, width) in enumerate(zip(STAGE_BLOCKS, STAGE_WIDTHS), start=1):
            stride = 1 if index == 1 else 2
            stage = []
            for block in range(blocks):
                stage.append(Bottleneck(in_channels, width, stride if block == 0 else 1))
                in_channels = width * EXPANSION
            setattr(self, f"layer{index}", nn.Sequential(*stage))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(in_channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def resnet50(num_classes: int = 1000) -> ResNet50:
    """A freshly initialised :class:`ResNet50` (PyTorch default initialisation)."""
    return ResNet50(num_classes)

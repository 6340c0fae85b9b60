"""MobileNetV1 (width multiplier 1.0) for 224×224 ImageNet, written out without torchvision.

Howard et al. (2017), "MobileNets: Efficient convolutional neural networks for mobile vision
applications", Table 1: a stride-2 3×3 convolution, then 13 depthwise-separable blocks (3×3
depthwise convolution, BatchNorm, ReLU, 1×1 pointwise convolution, BatchNorm, ReLU), global average
pooling and a 1000-way classifier. Their Table 2 counts 569 million multiply-adds, i.e. 1.14 GFLOPs at
2 FLOPs per multiply-add: the "1.1" of AC/DC Table 3.
"""

from __future__ import annotations

import torch
from torch import nn

SEPARABLE_BLOCKS = (
    (32, 64, 1),
    (64, 128, 2),
    (128, 128, 1),
    (128, 256, 2),
    (256, 256, 1),
    (256, 512, 2),
    (512, 512, 1),
    (512, 512, 1),
    (512, 512, 1),
    (512, 512, 1),
    (512, 512, 1),
    (512, 1024, 2),
    (1024, 1024, 1),
)
"""(input channels, output channels, depthwise stride) of each block, Howard et al. 2017, Table 1."""


def conv_bn_relu(
    in_channels: int, out_channels: int, kernel_size: int, stride: int, groups: int
) -> nn.Sequential:
    """Bias-free convolution (``padding = kernel_size // 2``), BatchNorm, ReLU."""
    return nn.Sequential(
        nn.Conv2d(
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            padding=kernel_size // 2,
            groups=groups,
            bias=False,
        ),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


class DepthwiseSeparable(nn.Module):
    """3×3 depthwise convolution (``groups = in_channels``) then 1×1 pointwise convolution."""

    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        self.depthwise = conv_bn_relu(in_channels, in_channels, 3, stride, groups=in_channels)
        self.pointwise = conv_bn_relu(in_channels, out_channels, 1, 1, groups=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(x))


class MobileNetV1(nn.Module):
    """MobileNetV1, width 1.0: input ``(N, 3, H, W)``, output logits ``(N, num_classes)``.

    Parameters
    ----------
    num_classes : int, default 1000
        Width of the final fully connected layer (ImageNet: 1000).
    """

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.stem = conv_bn_relu(3, 32, 3, 2, groups=1)
        self.blocks = nn.Sequential(*(DepthwiseSeparable(*spec) for spec in SEPARABLE_BLOCKS))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(SEPARABLE_BLOCKS[-1][1], num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.avgpool(self.blocks(self.stem(x)))
        return self.fc(torch.flatten(x, 1))


def mobilenet_v1(num_classes: int = 1000) -> MobileNetV1:
    """A freshly initialised :class:`MobileNetV1` (PyTorch default initialisation)."""
    return MobileNetV1(num_classes)

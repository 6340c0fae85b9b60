"""ResNet20 for 32×32 inputs (CIFAR-style), the small model of AC/DC's CIFAR-10 experiments.

He et al. (2016), "Deep residual learning for image recognition", Section 4.2: a 3×3 stem, three
stages of ``n = 3`` basic blocks (two 3×3 convolutions each) with ``w, 2w, 4w`` channels (``w = 16``)
and stride 2 at the first block of stages 2 and 3, global average pooling and a linear classifier:
``6n + 2 = 20`` weighted layers, 0.27M parameters at ``w = 16``. Shortcuts that change shape are 1×1
convolutions with batch norm (option B). Peste et al. (NeurIPS 2021) use it in Figure 2b.
"""

from __future__ import annotations

import torch
from torch import nn

from iht.validation import check_int

BLOCKS_PER_STAGE = 3


class BasicBlock(nn.Module):
    """Two 3×3 convolutions with batch norm, plus the identity or a 1×1 projection shortcut."""

    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


class ResNet20(nn.Module):
    """CIFAR-style ResNet20: input ``(batch, in_channels, H, W)``, output ``(batch, num_classes)`` logits.

    Parameters
    ----------
    num_classes : int
    in_channels : int
        3 for RGB, 1 for Fashion-MNIST.
    width : int
        Channels of the first stage (16 in the paper); stages have ``width, 2·width, 4·width``.
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 3, width: int = 16) -> None:
        super().__init__()
        num_classes = check_int(num_classes, "num_classes", 1)
        in_channels = check_int(in_channels, "in_channels", 1)
        width = check_int(width, "width", 1)
        self.conv1 = nn.Conv2d(in_channels, width, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        stages, channels = [], width
        for stage in range(3):
            out = width * 2**stage
            blocks = [BasicBlock(channels if b == 0 else out, out, 2 if stage and b == 0 else 1)
                      for b in range(BLOCKS_PER_STAGE)]
            stages.append(nn.Sequential(*blocks))
            channels = out
        self.layer1, self.layer2, self.layer3 = stages
        self.fc = nn.Linear(channels, num_classes)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(out, 1), 1))


def resnet20(num_classes: int = 10, in_channels: int = 3, width: int = 16) -> ResNet20:
    """ResNet20 (see :class:`ResNet20`)."""
    return ResNet20(num_classes, in_channels, width)

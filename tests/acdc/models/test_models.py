"""ResNet20 (He et al. 2016, Section 4.2)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from acdc.models import resnet20


def test_resnet20_has_20_weighted_layers_and_027m_parameters():
    model = resnet20()
    n_params = sum(p.numel() for p in model.parameters())
    assert round(n_params / 1e6, 2) == 0.27
    convs3x3 = [m for m in model.modules() if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3)]
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert len(convs3x3) + len(linears) == 20
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 10)


@pytest.mark.parametrize(("in_channels", "width", "size"), [(1, 4, 8), (1, 16, 32), (3, 8, 16)])
def test_resnet20_input_channels_width_and_stages(in_channels, width, size):
    model = resnet20(num_classes=7, in_channels=in_channels, width=width)
    assert model.conv1.in_channels == in_channels
    assert [model.layer1[0].conv1.out_channels, model.layer2[0].conv1.out_channels,
            model.layer3[0].conv1.out_channels] == [width, 2 * width, 4 * width]
    assert model(torch.randn(2, in_channels, size, size)).shape == (2, 7)


def test_bad_width_is_named():
    with pytest.raises(ValueError, match=r"width must be >= 1; got width=0"):
        resnet20(width=0)

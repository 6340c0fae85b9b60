"""A multilayer perceptron: flatten, then fully connected layers with ReLU, then a linear classifier.

For the small data sets (digits: 64 inputs, MNIST-1D: 40, Fashion-MNIST: 784) where a
convolutional network is more than the experiment needs. The linear layers are ``hidden.0``,
``hidden.2``, … (ReLUs in between) and ``fc``, so masks keyed by parameter name (``hidden.0.weight``)
carry over between models of equal depth.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from iht.validation import check_int

DEFAULT_WIDTHS = (256, 256)


class MLP(nn.Module):
    """Input ``(batch, *)`` flattened to ``(batch, in_features)``, output logits ``(batch, num_classes)``.

    Parameters
    ----------
    in_features : int
        Number of input values per example (e.g. ``channels · height · width``).
    num_classes : int
    widths : sequence of int
        Output width of each hidden layer (each followed by a ReLU); empty for a linear model.
    """

    def __init__(
        self, in_features: int, num_classes: int = 10, widths: Sequence[int] = DEFAULT_WIDTHS,
    ) -> None:
        super().__init__()
        in_features = check_int(in_features, "in_features", 1)
        num_classes = check_int(num_classes, "num_classes", 1)
        widths = [check_int(width, f"widths[{i}]", 1) for i, width in enumerate(widths)]
        layers = []
        for width in widths:
            layers += [nn.Linear(in_features, width), nn.ReLU()]
            in_features = width
        self.hidden = nn.Sequential(*layers)
        self.fc = nn.Linear(in_features, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.hidden(torch.flatten(x, 1)))


def mlp(in_features: int, num_classes: int = 10, widths: Sequence[int] = DEFAULT_WIDTHS) -> MLP:
    """A freshly initialised :class:`MLP` (PyTorch default initialisation)."""
    return MLP(in_features, num_classes, widths)

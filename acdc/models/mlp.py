"""A multilayer perceptron: flatten, then fully connected layers with ReLU, then a linear classifier.

For the small data sets (digits: 64 inputs, MNIST-1D: 40, Fashion-MNIST: 784) where a
convolutional network is more than the experiment needs. The linear layers are ``hidden.0``,
``hidden.2``, … (ReLUs in between) and ``fc``, so masks keyed by parameter name (``hidden.0.weight``)
carry over between models of equal depth. With ``batch_norm=True`` each hidden linear layer (without
bias, as in ResNets) is followed by ``BatchNorm1d`` before its ReLU, and the linear layers are
``hidden.0``, ``hidden.3``, …: the smallest model with the batch-norm mechanism of AC/DC's collapse at
high sparsity (a hidden unit whose weights are all pruned has zero batch variance; :mod:`acdc.remedies`).
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
    batch_norm : bool
        Batch-normalise each hidden layer's output before its ReLU (hidden layers then have no bias).
    """

    def __init__(
        self, in_features: int, num_classes: int = 10, widths: Sequence[int] = DEFAULT_WIDTHS,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        in_features = check_int(in_features, "in_features", 1)
        num_classes = check_int(num_classes, "num_classes", 1)
        widths = [check_int(width, f"widths[{i}]", 1) for i, width in enumerate(widths)]
        layers = []
        for width in widths:
            layers.append(nn.Linear(in_features, width, bias=not batch_norm))
            layers += [nn.BatchNorm1d(width), nn.ReLU()] if batch_norm else [nn.ReLU()]
            in_features = width
        self.hidden = nn.Sequential(*layers)
        self.fc = nn.Linear(in_features, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.hidden(torch.flatten(x, 1)))


def mlp(in_features: int, num_classes: int = 10, widths: Sequence[int] = DEFAULT_WIDTHS,
        batch_norm: bool = False) -> MLP:
    """A freshly initialised :class:`MLP` (PyTorch default initialisation)."""
    return MLP(in_features, num_classes, widths, batch_norm)

"""Memorisation of corrupted labels (Peste et al. 2021, Figure 2b).

A chosen number of training samples get a random *wrong* label; per epoch, the model's accuracy on
those samples against their true labels (generalisation despite the noise) and against their corrupted
labels (memorisation) shows whether a phase memorises: in AC/DC, dense phases memorise the corrupted
labels and compressed phases forget part of them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import nn
from torch.utils.data import TensorDataset

from acdc.data import Splits
from acdc.flops.counter import eval_mode
from iht.validation import check_int


def corrupt_labels(
    labels: torch.Tensor, n: int, num_classes: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Copy of ``labels`` with ``n`` of them, at random positions, replaced by a random wrong class.

    Parameters
    ----------
    labels : int Tensor, shape (N,)
        Class indices in ``[0, num_classes)``.
    n : int
        Number of corrupted samples, ``0 <= n <= N``.
    num_classes : int
        ``>= 2``.
    generator : torch.Generator
        Picks the positions and the wrong classes (uniform over the ``num_classes - 1`` others).

    Returns
    -------
    corrupted : Tensor, shape (N,)
        Differs from ``labels`` at exactly the ``n`` positions of ``indices``.
    indices : Tensor, shape (n,)
        The corrupted positions, sorted.
    """
    check_int(n, "corrupt_labels", 0, len(labels))
    check_int(num_classes, "num_classes", 2)
    indices = torch.randperm(len(labels), generator=generator)[:n].sort().values
    shift = torch.randint(1, num_classes, (n,), generator=generator)
    corrupted = labels.clone()
    corrupted[indices] = (labels[indices] + shift) % num_classes
    return corrupted, indices


@dataclass(frozen=True)
class MemorizationProbe:
    """The corrupted training samples with their true and corrupted labels.

    Attributes
    ----------
    inputs : Tensor, shape (n, ...)
    true_labels, corrupt_labels : Tensor, shape (n,)
    """

    inputs: torch.Tensor
    true_labels: torch.Tensor
    corrupt_labels: torch.Tensor

    @torch.no_grad()
    def accuracy(self, model: nn.Module, batch_size: int = 512) -> dict[str, float]:
        """``memorized_true_acc`` and ``memorized_corrupt_acc`` of ``model`` (eval mode) on the samples."""
        device = next(model.parameters()).device
        with eval_mode(model):
            batches = self.inputs.split(batch_size)
            predictions = torch.cat([model(x.to(device)).argmax(1).cpu() for x in batches])
        return {"memorized_true_acc": float((predictions == self.true_labels).double().mean()),
                "memorized_corrupt_acc": float((predictions == self.corrupt_labels).double().mean())}


def with_corrupt_labels(splits: Splits, n: int, seed: int) -> tuple[Splits, MemorizationProbe]:
    """``splits`` with ``n`` training labels corrupted (:func:`corrupt_labels`, seeded by ``seed``),
    and the probe of those samples."""
    inputs, labels = splits.train.tensors
    corrupted, indices = corrupt_labels(labels, n, splits.num_classes, torch.Generator().manual_seed(seed))
    probe = MemorizationProbe(inputs[indices], labels[indices], corrupted[indices])
    return replace(splits, train=TensorDataset(inputs, corrupted)), probe

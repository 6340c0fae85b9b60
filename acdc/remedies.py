"""Remedies for AC/DC's collapse at high sparsity: options of the controller, off by default.

At 98% global magnitude top-k can keep no weight of whole output channels of a convolution followed by
batch norm. Such a channel's pre-normalisation output is exactly 0, its batch variance 0, and batch norm's
backward scales its gradient by ``γ/√ε`` (≈ 316γ at the default ``ε = 1e-5``). At the first dense step
after the projection the emptied channels' weights jump from 0 to a norm far above the layer's other
channels; from then on the layer is scale-invariant at a large norm, and the next global threshold spends
the budget on it and empties other layers (measured on ResNet20 / Fashion-MNIST:
``paper_experiments/results/collapse/README.md``, made by :mod:`paper_experiments.collapse_diagnosis`).

:class:`ChannelFloor` removes the trigger: every output channel keeps its ``minimum`` largest weights, so
no channel's output is identically zero. It wraps any projection and keeps its count of kept weights (the
kept budget is the same; the floor takes it from the globally smallest weights that would have been kept).
``TrainConfig(min_channel_weights=m)`` (CLI ``--min-channel-weights m``) turns it on for AC/DC.

:func:`set_batch_norm_eps` caps the factor instead: with ``ε = 1e-2`` an emptied channel's gradient is
scaled by ``10γ``, and no weight of the budget is spent (``TrainConfig(bn_eps=...)``, CLI ``--bn-eps``;
every run, not only AC/DC). Measured on ResNet20 of width 4 at 98%, 3 seeds: the floor 0.680 ± 0.061,
``ε = 1e-2`` 0.811 ± 0.014, GMP 0.798 ± 0.006 (``paper_experiments/results/collapse/README.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import nn

from iht.projection import Projection
from iht.validation import check_int, check_real

__all__ = ["ChannelFloor", "channel_floor_scores", "emptied_channels", "set_batch_norm_eps"]


def set_batch_norm_eps(model: nn.Module, eps: float) -> int:
    """Set ``eps`` (ε, added to the batch variance) of every batch norm of ``model``; how many there are.

    Batch norm's backward scales a channel's gradient by ``γ/√(σ² + ε)``: for a channel whose weights are
    all pruned (``σ² = 0``) the factor is ``γ/√ε``, 316γ at PyTorch's default ``ε = 1e-5`` and 10γ at
    ``ε = 1e-2`` (module docstring).
    """
    eps = check_real(eps, "eps", 0.0, strict=True)
    norms = [module for module in model.modules() if isinstance(module, nn.modules.batchnorm._BatchNorm)]
    for module in norms:
        module.eps = eps
    return len(norms)


def emptied_channels(mask: torch.Tensor) -> torch.Tensor:
    """Bool per output channel (axis 0 of ``mask``, the layout projections see): True where ``mask`` keeps
    none of the channel's weights. A vector is one channel."""
    rows = mask.reshape(mask.shape[0], -1) if mask.ndim >= 2 else mask.reshape(1, -1)
    return ~rows.any(dim=1)


def channel_floor_scores(arrays: Mapping[str, torch.Tensor], minimum: int) -> dict[str, torch.Tensor]:
    """Magnitudes of ``arrays`` with the ``minimum`` largest entries of every output channel raised above
    every other entry of every array.

    Output channels are the slices along axis 0 of arrays with at least two dimensions, in the layout
    ``(out, in, ...)`` that :meth:`acdc.masks.WeightMasks.oriented` gives projections; vectors are left as
    they are. A raised entry scores ``top + 1 + |w|`` where ``top`` is the largest magnitude of all
    arrays, so that raised entries rank above all others and in their own magnitude order among
    themselves. A channel with fewer than ``minimum`` entries has all of them raised.
    """
    minimum = check_int(minimum, "minimum", 0)
    scores = {name: array.detach().abs() for name, array in arrays.items()}
    top = max((float(s.max()) for s in scores.values() if s.numel()), default=0.0)
    for name, score in scores.items():
        if score.ndim < 2 or minimum == 0:
            continue
        rows = score.reshape(score.shape[0], -1)
        count = min(minimum, rows.shape[1])
        index = rows.topk(count, dim=1).indices
        rows = rows.scatter(1, index, rows.gather(1, index) + (top + 1.0))
        scores[name] = rows.reshape(score.shape)
    return scores


@dataclass(frozen=True)
class ChannelFloor(Projection):
    """``projection`` with every output channel keeping at least its ``minimum`` largest weights.

    The masks are ``projection``'s masks of :func:`channel_floor_scores`: for a count-based projection
    (global ``TopK``, ``LayerwiseTopK``, ``ERKTopK``) the number of kept weights per array or overall is
    ``projection``'s own, and the floor takes its weights from the smallest ones ``projection`` would keep.
    Where a projection's budget is below ``minimum`` × the channels, it keeps the largest floor weights.
    ``minimum=0`` is ``projection`` unchanged.

    Why: a convolution channel that keeps no weight outputs 0 with zero batch variance, and batch norm's
    backward multiplies its gradient by ``γ/√ε``; one kept weight per channel keeps the variance positive
    for non-constant inputs (module docstring; measured in ``paper_experiments/results/collapse/``).

    Parameters
    ----------
    projection : Projection
        The compression operator (e.g. ``TopK(sparsity=0.98)``), applied to arrays in the layout
        ``(out, in, ...)``.
    minimum : int
        Kept weights per output channel, ``>= 0``.
    """

    projection: Projection
    minimum: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.projection, Projection):
            raise TypeError(f"projection must be an iht.projection.Projection; got "
                            f"projection={self.projection!r} ({type(self.projection).__name__})")
        check_int(self.minimum, "minimum", 0)

    def masks(self, arrays: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        if self.minimum == 0:
            return self.projection.masks(arrays)
        return self.projection.masks(channel_floor_scores(arrays, self.minimum))

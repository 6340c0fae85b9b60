"""RigL: sparse training at fixed sparsity whose support moves by magnitude drops and gradient grows.

Every ``ΔT`` optimiser steps until ``T_end`` (Evci et al. 2020, Algorithm 1), in each layer with
``n`` active weights, the ``k = round(f_t n)`` active weights of smallest magnitude are dropped and
the ``k`` inactive weights of largest *dense* gradient magnitude (of that step's batch) are grown,
with the cosine-decayed fraction

    f_t = α/2 · (1 + cos(π t / T_end)).

Grow candidates are all weights inactive after the drop (as in RigL's reference code). Grown weights
start at zero and their optimiser state (momentum, Adam moments) is reset to zero. Each layer keeps
its number of active weights, so the sparsity (and the ERK or uniform distribution) never changes.
The dense gradient is kept only at update steps; FLOPs accounting charges those steps as
``2 f_S + f_D`` (:mod:`acdc.flops.training`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch import nn

from acdc.baselines.static import StaticSparseController
from acdc.controller import broadcast_from_rank0
from acdc.masks import PRUNABLE_TYPES, Predicate
from iht.validation import check_int, check_real


def cosine_drop_fraction(step: int, alpha: float, end_step: int) -> float:
    """``α/2 · (1 + cos(π t / T_end))`` for ``t < T_end``, else 0 (no updates from ``T_end`` on)."""
    return alpha / 2 * (1 + math.cos(math.pi * step / end_step)) if step < end_step else 0.0


def _largest(scores: torch.Tensor, k: int) -> torch.Tensor:
    """Bool mask of the ``k`` largest entries of ``scores`` (``-inf`` entries rank last)."""
    mask = torch.zeros(scores.numel(), dtype=torch.bool, device=scores.device)
    mask[scores.flatten().topk(k).indices] = True
    return mask.view_as(scores)


def drop_and_grow(
    weight: torch.Tensor, gradient: torch.Tensor, mask: torch.Tensor, fraction: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """One RigL update of one layer: drop ``k = round(fraction · n_active)``, grow ``k``.

    Parameters
    ----------
    weight, gradient : Tensor
        The weight and its dense gradient, same shape.
    mask : bool Tensor
        Current keep-mask, same shape.
    fraction : float
        Drop fraction ``f_t`` in ``[0, 1]``.

    Returns
    -------
    new_mask, grown : bool Tensor
        The mask after the update (same number of True as ``mask``) and the grown positions (True in
        ``new_mask``, False after the drop; they may include positions just dropped).
    """
    active = int(mask.sum())
    k = round(fraction * active)
    kept = _largest(weight.detach().abs().masked_fill(~mask, -math.inf), active - k)
    grown = _largest(gradient.abs().masked_fill(kept, -math.inf), k)
    return kept | grown, grown


class RigLController(StaticSparseController):
    """RigL (Evci et al. 2020): random initial support, magnitude drop / gradient grow every ``ΔT`` steps.

    Parameters
    ----------
    model, optimizer, sparsity, distribution, generator
        As in :class:`~acdc.baselines.static.StaticSparseController` (the initial mask).
    interval : int
        Steps between mask updates, ``ΔT`` (RigL: 100).
    drop_fraction : float
        Initial drop fraction ``α`` in ``(0, 1]`` (RigL: 0.3).
    end_step : int
        ``T_end``: the last update is the last multiple of ``ΔT`` before it (RigL: 75% of training).
    exclude, prunable_types, prunable, keep_dense : keyword-only
        Which weights are sparse, as in :class:`~acdc.controller.SparsityController` (RigL keeps the
        first layer dense: ``keep_dense="first"``).

    References
    ----------
    Evci, Gale, Menick, Castro, Elsen. "Rigging the Lottery: Making All Tickets Winners", ICML 2020,
    Sec. 3 and Algorithm 1.
    """

    shardable = False  # dense gradients come from tensor hooks, which fully_shard's DTensor parameters skip

    def __init__(
        self, model: nn.Module, optimizer: torch.optim.Optimizer, sparsity: float, distribution: str,
        generator: torch.Generator, *, interval: int, drop_fraction: float, end_step: int,
        exclude: str | Iterable[str] = (), prunable_types: tuple[type[nn.Module], ...] = PRUNABLE_TYPES,
        prunable: Iterable[str] | Predicate = (), keep_dense: str | Iterable[str] = (),
    ) -> None:
        super().__init__(model, optimizer, sparsity, distribution, generator, exclude=exclude,
                         prunable_types=prunable_types, prunable=prunable, keep_dense=keep_dense)
        self.interval = check_int(interval, "interval", 1)
        self.drop_fraction = check_real(drop_fraction, "drop_fraction", 0.0, 1.0, strict=True)
        self.end_step = check_int(end_step, "end_step", 1)
        self._gradients: dict[str, torch.Tensor] = {}

    def updates_after(self, step: int) -> bool:
        """Whether the mask is updated after ``step`` steps (``step`` a multiple of ``ΔT``, ``< T_end``)."""
        return step % self.interval == 0 and 0 < step < self.end_step

    def uses_dense_gradient(self) -> bool:
        return self.updates_after(self.step + 1)

    def observe_dense_gradient(self, name: str, grad: torch.Tensor) -> None:
        """Keep the dense gradient of the step before an update (the only steps that need it)."""
        if self.uses_dense_gradient():
            self._gradients[name] = grad.detach().clone()

    def after_step(self) -> None:
        """Re-apply the masks; at update steps, drop and grow in every layer."""
        super().after_step()
        if self.updates_after(self.step) and self._gradients:
            self._update(cosine_drop_fraction(self.step, self.drop_fraction, self.end_step))
        self._gradients.clear()

    @torch.no_grad()
    def _update(self, fraction: float) -> None:
        masks, grown = {}, {}
        for name, weight in self.masks.weights.items():
            masks[name], grown[name] = drop_and_grow(weight, self._gradients[name], self.masks.get(name),
                                                     fraction)
        broadcast_from_rank0(masks)
        broadcast_from_rank0(grown)
        self.masks.set_(masks)
        for name, weight in self.masks.weights.items():
            weight.masked_fill_(grown[name], 0)
            for optimizer in self.optimizers:
                for value in optimizer.state.get(weight, {}).values():
                    if isinstance(value, torch.Tensor) and value.shape == weight.shape:
                        value.masked_fill_(grown[name], 0)
        self.masks.apply_()

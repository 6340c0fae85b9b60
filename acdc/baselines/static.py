"""Static sparse training: a random mask, uniform or ERK per layer, fixed from the first step."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from acdc.controller import SparsityController
from acdc.masks import PRUNABLE_TYPES, Predicate
from acdc.schedule import Phase
from iht.projection import RandomMask

MASK_DISTRIBUTIONS = ("erk", "uniform")
"""Per-layer densities of the random masks of ``static`` and ``rigl`` (Evci et al. 2020, Sec. 3)."""


class StaticSparseController(SparsityController):
    """Train at a fixed random support drawn before the first step (the static baseline of RigL).

    Parameters
    ----------
    model, optimizer
        As in :class:`~acdc.controller.SparsityController`.
    sparsity : float
        Fraction of zeros over all prunable weights.
    distribution : {"erk", "uniform"}
        Per-layer densities: Erdős–Rényi-Kernel (Evci et al. 2020, Sec. 3) or the same in every layer;
        the positions inside a layer are uniformly random.
    generator : torch.Generator
        Draws the mask; it must live on the weights' device.
    exclude, prunable_types, prunable, keep_dense : keyword-only
        Which weights are sparse, as in :class:`~acdc.controller.SparsityController`.

    References
    ----------
    Evci, Gale, Menick, Castro, Elsen. "Rigging the Lottery: Making All Tickets Winners", ICML 2020
    (the "Static" baseline and the ERK distribution).
    """

    def __init__(
        self, model: nn.Module, optimizer: torch.optim.Optimizer, sparsity: float, distribution: str,
        generator: torch.Generator, *, exclude: str | Iterable[str] = (),
        prunable_types: tuple[type[nn.Module], ...] = PRUNABLE_TYPES,
        prunable: Iterable[str] | Predicate = (), keep_dense: str | Iterable[str] = (),
    ) -> None:
        super().__init__(model, optimizer, exclude=exclude, prunable_types=prunable_types, prunable=prunable,
                         keep_dense=keep_dense)
        self.initial_mask = RandomMask(sparsity, generator, distribution)

    def phase_at(self, epoch: int) -> Phase:
        return Phase.COMPRESSED

    def on_epoch_start(self, epoch: int, phase: Phase) -> None:
        """Draw the mask before the first step (a resumed run keeps the mask of its checkpoint)."""
        if self.phase is None:
            self.compress_(self.initial_mask)

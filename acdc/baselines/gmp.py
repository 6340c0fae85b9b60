"""Gradual magnitude pruning (GMP) with the cubic sparsity schedule of Zhu & Gupta (2017).

Dense training until the start epoch; then every ``Δt`` optimiser steps the weights are pruned by
magnitude to the scheduled sparsity

    s_t = s_f + (s_i − s_f) (1 − (t − t_0) / (n Δt))³,   t = t_0, t_0 + Δt, …, t_0 + n Δt,

with ``t_0`` the first step of the start epoch and ``t_0 + n Δt`` the first step of the end epoch
(pruned there too when ``n Δt`` is not a multiple of ``Δt``), so training reaches the target ``s_f``
exactly at the end epoch and fine-tunes the remaining epochs at that fixed mask. Pruned weights stay
zero (masked gradients, masks re-applied after each step), so the masks only shrink.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import nn

from acdc.controller import SparsityController
from acdc.masks import PRUNABLE_TYPES, Predicate
from acdc.schedule import Phase
from iht.projection import Projection
from iht.validation import check_int


def gmp_sparsity(step: int, final: float, start: int, length: int, initial: float = 0.0) -> float:
    """Sparsity of step ``step`` under the cubic schedule (Zhu & Gupta 2017, Eq. 1).

    Parameters
    ----------
    step : int
        Optimiser steps taken so far, ``t``.
    final, initial : float
        Target ``s_f`` and initial ``s_i`` sparsity.
    start : int
        First pruning step ``t_0``.
    length : int
        Steps of the ramp ``n Δt`` (>= 1); ``s_t = s_f`` from ``t_0 + n Δt`` on, ``s_i`` before ``t_0``.
    """
    progress = min(max((step - start) / length, 0.0), 1.0)
    return final + (initial - final) * (1.0 - progress) ** 3


class GMPController(SparsityController):
    """Dense until ``start_step``, cubic magnitude pruning every ``interval`` steps until ``end_step``.

    Parameters
    ----------
    model, optimizer
        As in :class:`~acdc.controller.SparsityController`.
    sparsity : float, keyword-only
        Target sparsity ``s_f`` (the initial sparsity ``s_i`` is 0).
    projection : callable float -> Projection, or Projection, keyword-only
        Magnitude projection at a sparsity, e.g. ``lambda s: TopK(sparsity=s)`` (global) or
        ``LayerwiseTopK`` (Zhu & Gupta's per-layer pruning). A :class:`~iht.projection.Projection`
        itself (a pattern that owns its sparsity, e.g. ``NM(2, 4)``) has no ramp: every pruning step
        applies it as is, so the weights reach its pattern at the start epoch (one-shot pruning).
    start_epoch, end_epoch : int, keyword-only
        Pruning starts at the first step of ``start_epoch`` and reaches ``sparsity`` at the first step
        of ``end_epoch``; the epochs from ``end_epoch`` on fine-tune at the fixed mask.
    steps_per_epoch : int, keyword-only
        Optimiser steps per epoch (converts the epochs to steps).
    interval : int, keyword-only
        Steps between pruning steps, ``Δt``.
    exclude, prunable_types, prunable, keep_dense : keyword-only
        Which weights are pruned, as in :class:`~acdc.controller.SparsityController`.

    References
    ----------
    Zhu, Gupta. "To prune, or not to prune: exploring the efficacy of pruning for model compression",
    ICLR Workshop 2018 (arXiv:1710.01878, 2017), Sec. 3.
    """

    def __init__(
        self, model: nn.Module, optimizer: torch.optim.Optimizer, *, sparsity: float,
        projection: Callable[[float], Projection] | Projection, start_epoch: int, end_epoch: int,
        steps_per_epoch: int, interval: int, exclude: str | Iterable[str] = (),
        prunable_types: tuple[type[nn.Module], ...] = PRUNABLE_TYPES,
        prunable: Iterable[str] | Predicate = (), keep_dense: str | Iterable[str] = (),
    ) -> None:
        check_int(start_epoch, "start_epoch", 0)
        check_int(end_epoch, "end_epoch", start_epoch + 1)
        check_int(steps_per_epoch, "steps_per_epoch", 1)
        super().__init__(model, optimizer, exclude=exclude, prunable_types=prunable_types, prunable=prunable,
                         keep_dense=keep_dense)
        self.sparsity = sparsity
        self.projection = projection
        self.ramp_start_epoch = start_epoch
        self.start_step = start_epoch * steps_per_epoch
        self.end_step = end_epoch * steps_per_epoch
        self.interval = check_int(interval, "interval", 1)

    def sparsity_at(self, step: int) -> float:
        """Scheduled sparsity after ``step`` optimiser steps."""
        return gmp_sparsity(step, self.sparsity, self.start_step, self.end_step - self.start_step)

    def projection_at(self, step: int) -> Projection:
        """Projection of the pruning step after ``step`` steps: at :meth:`sparsity_at`, or the fixed one."""
        if isinstance(self.projection, Projection):
            return self.projection
        return self.projection(self.sparsity_at(step))

    def is_pruning_step(self, step: int) -> bool:
        """Whether the masks are recomputed after ``step`` steps: ``t_0 + j Δt <= t_end``, and ``t_end``."""
        in_ramp = self.start_step <= step <= self.end_step
        return in_ramp and ((step - self.start_step) % self.interval == 0 or step == self.end_step)

    def phase_at(self, epoch: int) -> Phase:
        return Phase.DENSE if epoch < self.ramp_start_epoch else Phase.COMPRESSED

    def on_epoch_start(self, epoch: int, phase: Phase) -> None:
        """Dense before the start epoch; at its first step, the first pruning (to ``s_i = 0``)."""
        if phase is Phase.COMPRESSED and self.phase is not Phase.COMPRESSED:
            self.compress_(self.projection_at(self.step))
        elif self.phase is None:
            self.phase = Phase.DENSE

    def after_step(self) -> None:
        """Re-apply the masks, then prune to the scheduled sparsity at pruning steps."""
        super().after_step()
        if self.sparse and self.step > self.start_step and self.is_pruning_step(self.step):
            self.compress_(self.projection_at(self.step))

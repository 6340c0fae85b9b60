"""Build the controller and compression operator of a run from its configuration.

A new sparse-training method registers a builder in :data:`CONTROLLERS`; the configuration, the
trainer and the CLI then accept and run it unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import torch
from torch import nn

from acdc.controller import ACDCController, SparsityController
from acdc.errors import check_choice
from iht.projection import NM, ERKTopK, LayerwiseTopK, Projection, TopK

if TYPE_CHECKING:
    from acdc.config import TrainConfig

PROJECTIONS: dict[str, Callable[[float], Projection]] = {
    "global": lambda sparsity: TopK(sparsity=sparsity),
    "layerwise": LayerwiseTopK,
    "erk": ERKTopK,
    "nm": lambda _sparsity: NM(2, 4),
}
"""Compression operators by command-line name; ``nm`` is 2:4 (sparsity 0.5)."""


def build_projection(name: str, sparsity: float) -> Projection:
    """The :class:`~iht.projection.Projection` called ``name`` at ``sparsity``."""
    return PROJECTIONS[check_choice(name, "projection", PROJECTIONS)](sparsity)


def build_acdc(config: TrainConfig, model: nn.Module, optimizer: torch.optim.Optimizer) -> SparsityController:
    """AC/DC with the configured schedule, projection and excluded layers."""
    return ACDCController(model, optimizer, config.build_schedule(),
                          build_projection(config.projection, config.sparsity), exclude=config.exclude)


CONTROLLERS: dict[str, Callable[[TrainConfig, nn.Module, torch.optim.Optimizer], SparsityController]] = {
    "acdc": build_acdc,
}


def build_controller(
    config: TrainConfig, model: nn.Module, optimizer: torch.optim.Optimizer
) -> SparsityController:
    """The controller of ``config.method`` attached to ``model`` and ``optimizer``."""
    return CONTROLLERS[check_choice(config.method, "method", CONTROLLERS)](config, model, optimizer)

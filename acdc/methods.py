"""Build the controller of a run from its configuration: the registry of sparse-training methods.

A new sparse-training method registers a builder ``(config, model, optimizer, steps_per_epoch) ->
SparsityController`` in :data:`CONTROLLERS`; the configuration, the trainer and the CLI then accept and
run it unchanged. Registered: ``acdc`` (Peste et al. 2021) and the baselines of :mod:`acdc.baselines`:
``dense``, ``gmp`` (Zhu & Gupta 2017), ``rigl`` (Evci et al. 2020) and ``static``. Their compression
operators come from the projection registry of the core, :data:`iht.projection.PROJECTIONS`
(:func:`~iht.projection.build_projection`). This module reads :class:`~acdc.config.TrainConfig`; the
configuration checks method names against :data:`CONTROLLERS` without importing this module at load
time (no import cycle).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch
from torch import nn

from acdc.baselines import DenseController, GMPController, RigLController, StaticSparseController
from acdc.config import TrainConfig
from acdc.controller import ACDCController, SparsityController
from acdc.remedies import ChannelFloor
from iht.projection import Projection, build_projection
from iht.projection.registry import pattern_sparsities
from iht.validation import check_choice

Builder = Callable[[TrainConfig, nn.Module, torch.optim.Optimizer, int], SparsityController]


def dense_layers(config: TrainConfig) -> dict[str, tuple[str, ...]]:
    """The keyword arguments that keep layers dense, as every controller takes them: ``exclude``
    (names, parent modules, globs) and ``keep_dense`` (first, last, heads; see
    :func:`acdc.masks.prunable_weights`)."""
    return {"exclude": config.exclude, "keep_dense": config.keep_dense}


def build_acdc(config: TrainConfig, model: nn.Module, optimizer: torch.optim.Optimizer,
               steps_per_epoch: int) -> SparsityController:
    """AC/DC with the configured schedule, projection and dense layers (works per epoch); with
    ``min_channel_weights``, the projection keeps that many weights per output channel
    (:class:`~acdc.remedies.ChannelFloor`)."""
    projection = build_projection(config.projection, config.sparsity)
    if config.min_channel_weights:
        projection = ChannelFloor(projection, config.min_channel_weights)
    return ACDCController(model, optimizer, config.build_schedule(), projection, **dense_layers(config))


def build_dense(config: TrainConfig, model: nn.Module, optimizer: torch.optim.Optimizer,
                steps_per_epoch: int) -> SparsityController:
    """Dense training (no pruning) in the same loop."""
    return DenseController(model, optimizer, **dense_layers(config))


def build_gmp(config: TrainConfig, model: nn.Module, optimizer: torch.optim.Optimizer,
              steps_per_epoch: int) -> SparsityController:
    """GMP with the configured projection, pruning every ``update_interval`` steps between
    :meth:`TrainConfig.gmp_epochs`.

    A projection that exists only at some sparsities (N:M, see :func:`~iht.projection.registry.
    pattern_sparsities`) cannot follow the cubic ramp: GMP applies its pattern at ``config.sparsity``
    at every pruning step (one-shot pruning at the start epoch, then fine-tuning).
    """
    start, end = config.gmp_epochs()
    projection: Callable[[float], Projection] | Projection
    if pattern_sparsities(config.projection) is None:
        projection = partial(build_projection, config.projection)
    else:
        projection = build_projection(config.projection, config.sparsity)
    return GMPController(model, optimizer, sparsity=config.sparsity, projection=projection, start_epoch=start,
                         end_epoch=end, steps_per_epoch=steps_per_epoch, interval=config.update_interval,
                         **dense_layers(config))


def _mask_generator(model: nn.Module, seed: int) -> torch.Generator:
    return torch.Generator(device=next(model.parameters()).device).manual_seed(seed)


def build_static(config: TrainConfig, model: nn.Module, optimizer: torch.optim.Optimizer,
                 steps_per_epoch: int) -> SparsityController:
    """A random ``mask_distribution`` mask, drawn from ``seed``, fixed for the whole run."""
    return StaticSparseController(model, optimizer, config.sparsity, config.mask_distribution,
                                  _mask_generator(model, config.seed), **dense_layers(config))


def build_rigl(config: TrainConfig, model: nn.Module, optimizer: torch.optim.Optimizer,
               steps_per_epoch: int) -> SparsityController:
    """RigL from a random ``mask_distribution`` mask; ``T_end = rigl_end_fraction`` of all steps."""
    end_step = max(1, int(config.rigl_end_fraction * config.epochs * steps_per_epoch))
    return RigLController(model, optimizer, config.sparsity, config.mask_distribution,
                          _mask_generator(model, config.seed), interval=config.update_interval,
                          drop_fraction=config.drop_fraction, end_step=end_step, **dense_layers(config))


CONTROLLERS: dict[str, Builder] = {
    "acdc": build_acdc,
    "dense": build_dense,
    "gmp": build_gmp,
    "rigl": build_rigl,
    "static": build_static,
}


def build_controller(
    config: TrainConfig, model: nn.Module, optimizer: torch.optim.Optimizer, steps_per_epoch: int
) -> SparsityController:
    """The controller of ``config.method`` attached to ``model`` and ``optimizer``.

    ``steps_per_epoch`` (optimiser steps per epoch on this process) converts epoch budgets to the
    step counts of the step-level methods (GMP's pruning steps, RigL's ``T_end``).
    """
    return CONTROLLERS[check_choice(config.method, "method", CONTROLLERS)](config, model, optimizer,
                                                                          steps_per_epoch)

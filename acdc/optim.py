"""Optimisers of the reference trainer and the optimiser-state reset of AC/DC's dense phases."""

from __future__ import annotations

from collections.abc import Iterable

import torch

from iht.validation import check_choice

OPTIMIZERS = ("sgd", "adamw")


def reset_optimizer_state(optimizer: torch.optim.Optimizer) -> None:
    """Forget all per-parameter state, as if ``optimizer`` had just been constructed.

    For SGD this drops the momentum buffers; the next step starts a new buffer from the gradient, which
    with ``dampening=0`` equals a buffer reset to zero (Peste et al., NeurIPS 2021, Section 3.2: reset
    the momentum "once all weights are re-introduced", so that previously pruned weights do not
    follow stale gradients). For Adam and AdamW it drops the first and second moment estimates of
    every parameter (pruned or not) and the step count, so bias correction starts again. Hyper-
    parameters (``param_groups``, including the learning rate set by a scheduler) are kept.
    """
    optimizer.state.clear()


def build_optimizer(
    name: str, params: Iterable[torch.nn.Parameter], lr: float, momentum: float, weight_decay: float,
) -> torch.optim.Optimizer:
    """``sgd`` (Nesterov-free momentum, the paper's image recipe) or ``adamw`` (``momentum`` unused)."""
    check_choice(name, "optimizer", OPTIMIZERS)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)

"""A language-model training loop with AC/DC dropped in (Peste et al., NeurIPS 2021, Section 4, Table 4).

The loop owns the epoch counter and calls ``controller.start_epoch(epoch)`` before each epoch's first
step; the controller masks gradients and re-applies its masks after every optimiser step, so nothing
else in the loop knows about sparsity. An "epoch" of the schedule is ``epoch_steps`` optimiser steps
over the training stream (the schedule of :func:`acdc.lm_schedule` has 48 such epochs; the stream
wraps around when it runs out), which scales the paper's recipe to any budget.

Outputs of :func:`train_lm`, as in the reference trainer: the model at the end of the schedule
(``final``, sparse for AC/DC), the dense-phase model with the lowest validation perplexity
(``best_dense``) and, for AC/DC, that model fine-tuned densely over the epochs of the final compressed
phase at their learning rates (``finetuned_dense``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from acdc import ACDCController, Schedule
from acdc.data import lm_batches
from acdc.finetune import finetune_epochs, start_finetune_epoch
from acdc.masks import mask_free_state
from iht.projection import Projection

DENSE, FINETUNE = "dense", "dense-finetune"


@dataclass(frozen=True)
class LMRecipe:
    """Optimisation of one language-model run (AdamW, cosine learning rate stepped per epoch)."""

    seq_len: int           # tokens per window (truncated backpropagation length)
    epoch_steps: int       # optimiser steps per schedule epoch
    lr: float              # peak learning rate
    weight_decay: float
    eval_windows: int | None  # validation windows per evaluation (None: the whole split)


@dataclass
class LMRun:
    """Per-epoch rows and the state dicts (mask buffers dropped) of the output models."""

    epochs: list[dict[str, Any]]
    states: dict[str, dict[str, torch.Tensor]]


def token_stream(data: torch.Tensor, seq_len: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """The ``(input, target)`` windows of :func:`acdc.data.lm_batches` over ``data``, repeated forever."""
    while True:
        yield from lm_batches(data, seq_len)


def language_loss(model: nn.Module, tokens: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean next-token cross-entropy (nats per token)."""
    logits = model(tokens)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


@torch.no_grad()
def perplexity(model: nn.Module, data: torch.Tensor, seq_len: int, max_windows: int | None = None) -> float:
    """``exp`` of the token-weighted mean cross-entropy over the windows of ``data`` (batchified)."""
    model.eval()
    total, count = 0.0, 0
    for i, (tokens, targets) in enumerate(lm_batches(data, seq_len)):
        if max_windows is not None and i == max_windows:
            break
        total += float(language_loss(model, tokens, targets)) * targets.numel()
        count += targets.numel()
    return math.exp(total / count)


def train_lm(model: nn.Module, train: torch.Tensor, val: torch.Tensor, schedule: Schedule,
             projection: Projection | None, recipe: LMRecipe, exclude: tuple[str, ...] = ()) -> LMRun:
    """Train ``model`` on the batchified ``train`` over ``schedule``: AC/DC with ``projection``, or dense.

    Parameters
    ----------
    model : nn.Module
        Token ids ``(B, T)`` -> logits ``(B, T, vocab)``.
    train, val : Tensor, int64, shape ``(batch_size, length)``
        From :func:`acdc.data.batchify`.
    schedule : Schedule
        Phases by epoch (:func:`acdc.lm_schedule`); a dense run only uses its length.
    projection : Projection or None
        AC/DC's compression operator, e.g. ``TopK(sparsity=0.9)``.
    recipe : LMRecipe
    exclude : tuple of str
        Layers kept dense (the tied output head is the token embedding).

    Returns
    -------
    LMRun
        ``epochs``: rows ``epoch``, ``phase``, ``lr``, ``train_loss``, ``val_ppl``, ``sparsity`` (fraction
        of masked-out prunable weights); ``states``: ``final``, ``best_dense`` and, with AC/DC,
        ``finetuned_dense``.
    """
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, schedule.epochs)
    controller = None if projection is None else ACDCController(model, optimizer, schedule, projection,
                                                                 exclude=exclude)
    stream = token_stream(train, recipe.seq_len)
    rows: list[dict[str, Any]] = []
    states: dict[str, dict[str, torch.Tensor]] = {}
    best = math.inf
    for epoch in range(schedule.epochs):
        phase = DENSE if controller is None else controller.start_epoch(epoch).phase
        rows.append(_train_epoch(model, optimizer, stream, recipe, controller, epoch, phase))
        scheduler.step()
        rows[-1]["val_ppl"] = perplexity(model, val, recipe.seq_len, recipe.eval_windows)
        if phase == DENSE and rows[-1]["val_ppl"] < best:
            best, states["best_dense"] = rows[-1]["val_ppl"], mask_free_state(model)
    states["final"] = mask_free_state(model)
    if controller is not None:
        for index in range(len(finetune_epochs(schedule))):
            start_finetune_epoch(controller, index, [row["lr"] for row in rows], states["best_dense"])
            rows.append(_train_epoch(model, optimizer, stream, recipe, controller, len(rows), FINETUNE))
            rows[-1]["val_ppl"] = perplexity(model, val, recipe.seq_len, recipe.eval_windows)
        states["finetuned_dense"] = mask_free_state(model)
        controller.close()
    return LMRun(rows, states)


def _train_epoch(model: nn.Module, optimizer: torch.optim.Optimizer, stream: Iterator, recipe: LMRecipe,
                 controller: ACDCController | None, epoch: int, phase: str) -> dict[str, Any]:
    model.train()
    lr, total = optimizer.param_groups[0]["lr"], 0.0
    for _ in range(recipe.epoch_steps):
        tokens, targets = next(stream)
        optimizer.zero_grad(set_to_none=True)
        loss = language_loss(model, tokens, targets)
        loss.backward()
        optimizer.step()
        total += float(loss.detach())
    sparsity = 0.0 if controller is None or not controller.sparse else 1.0 - controller.masks.density()[0]
    return {"epoch": epoch, "phase": phase, "lr": lr, "train_loss": total / recipe.epoch_steps,
            "sparsity": sparsity}

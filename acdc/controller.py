"""Sparsity controllers: what a training method does to the weights, driven by the loop's epoch counter.

A controller is attached to a model and its optimiser and does its work at three moments the loop
already has: :meth:`SparsityController.start_epoch` (phase work at boundaries), the end of every
``optimizer.step()`` (masks re-applied by a step post-hook, see
:meth:`torch.optim.Optimizer.register_step_post_hook`; no monkeypatching), and the backward pass
(gradients of pruned weights masked to zero by tensor hooks). The loop owns the counter;
checkpointing goes through :meth:`~SparsityController.state_dict` (the masks themselves are buffers of
the model and travel with ``model.state_dict()``, see :mod:`acdc.masks`).

:class:`ACDCController` implements AC/DC (Peste et al., NeurIPS 2021, Section 3.2, Algorithm 1): at the
start of a compressed phase it projects the prunable weights (global magnitude top-k by default) and
fixes the mask for the phase; at the start of a decompressed phase it resets the masks to ones and the
optimiser state.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from acdc.masks import (
    PRUNABLE_TYPES,
    Predicate,
    PruningSummary,
    WeightMasks,
    prunable_weights,
    stray_masks,
    summarize,
    warn_if_small_share,
)
from acdc.optim import reset_optimizer_state
from acdc.schedule import Phase, Schedule
from acdc.sharded import count, gathered, like
from iht.projection import Projection

Optimizers = torch.optim.Optimizer | Sequence[torch.optim.Optimizer]
"""One optimiser, or every optimiser that steps prunable weights (see :class:`SparsityController`)."""


@dataclass(frozen=True)
class PhaseRecord:
    """What one epoch trained: plain data for metrics and FLOPs accounting.

    Attributes
    ----------
    epoch : int
        0-based epoch.
    phase : str
        ``"dense"`` or ``"compressed"``.
    density : float
        Kept fraction of all prunable weights under the epoch's masks (1.0 in dense epochs), averaged
        over the epoch's optimiser steps when the masks change within the epoch (GMP, RigL); before
        the first step, the masks at the epoch start.
    layer_density : dict of str to float
        Kept fraction per prunable weight (parameter name -> fraction), averaged the same way.
    mask_change : float or None
        In a compressed phase after the first: the fraction of the kept weights that were pruned in
        the previous compressed phase, ``|M_t \\ M_{t-1}| / |M_t|``; ``None`` otherwise.
    steps : int
        Optimiser steps taken in the epoch.
    dense_gradient_steps : int
        Of those, steps that also computed the dense weight gradient (RigL's mask updates), which
        FLOPs accounting charges extra (:func:`acdc.flops.phases_from_history`).
    """

    epoch: int
    phase: str
    density: float
    layer_density: dict[str, float] = field(default_factory=dict)
    mask_change: float | None = None
    steps: int = 0
    dense_gradient_steps: int = 0


@dataclass
class _EpochTally:
    """Running sums over the steps of the current epoch (see :attr:`SparsityController.history`)."""

    steps: int = 0
    dense_gradient_steps: int = 0
    density: float = 0.0
    layer_density: dict[str, float] = field(default_factory=dict)


class SparsityController(ABC):
    """Base of every sparse-training method run by :class:`acdc.trainer.Trainer`.

    Subclasses implement :meth:`phase_at` and :meth:`on_epoch_start` (which calls
    :meth:`compress_` / :meth:`decompress_` or edits masks directly) and may extend
    :meth:`after_step`, :meth:`observe_dense_gradient`, :meth:`uses_dense_gradient`,
    :meth:`state_dict` and :meth:`load_state_dict`.

    :attr:`step` counts the optimiser steps taken so far (checkpointed); during the backward pass of a
    step it is the 0-based index of that step, in :meth:`after_step` the number of steps taken.

    Loading a ``model.state_dict()`` that carries masks with pruned entries (``model.load_state_dict``)
    enters the compressed phase with those masks, enforced from the next step, whether or not the
    controller's own :meth:`state_dict` is loaded too (which then sets the phase it records). So does
    building the controller on a model that already holds such masks (loaded into the plain model by
    :func:`acdc.masks.load_masked_state_dict`): both orders enforce the saved masks from the first step.

    Parameters
    ----------
    model : nn.Module
        The model (a ``DistributedDataParallel`` wrapper is unwrapped). Receives mask buffers.
    optimizer : torch.optim.Optimizer or sequence of them
        Every optimiser that steps prunable weights; each receives a step post-hook that re-applies the
        masks of the weights it steps. The first one's steps are the controller's :attr:`step`.
    exclude : str or iterable of str, keyword-only
        Weights kept dense by name, parent module or glob (``"conv1"``, ``"layer1.*"``).
    prunable_types : tuple of module types, keyword-only
        Modules whose weights are pruned (default :data:`~acdc.masks.PRUNABLE_TYPES`: convolutions,
        linear-like layers, ``transformers``' ``Conv1D`` included, and attention projections).
    prunable : iterable of str or callable, keyword-only
        Further prunable parameters (a user's own layers): names, globs or a predicate
        ``(name, module, parameter) -> bool``.
    keep_dense : str or iterable of str, keyword-only
        ``"first"``, ``"last"``, ``"heads"`` (classifier heads): layers kept dense on any model.
        All four as in :func:`acdc.masks.prunable_weights`.

    A model sharded by FSDP2 (``torch.distributed.fsdp.fully_shard``, applied before the optimiser and
    the controller are built) gets ``DTensor`` masks placed like its weights; gradients are then masked
    on the local shards before each optimiser step, and compression computes the masks of the full
    weights without gathering them (:mod:`acdc.sharded`: ``TopK``, ``LayerwiseTopK``, ``ERKTopK``,
    ``NM``, ``RandomMask``). Every process must then call :meth:`start_epoch`, :meth:`state_dict` and
    :meth:`mask_density` (collectives).

    Raises
    ------
    TypeError
        If the model is sharded and the method does not support it (:attr:`shardable`), or only some
        prunable weights are sharded.
    ValueError
        If a prunable weight that requires a gradient is in none of the optimisers (its steps would
        regrow pruned weights), if the model holds masks with pruned entries for weights the controller
        does not prune (:func:`~acdc.masks.stray_masks`: a state dict of a run with another selection),
        besides the errors of :func:`~acdc.masks.prunable_weights`.

    Warns
    -----
    SmallPrunedShareWarning
        When the prunable weights hold less than :data:`~acdc.masks.SMALL_PRUNED_SHARE` of the
        model's parameters (see :meth:`summary`).
    """

    prunes = True
    """Whether the method prunes at all (the small-share warning is pointless for dense training)."""

    shardable = True
    """Whether the method runs on a model sharded by ``fully_shard`` (see :mod:`acdc.sharded`)."""

    def __init__(
        self, model: nn.Module, optimizer: Optimizers, *,
        exclude: str | Iterable[str] = (), prunable_types: tuple[type[nn.Module], ...] = PRUNABLE_TYPES,
        prunable: Iterable[str] | Predicate = (), keep_dense: str | Iterable[str] = (),
    ) -> None:
        self.model = model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model
        self.optimizers = _optimizers(optimizer)
        self.optimizer = self.optimizers[0]
        weights = prunable_weights(self.model, exclude, prunable_types, prunable=prunable,
                                   keep_dense=keep_dense)
        self._candidates = prunable_weights(self.model, (), prunable_types, prunable=prunable)
        stepped = _check_optimized(weights, self.optimizers)
        stray = stray_masks(self.model, weights)
        if stray:
            raise ValueError(
                f"model must hold masks only for the weights the controller prunes; got masks with pruned "
                f"entries for {stray}, which exclude=, keep_dense=, prunable_types= or prunable= leave "
                f"dense (their pruned entries would regrow): select them, or load the state without its "
                f"masks (acdc.masks.strip_masks)")
        self.masks = WeightMasks(self.model, weights)
        if self.masks.sharded and not self.shardable:
            raise TypeError(
                f"model must hold plain tensors for {type(self).__name__}: it reads dense gradients in "
                f"tensor hooks, which the DTensor parameters of a fully_shard model never fire; got DTensor "
                f"weights {list(weights)}; use method acdc, gmp, static or dense on a sharded model")
        if self.prunes:
            warn_if_small_share(self.summary())
        self.phase: Phase | None = None
        self.mask_change: float | None = None
        self.step = 0
        self._previous_masks: dict[str, torch.Tensor] | None = None
        self._history: list[PhaseRecord] = []
        self._tally = _EpochTally()
        self._densities: tuple[int, tuple[float, dict[str, float]]] | None = None
        if self.masks.sharded:  # gradients reach the shards after the backward pass: mask them before a step
            self._handles = [o.register_step_pre_hook(self._gradient_mask_hook(names))
                             for o, names in zip(self.optimizers, stepped)]
        else:
            self._handles = [w.register_hook(self._grad_hook(name)) for name, w in self.masks.weights.items()]
        self._handles.append(self.optimizer.register_step_post_hook(lambda *_: self._step_taken()))
        for other, names in zip(self.optimizers[1:], stepped[1:]):
            self._handles.append(other.register_step_post_hook(self._reapply_hook(names)))
        self._handles.append(self.model.register_load_state_dict_post_hook(lambda *_: self._masks_loaded()))
        self._masks_loaded()  # masks the model already holds (acdc.masks.load_masked_state_dict)

    @abstractmethod
    def phase_at(self, epoch: int) -> Phase:
        """Phase of ``epoch`` (pure: depends on the epoch only)."""

    @abstractmethod
    def on_epoch_start(self, epoch: int, phase: Phase) -> None:
        """Phase work before the first step of ``epoch``."""

    @property
    def sparse(self) -> bool:
        """Whether masks are enforced (forward, gradients and after every step)."""
        return self.phase is Phase.COMPRESSED

    @property
    def history(self) -> list[PhaseRecord]:
        """One :class:`PhaseRecord` per epoch started so far, in epoch order.

        The record of the current epoch includes the steps taken so far (densities averaged over them).
        """
        tally = self._tally
        if not self._history or tally.steps == 0:
            return list(self._history)
        current = replace(
            self._history[-1], density=tally.density / tally.steps,
            layer_density={n: d / tally.steps for n, d in tally.layer_density.items()},
            steps=tally.steps, dense_gradient_steps=tally.dense_gradient_steps,
        )
        return [*self._history[:-1], current]

    def start_epoch(self, epoch: int) -> PhaseRecord:
        """Do the phase work of ``epoch`` and record it; call before the epoch's first step."""
        self.on_epoch_start(epoch, self.phase_at(epoch))
        return self.record(epoch)

    def record(self, epoch: int) -> PhaseRecord:
        """Append the current phase and mask densities as ``epoch``'s record (replacing later ones).

        Starts the step tally of ``epoch``: the steps that follow are added to this record.
        """
        self._history = self.history
        self._densities = None
        self._tally = _EpochTally()
        density, layers = self.mask_density()
        phase = self.phase or Phase.DENSE
        record = PhaseRecord(epoch, phase.value, density, layers,
                             self.mask_change if phase is Phase.COMPRESSED else None)
        self._history = [r for r in self._history if r.epoch < epoch] + [record]
        return record

    def mask_density(self) -> tuple[float, dict[str, float]]:
        """:meth:`WeightMasks.density` of the current masks, cached until the masks change."""
        if self._densities is None or self._densities[0] != self.masks.version:
            self._densities = (self.masks.version, self.masks.density())
        return self._densities[1]

    def after_step(self) -> None:
        """Re-apply the masks: pruned weights are exactly zero again after momentum or weight decay."""
        if self.sparse:
            self.masks.apply_()

    def summary(self) -> PruningSummary:
        """What the controller prunes and what it leaves dense (names, shapes, counts, pruned share);
        ``print(controller.summary())`` for a table."""
        return summarize(self.model, self.masks.weights, self._candidates)

    def observe_dense_gradient(self, name: str, grad: torch.Tensor) -> None:  # noqa: B027 (optional hook)
        """Called in the backward pass with the dense gradient of weight ``name``, before it is masked.

        Does nothing here; RigL keeps it at its mask-update steps.
        """

    def uses_dense_gradient(self) -> bool:
        """Whether the step in progress (index :attr:`step`) computes the dense weight gradient.

        False here; RigL's mask-update steps return True, and FLOPs accounting charges them extra.
        """
        return False

    def _step_taken(self) -> None:
        density, layers = self.mask_density()
        tally = self._tally
        tally.steps += 1
        tally.dense_gradient_steps += self.uses_dense_gradient()
        tally.density += density
        for name, value in layers.items():
            tally.layer_density[name] = tally.layer_density.get(name, 0.0) + value
        self.step += 1
        self.after_step()

    def compress_(self, projection: Projection) -> None:
        """Enter a compressed phase: masks from ``projection`` of the current weights, applied.

        Under ``torch.distributed`` the masks of rank 0 are broadcast, so every rank holds the same
        masks by construction; on a sharded model every process computes the masks of its own shards
        (:func:`acdc.sharded.project`).
        """
        masks = self.masks.project(projection)
        if not self.masks.sharded:
            broadcast_from_rank0(masks)
        warn_if_layers_emptied(masks, projection)
        if self._previous_masks is not None:
            new = sum(count(masks[n] & ~old) for n, old in self._previous_masks.items())
            self.mask_change = new / max(1, sum(count(m) for m in masks.values()))
        self._previous_masks = {n: m.clone() for n, m in masks.items()}
        self.masks.set_(masks)
        self.phase = Phase.COMPRESSED
        self.masks.apply_()

    def decompress_(self) -> None:
        """Enter a dense phase: masks reset to ones and the optimiser state reset.

        See :func:`acdc.optim.reset_optimizer_state` for what is reset (Section 3.2: "once all
        weights are re-introduced, it is beneficial to reset to 0 the gradient momentum term").
        """
        self.masks.fill_()
        self.phase = Phase.DENSE
        self.mask_change = None
        for optimizer in self.optimizers:
            reset_optimizer_state(optimizer)

    def state_dict(self) -> dict[str, Any]:
        """Controller state for checkpoints (plain data and tensors; ``torch.load(weights_only=True)``).

        The masks of a sharded model are gathered (full tensors, a collective), so the state loads into a
        run with any number of processes, sharded or not.
        """
        previous = self._previous_masks
        return {
            "phase": None if self.phase is None else self.phase.value,
            "mask_change": self.mask_change,
            "previous_masks": None if previous is None else {n: gathered(m) for n, m in previous.items()},
            "history": [asdict(r) for r in self.history],
            "step": self.step,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict` (load the model's state dict for the masks themselves)."""
        self.phase = None if state["phase"] is None else Phase(state["phase"])
        self.mask_change = state["mask_change"]
        previous = state["previous_masks"]
        if previous is not None and self.masks.sharded:  # full masks: this process keeps its shards
            previous = {n: like(m.to(self.masks.get(n).device), self.masks.get(n))
                        for n, m in previous.items()}
        self._previous_masks = previous
        self._history = [PhaseRecord(**r) for r in state["history"]]
        self.step = state.get("step", 0)  # checkpoints written before step counting started at 0
        self._tally = _EpochTally()
        self._densities = None

    def close(self) -> None:
        """Remove the gradient and optimiser hooks (the mask buffers stay on the model)."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def _masks_loaded(self) -> None:
        """After ``model.load_state_dict`` (and when built): masks with pruned entries are a compressed
        phase, enforced."""
        self._densities = None
        self.masks.version += 1
        masks = self.masks.as_dict()
        if self.phase is not Phase.COMPRESSED and not all(count(m) == m.numel() for m in masks.values()):
            self.phase = Phase.COMPRESSED
            self._previous_masks = {n: m.clone() for n, m in masks.items()}
            self.masks.apply_()

    def _reapply_hook(self, names: list[str]):
        def reapply(*_: Any) -> None:
            if self.sparse:
                self.masks.apply_(names)

        return reapply

    def _gradient_mask_hook(self, names: list[str]):
        def mask_gradients(*_: Any) -> None:
            if self.sparse:
                self.masks.mask_gradients_(names)

        return mask_gradients

    def _grad_hook(self, name: str):
        def mask_gradient(grad: torch.Tensor) -> torch.Tensor | None:
            self.observe_dense_gradient(name, grad)
            return self.masks.mask_gradient(name, grad) if self.sparse else None

        return mask_gradient


def _optimizers(optimizer: Any) -> tuple[torch.optim.Optimizer, ...]:
    optimizers = (optimizer,) if isinstance(optimizer, torch.optim.Optimizer) else tuple(
        optimizer if isinstance(optimizer, Sequence) else ())
    if not optimizers or not all(isinstance(o, torch.optim.Optimizer) for o in optimizers):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer or a non-empty sequence of them; "
                        f"got optimizer={optimizer!r}")
    return optimizers


def _check_optimized(weights: Mapping[str, nn.Parameter],
                     optimizers: Sequence[torch.optim.Optimizer]) -> list[list[str]]:
    """Names of the weights each optimiser steps; ``ValueError`` naming trainable weights none steps."""
    held = [{id(p) for group in o.param_groups for p in group["params"]} for o in optimizers]
    stepped = [[name for name, w in weights.items() if id(w) in ids] for ids in held]
    orphans = [name for name, w in weights.items()
               if w.requires_grad and not any(id(w) in ids for ids in held)]
    if orphans:
        raise ValueError(
            f"optimizer must hold every prunable weight that requires a gradient (pass every optimiser "
            f"that steps them, optimizer=[opt1, opt2], or exclude= them); got {len(optimizers)} "
            f"optimiser(s) holding none of {orphans}: another optimiser's steps would regrow their "
            f"pruned entries")
    return stepped


class LayerCollapseWarning(UserWarning):
    """A projection kept no weight of a whole layer: the layer's output no longer depends on its input."""


def warn_if_layers_emptied(masks: Mapping[str, torch.Tensor], projection: Projection) -> None:
    """Warn with :class:`LayerCollapseWarning` when a mask keeps none of its layer's weights.

    A global magnitude top-k at high sparsity can do this to layers whose weights are smallest (weights
    before batch norm are scale-invariant, and their scales drift apart across layers). The emptied layer
    outputs a constant, so unless a skip connection bypasses it the model's output no longer depends on
    its input and no gradient reaches the layers before it. Per-layer densities (ERK, layerwise) rule
    this out by construction.
    """
    empty = [name for name, mask in masks.items() if count(mask) == 0]
    if empty:
        warnings.warn(f"{projection!r} keeps no weight of {empty}: these layers output constants, which "
                      "cuts the model's output off its input unless a skip connection bypasses them; use "
                      "per-layer densities (projection 'erk' or 'layerwise') or exclude= these layers",
                      LayerCollapseWarning, stacklevel=3)


def broadcast_from_rank0(masks: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """``masks`` of rank 0 on every rank under ``torch.distributed`` (in place); unchanged otherwise."""
    if dist.is_available() and dist.is_initialized():
        for mask in masks.values():
            dist.broadcast(mask, src=0)
    return masks


class ACDCController(SparsityController):
    """AC/DC: alternate compressed phases (fixed top-k support) with dense phases, on a schedule.

    Parameters
    ----------
    model, optimizer
        As in :class:`SparsityController`.
    schedule : Schedule
        Phase of every epoch (:func:`acdc.schedule.paper_schedule` for the paper's recipe).
    projection : Projection
        Compression operator applied at the start of each compressed phase, e.g.
        ``TopK(sparsity=0.9)`` (global magnitude, the paper's default), ``LayerwiseTopK``,
        ``ERKTopK`` or ``NM(2, 4)`` from :mod:`iht.projection` (by name: :data:`iht.projection.PROJECTIONS`).
    exclude, prunable_types, prunable, keep_dense : keyword-only
        Which weights are pruned, as in :class:`SparsityController`.

    References
    ----------
    Peste, Iofinova, Vladu, Alistarh. "AC/DC: Alternating Compressed/DeCompressed Training of Deep
    Neural Networks", NeurIPS 2021, Algorithm 1 and Section 4.
    """

    def __init__(
        self, model: nn.Module, optimizer: Optimizers, schedule: Schedule,
        projection: Projection, *, exclude: str | Iterable[str] = (),
        prunable_types: tuple[type[nn.Module], ...] = PRUNABLE_TYPES,
        prunable: Iterable[str] | Predicate = (), keep_dense: str | Iterable[str] = (),
    ) -> None:
        super().__init__(model, optimizer, exclude=exclude, prunable_types=prunable_types, prunable=prunable,
                         keep_dense=keep_dense)
        self.schedule = schedule
        self.projection = projection

    def phase_at(self, epoch: int) -> Phase:
        return self.schedule.phase_at(epoch)

    def on_epoch_start(self, epoch: int, phase: Phase) -> None:
        """Project at the start of a compressed phase; reset masks and optimiser at a dense one."""
        if phase is self.phase and not self.schedule.starts_phase(epoch):
            return
        if phase is Phase.COMPRESSED:
            self.compress_(self.projection)
        else:
            self.decompress_()

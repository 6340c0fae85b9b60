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

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from acdc.masks import PRUNABLE_TYPES, WeightMasks, prunable_weights
from acdc.optim import reset_optimizer_state
from acdc.schedule import Phase, Schedule
from iht.projection import Projection


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
        Kept fraction of all prunable weights under the epoch's mask (1.0 in dense epochs).
    layer_density : dict of str to float
        Kept fraction per prunable weight (parameter name -> fraction).
    mask_change : float or None
        In a compressed phase after the first: the fraction of the kept weights that were pruned in
        the previous compressed phase, ``|M_t \\ M_{t-1}| / |M_t|``; ``None`` otherwise.
    """

    epoch: int
    phase: str
    density: float
    layer_density: dict[str, float] = field(default_factory=dict)
    mask_change: float | None = None


class SparsityController(ABC):
    """Base of every sparse-training method run by :class:`acdc.trainer.Trainer`.

    Subclasses implement :meth:`phase_at` and :meth:`on_epoch_start` (which calls
    :meth:`compress_` / :meth:`decompress_` or edits masks directly) and may extend
    :meth:`after_step`, :meth:`state_dict` and :meth:`load_state_dict`.

    Parameters
    ----------
    model : nn.Module
        The model (a ``DistributedDataParallel`` wrapper is unwrapped). Receives mask buffers.
    optimizer : torch.optim.Optimizer
        Any optimiser over the model's parameters; receives a step post-hook.
    exclude : iterable of str
        Module or parameter names kept dense (see :func:`acdc.masks.prunable_weights`).
    prunable_types : tuple of module types
        Modules whose ``weight`` may be pruned (convolutions and linear layers by default).
    """

    def __init__(
        self, model: nn.Module, optimizer: torch.optim.Optimizer, *, exclude: Iterable[str] = (),
        prunable_types: tuple[type[nn.Module], ...] = PRUNABLE_TYPES,
    ) -> None:
        self.model = model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model
        self.optimizer = optimizer
        self.masks = WeightMasks(self.model, prunable_weights(self.model, exclude, prunable_types))
        self.phase: Phase | None = None
        self.mask_change: float | None = None
        self._previous_masks: dict[str, torch.Tensor] | None = None
        self._history: list[PhaseRecord] = []
        self._handles = [w.register_hook(self._grad_hook(name)) for name, w in self.masks.weights.items()]
        self._handles.append(optimizer.register_step_post_hook(lambda *_: self.after_step()))

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
        """One :class:`PhaseRecord` per epoch started so far, in epoch order."""
        return list(self._history)

    def start_epoch(self, epoch: int) -> PhaseRecord:
        """Do the phase work of ``epoch`` and record it; call before the epoch's first step."""
        self.on_epoch_start(epoch, self.phase_at(epoch))
        return self.record(epoch)

    def record(self, epoch: int) -> PhaseRecord:
        """Append the current phase and mask densities as ``epoch``'s record (replacing later ones)."""
        density, layers = self.masks.density()
        phase = self.phase or Phase.DENSE
        record = PhaseRecord(epoch, phase.value, density, layers,
                             self.mask_change if phase is Phase.COMPRESSED else None)
        self._history = [r for r in self._history if r.epoch < epoch] + [record]
        return record

    def after_step(self) -> None:
        """Re-apply the masks: pruned weights are exactly zero again after momentum or weight decay."""
        if self.sparse:
            self.masks.apply_()

    def compress_(self, projection: Projection) -> None:
        """Enter a compressed phase: masks from ``projection`` of the current weights, applied.

        Under ``torch.distributed`` the masks of rank 0 are broadcast, so every rank holds the same
        masks by construction.
        """
        masks = projection.masks({name: w.detach() for name, w in self.masks.weights.items()})
        if dist.is_available() and dist.is_initialized():
            for mask in masks.values():
                dist.broadcast(mask, src=0)
        if self._previous_masks is not None:
            new = sum(int((masks[n] & ~old).sum()) for n, old in self._previous_masks.items())
            self.mask_change = new / max(1, sum(int(m.sum()) for m in masks.values()))
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
        reset_optimizer_state(self.optimizer)

    def state_dict(self) -> dict[str, Any]:
        """Controller state for checkpoints (plain data and tensors; ``torch.load(weights_only=True)``)."""
        return {
            "phase": None if self.phase is None else self.phase.value,
            "mask_change": self.mask_change,
            "previous_masks": self._previous_masks,
            "history": [asdict(r) for r in self._history],
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict` (load the model's state dict for the masks themselves)."""
        self.phase = None if state["phase"] is None else Phase(state["phase"])
        self.mask_change = state["mask_change"]
        self._previous_masks = state["previous_masks"]
        self._history = [PhaseRecord(**r) for r in state["history"]]

    def close(self) -> None:
        """Remove the gradient and optimiser hooks (the mask buffers stay on the model)."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def _grad_hook(self, name: str):
        def mask_gradient(grad: torch.Tensor) -> torch.Tensor | None:
            return grad.masked_fill(~self.masks.get(name), 0) if self.sparse else None

        return mask_gradient


class ACDCController(SparsityController):
    """AC/DC: alternate compressed phases (fixed top-k support) with dense phases, on a schedule.

    Parameters
    ----------
    model, optimizer, exclude, prunable_types
        As in :class:`SparsityController`.
    schedule : Schedule
        Phase of every epoch (:func:`acdc.schedule.paper_schedule` for the paper's recipe).
    projection : Projection
        Compression operator applied at the start of each compressed phase, e.g.
        ``TopK(sparsity=0.9)`` (global magnitude, the paper's default), ``LayerwiseTopK``,
        ``ERKTopK`` or ``NM(2, 4)`` from :mod:`iht.projection`.

    References
    ----------
    Peste, Iofinova, Vladu, Alistarh. "AC/DC: Alternating Compressed/DeCompressed Training of Deep
    Neural Networks", NeurIPS 2021, Algorithm 1 and Section 4.
    """

    def __init__(
        self, model: nn.Module, optimizer: torch.optim.Optimizer, schedule: Schedule,
        projection: Projection, **kwargs: Any,
    ) -> None:
        super().__init__(model, optimizer, **kwargs)
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

"""AC/DC's dense fine-tune, shared by the reference trainer and the language-model loop.

After the schedule, the best dense-phase model is trained densely for as many epochs as the final
compressed phase has, each at the learning rate that phase's epoch had: "we finetune the best dense
checkpoint obtained during training; practically, this replaces the last *sparse* fine-tuning phase with
a phase where the *dense* model is fine-tuned instead" (Peste et al., NeurIPS 2021,
Section 4).
:func:`finetune_epochs` says which epochs are replayed; :func:`start_finetune_epoch` prepares each
fine-tune epoch, so that a caller resuming in the middle of the fine-tune only sets the learning rate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch

from acdc.controller import ACDCController
from acdc.schedule import Schedule

__all__ = ["finetune_epochs", "start_finetune_epoch"]


def finetune_epochs(schedule: Schedule) -> range:
    """The epochs of ``schedule``'s final compressed phase: fine-tune epoch ``i`` runs at the learning
    rate of epoch ``finetune_epochs(schedule)[i]``; there are ``len(...)`` fine-tune epochs."""
    last = schedule.spans[-1]
    return range(last.start, last.stop)


def start_finetune_epoch(controller: ACDCController, index: int, lrs: Sequence[float],
                         best_dense: Mapping[str, torch.Tensor]) -> None:
    """Prepare fine-tune epoch ``index`` (0-based) of ``controller``'s model and optimiser.

    Parameters
    ----------
    controller : ACDCController
        The run's controller, its schedule over.
    index : int
        Fine-tune epoch, ``0 <= index < len(finetune_epochs(controller.schedule))``. At 0 the model
        loads ``best_dense`` (with ``strict=False``: the mask buffers are not in it) and every mask is
        reopened (:meth:`~acdc.controller.SparsityController.decompress_`, which also resets the optimiser
        state, as at the start of a dense phase).
    lrs : sequence of float
        The learning rate of every epoch of the schedule (at least), by epoch.
    best_dense : mapping of str to Tensor
        The best dense-phase model, a :func:`acdc.masks.mask_free_state`.
    """
    if index == 0:
        controller.model.load_state_dict(best_dense, strict=False)
        controller.decompress_()
    lr = lrs[finetune_epochs(controller.schedule)[index]]
    for group in controller.optimizer.param_groups:
        group["lr"] = lr

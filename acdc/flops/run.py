"""FLOPs of a training run as the trainer reports them: per epoch in ``metrics.csv``, per run in
``summary.json``.

Inference FLOPs are the forward FLOPs of one example at the current mask densities (AC/DC Tables 1-3,
"Inference FLOPs"); training FLOPs follow :func:`~acdc.flops.training.training_flops` over the phase
history so far, relative to dense training of the same epochs (so a dense run is 1.0 at every epoch,
and the last epoch gives the run's "EFLOPs Train ×").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from acdc.flops.counter import FlopsCount
from acdc.flops.training import phases_from_history, training_flops
from iht.validation import check_positive


@dataclass(frozen=True)
class RunFlops:
    """The dense forward count of a model and the examples of one epoch.

    Attributes
    ----------
    count : FlopsCount
        ``count_flops(model, (1, *sample_shape))``: one example, dense.
    examples_per_epoch : float
        Training examples per epoch.
    """

    count: FlopsCount
    examples_per_epoch: float

    def __post_init__(self) -> None:
        check_positive(self.examples_per_epoch, "examples_per_epoch")

    def inference(self, layer_density: Mapping[str, float]) -> dict[str, float]:
        """``inference_flops`` (per example) at ``layer_density`` and ``inference_flops_rel`` to dense."""
        flops = self.count.forward_flops(layer_density)
        return {"inference_flops": flops, "inference_flops_rel": flops / self.count.dense_flops}

    def training(self, history: Iterable[Any]) -> dict[str, float]:
        """``train_flops`` of the epochs in ``history`` (PhaseRecords or dicts) and ``train_flops_rel``."""
        cost = training_flops(self.count, phases_from_history(history, self.examples_per_epoch))
        return {"train_flops": cost.total, "train_flops_rel": cost.relative}

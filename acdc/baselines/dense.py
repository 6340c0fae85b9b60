"""Dense training as a controller: the reference point of every comparison (cost 1.0 by definition)."""

from __future__ import annotations

from acdc.controller import SparsityController
from acdc.schedule import Phase


class DenseController(SparsityController):
    """Never prunes: every epoch is dense and the masks stay all ones.

    Runs through the same trainer, hooks and metrics as the sparse methods, so its accuracy and cost
    are measured the same way (its relative training FLOPs are 1.0).
    """

    prunes = False

    def phase_at(self, epoch: int) -> Phase:
        return Phase.DENSE

    def on_epoch_start(self, epoch: int, phase: Phase) -> None:
        self.phase = Phase.DENSE

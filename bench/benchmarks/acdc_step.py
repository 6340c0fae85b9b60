"""One AC/DC training step of ResNet20 on CPU (batch 128 of 3x32x32, channels-last as the trainer runs it).

The peer of every benchmark here is the dense step (``time_peer_dense_step``), so the ratios read:

- ``compressed_step``: a step of a compressed phase (:class:`acdc.controller.ACDCController` at 90%
  global sparsity: gradient-masking hooks in the backward pass, masks re-applied after
  ``optimizer.step()``); the target is within 5% of the dense step.
- ``mask_upkeep``: just the work a compressed phase adds to a step (the gradient hooks on ResNet20's
  gradients and the step post-hook), timed alone because it is far below the noise of a whole step.
- ``track_compressed_over_dense_step``: the same ratio measured in one process, dense and compressed
  steps interleaved in alternating order (median of per-pair ratios), so that drift of the machine
  between asv's timing processes cancels; single steps of 0.3 s still vary by a few percent, more than
  the mask upkeep costs.
- ``phase_boundary``: the projection at the start of a compressed phase (global top-k of all prunable
  weights, masks set and applied); below 2% of an epoch means below 0.02 × 391 = 7.8 dense steps for
  CIFAR-10 at batch 128.
"""

from __future__ import annotations

import statistics
import time

import torch
from torch import nn

from acdc.controller import ACDCController
from acdc.models.resnet20 import resnet20
from acdc.schedule import Schedule
from acdc.trainer import memory_format_for
from iht.projection import TopK

SPARSITY = 0.9
PAIRS = 25  # interleaved dense/compressed step pairs per track_ sample


class ACDCStepResNet20:
    repeat = (3, 10, 30.0)
    timeout = 300

    def setup(self):
        self.loss = nn.CrossEntropyLoss()
        generator = torch.Generator().manual_seed(0)
        self.inputs = torch.randn(128, 3, 32, 32, generator=generator)
        self.inputs = self.inputs.contiguous(memory_format=memory_format_for(resnet20(), (3, 32, 32)))
        self.targets = torch.randint(0, 10, (128,), generator=generator)
        self.runs = {"dense": self._controlled_model(0), "compressed": self._controlled_model(1)}
        _, self.controller = self.runs["compressed"]
        self.gradients = {name: torch.randn_like(w) for name, w in self.controller.masks.weights.items()}
        self.hooks = {name: self.controller._grad_hook(name) for name in self.gradients}

    def teardown(self):
        for _, controller in self.runs.values():
            controller.close()

    @staticmethod
    def _controlled_model(epoch: int) -> tuple[nn.Module, ACDCController]:
        torch.manual_seed(0)
        model = resnet20()
        model.to(memory_format=memory_format_for(model, (3, 32, 32)))  # as the trainer runs it
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        schedule = Schedule.from_lengths([("dense", 1), ("compressed", 1)])
        controller = ACDCController(model, optimizer, schedule, TopK(sparsity=SPARSITY))
        controller.start_epoch(epoch)
        return model, controller

    def _step(self, phase: str) -> None:
        model, controller = self.runs[phase]
        controller.optimizer.zero_grad(set_to_none=True)
        self.loss(model(self.inputs), self.targets).backward()
        controller.optimizer.step()

    def time_peer_dense_step(self):
        self._step("dense")

    def time_ours_compressed_step(self):
        self._step("compressed")

    def track_compressed_over_dense_step(self):
        ratios = []
        for pair in range(PAIRS):
            seconds = {}
            for phase in ("dense", "compressed")[:: 1 if pair % 2 else -1]:  # alternate who goes first
                start = time.perf_counter()
                self._step(phase)
                seconds[phase] = time.perf_counter() - start
            ratios.append(seconds["compressed"] / seconds["dense"])
        return statistics.median(ratios)

    track_compressed_over_dense_step.unit = "ratio"

    def time_ours_mask_upkeep(self):
        for name, gradient in self.gradients.items():
            self.hooks[name](gradient)
        self.controller._step_taken()

    def time_ours_phase_boundary(self):
        self.controller.compress_(TopK(sparsity=SPARSITY))

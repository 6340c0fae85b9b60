"""One AC/DC training step of ResNet20 on CPU (batch 128 of 3x32x32), dense versus compressed phase.

The compressed phase adds the gradient-masking hooks and the mask re-application after
``optimizer.step()`` (:class:`acdc.controller.ACDCController` at 90% global sparsity); the peer of a
compressed step is the dense step. ``time_phase_boundary`` is the projection at the start of a
compressed phase (global top-k of all prunable weights, masks set and applied).
"""

from __future__ import annotations

import torch
from torch import nn

from acdc.controller import ACDCController
from acdc.models.resnet20 import resnet20
from acdc.schedule import Schedule
from iht.projection import TopK


class ACDCStepResNet20:
    params = ("dense", "compressed")
    param_names = ("phase",)
    repeat = (3, 10, 30.0)
    timeout = 300

    def setup(self, phase):
        torch.manual_seed(0)
        self.model = resnet20()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.1, momentum=0.9)
        schedule = Schedule.from_lengths([("dense", 1), ("compressed", 1)])
        self.controller = ACDCController(self.model, self.optimizer, schedule, TopK(sparsity=0.9))
        self.controller.start_epoch(0 if phase == "dense" else 1)
        self.inputs = torch.randn(128, 3, 32, 32)
        self.targets = torch.randint(0, 10, (128,))
        self.loss = nn.CrossEntropyLoss()

    def teardown(self, phase):
        self.controller.close()

    def time_step(self, phase):
        self.optimizer.zero_grad(set_to_none=True)
        self.loss(self.model(self.inputs), self.targets).backward()
        self.optimizer.step()

    def time_phase_boundary(self, phase):
        self.controller.compress_(TopK(sparsity=0.9))

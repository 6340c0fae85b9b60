"""AC/DC's dense fine-tune: which epochs it replays, and what its first and later epochs start from."""

from __future__ import annotations

import torch

from acdc.controller import ACDCController
from acdc.finetune import finetune_epochs, start_finetune_epoch
from acdc.masks import mask_free_state
from acdc.schedule import Schedule
from iht.projection import TopK
from tests.acdc.helpers import tiny_net

SCHEDULE = Schedule.from_lengths([("dense", 2), ("compressed", 1), ("dense", 1), ("compressed", 2)])


def test_finetune_replays_the_final_compressed_phase():
    assert finetune_epochs(SCHEDULE) == range(4, 6)


def test_first_epoch_loads_the_best_dense_model_densely_later_epochs_only_set_the_learning_rate():
    model = tiny_net()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    controller = ACDCController(model, optimizer, SCHEDULE, TopK(sparsity=0.75))
    best = mask_free_state(tiny_net(seed=3))
    for epoch in range(SCHEDULE.epochs):
        controller.start_epoch(epoch)
    assert controller.sparse
    lrs = [0.1, 0.09, 0.07, 0.05, 0.03, 0.01]
    start_finetune_epoch(controller, 0, lrs, best)
    assert not controller.sparse and all(bool(m.all()) for m in controller.masks.as_dict().values())
    assert all(torch.equal(model.state_dict()[k], v) for k, v in best.items())
    assert optimizer.param_groups[0]["lr"] == 0.03
    with torch.no_grad():
        controller.masks.weights["4.weight"].fill_(2.0)  # a step of fine-tune epoch 0
    start_finetune_epoch(controller, 1, lrs, best)
    assert optimizer.param_groups[0]["lr"] == 0.01
    assert bool((controller.masks.weights["4.weight"] == 2.0).all())
    controller.close()

"""Baselines in the AC/DC harness: each method's defining property (Zhu & Gupta 2017; Evci et al. 2020)."""

from __future__ import annotations

import math

import pytest
import torch

from acdc.baselines import (
    DenseController,
    GMPController,
    RigLController,
    StaticSparseController,
    cosine_drop_fraction,
    drop_and_grow,
    gmp_sparsity,
)
from acdc.config import TrainConfig
from acdc.methods import build_controller
from acdc.trainer import Trainer
from iht.projection import NM, TopK, erk_counts, k_from_sparsity
from tests.acdc.helpers import tiny_config, tiny_net, train_step

STEPS_PER_EPOCH = 4


def sgd(model):
    return torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)


def kept(controller):
    return {name: int(mask.sum()) for name, mask in controller.masks.as_dict().items()}


def run_steps(controller, optimizer, epochs, on_step=lambda: None):
    for epoch in range(epochs):
        controller.start_epoch(epoch)
        for i in range(STEPS_PER_EPOCH):
            train_step(controller.model, optimizer, seed=epoch * STEPS_PER_EPOCH + i)
            on_step()


def test_gmp_sparsity_is_the_cubic_schedule():
    assert gmp_sparsity(10, 0.9, start=10, length=80) == 0.0
    assert gmp_sparsity(50, 0.9, start=10, length=80) == pytest.approx(0.9 * (1 - 0.5**3))
    assert gmp_sparsity(90, 0.9, start=10, length=80) == 0.9
    assert gmp_sparsity(500, 0.9, start=10, length=80, initial=0.5) == 0.9
    assert gmp_sparsity(0, 0.9, start=10, length=80, initial=0.5) == 0.5


def test_gmp_prunes_exactly_on_its_cubic_schedule_then_holds_the_mask():
    model = tiny_net()
    optimizer = sgd(model)
    controller = GMPController(model, optimizer, sparsity=0.8, projection=lambda s: TopK(sparsity=s),
                               start_epoch=1, end_epoch=3, steps_per_epoch=STEPS_PER_EPOCH, interval=3)
    total = sum(w.numel() for w in controller.masks.weights.values())
    observed = {}
    run_steps(controller, optimizer, 5,
              lambda: observed.__setitem__(controller.step, sum(kept(controller).values())))
    assert [controller.phase_at(e).value for e in range(3)] == ["dense", "compressed", "compressed"]
    pruned_at = {4: 0.0, 7: 0.8 * (1 - (1 - 3 / 8) ** 3), 10: 0.8 * (1 - (1 - 6 / 8) ** 3), 12: 0.8}
    expected, current = {}, total
    for step in range(1, 21):
        current = k_from_sparsity(total, pruned_at[step]) if step in pruned_at else current
        expected[step] = current
    assert observed == expected  # dense for steps 1-4, pruned at 7, 10 and 12, fixed after
    weights = controller.masks.weights.values()
    assert sum(int(torch.count_nonzero(w)) for w in weights) == k_from_sparsity(total, 0.8)


def test_gmp_arguments_are_keyword_only():
    model = tiny_net()
    with pytest.raises(TypeError, match="positional argument"):
        GMPController(model, sgd(model), 0.8, lambda s: TopK(sparsity=s), 1, 3, STEPS_PER_EPOCH, 3)


def test_gmp_with_nm_applies_the_pattern_at_every_pruning_step(tmp_path):
    config = tiny_config(tmp_path, method="gmp", projection="nm", sparsity=0.5, epochs=3, update_interval=3,
                         gmp_start_fraction=1 / 3, gmp_end_fraction=1.0, exclude=("0",))
    model = tiny_net()  # its convolution has one input channel: no group of 4, kept dense
    optimizer = sgd(model)
    controller = build_controller(config, model, optimizer, STEPS_PER_EPOCH)
    assert controller.projection == NM(2, 4)  # N:M has no ramp: its pattern from the first pruning step
    observed = []
    run_steps(controller, optimizer, 3, lambda: observed.append(sum(kept(controller).values())))
    total = sum(w.numel() for w in controller.masks.weights.values())
    assert observed == [total] * STEPS_PER_EPOCH + [total // 2] * 2 * STEPS_PER_EPOCH


def test_static_mask_never_changes_and_follows_its_distribution():
    model = tiny_net()
    optimizer = sgd(model)
    controller = StaticSparseController(model, optimizer, 0.8, "erk", torch.Generator().manual_seed(0))
    controller.start_epoch(0)
    first = {name: mask.clone() for name, mask in controller.masks.as_dict().items()}
    shapes = {name: tuple(w.shape) for name, w in controller.masks.weights.items()}
    assert kept(controller) == erk_counts(shapes, 0.8)
    run_steps(controller, optimizer, 3)
    for name, mask in controller.masks.as_dict().items():
        assert torch.equal(mask, first[name])
        assert not controller.masks.weights[name][~mask].any()
    other = tiny_net()
    uniform = StaticSparseController(other, sgd(other), 0.8, "uniform", torch.Generator().manual_seed(0))
    uniform.start_epoch(0)
    assert kept(uniform) == {n: k_from_sparsity(w.numel(), 0.8) for n, w in uniform.masks.weights.items()}


def test_dense_never_prunes():
    model = tiny_net()
    optimizer = sgd(model)
    controller = DenseController(model, optimizer)
    run_steps(controller, optimizer, 2)
    assert all(mask.all() for mask in controller.masks.as_dict().values())
    assert [(r.phase, r.density, r.steps) for r in controller.history] == [("dense", 1.0, 4)] * 2


def test_cosine_drop_fraction_decays_from_alpha_to_zero_at_t_end():
    assert cosine_drop_fraction(0, 0.3, 100) == pytest.approx(0.3)
    assert cosine_drop_fraction(50, 0.3, 100) == pytest.approx(0.15)
    assert cosine_drop_fraction(25, 0.3, 100) == pytest.approx(0.15 * (1 + math.cos(math.pi / 4)))
    assert cosine_drop_fraction(100, 0.3, 100) == cosine_drop_fraction(150, 0.3, 100) == 0.0


def test_drop_and_grow_by_hand():
    weight = torch.tensor([0.1, -0.5, 0.0, 0.0, 0.3, 0.0])
    mask = torch.tensor([True, True, False, False, True, False])
    gradient = torch.tensor([5.0, 0.0, 1.0, -9.0, 0.0, 2.0])
    new, grown = drop_and_grow(weight, gradient, mask, 1 / 3)  # k = 1: drop 0.1, grow |g| = 9
    assert new.tolist() == [False, True, False, True, True, False]
    assert grown.tolist() == [False, False, False, True, False, False]
    new, grown = drop_and_grow(weight, gradient, mask, 2 / 3)  # k = 2: drop 0.1 and 0.3; regrow position 0
    assert new.tolist() == [True, True, False, True, False, False] and grown.sum() == 2


def test_rigl_keeps_sparsity_follows_its_schedule_and_zeroes_grown_weights_and_state():
    model = tiny_net()
    optimizer = sgd(model)
    controller = RigLController(model, optimizer, 0.8, "uniform", torch.Generator().manual_seed(0),
                                interval=2, drop_fraction=0.5, end_step=12)
    controller.start_epoch(0)
    counts = kept(controller)
    swaps = {}
    for step in range(1, 17):
        before = {name: mask.clone() for name, mask in controller.masks.as_dict().items()}
        if step % STEPS_PER_EPOCH == 1 and step > 1:
            controller.start_epoch(step // STEPS_PER_EPOCH)
        train_step(model, optimizer, seed=step)
        assert kept(controller) == counts  # every layer keeps its number of active weights
        swaps[step] = 0
        for name, weight in controller.masks.weights.items():
            mask = controller.masks.get(name)
            grown = mask & ~before[name]
            swaps[step] += int(grown.sum())
            assert int(grown.sum()) <= round(cosine_drop_fraction(step, 0.5, 12) * counts[name])
            assert not weight[grown].any()
            assert not optimizer.state[weight]["momentum_buffer"][grown].any()
    assert [s for s, n in swaps.items() if n] and all(swaps[s] == 0 for s in swaps if s % 2 or s >= 12)
    assert [r.dense_gradient_steps for r in controller.history] == [2, 2, 1, 0]  # updates at 2, 4, ..., 10


def test_rigl_run_resumes_bit_identically(tmp_path):
    config = dict(method="rigl", update_interval=3)
    whole = Trainer(tiny_config(tmp_path / "whole", **config), progress=False)
    whole.fit()
    killed = Trainer(tiny_config(tmp_path / "killed", **config), progress=False)
    killed.fit(until=3)
    resumed = Trainer(tiny_config(tmp_path / "killed", **config), resume=True, progress=False)
    resumed.fit()
    for trainer in (whole, killed, resumed):
        trainer.close()
    assert resumed.metrics == whole.metrics and resumed.controller.history == whole.controller.history
    for key, value in whole.model.state_dict().items():
        assert torch.equal(value, resumed.model.state_dict()[key]), key


@pytest.mark.parametrize(("values", "message"), [
    ({"mask_distribution": "random"},
     r"mask_distribution must be one of \['erk', 'uniform'\]; got mask_distribution='random'"),
    ({"update_interval": 0}, r"update_interval must be >= 1; got update_interval=0"),
    ({"drop_fraction": 0.0}, r"drop_fraction must be finite and > 0.0 and <= 1.0; got drop_fraction=0.0"),
    ({"rigl_end_fraction": 1.5}, r"rigl_end_fraction must be finite and > 0.0 and <= 1.0"),
    ({"gmp_start_fraction": 0.5, "gmp_end_fraction": 0.5},
     r"gmp_end_fraction must be finite and > 0.5 and <= 1.0; got gmp_end_fraction=0.5"),
    ({"method": "gmp", "dense_finetune": True},
     r"dense_finetune is only for method='acdc'; got method='gmp'"),
])
def test_invalid_baseline_knobs_are_named(values, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**values)


def test_gmp_epochs_are_fractions_of_the_budget():
    assert TrainConfig(method="gmp", epochs=20).gmp_epochs() == (2, 15)
    assert TrainConfig(method="gmp", epochs=100).gmp_epochs() == (10, 75)
    assert TrainConfig(method="gmp", epochs=1).gmp_epochs() == (0, 1)  # the paper schedule needs 20

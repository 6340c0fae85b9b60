"""The AC/DC controller: exact zeros through sparse phases, exact sparsity, optimiser resets, errors."""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

from acdc.controller import ACDCController, LayerCollapseWarning
from acdc.masks import prunable_weights
from acdc.models import transformer_lm
from acdc.optim import reset_optimizer_state
from acdc.schedule import Phase, Schedule
from iht.projection import NM, LayerwiseTopK, TopK, k_from_sparsity
from tests.acdc.helpers import tiny_batch, tiny_net, train_step

SCHEDULE = Schedule.from_lengths([("dense", 1), ("compressed", 2), ("dense", 1), ("compressed", 1)])
OPTIMIZERS = {
    "sgd-momentum-wd": lambda params: torch.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=0.1),
    "adamw": lambda params: torch.optim.AdamW(params, lr=0.05, weight_decay=0.1),
}


def make(optimizer: str = "sgd-momentum-wd", projection=None, **kwargs):
    model = tiny_net()
    opt = OPTIMIZERS[optimizer](model.parameters())
    return model, opt, ACDCController(model, opt, SCHEDULE, projection or TopK(sparsity=0.75), **kwargs)


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_pruned_weights_stay_exactly_zero_through_a_sparse_phase(optimizer):
    model, opt, controller = make(optimizer)
    controller.start_epoch(0)
    for seed in range(5):  # dense steps build momentum / moment estimates on every weight
        train_step(model, opt, seed)
    assert controller.start_epoch(1).phase == "compressed"
    masks = {name: mask.clone() for name, mask in controller.masks.as_dict().items()}
    kept_before = {name: w.detach().clone() for name, w in controller.masks.weights.items()}
    for seed in range(5, 15):
        x, y = tiny_batch(seed)
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        for name, w in controller.masks.weights.items():
            assert torch.count_nonzero(w[~masks[name]]) == 0          # forward sees exact zeros
            assert torch.count_nonzero(w.grad[~masks[name]]) == 0     # and they get zero gradient
        opt.step()
        for name, w in controller.masks.weights.items():
            assert torch.count_nonzero(w[~masks[name]]) == 0          # still zero after the step
    controller.start_epoch(2)  # same compressed phase: the mask is kept, not recomputed
    for name, mask in controller.masks.as_dict().items():
        assert torch.equal(mask, masks[name])
        trained = controller.masks.weights[name][mask]
        assert not torch.equal(trained, kept_before[name][mask])  # the kept weights do train


@pytest.mark.filterwarnings("ignore::acdc.controller.LayerCollapseWarning")  # 0.97 empties the linear layer
@pytest.mark.parametrize("sparsity", [0.5, 0.75, 0.9, 0.97])
def test_global_sparsity_is_exact(sparsity):
    _, _, controller = make(projection=TopK(sparsity=sparsity))
    controller.start_epoch(1)
    weights = controller.masks.weights
    total = sum(w.numel() for w in weights.values())
    kept = sum(int(m.sum()) for m in controller.masks.as_dict().values())
    assert kept == k_from_sparsity(total, sparsity)
    assert sum(int(torch.count_nonzero(w)) for w in weights.values()) == kept
    assert controller.history[-1].density == kept / total


@pytest.mark.parametrize("sparsity", [0.5, 0.8, 0.9])
def test_per_layer_sparsity_is_exact(sparsity):
    _, _, controller = make(projection=LayerwiseTopK(sparsity))
    record = controller.start_epoch(1)
    for name, w in controller.masks.weights.items():
        kept = k_from_sparsity(w.numel(), sparsity)
        assert int(controller.masks.get(name).sum()) == kept == int(torch.count_nonzero(w))
        assert record.layer_density[name] == kept / w.numel()


def test_nm_projection_gives_two_of_four():
    model = nn.Sequential(nn.Linear(8, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    controller = ACDCController(model, opt, SCHEDULE, NM(2, 4))
    controller.start_epoch(1)
    groups = controller.masks.get("0.weight").reshape(4, 2, 4)
    assert torch.equal(groups.sum(-1), torch.full((4, 2), 2))


def test_only_conv_and_linear_weights_are_pruned_and_exclude_works():
    model = tiny_net()
    assert list(prunable_weights(model)) == ["0.weight", "4.weight"]   # no bias, no batch-norm parameter
    assert list(prunable_weights(model, exclude=["0"])) == ["4.weight"]
    assert list(prunable_weights(model, exclude=["4.weight"])) == ["0.weight"]
    _, _, controller = make(exclude=["4"])
    controller.start_epoch(1)
    assert bool(controller.masks.model.get_submodule("0").weight_mask.all()) is False
    assert not hasattr(model.get_submodule("4"), "weight_mask")
    assert int(torch.count_nonzero(controller.model[0].bias)) == 4


def test_bad_layer_names_and_nothing_to_prune_are_named():
    unknown = r"exclude must name prunable weights.*; got exclude=\['fc'\], of which \['fc'\] match no"
    with pytest.raises(ValueError, match=unknown):
        prunable_weights(tiny_net(), exclude=["fc"])
    with pytest.raises(ValueError, match=r"model has nothing to prune: .*exclude=\['0', '4'\]"):
        prunable_weights(tiny_net(), exclude=["0", "4"])
    norm_only = nn.Sequential(nn.BatchNorm1d(3))
    with pytest.raises(ValueError, match=r"model has nothing to prune"):
        ACDCController(norm_only, torch.optim.SGD(norm_only.parameters(), lr=0.1), SCHEDULE,
                       TopK(sparsity=0.5))


@pytest.mark.parametrize("sparsity", [1.0, 1.5, -0.1])
def test_sparsity_outside_unit_interval_is_named(sparsity):
    with pytest.raises(ValueError, match=r"sparsity must be in \[0, 1\) \(fraction of zeros\)"):
        TopK(sparsity=sparsity)


def test_sgd_momentum_is_reset_at_dense_phase_start():
    model, opt, controller = make("sgd-momentum-wd")
    controller.start_epoch(0)
    train_step(model, opt, 0)
    controller.start_epoch(1)
    for seed in range(1, 4):
        train_step(model, opt, seed)
    assert all(torch.count_nonzero(opt.state[p]["momentum_buffer"]) for p in model.parameters())
    controller.start_epoch(3)  # dense phase starts
    assert len(opt.state) == 0
    x, y = tiny_batch(9)
    opt.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    grads = {p: torch.add(p.grad, p.detach(), alpha=0.1) for p in model.parameters()}  # with weight decay
    opt.step()
    for p in model.parameters():  # the first buffer after a reset is the gradient: momentum restarted at 0
        assert torch.equal(opt.state[p]["momentum_buffer"], grads[p])


def test_adamw_moments_of_every_parameter_are_reset_at_dense_phase_start():
    model, opt, controller = make("adamw")
    controller.start_epoch(0)
    for seed in range(3):
        train_step(model, opt, seed)
    controller.start_epoch(1)
    train_step(model, opt, 3)
    assert all(int(opt.state[p]["step"]) == 4 for p in model.parameters())
    controller.start_epoch(3)
    assert len(opt.state) == 0
    train_step(model, opt, 4)
    for p in model.parameters():
        assert int(opt.state[p]["step"]) == 1
    lr_before = opt.param_groups[0]["lr"]
    reset_optimizer_state(opt)
    assert opt.param_groups[0]["lr"] == lr_before


def test_mask_change_between_consecutive_compressed_phases():
    _, _, controller = make(projection=TopK(sparsity=0.5))
    controller.start_epoch(1)
    first = {n: m.clone() for n, m in controller.masks.as_dict().items()}
    assert controller.history[-1].mask_change is None
    assert controller.start_epoch(3).mask_change is None  # dense
    with torch.no_grad():  # revive four pruned weights with the largest magnitudes of all
        w = controller.masks.weights["4.weight"]
        pruned = (~first["4.weight"]).nonzero()[:4]
        w[pruned[:, 0], pruned[:, 1]] = 100.0
    record = controller.start_epoch(4)
    kept = sum(int(m.sum()) for m in controller.masks.as_dict().values())
    assert record.mask_change == 4 / kept
    assert controller.history[-1] == record and [r.epoch for r in controller.history] == [1, 3, 4]


def test_masks_travel_with_state_dict_and_controller_state_restores():
    model, opt, controller = make()
    controller.start_epoch(0)
    train_step(model, opt, 0)
    controller.start_epoch(1)
    state = model.state_dict()
    assert {"0.weight_mask", "4.weight_mask"} <= set(state)
    fresh, fresh_opt, fresh_controller = make()
    fresh.load_state_dict(state)
    fresh_controller.load_state_dict(controller.state_dict())
    assert fresh_controller.phase is Phase.COMPRESSED and fresh_controller.history == controller.history
    for name, mask in controller.masks.as_dict().items():
        assert torch.equal(fresh_controller.masks.get(name), mask)
    fresh_controller.start_epoch(2)  # resumed mid-phase: no recomputation, masks enforced
    train_step(fresh, fresh_opt, 1)
    for name, w in fresh_controller.masks.weights.items():
        assert torch.count_nonzero(w[~controller.masks.get(name)]) == 0


def test_close_removes_the_hooks():
    model, opt, controller = make(projection=TopK(sparsity=0.5))
    controller.start_epoch(1)
    controller.close()
    train_step(model, opt, 0)
    assert any(torch.count_nonzero(w[~controller.masks.get(n)]) for n, w in controller.masks.weights.items())


@pytest.mark.filterwarnings("ignore::acdc.controller.LayerCollapseWarning")  # residual MLPs may empty
def test_attention_input_projections_are_pruned_and_stay_zero():
    model = transformer_lm(50, d_model=16, num_layers=1, num_heads=2, max_len=8)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
    controller = ACDCController(model, optimizer, Schedule.from_lengths([(Phase.COMPRESSED, 1)]),
                                TopK(sparsity=0.8), exclude=["head"])  # tied to the embedding
    assert "blocks.0.attention.in_proj_weight" in controller.masks.weights
    controller.start_epoch(0)
    tokens = torch.randint(0, 50, (4, 8), generator=torch.Generator().manual_seed(0))
    for _ in range(3):
        optimizer.zero_grad()
        logits = model(tokens[:, :-1])
        nn.functional.cross_entropy(logits.reshape(-1, 50), tokens[:, 1:].reshape(-1)).backward()
        optimizer.step()
    weight = model.blocks[0].attention.in_proj_weight
    mask = controller.masks.get("blocks.0.attention.in_proj_weight")
    assert not mask.all() and torch.equal(weight[~mask], torch.zeros_like(weight[~mask]))


def test_a_projection_that_empties_a_layer_warns_and_one_that_does_not_is_silent():
    model, _, controller = make(projection=TopK(sparsity=0.75))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        controller.start_epoch(1)  # both layers keep weights at 75%
    assert all(bool(m.any()) for m in controller.masks.as_dict().values())
    model, _, controller = make(projection=TopK(sparsity=0.75))
    with torch.no_grad():
        model[0].weight.mul_(1e-6)  # the conv's magnitudes fall below every linear weight kept
    with pytest.warns(LayerCollapseWarning, match=r"keeps no weight of \['0.weight'\].*'erk'"):
        controller.start_epoch(1)
    assert not controller.masks.get("0.weight").any()

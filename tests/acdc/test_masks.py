"""WeightMasks: the cached dtype multipliers of the sparse-phase hot path follow every change of a mask;
the mask-free snapshot of a model."""

from __future__ import annotations

import torch

from acdc.masks import WeightMasks, mask_free_state, prunable_weights, strip_masks
from tests.acdc.helpers import tiny_net


def _masks(seed: int = 0) -> tuple[torch.nn.Module, WeightMasks]:
    model = tiny_net(seed)
    return model, WeightMasks(model, prunable_weights(model))


def _random_masks(masks: WeightMasks, seed: int) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return {n: torch.rand(w.shape, generator=generator) < 0.3 for n, w in masks.weights.items()}


def _assert_zero_exactly_where_pruned(masks: WeightMasks, expected: dict[str, torch.Tensor]) -> None:
    for name, weight in masks.weights.items():
        assert torch.equal(weight != 0, expected[name]), name


def test_apply_zeroes_exactly_the_pruned_weights_after_set():
    _, masks = _masks()
    first, second = _random_masks(masks, 1), _random_masks(masks, 2)
    masks.set_(first)
    masks.apply_()
    _assert_zero_exactly_where_pruned(masks, first)
    for weight in masks.weights.values():  # dense again, then a different mask: the cache must follow
        with torch.no_grad():
            weight.normal_()
    masks.set_(second)
    masks.apply_()
    _assert_zero_exactly_where_pruned(masks, second)


def test_multiplier_follows_masks_loaded_with_the_model_state_dict():
    model, masks = _masks()
    masks.set_(_random_masks(masks, 1))
    masks.apply_()  # caches the multipliers of the first masks
    source, source_masks = _masks(seed=5)
    loaded = _random_masks(source_masks, 3)
    source_masks.set_(loaded)
    model.load_state_dict(source.state_dict())  # writes the buffers in place, bypassing set_
    masks.apply_()
    _assert_zero_exactly_where_pruned(masks, loaded)


def test_multiplier_follows_the_weight_dtype_and_the_gradient_is_masked_out_of_place():
    model, masks = _masks()
    chosen = _random_masks(masks, 4)
    masks.set_(chosen)
    model.double()
    name = next(iter(masks.weights))
    assert masks.multiplier(name).dtype == torch.float64
    grad = torch.ones_like(masks.weights[name])
    masked = masks.mask_gradient(name, grad)
    assert torch.equal(masked != 0, chosen[name])
    assert torch.equal(grad, torch.ones_like(grad))


def test_mask_free_state_drops_exactly_the_mask_buffers_and_loads_into_a_fresh_model():
    model, masks = _masks()
    masks.set_(_random_masks(masks, 1))
    masks.apply_()
    state = mask_free_state(model)
    assert set(state) == set(tiny_net().state_dict())  # BatchNorm's running statistics are kept
    assert set(model.state_dict()) - set(state) == {"0.weight_mask", "4.weight_mask"}
    fresh = tiny_net(seed=7)
    fresh.load_state_dict(state)
    assert all(torch.equal(fresh.state_dict()[k], v) for k, v in state.items())
    with torch.no_grad():
        masks.weights["0.weight"].add_(1.0)
    assert not torch.equal(state["0.weight"], masks.weights["0.weight"])  # a copy, not a view


def test_strip_masks_drops_only_the_masks_of_entries_present():
    state = {"fc.weight": torch.ones(2), "fc.weight_mask": torch.ones(2, dtype=torch.bool),
             "attention_mask": torch.ones(3)}   # a model's own buffer named *_mask with no "attention" entry
    assert list(strip_masks(state)) == ["fc.weight", "attention_mask"]

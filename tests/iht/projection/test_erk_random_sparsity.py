"""ERK densities, random masks and the k <-> sparsity rule."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iht.projection import (
    RandomMask,
    erk_counts,
    erk_densities,
    k_from_sparsity,
    random_mask,
    sparsity_from_k,
)

shapes_strategy = st.dictionaries(
    st.text("abcdefgh", min_size=1, max_size=3),
    st.lists(st.integers(1, 12), min_size=1, max_size=4).map(tuple),
    min_size=1,
    max_size=6,
)


@given(shapes_strategy, st.floats(0.0, 0.999))
def test_erk_counts_sum_exactly_to_the_target(shapes, sparsity):
    counts = erk_counts(shapes, sparsity)
    total = sum(math.prod(s) for s in shapes.values())
    assert sum(counts.values()) == k_from_sparsity(total, sparsity)
    for name, shape in shapes.items():
        assert 0 <= counts[name] <= math.prod(shape)


def _erk_exact(shapes, sparsity):
    """ERK by its defining equation: density_l = min(1, ε·score_l), ε solving the budget (bisection)."""
    sizes = {n: math.prod(s) for n, s in shapes.items()}
    scores = {n: sum(s) / sizes[n] for n, s in shapes.items()}
    target = k_from_sparsity(sum(sizes.values()), sparsity)

    def kept(eps):
        return sum(min(1.0, eps * scores[n]) * sizes[n] for n in shapes)

    low, high = 0.0, 1.0 / min(scores.values())
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (mid, high) if kept(mid) < target else (low, mid)
    return {n: min(1.0, high * scores[n]) * sizes[n] for n in shapes}


@given(shapes_strategy, st.floats(0.0, 0.99))
def test_erk_counts_are_the_erk_densities_rounded(shapes, sparsity):
    counts = erk_counts(shapes, sparsity)
    for name, exact in _erk_exact(shapes, sparsity).items():
        assert abs(counts[name] - exact) < 1.0 + 1e-6


def test_erk_gives_small_layers_higher_density():
    densities = erk_densities({"conv1": (16, 3, 3, 3), "conv2": (64, 64, 3, 3), "fc": (10, 64)}, 0.9)
    assert densities["conv1"] > densities["conv2"]
    assert densities["fc"] > densities["conv2"]


@given(st.integers(1, 200), st.data())
def test_random_mask_exact_count_and_reproducible(size, data):
    k = data.draw(st.integers(0, size))
    seed = data.draw(st.integers(0, 2**32 - 1))
    x = np.zeros(size)
    mask = random_mask(x, k, np.random.default_rng(seed))
    assert int(mask.sum()) == k
    assert np.array_equal(mask, random_mask(x, k, np.random.default_rng(seed)))


def test_random_mask_is_uniform_over_positions():
    rng = np.random.default_rng(1)
    x = np.zeros(10)
    hits = sum(random_mask(x, 3, rng).astype(int) for _ in range(4000))
    # each position kept with probability 0.3: 1200 ± 5 sd (sd = 29)
    assert np.all(np.abs(hits - 1200) < 145)


def test_random_projection_with_torch_generator():
    torch = pytest.importorskip("torch")
    params = {"a": torch.zeros(4, 5), "b": torch.zeros(30)}
    masks = RandomMask(0.5, torch.Generator().manual_seed(3)).masks(params)
    assert [int(m.sum()) for m in masks.values()] == [10, 15]
    again = RandomMask(0.5, torch.Generator().manual_seed(3)).masks(params)
    assert all(torch.equal(masks[n], again[n]) for n in params)
    erk = RandomMask(0.5, torch.Generator().manual_seed(3), "erk").masks(params)
    assert sum(int(m.sum()) for m in erk.values()) == 25


def test_k_from_sparsity_rounding_rule():
    assert k_from_sparsity(25, 0.9) == 3  # (1 - 0.9) * 25 = 2.5 exactly: halves keep more
    assert k_from_sparsity(10, 0.9) == 1
    assert k_from_sparsity(100, 0.57) == 43
    assert k_from_sparsity(7, 0.0) == 7
    assert k_from_sparsity(10, 0.96) == 0


@given(st.integers(1, 10**7), st.data())
def test_k_sparsity_round_trip(size, data):
    k = data.draw(st.integers(1, size))
    assert k_from_sparsity(size, sparsity_from_k(size, k)) == k


@given(st.integers(1, 10**6), st.floats(0.0, 0.9999))
def test_k_from_sparsity_is_the_nearest_kept_count(size, sparsity):
    k = k_from_sparsity(size, sparsity)
    assert abs(k - (1 - sparsity) * size) <= 0.5 + 1e-6

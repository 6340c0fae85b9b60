"""Properties of magnitude top-k (T_k) and its global / per-layer forms, numpy backend."""

import itertools

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from iht.projection import (
    global_topk_masks,
    hard_threshold,
    k_from_sparsity,
    layerwise_topk_masks,
    topk_mask,
)
from tests.iht.projection.strategies import array_and_k, arrays, named_arrays


@given(array_and_k())
def test_exactly_k_kept(case):
    x, k = case
    mask = topk_mask(x, k)
    assert mask.dtype == bool and mask.shape == x.shape
    assert int(mask.sum()) == k


@given(array_and_k())
def test_every_kept_magnitude_dominates_every_dropped(case):
    x, k = case
    mask = topk_mask(x, k)
    assume(0 < k < x.size)
    assert np.abs(x[mask]).min() >= np.abs(x[~mask]).max()


@given(array_and_k())
def test_ties_go_to_lower_flat_index(case):
    x, k = case
    mask = topk_mask(x, k).ravel()
    magnitude = np.abs(x).ravel()
    assume(0 < k < x.size)
    threshold = magnitude[mask].min()
    tied = np.flatnonzero(magnitude == threshold)
    kept_tied = tied[mask[tied]]
    # kept entries among the ties are a prefix of the tied positions
    assert np.array_equal(kept_tied, tied[: kept_tied.size])


def test_tie_rule_example():
    x = np.array([1.0, -2.0, 2.0, -0.0, 0.0, 2.0])
    assert topk_mask(x, 2).tolist() == [False, True, True, False, False, False]
    assert topk_mask(x, 5).tolist() == [True, True, True, True, False, True]


@given(array_and_k(max_size=10, elements=st.integers(-3, 3).map(float)))
def test_hard_threshold_is_a_best_k_sparse_approximation(case):
    x, k = case
    flat = x.ravel().astype(np.float64)
    best = min(
        float(np.sum(np.delete(flat, list(support)) ** 2))
        for support in itertools.combinations(range(flat.size), k)
    )
    assert float(np.sum((flat - hard_threshold(x, k).ravel()) ** 2)) == pytest.approx(best)


@given(array_and_k())
def test_idempotent(case):
    x, k = case
    once = hard_threshold(x, k)
    assert np.array_equal(hard_threshold(once, k), once)
    assert np.array_equal(topk_mask(once, k), topk_mask(x, k))


@given(array_and_k(max_dims=1), st.randoms(use_true_random=False))
def test_permutation_equivariance(case, rnd):
    x, k = case
    perm = np.array(rnd.sample(range(x.size), x.size))
    assume(np.unique(np.abs(x)).size == x.size)  # with ties the kept set follows the index rule
    assert np.array_equal(topk_mask(x[perm], k), topk_mask(x, k)[perm])


@given(array_and_k(max_dims=1), st.randoms(use_true_random=False))
def test_kept_magnitudes_are_permutation_invariant_even_with_ties(case, rnd):
    x, k = case
    perm = np.array(rnd.sample(range(x.size), x.size))
    kept = np.sort(np.abs(x[topk_mask(x, k)]))
    kept_permuted = np.sort(np.abs(x[perm][topk_mask(x[perm], k)]))
    assert np.array_equal(kept, kept_permuted)


def test_hard_threshold_keeps_dtype_and_values():
    x = np.array([[3.0, -1.0], [0.5, -4.0]], dtype=np.float32)
    out = hard_threshold(x, 2)
    assert out.dtype == np.float32
    assert out.tolist() == [[3.0, 0.0], [0.0, -4.0]]
    assert x.tolist() == [[3.0, -1.0], [0.5, -4.0]]  # input untouched


def test_infinite_magnitudes_rank_first():
    x = np.array([1.0, -np.inf, 5.0, np.inf])
    assert topk_mask(x, 2).tolist() == [False, True, False, True]


@given(named_arrays(), st.data())
def test_global_topk_equals_topk_of_the_concatenation(arrays_, data):
    flat = np.concatenate([a.ravel() for a in arrays_.values()])
    k = data.draw(st.integers(0, flat.size))
    masks = global_topk_masks(arrays_, k)
    assert list(masks) == list(arrays_)
    joined = np.concatenate([masks[n].ravel() for n in arrays_])
    assert np.array_equal(joined, topk_mask(flat, k))
    for name, a in arrays_.items():
        assert masks[name].shape == a.shape


@given(named_arrays(), st.floats(0.0, 0.99))
def test_layerwise_keeps_the_rounded_count_in_each_layer(arrays_, sparsity):
    masks = layerwise_topk_masks(arrays_, sparsity)
    for name, a in arrays_.items():
        assert int(masks[name].sum()) == k_from_sparsity(a.size, sparsity)
        assert np.array_equal(masks[name], topk_mask(a, k_from_sparsity(a.size, sparsity)))


@given(arrays(max_size=40))
def test_k_zero_and_k_size(x):
    assert not topk_mask(x, 0).any()
    assert topk_mask(x, x.size).all()


def test_hard_threshold_writes_positive_zeros():
    out = hard_threshold(np.array([0.5, -2.0, 1.0, -1.0]), 2)
    assert out.tolist() == [0.0, -2.0, 1.0, 0.0] and not np.signbit(out[[0, 3]]).any()

"""The fast paths give the reference bits: sampled-bracket top-k and blocked N:M.

The bracket path is exercised at its real sizes on inputs that stress it (ties, ±0.0, ±inf,
already-sparse weights, brackets that miss) and, with its block, sample and size constants made tiny,
on the hypothesis strategies shared with the reference tests.
"""

from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from iht.projection import bracket, global_topk_masks, nm_mask, selection, topk_mask
from iht.projection import nm as nm_module
from iht.projection.selection import _masks_with_ops, _NumpyOps
from tests.iht.projection.strategies import array_and_k, named_arrays, tie_heavy

SIZE = 3 * selection.FAST_PATH_MIN_SIZE + 17


def _reference(arrays, k):
    return _masks_with_ops(list(arrays), k, _NumpyOps)


def _assert_fast_equals_reference(arrays, k):
    fast = global_topk_masks({f"a{i}": a for i, a in enumerate(arrays)}, k)
    for ours, ref in zip(fast.values(), _reference(arrays, k)):
        assert np.array_equal(ours, ref)


def _tiny_constants():
    """Blocks of 7 entries, 8 samples, fast path from 1 entry, 3 threads: every branch on small data."""
    return mock.patch.multiple(bracket, BLOCK=7, SAMPLE=8, MIN_STRIDE=1), mock.patch.multiple(
        selection, FAST_PATH_MIN_SIZE=1, WORKERS=3, BLOCKS_PER_WORKER=1
    )


def _large(rng, kind, dtype=np.float32):
    if kind == "normal":
        return rng.standard_normal(SIZE).astype(dtype)
    if kind == "few_values":
        return rng.choice(np.array([0.0, -0.0, 0.5, -0.5, 1.0, 2.0, -2.0], dtype=dtype), SIZE)
    if kind == "signed_zeros_and_infinities":
        values = np.array([0.0, -0.0, np.inf, -np.inf, 1.0, -1.0], dtype=dtype)
        return rng.choice(values, SIZE, p=[0.4, 0.4, 0.05, 0.05, 0.05, 0.05])
    x = rng.standard_normal(SIZE).astype(dtype)  # "sparse": 90% exact zeros, signs mixed
    x[rng.random(SIZE) < 0.9] = 0.0
    x[: SIZE // 3][x[: SIZE // 3] == 0] = -0.0
    return x


@pytest.mark.parametrize("kind", ["normal", "few_values", "signed_zeros_and_infinities", "sparse"])
@pytest.mark.parametrize("keep", [1, 0.02, 0.1, 0.5, 0.97, 1.0])
def test_bracket_path_equals_reference_on_large_inputs(kind, keep):
    x = _large(np.random.default_rng(7), kind)
    k = keep if isinstance(keep, int) else round(keep * SIZE)
    _assert_fast_equals_reference([x], k)


@pytest.mark.parametrize("offset", [-3, 0, 1, 50])
def test_reprojecting_sparse_weights_near_their_own_count(offset):
    x = _large(np.random.default_rng(3), "sparse", np.float64)
    _assert_fast_equals_reference([x], np.count_nonzero(x) + offset)


def test_global_bracket_path_over_many_arrays():
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal(shape).astype(np.float32) for shape in [(64, 3, 7, 7), (9,), (300, 700)]]
    arrays[1][:] = arrays[2].flat[0]  # ties across arrays: the earlier array wins
    for k in (10, 21_000, 100_000):
        _assert_fast_equals_reference(arrays, k)


def test_missed_brackets_fall_back_to_the_reference():
    x = _large(np.random.default_rng(1), "normal")
    wrong = [bracket.Bracket(np.float32(5.0), np.float32(6.0)), bracket.Bracket(np.float32(0.0),
                                                                                np.float32(0.0))]
    with mock.patch.object(bracket, "brackets", return_value=wrong) as brackets:
        _assert_fast_equals_reference([x], 1000)
    brackets.assert_called_once()


def test_single_value_bracket_switches_on_the_first_ties():
    x = np.zeros(SIZE, dtype=np.float32)
    x[::5] = 1.0
    k = SIZE // 5 + SIZE // 10  # the threshold is 0.0, deep inside the zeros
    assert bracket.brackets([x], k)[0].single
    _assert_fast_equals_reference([x], k)


@pytest.mark.parametrize("position", [0, SIZE // 2, SIZE - 1])
def test_nan_found_in_the_fused_pass_is_reported_with_the_array_name(position):
    arrays = {"fc.weight": np.ones(SIZE, dtype=np.float32), "conv.weight": np.ones(SIZE, dtype=np.float32)}
    arrays["conv.weight"][position] = np.nan
    with pytest.raises(ValueError, match=rf"arrays\['conv.weight'\] contains 1 NaN value\(s\) "
                                         rf"\(first at flat index {position}\)"):
        global_topk_masks(arrays, 10)


@given(array_and_k())
def test_tiny_bracket_path_equals_reference(case):
    x, k = case
    patches = _tiny_constants()
    with patches[0], patches[1]:
        ours = topk_mask(x, k)
    assert np.array_equal(ours, _reference([x], k)[0])


@given(named_arrays(), st.data())
def test_tiny_bracket_path_global_equals_reference(arrays_, data):
    k = data.draw(st.integers(0, sum(a.size for a in arrays_.values())))
    patches = _tiny_constants()
    with patches[0], patches[1]:
        ours = global_topk_masks(arrays_, k)
    for mask, ref in zip(ours.values(), _reference(arrays_.values(), k)):
        assert np.array_equal(mask, ref)


def _nm_reference(x, n, m, axis):
    """Pairwise (G, M, M) comparison of every group: the original formulation."""
    groups = np.moveaxis(np.abs(x), axis, -1).reshape(-1, m)
    left, right = groups[:, :, None], groups[:, None, :]
    beats = (left > right) | ((left == right) & np.triu(np.ones((m, m), dtype=bool), 1))
    keep = beats.sum(1) < n
    return np.moveaxis(keep.reshape(np.moveaxis(x, axis, -1).shape), -1, axis)


@st.composite
def nm_blocks_case(draw):
    m = draw(st.sampled_from([2, 4, 8]))
    n = draw(st.integers(1, m - 1))
    shape = [draw(st.integers(1, 4)), m * draw(st.integers(1, 3)), draw(st.integers(1, 3))]
    x = draw(hnp.arrays(np.float32, tuple(shape), elements=tie_heavy | st.sampled_from([np.inf, -np.inf])))
    return x, n, m


@given(nm_blocks_case(), st.integers(1, 40))
def test_blocked_nm_equals_pairwise_reference(case, block):
    x, n, m = case
    with mock.patch.object(nm_module, "BLOCK", block):
        assert np.array_equal(nm_mask(x, n, m, 1), _nm_reference(x, n, m, 1))


def test_nm_on_a_large_conv_weight_spans_many_blocks():
    x = np.random.default_rng(2).standard_normal((128, 64, 3, 3)).astype(np.float32)
    x[:, ::3] = 0.5  # ties inside groups
    assert np.array_equal(nm_mask(x), _nm_reference(x, 2, 4, 1))

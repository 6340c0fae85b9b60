"""N:M masks: exact group counts, agreement with per-group top-k, axis conventions."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from iht.projection import nm_mask, topk_mask
from tests.iht.projection.strategies import tie_heavy


@st.composite
def nm_case(draw):
    m = draw(st.sampled_from([1, 2, 4, 8]))
    n = draw(st.integers(0, m))
    ndim = draw(st.integers(1, 4))
    shape = [draw(st.integers(1, 3)) for _ in range(ndim)]
    axis = draw(st.integers(0, ndim - 1))
    shape[axis] *= m
    x = draw(hnp.arrays(np.float32, tuple(shape), elements=tie_heavy))
    return x, n, m, axis


@given(nm_case())
def test_each_group_keeps_exactly_n_and_matches_topk_of_the_group(case):
    x, n, m, axis = case
    mask = nm_mask(x, n, m, axis)
    assert mask.shape == x.shape and mask.dtype == bool
    groups = np.moveaxis(x, axis, -1).reshape(-1, m)
    group_masks = np.moveaxis(mask, axis, -1).reshape(-1, m)
    assert (group_masks.sum(1) == n).all()
    for values, kept in zip(groups, group_masks):
        assert np.array_equal(kept, topk_mask(values, n))


def test_default_axis_groups_input_channels_of_conv_and_linear_weights():
    rng = np.random.default_rng(0)
    conv = rng.standard_normal((3, 8, 2, 2)).astype(np.float32)
    mask = nm_mask(conv)  # 2:4 along axis 1 (input channels)
    assert (mask.reshape(3, 2, 4, 2, 2).sum(2) == 2).all()
    linear = rng.standard_normal((5, 12))
    assert (nm_mask(linear).reshape(5, 3, 4).sum(2) == 2).all()
    vector = rng.standard_normal(8)
    assert nm_mask(vector, 1, 4).reshape(2, 4).sum(1).tolist() == [1, 1]


def test_two_four_example():
    x = np.array([[0.1, -0.9, 0.5, 0.5, 4.0, 3.0, -2.0, 1.0]])
    assert nm_mask(x).astype(int).tolist() == [[0, 1, 1, 0, 1, 1, 0, 0]]

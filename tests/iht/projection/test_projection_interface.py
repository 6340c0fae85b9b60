"""The Projection objects and in-place mask application."""

import subprocess
import sys

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from iht.projection import (
    NM,
    ERKTopK,
    LayerwiseTopK,
    Projection,
    TopK,
    apply_mask_,
    erk_counts,
    hard_threshold,
    k_from_sparsity,
)
from tests.iht.projection.strategies import array_and_k, named_arrays


@given(array_and_k())
def test_topk_projection_on_a_vector_is_hard_threshold(case):
    x, k = case
    assert np.array_equal(TopK(k=k).project(x), hard_threshold(x, k))


@given(named_arrays(max_dims=2), st.floats(0.0, 0.95))
def test_project_in_place_zeroes_exactly_the_dropped_entries(arrays_, sparsity):
    for projection in (TopK(sparsity=sparsity), LayerwiseTopK(sparsity), ERKTopK(sparsity)):
        work = {n: a.copy() for n, a in arrays_.items()}
        masks = projection.project_(work)
        assert isinstance(projection, Projection)
        for name, a in arrays_.items():
            assert np.array_equal(work[name][masks[name]], a[masks[name]])
            assert not work[name][~masks[name]].any()


@given(named_arrays(max_dims=2), st.floats(0.0, 0.95))
def test_total_counts(arrays_, sparsity):
    total = sum(a.size for a in arrays_.values())
    kept = sum(int(m.sum()) for m in TopK(sparsity=sparsity).masks(arrays_).values())
    assert kept == k_from_sparsity(total, sparsity)
    erk = ERKTopK(sparsity).masks(arrays_)
    expected = erk_counts({n: a.shape for n, a in arrays_.items()}, sparsity)
    assert {n: int(m.sum()) for n, m in erk.items()} == expected


def test_nm_projection_on_named_weights():
    weights = {"conv": np.arange(32.0).reshape(2, 4, 2, 2), "fc": np.arange(16.0).reshape(2, 8)}
    masks = NM().masks(weights)
    assert masks["conv"].sum() == 16 and masks["fc"].sum() == 8


def test_apply_mask_zeroes_dropped_entries_in_place():
    x = np.array([-1.0, 2.0, -3.0, 4.0])
    out = apply_mask_(x, np.array([False, True, False, True]))
    assert out is x
    assert x.tolist() == [0.0, 2.0, 0.0, 4.0]


def test_importing_iht_does_not_import_torch():
    code = "import sys, iht, iht.projection; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)

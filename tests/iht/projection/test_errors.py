"""Bad input gets an error naming the parameter, the allowed values and what was received."""

import numpy as np
import pytest

from iht.projection import (
    NM,
    RandomMask,
    TopK,
    apply_mask_,
    erk_counts,
    global_topk_masks,
    k_from_sparsity,
    nm_mask,
    random_mask,
    topk_mask,
)

X = np.arange(1.0, 7.0)


@pytest.mark.parametrize(
    ("k", "error", "message"),
    [
        (-1, ValueError, r"k must be in \[0, size=6\]; got k=-1"),
        (7, ValueError, r"k must be in \[0, size=6\]; got k=7"),
        (2.0, TypeError, r"k must be an integer; got 2.0 \(float\)"),
        (True, TypeError, r"k must be an integer; got True \(bool\)"),
    ],
)
def test_k_out_of_range_or_not_integer(k, error, message):
    with pytest.raises(error, match=message):
        topk_mask(X, k)


@pytest.mark.parametrize("sparsity", [1.0, -0.1, 1.5, float("nan")])
def test_sparsity_outside_unit_interval(sparsity):
    with pytest.raises(ValueError, match=r"sparsity must be in \[0, 1\) \(fraction of zeros\); got"):
        k_from_sparsity(10, sparsity)
    with pytest.raises(ValueError, match="sparsity must be in"):
        TopK(sparsity=sparsity)


def test_nan_reports_count_and_first_position():
    x = np.array([1.0, np.nan, 2.0, np.nan])
    with pytest.raises(ValueError, match=r"x contains 2 NaN value\(s\) \(first at flat index 1\)"):
        topk_mask(x, 1)


def test_nan_in_a_named_array_names_it():
    arrays = {"fc.weight": np.ones(3), "conv.weight": np.array([[0.0, np.nan]])}
    with pytest.raises(ValueError, match=r"arrays\['conv.weight'\] contains 1 NaN"):
        global_topk_masks(arrays, 1)


def test_opposite_infinities_are_not_mistaken_for_nan():
    assert topk_mask(np.array([np.inf, -np.inf, 1.0]), 2).tolist() == [True, True, False]


@pytest.mark.parametrize("x", [np.arange(4), np.array([True, False]), np.ones(3, dtype=complex)])
def test_non_float_dtype(x):
    with pytest.raises(TypeError, match=r"x must have a real floating dtype .* got dtype"):
        topk_mask(x, 1)


def test_not_an_array():
    with pytest.raises(TypeError, match=r"x must be a numpy.ndarray or torch.Tensor; got list"):
        topk_mask([1.0, 2.0], 1)


def test_empty_inputs():
    with pytest.raises(ValueError, match=r"x must be non-empty; got shape \(0, 3\)"):
        topk_mask(np.ones((0, 3)), 0)
    with pytest.raises(ValueError, match="arrays must contain at least one array"):
        global_topk_masks({}, 0)
    with pytest.raises(ValueError, match="shapes must contain at least one layer"):
        erk_counts({}, 0.5)


def test_nm_shape_not_divisible_by_m():
    with pytest.raises(ValueError, match=r"x.shape\[1\]=6 is not divisible by m=4"):
        nm_mask(np.ones((2, 6)))
    with pytest.raises(ValueError, match=r"arrays\['fc'\].shape\[1\]=6 is not divisible by m=4"):
        NM().masks({"conv": np.ones((4, 8, 3, 3)), "fc": np.ones((2, 6))})
    with pytest.raises(ValueError, match=r"arrays\['fc'\] contains 1 NaN"):
        NM().masks({"conv": np.ones((4, 8, 3, 3)), "fc": np.array([[1.0, np.nan, 2.0, 3.0]])})


def test_nm_n_greater_than_m():
    with pytest.raises(ValueError, match=r"n must be <= m .*; got n=3, m=2"):
        nm_mask(np.ones((2, 4)), 3, 2)
    with pytest.raises(ValueError, match=r"axis must be in \[-2, 1\] for arrays\['x'\] of shape \(2, 4\); "
                                         r"got axis=2"):
        NM(axis=2).mask(np.ones((2, 4)))


def test_mismatched_mask_shape():
    with pytest.raises(ValueError, match=r"mask must have the shape of x \(2, 3\); got \(3, 2\)"):
        apply_mask_(np.ones((2, 3)), np.ones((3, 2), dtype=bool))


def test_topk_needs_exactly_one_of_k_and_sparsity():
    with pytest.raises(ValueError, match="TopK takes exactly one of k or sparsity"):
        TopK()
    with pytest.raises(ValueError, match="TopK takes exactly one of k or sparsity"):
        TopK(k=3, sparsity=0.5)
    with pytest.raises(ValueError, match=r"k must be in \[0, size=6\]; got k=9"):
        TopK(k=9).mask(X)


def test_random_mask_generator_type():
    with pytest.raises(TypeError, match=r"generator must be a numpy.random.Generator"):
        random_mask(X, 2, np.random.RandomState(0))
    with pytest.raises(ValueError,
                       match=r"distribution must be one of \['erk', 'uniform'\]; got distribution='x'"):
        RandomMask(0.5, np.random.default_rng(0), "x")


def test_mixed_array_types_rejected():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="arrays mixes numpy arrays and torch tensors"):
        global_topk_masks({"a": np.ones(2), "b": torch.ones(2)}, 1)


def test_torch_nan_and_dtype_messages():
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=r"x contains 1 NaN value\(s\) \(first at flat index 2\)"):
        topk_mask(torch.tensor([1.0, 2.0, float("nan")]), 1)
    with pytest.raises(TypeError, match=r"x must have a real floating dtype .* got dtype torch.int64"):
        topk_mask(torch.arange(3), 1)

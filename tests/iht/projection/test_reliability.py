"""Bad and edge inputs of the projection core: each gets the exact result or a named error (issue 15).

``EXACT`` lists inputs with the exact mask bits (or values) they must give, ``ERRORS`` inputs with the
error type and message they must raise; every entry is a distinct input. The property tests compare
against simple references: a per-group stable sort for N:M at every ``m`` up to 1024, a float64
stable sort for mappings that mix float16, bfloat16, float32 and float64, and 1-element arrays for
0-d inputs.
"""

import itertools
import warnings
from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from iht.projection import (
    NM,
    ERKTopK,
    LayerwiseTopK,
    RandomMask,
    TopK,
    apply_mask_,
    apply_masks_,
    erk_counts,
    global_topk_masks,
    hard_threshold,
    k_from_sparsity,
    layerwise_topk_masks,
    nm_mask,
    nm_masks,
    random_mask,
    selection,
    sparsity_from_k,
    topk_mask,
)
from iht.projection import nm as nm_module
from tests.iht.projection.strategies import array_and_k, tie_heavy
from tests.iht.projection.test_fast_paths import _tiny_constants

torch = pytest.importorskip("torch")

BF16 = torch.bfloat16
ONE_PLUS = {bits: 1.0 + 2.0**-bits for bits in (7, 10, 23, 40)}  # 1 + one ulp of bf16/f16/f32/(f64)


def _bits(result):
    """Plain nested lists of a mask or array (numpy or torch), for exact comparison."""
    if isinstance(result, dict):
        return {name: _bits(value) for name, value in result.items()}
    return result.tolist() if hasattr(result, "tolist") else result


def _tensor(values, dtype=torch.float32):
    return torch.tensor(values, dtype=dtype)


def _matrix():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.matrix([[1.0, 2.0]])


def _strided_zero(n):
    """A writeable numpy array whose n entries share one memory location."""
    return np.lib.stride_tricks.as_strided(np.zeros(1), shape=(n,), strides=(0,))


def _apply_masks_partly_bad():
    arrays = {"a": np.ones(2), "b": np.ones(2)}
    try:
        apply_masks_(arrays, {"a": np.array([True, False]), "b": np.array([1, 0])})
    finally:
        assert arrays["a"].tolist() == [1.0, 1.0]  # checked before anything was modified


# (id, call, error type, message pattern): every input is a distinct bad input
ERRORS = [
    # topk_mask / hard_threshold: the array
    ("int-array", lambda: topk_mask(np.arange(4), 1),
     TypeError, r"x must have a real floating dtype .* got dtype int64"),
    ("bool-array", lambda: topk_mask(np.ones(2, bool), 1), TypeError, r"got dtype bool"),
    ("complex-array", lambda: topk_mask(np.ones(2, complex), 1), TypeError, r"got dtype complex128"),
    ("object-array", lambda: topk_mask(np.array([1.0, None]), 1), TypeError, r"got dtype object"),
    ("list", lambda: topk_mask([1.0, 2.0], 1),
     TypeError, r"x must be a numpy.ndarray or torch.Tensor; got list"),
    ("float-scalar", lambda: topk_mask(3.0, 1),
     TypeError, r"x must be a numpy.ndarray or torch.Tensor; got float"),
    ("numpy-scalar", lambda: topk_mask(np.float64(3.0), 1), TypeError, r"got float64"),
    ("np-matrix", lambda: topk_mask(_matrix(), 1), TypeError, r"got matrix"),
    ("masked-array", lambda: topk_mask(np.ma.array([1.0, 2.0], mask=[0, 1]), 1),
     TypeError, r"got MaskedArray"),
    ("empty", lambda: topk_mask(np.ones(0), 0), ValueError, r"x must be non-empty; got shape \(0,\)"),
    ("empty-2d", lambda: hard_threshold(np.ones((3, 0)), 0), ValueError, r"got shape \(3, 0\)"),
    ("nan", lambda: topk_mask(np.array([1.0, np.nan]), 1),
     ValueError, r"x contains 1 NaN value\(s\) \(first at flat index 1\)"),
    ("nan-0d", lambda: topk_mask(np.array(np.nan), 1),
     ValueError, r"x contains 1 NaN value\(s\) \(first at flat index 0\)"),
    ("nan-float16", lambda: topk_mask(np.array([np.nan, np.inf], np.float16), 1),
     ValueError, r"x contains 1 NaN"),
    ("k-negative", lambda: topk_mask(np.ones(3), -1), ValueError, r"k must be in \[0, size=3\]; got k=-1"),
    ("k-above-size", lambda: topk_mask(np.ones(3), 4), ValueError, r"k must be in \[0, size=3\]; got k=4"),
    ("k-huge", lambda: topk_mask(np.ones(3), 10**30), ValueError, r"got k=1000000000000000000000000000000"),
    ("k-float", lambda: topk_mask(np.ones(3), 1.0), TypeError, r"k must be an integer; got 1.0 \(float\)"),
    ("k-numpy-float", lambda: topk_mask(np.ones(3), np.float64(1.0)), TypeError, r"k must be an integer"),
    ("k-bool", lambda: topk_mask(np.ones(3), True), TypeError, r"k must be an integer; got True \(bool\)"),
    ("k-none", lambda: topk_mask(np.ones(3), None), TypeError, r"k must be an integer; got None"),
    ("k-tensor", lambda: topk_mask(_tensor([1.0, 2.0]), torch.tensor(1)),
     TypeError, r"k must be an integer; got tensor\(1\)"),
    ("torch-int", lambda: topk_mask(torch.arange(3), 1), TypeError, r"got dtype torch.int64"),
    ("torch-bool", lambda: topk_mask(torch.ones(2, dtype=torch.bool), 1), TypeError, r"got dtype torch.bool"),
    ("torch-complex", lambda: topk_mask(torch.ones(2, dtype=torch.complex64), 1),
     TypeError, r"got dtype torch.complex64"),
    ("torch-float8", lambda: topk_mask(torch.ones(2).to(torch.float8_e4m3fn), 1),
     TypeError, r"x must have a real floating dtype \(float16, bfloat16, float32 or float64\); got dtype "
     r"torch.float8_e4m3fn"),
    ("torch-sparse", lambda: topk_mask(torch.ones(2).to_sparse(), 1),
     TypeError, r"x must be a dense \(strided\) tensor; got layout torch.sparse_coo"),
    ("torch-meta", lambda: topk_mask(torch.ones(4, device="meta"), 1),
     ValueError, r"x must be a tensor holding values; got x on the meta device"),
    ("torch-meta-hard-threshold", lambda: hard_threshold(torch.ones(2, 2, device="meta"), 1),
     ValueError, r"meta device"),
    ("torch-nan-bf16", lambda: topk_mask(_tensor([1.0, float("nan")], BF16), 1),
     ValueError, r"x contains 1 NaN value\(s\) \(first at flat index 1\)"),
    ("torch-empty", lambda: topk_mask(torch.ones(0), 0), ValueError, r"x must be non-empty"),
    # global and per-layer top-k: the mapping
    ("mixed-libraries", lambda: global_topk_masks({"a": np.ones(2), "b": torch.ones(2)}, 1),
     TypeError, r"arrays mixes numpy arrays and torch tensors"),
    ("empty-mapping", lambda: global_topk_masks({}, 0),
     ValueError, r"arrays must contain at least one array; got an empty mapping"),
    ("generator", lambda: global_topk_masks((a for a in [np.ones(2)]), 1),
     TypeError, r"arrays must be a mapping .*; got generator"),
    ("list-of-arrays", lambda: global_topk_masks([np.ones(2)], 1),
     TypeError, r"arrays must be a mapping .*; got list"),
    ("mapping-value-float", lambda: global_topk_masks({"a": np.ones(2), "b": 1.0}, 1),
     TypeError, r"arrays\['b'\] must be a numpy.ndarray or torch.Tensor; got float"),
    ("mapping-value-int-array", lambda: global_topk_masks({"w": np.ones(2), "step": np.arange(2)}, 1),
     TypeError, r"arrays\['step'\] must have a real floating dtype"),
    ("mapping-nan-second", lambda: global_topk_masks({"a": np.ones(2), "b": np.array([0.0, np.nan])}, 1),
     ValueError, r"arrays\['b'\] contains 1 NaN value\(s\) \(first at flat index 1\)"),
    ("mapping-k-above-total", lambda: global_topk_masks({"a": np.ones(2), "b": np.ones(3)}, 6),
     ValueError, r"k must be in \[0, size=5\]; got k=6"),
    ("mapping-meta", lambda: global_topk_masks({"a": torch.ones(2), "w": torch.ones(2, device="meta")}, 1),
     ValueError, r"arrays\['w'\] must be a tensor holding values"),
    ("mapping-int-keys-nan", lambda: global_topk_masks({0: np.array([np.nan])}, 1),
     ValueError, r"arrays\[0\] contains 1 NaN"),
    ("layerwise-sparsity-1", lambda: layerwise_topk_masks({"a": np.ones(3)}, 1.0),
     ValueError, r"sparsity must be in \[0, 1\) \(fraction of zeros\); got sparsity=1.0"),
    ("layerwise-sparsity-nan", lambda: layerwise_topk_masks({"a": np.ones(3)}, float("nan")),
     ValueError, r"got sparsity=nan"),
    ("layerwise-sparsity-str", lambda: layerwise_topk_masks({"a": np.ones(3)}, "0.5"),
     TypeError, r"sparsity must be a real number in \[0, 1\); got '0.5' \(str\)"),
    ("layerwise-sparsity-bool", lambda: layerwise_topk_masks({"a": np.ones(3)}, False),
     TypeError, r"got False \(bool\)"),
    ("layerwise-sparsity-negative", lambda: layerwise_topk_masks({"a": np.ones(3)}, -1e-12),
     ValueError, r"got sparsity=-1e-12"),
    # N:M
    ("NM-n-float", lambda: NM(2.5, 4), TypeError, r"n must be an integer; got 2.5 \(float\)"),
    ("NM-n-above-m", lambda: NM(5, 4),
     ValueError, r"n must be <= m \(keep n of every m entries\); got n=5, m=4"),
    ("NM-n-negative", lambda: NM(-1, 4), ValueError, r"n must be >= 0; got n=-1"),
    ("NM-m-zero", lambda: NM(0, 0), ValueError, r"m must be >= 1; got m=0"),
    ("NM-m-str", lambda: NM(2, "4"), TypeError, r"m must be an integer; got '4' \(str\)"),
    ("NM-axis-float", lambda: NM(axis=1.0), TypeError, r"axis must be None or an integer; got 1.0 \(float\)"),
    ("NM-axis-bool", lambda: NM(axis=True), TypeError, r"axis must be None or an integer; got True \(bool\)"),
    ("nm-not-divisible", lambda: nm_mask(np.ones((2, 6))),
     ValueError, r"x.shape\[1\]=6 is not divisible by m=4"),
    ("nm-m-above-length", lambda: nm_mask(np.ones(4), 1, 8),
     ValueError, r"x.shape\[0\]=4 is not divisible by m=8"),
    ("nm-m-huge", lambda: nm_mask(np.ones(4), 0, 10**9), ValueError, r"is not divisible by m=1000000000"),
    ("nm-0d-m4", lambda: nm_mask(np.array(1.0)),
     ValueError, r"m must be 1 for the 0-d x \(a single entry\); got m=4"),
    ("nm-axis-above", lambda: nm_mask(np.ones((2, 4)), 2, 4, 2),
     ValueError, r"axis must be in \[-2, 1\] for x of shape \(2, 4\); got axis=2"),
    ("nm-axis-below", lambda: nm_mask(np.ones((2, 4)), 2, 4, -3),
     ValueError, r"axis must be in \[-2, 1\] for x of shape \(2, 4\); got axis=-3"),
    ("nm-axis-names-the-array", lambda: NM(2, 2, axis=1).masks({"w": np.ones((2, 4)), "bias": np.ones(4)}),
     ValueError, r"axis must be in \[-1, 0\] for arrays\['bias'\] of shape \(4,\); got axis=1"),
    ("nm-int-array", lambda: nm_mask(np.arange(4)), TypeError, r"x must have a real floating dtype"),
    ("nm-nan", lambda: nm_mask(np.array([1.0, np.nan, 0.0, 2.0])),
     ValueError, r"x contains 1 NaN value\(s\) \(first at flat index 1\)"),
    ("nm-meta", lambda: nm_mask(torch.ones(4, 4, device="meta")),
     ValueError, r"x must be a tensor holding values"),
    ("nm-0d-axis-1", lambda: nm_mask(np.array(1.0), 1, 1, 1), ValueError, r"axis must be in \[-1, 0\] for x"),
    ("NM-0d-m2-torch", lambda: NM(1, 2).mask(torch.tensor(1.0)),
     ValueError, r"m must be 1 for the 0-d arrays\['x'\] \(a single entry\); got m=2"),
    ("nm-masks-empty", lambda: nm_masks({}), ValueError, r"arrays must contain at least one array"),
    ("nm-masks-names-array", lambda: NM().masks({"conv": np.ones((4, 8)), "fc": np.ones((2, 6))}),
     ValueError, r"arrays\['fc'\].shape\[1\]=6"),
    # apply_mask_ / apply_masks_
    ("mask-int", lambda: apply_mask_(np.ones(4), np.array([2, 0, 1, 1])),
     TypeError, r"mask must have dtype bool \(True keeps an entry\); got dtype int64"),
    ("mask-float", lambda: apply_mask_(np.ones(2), np.array([1.0, 0.0])),
     TypeError, r"mask must have dtype bool .*; got dtype float64"),
    ("mask-torch-uint8", lambda: apply_mask_(torch.ones(2), torch.tensor([1, 0], dtype=torch.uint8)),
     TypeError, r"got dtype torch.uint8"),
    ("mask-numpy-for-tensor", lambda: apply_mask_(torch.ones(4), np.ones(4, bool)),
     TypeError, r"mask must be a torch.Tensor \(the array type of x\); got ndarray"),
    ("mask-tensor-for-numpy", lambda: apply_mask_(np.ones(4), torch.ones(4, dtype=torch.bool)),
     TypeError, r"mask must be a numpy.ndarray \(the array type of x\); got Tensor"),
    ("mask-list", lambda: apply_mask_(np.ones(2), [True, False]),
     TypeError, r"mask must be a numpy.ndarray .*; got list"),
    ("mask-masked-array", lambda: apply_mask_(np.ones(2), np.ma.array([True, False], mask=[0, 1])),
     TypeError, r"mask must be a numpy.ndarray \(the array type of x\); got MaskedArray"),
    ("mask-shape", lambda: apply_mask_(np.ones((2, 3)), np.ones((3, 2), bool)),
     ValueError, r"mask must have the shape of x \(2, 3\); got \(3, 2\)"),
    ("mask-meta", lambda: apply_mask_(torch.ones(2), torch.ones(2, dtype=torch.bool, device="meta")),
     ValueError, r"mask must be on the device of x \(cpu\); got mask on meta"),
    ("x-read-only", lambda: apply_mask_(np.broadcast_to(np.ones(1), (4,)), np.ones(4, bool)),
     ValueError, r"x must be writeable \(it is updated in place\); got a read-only array"),
    ("x-zero-stride-numpy", lambda: apply_mask_(_strided_zero(3), np.ones(3, bool)),
     ValueError, r"x must not repeat memory .*; got strides \(0,\) for shape \(3,\)"),
    ("x-expanded-tensor", lambda: apply_mask_(torch.ones(1).expand(4), torch.ones(4, dtype=torch.bool)),
     ValueError, r"x must not repeat memory"),
    ("x-int", lambda: apply_mask_(np.ones(4, int), np.ones(4, bool)),
     TypeError, r"x must have a real floating dtype"),
    ("x-list", lambda: apply_mask_([1.0, 2.0], np.ones(2, bool)),
     TypeError, r"x must be a numpy.ndarray or torch.Tensor; got list"),
    ("x-meta", lambda: apply_mask_(torch.ones(2, device="meta"), torch.ones(2, dtype=torch.bool)),
     ValueError, r"x must be a tensor holding values"),
    ("masks-unknown-name", lambda: apply_masks_({"a": np.ones(2)}, {"b": np.ones(2, bool)}),
     KeyError, r"masks names arrays that do not exist: \['b'\]"),
    ("masks-not-mapping", lambda: apply_masks_({"a": np.ones(2)}, [np.ones(2, bool)]),
     TypeError, r"masks must be a mapping of name -> array; got list"),
    ("masks-second-bad", _apply_masks_partly_bad, TypeError, r"masks\['b'\] must have dtype bool"),
    # ERK
    ("erk-power-nan", lambda: erk_counts({"a": (4, 4)}, 0.5, float("nan")),
     ValueError, r"power_scale must be finite and >= 0.0; got power_scale=nan"),
    ("erk-power-inf", lambda: erk_counts({"a": (4, 4)}, 0.5, float("inf")),
     ValueError, r"got power_scale=inf"),
    ("erk-power-negative", lambda: erk_counts({"a": (4, 4)}, 0.5, -1.0), ValueError, r"got power_scale=-1.0"),
    ("erk-power-str", lambda: erk_counts({"a": (4, 4)}, 0.5, "1"),
     TypeError, r"power_scale must be a real number; got '1' \(str\)"),
    ("erk-empty", lambda: erk_counts({}, 0.5),
     ValueError, r"shapes must contain at least one layer; got an empty mapping"),
    ("erk-zero-dim", lambda: erk_counts({"a": (4, 0)}, 0.5),
     ValueError, r"shapes\['a'\] must have dimensions >= 1; got \(4, 0\)"),
    ("erk-negative-dim", lambda: erk_counts({"a": (4, -2)}, 0.5),
     ValueError, r"shapes\['a'\] must have dimensions >= 1; got \(4, -2\)"),
    ("erk-shape-str", lambda: erk_counts({"a": "44"}, 0.5),
     TypeError, r"shapes\['a'\] must be a sequence of integers; got '44'"),
    ("erk-shape-float", lambda: erk_counts({"a": (4.5, 2)}, 0.5),
     TypeError, r"shapes\['a'\] must be a sequence of integers; got \(4.5, 2\)"),
    ("erk-shape-int", lambda: erk_counts({"a": 16}, 0.5),
     TypeError, r"shapes\['a'\] must be a sequence of integers; got 16"),
    ("erk-not-mapping", lambda: erk_counts([(4, 4)], 0.5),
     TypeError, r"shapes must be a mapping of name -> shape; got list"),
    ("ERKTopK-power-nan", lambda: ERKTopK(0.5, float("nan")), ValueError, r"power_scale must be finite"),
    ("ERKTopK-sparsity-1", lambda: ERKTopK(1.0), ValueError, r"sparsity must be in \[0, 1\)"),
    # random masks
    ("RandomMask-generator-int", lambda: RandomMask(0.5, 3),
     TypeError, r"generator must be a numpy.random.Generator .* or a torch.Generator; got int"),
    ("RandomMask-RandomState", lambda: RandomMask(0.5, np.random.RandomState(0)),
     TypeError, r"got RandomState"),
    ("RandomMask-distribution", lambda: RandomMask(0.5, np.random.default_rng(0), "normal"),
     ValueError, r"distribution must be one of \['erk', 'uniform'\]; got distribution='normal'"),
    ("random-numpy-generator-for-tensor", lambda: random_mask(torch.ones(3), 1, np.random.default_rng(0)),
     TypeError, r"generator must be a torch.Generator for a torch.Tensor x; got Generator"),
    ("random-torch-generator-for-numpy", lambda: random_mask(np.ones(3), 1, torch.Generator()),
     TypeError, r"generator must be a numpy.random.Generator for a numpy x"),
    ("random-k-above-size", lambda: random_mask(np.ones(3), 4, np.random.default_rng(0)),
     ValueError, r"k must be in \[0, size=3\]; got k=4"),
    ("random-meta", lambda: random_mask(torch.ones(3, device="meta"), 1, torch.Generator()),
     ValueError, r"meta device"),
    # TopK / LayerwiseTopK and the k <-> sparsity rule
    ("TopK-neither", lambda: TopK(),
     ValueError, r"TopK takes exactly one of k or sparsity; got k=None, sparsity=None"),
    ("TopK-both", lambda: TopK(k=1, sparsity=0.5), ValueError, r"TopK takes exactly one of k or sparsity"),
    ("TopK-k-negative", lambda: TopK(k=-1), ValueError, r"k must be >= 0; got k=-1"),
    ("TopK-k-float", lambda: TopK(k=1.5), TypeError, r"k must be an integer; got 1.5 \(float\)"),
    ("TopK-k-above-total", lambda: TopK(k=7).masks({"a": np.ones(3), "b": np.ones(3)}),
     ValueError, r"k must be in \[0, size=6\]; got k=7"),
    ("LayerwiseTopK-sparsity", lambda: LayerwiseTopK(1.5), ValueError, r"got sparsity=1.5"),
    ("k-from-sparsity-size-0", lambda: k_from_sparsity(0, 0.5),
     ValueError, r"size must be >= 1; got size=0"),
    ("sparsity-from-k-above", lambda: sparsity_from_k(10, 11),
     ValueError, r"k must be in \[0, size=10\]; got k=11"),
]


@pytest.mark.parametrize(
    ("call", "error", "message"), [case[1:] for case in ERRORS], ids=[case[0] for case in ERRORS]
)
def test_bad_input_raises_a_named_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def _apply(x, mask):
    return apply_mask_(x, mask)


def _apply_transposed_tensor():
    x = torch.arange(1.0, 7.0).reshape(2, 3).t()  # non-contiguous: masked through its strides
    return apply_mask_(x, torch.tensor([[True, False], [False, True], [True, True]]))


def _apply_fortran():
    x = np.asfortranarray(np.arange(1.0, 7.0).reshape(2, 3))
    return apply_mask_(x, np.array([[True, False, True], [False, True, False]]))


def _apply_masks_subset():
    arrays = {"a": np.array([1.0, -2.0]), "b": np.array([3.0])}
    apply_masks_(arrays, {"a": np.array([False, True])})
    return arrays


# (id, call, exact result as nested lists): every input is a distinct edge input
EXACT = [
    # issue 15 reproducers
    ("nm-1:257", lambda: nm_mask(np.arange(514.0), 1, 257).nonzero()[0], [256, 513]),
    ("nm-2:300", lambda: nm_mask(np.arange(300.0), 2, 300).nonzero()[0], [298, 299]),
    ("nm-100:512-bf16-ties", lambda: nm_mask(torch.ones(512, dtype=BF16), 100, 512).nonzero()[:, 0],
     list(range(100))),
    ("nm-200:512-float32-ties", lambda: nm_mask(np.ones((1, 512), np.float32), 200, 512).nonzero()[1],
     list(range(200))),
    ("nm-3:1024-reversed", lambda: nm_mask(np.arange(1024.0)[::-1].copy(), 3, 1024).nonzero()[0], [0, 1, 2]),
    (
        "global-bf16-then-f32",
        lambda: global_topk_masks({"b": _tensor([1.0], BF16), "a": _tensor([1.001, 0.5])}, 1),
        {"b": [False], "a": [True, False]},
    ),
    (
        "global-bf16-then-f16",
        lambda: global_topk_masks(
            {"b": _tensor([1.0], BF16), "a": _tensor([ONE_PLUS[10]], torch.float16)}, 1
        ),
        {"b": [False], "a": [True]},
    ),
    (
        "global-bf16-then-f64",
        lambda: global_topk_masks(
            {"b": _tensor([1.0], BF16), "a": _tensor([ONE_PLUS[40]], torch.float64)}, 1
        ),
        {"b": [False], "a": [True]},
    ),
    (
        "global-f16-then-f64-numpy",
        lambda: global_topk_masks({"a": np.array([1.0], np.float16), "b": np.array([1.0001, 0.5])}, 1),
        {"a": [False], "b": [True, False]},
    ),
    (
        "global-f32-then-f64-numpy",
        lambda: global_topk_masks({"a": np.ones(1, np.float32), "b": np.array([ONE_PLUS[40]])}, 1),
        {"a": [False], "b": [True]},
    ),
    (
        "global-tie-across-dtypes",
        lambda: global_topk_masks({"a": _tensor([1.0], BF16), "b": _tensor([1.0, 1.0])}, 2),
        {"a": [True], "b": [True, False]},
    ),
    (
        "global-tie-f64-first",
        lambda: global_topk_masks({"a": _tensor([-1.0], torch.float64), "b": _tensor([1.0], BF16)}, 1),
        {"a": [True], "b": [False]},
    ),
    # 0-d inputs: the result has the input's shape () and library
    ("topk-0d-numpy", lambda: topk_mask(np.array(3.0), 1), True),
    ("topk-0d-numpy-k0", lambda: topk_mask(np.array(-3.0), 0), False),
    ("topk-0d-torch", lambda: topk_mask(torch.tensor(3.0), 1), True),
    ("topk-0d-bf16", lambda: topk_mask(torch.tensor(3.0, dtype=BF16), 1), True),
    ("topk-0d-inf", lambda: topk_mask(np.array(-np.inf), 1), True),
    ("hard-threshold-0d", lambda: hard_threshold(np.array(-2.0), 1), -2.0),
    ("hard-threshold-0d-torch-k0", lambda: hard_threshold(torch.tensor(-2.0), 0), 0.0),
    ("global-0d-and-vector", lambda: global_topk_masks({"s": np.array(2.0), "v": np.array([3.0, 1.0])}, 2),
     {"s": True, "v": [True, False]}),
    ("nm-0d-1:1", lambda: nm_mask(np.array(5.0), 1, 1), True),
    ("nm-0d-0:1-torch", lambda: nm_mask(torch.tensor(5.0), 0, 1), False),
    ("nm-0d-axis-minus-1", lambda: nm_mask(np.array(5.0), 1, 1, -1), True),
    ("random-0d", lambda: random_mask(np.array(5.0), 1, np.random.default_rng(0)), True),
    ("random-0d-torch", lambda: random_mask(torch.tensor(5.0), 0, torch.Generator()), False),
    ("apply-0d", lambda: _apply(np.array(5.0), np.array(False)), 0.0),
    ("apply-0d-torch", lambda: _apply(torch.tensor(5.0), torch.tensor(True)), 5.0),
    ("TopK-project-0d", lambda: TopK(k=1).project(torch.tensor(-4.0)), -4.0),
    ("Layerwise-0d", lambda: LayerwiseTopK(0.6).masks({"s": np.array(1.0)}), {"s": False}),
    (
        "ERK-0d-and-matrix",
        lambda: ERKTopK(0.5).masks({"s": np.array(1.0), "w": np.arange(1.0, 4.0).reshape(1, 3)}),
        {"s": False, "w": [[False, True, True]]},
    ),
    ("erk-0d-shape", lambda: erk_counts({"s": (), "v": (3,)}, 0.5), {"s": 1, "v": 1}),
    ("NM-0d", lambda: NM(1, 1).mask(torch.tensor(1.0, dtype=BF16)), True),
    # 1-element arrays of any rank
    ("topk-1x1x1", lambda: topk_mask(np.full((1, 1, 1), -1.0), 1), [[[True]]]),
    ("nm-1x1-axis0", lambda: nm_mask(np.ones((1, 1)), 1, 1, 0), [[True]]),
    # special values: infinities, signed zeros, subnormals, extremes
    ("inf-first", lambda: topk_mask(np.array([1e308, -np.inf, np.inf]), 2), [False, True, True]),
    ("inf-ties-first-wins", lambda: topk_mask(np.array([np.inf, -np.inf, np.inf]), 2), [True, True, False]),
    ("all-inf-k0", lambda: topk_mask(np.full(3, np.inf), 0), [False, False, False]),
    ("signed-zero-tie", lambda: topk_mask(np.array([-0.0, 0.0]), 1), [True, False]),
    ("signed-zeros-k2", lambda: topk_mask(np.array([0.0, -0.0, -0.0]), 2), [True, True, False]),
    ("subnormal-above-zero", lambda: topk_mask(np.array([0.0, 5e-324, -0.0]), 1), [False, True, False]),
    ("float16-extremes", lambda: topk_mask(np.array([6e-8, -65504, 65504, 1.0], np.float16), 2),
     [False, True, True, False]),
    ("float16-inf-vs-max", lambda: topk_mask(np.array([65504, -np.inf], np.float16), 1), [False, True]),
    ("bf16-subnormal", lambda: topk_mask(_tensor([0.0, 1e-40, -1e-41], BF16), 1), [False, True, False]),
    ("hard-threshold-float16-dtype", lambda: hard_threshold(np.array([1, -2, 3], np.float16), 1),
     [0.0, 0.0, 3.0]),
    ("hard-threshold-positive-zeros", lambda: np.signbit(hard_threshold(np.array([-1.0, 2.0]), 1)),
     [False, False]),
    ("longdouble", lambda: topk_mask(np.array([1.0, 2.0, -3.0], np.longdouble), 2), [False, True, True]),
    # layouts: strides, Fortran order, byte order, transposes
    ("reversed-view", lambda: topk_mask(np.arange(10.0)[::-2], 2), [True, True, False, False, False]),
    ("fortran-order", lambda: topk_mask(np.asfortranarray(np.arange(6.0).reshape(2, 3)), 2),
     [[False, False, False], [False, True, True]]),
    ("fortran-ties-c-order", lambda: topk_mask(np.asfortranarray(np.ones((2, 2))), 2),
     [[True, True], [False, False]]),
    ("big-endian", lambda: topk_mask(np.array([1.0, -3.0, 2.0], ">f8"), 2), [False, True, True]),
    (
        "mixed-byte-order",
        lambda: global_topk_masks({"a": np.array([2.0], ">f4"), "b": np.array([2.0, 3.0], "<f8")}, 2),
        {"a": [True], "b": [False, True]},
    ),
    ("torch-step-view", lambda: topk_mask(torch.arange(10.0)[::2], 2), [False, False, False, True, True]),
    ("torch-transposed-ties", lambda: topk_mask(torch.ones(2, 3).t(), 2),
     [[True, True], [False, False], [False, False]]),
    ("bf16-strided-ties", lambda: topk_mask(torch.ones(4, 2, dtype=BF16)[:, 1], 3),
     [True, True, True, False]),
    ("nm-transposed-tensor", lambda: nm_mask(torch.arange(8.0).reshape(4, 2).t(), 1, 2),
     [[False, True, False, True], [False, True, False, True]]),
    (
        "nm-channels-last",
        lambda: nm_mask(
            torch.arange(8.0).reshape(1, 4, 1, 2).contiguous(memory_format=torch.channels_last), 2, 4
        ).reshape(-1),
        [False, False, False, False, True, True, True, True],
    ),
    ("nm-negative-axis", lambda: nm_mask(np.array([[4.0, 1.0, 3.0, 2.0]]), 2, 4, -1),
     [[True, False, True, False]]),
    ("nm-inf-in-group", lambda: nm_mask(np.array([1.0, -np.inf, 2.0, np.inf]), 1, 4),
     [False, True, False, False]),
    ("nm-all-tied", lambda: nm_mask(np.array([[-0.0, 0.0, 0.0, -0.0]])), [[True, True, False, False]]),
    ("nm-float16", lambda: nm_mask(np.array([1.0, 2.0, 3.0, 4.0], np.float16), 2, 4),
     [False, False, True, True]),
    ("nm-m1-n1", lambda: nm_mask(np.array([[1.0, 0.0]]), 1, 1), [[True, True]]),
    ("nm-requires-grad", lambda: nm_mask(torch.tensor([1.0, -3.0], requires_grad=True), 1, 2), [False, True]),
    ("apply-transposed-tensor", _apply_transposed_tensor, [[1.0, 0.0], [0.0, 5.0], [3.0, 6.0]]),
    ("apply-fortran", _apply_fortran, [[1.0, 0.0, 3.0], [0.0, 5.0, 0.0]]),
    ("apply-bf16", lambda: _apply(_tensor([1.0, -2.0], BF16), torch.tensor([False, True])), [0.0, -2.0]),
    ("apply-masks-subset", _apply_masks_subset, {"a": [0.0, -2.0], "b": [3.0]}),
    # k, sparsity and mapping edge values
    ("k-numpy-int", lambda: topk_mask(np.array([1.0, 3.0, 2.0]), np.int64(2)), [False, True, True]),
    ("k-equals-size", lambda: topk_mask(np.array([0.0, -0.0]), 2), [True, True]),
    ("sparsity-0.9999999", lambda: layerwise_topk_masks({"a": np.ones(3)}, 0.9999999),
     {"a": [False, False, False]}),
    ("sparsity-negative-zero", lambda: k_from_sparsity(7, -0.0), 7),
    ("sparsity-subnormal", lambda: k_from_sparsity(7, 5e-324), 7),
    ("sparsity-float32", lambda: k_from_sparsity(10, np.float32(0.25)), 8),
    ("same-array-twice", lambda: global_topk_masks({"a": (w := np.array([1.0, 2.0])), "b": w}, 3),
     {"a": [True, True], "b": [False, True]}),
    ("int-keys", lambda: global_topk_masks({1: np.array([1.0]), 0: np.array([1.0])}, 1),
     {1: [True], 0: [False]}),
    ("erk-small-layer-dense", lambda: erk_counts({"big": (100, 100), "small": (2, 2)}, 0.9),
     {"big": 996, "small": 4}),
    (
        "erk-power-huge",
        lambda: erk_counts({"big": (100, 100), "small": (2, 2), "mid": (10, 10)}, 0.95, 1000.0),
        {"big": 401, "small": 4, "mid": 100},
    ),
    ("erk-sum-exact-beyond-2**53", lambda: erk_counts({"a": (10**9, 10**9), "b": (3,)}, 0.5),
     {"a": 499999999999999999, "b": 3}),
    ("torch-negative-bit", lambda: topk_mask(torch.tensor([1.0, -2.0])._neg_view(), 1), [False, True]),
    ("erk-power-0-uniform", lambda: erk_counts({"a": (10, 10), "b": (30,)}, 0.5, 0.0), {"a": 50, "b": 15}),
]


@pytest.mark.parametrize(("call", "expected"), [case[1:] for case in EXACT], ids=[case[0] for case in EXACT])
def test_edge_input_gives_the_exact_result(call, expected):
    assert _bits(call()) == expected


ZERO_D = [np.array(-0.0), np.array(2.5, np.float16), torch.tensor(-1.0), torch.tensor(0.5, dtype=BF16)]


@pytest.mark.parametrize("x", ZERO_D, ids=["numpy-f64", "numpy-f16", "torch-f32", "torch-bf16"])
def test_every_operator_keeps_the_shape_and_library_of_a_0d_input(x):
    results = [
        topk_mask(x, 1),
        hard_threshold(x, 0),
        nm_mask(x, 1, 1),
        TopK(k=1).mask(x),
        NM(0, 1).mask(x),
        ERKTopK(0.5).mask(x),
        LayerwiseTopK(0.5).mask(x),
    ]
    for result in results:
        assert type(result) is type(x) and tuple(result.shape) == ()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_arrays_on_two_devices_are_rejected():
    arrays = {"a": torch.ones(2), "b": torch.ones(2, device="cuda")}
    with pytest.raises(
        ValueError, match=r"arrays must all be on one device; got devices \['cpu', 'cuda:0'\]"
    ):
        global_topk_masks(arrays, 1)


# ---------------------------------------------------------------- N:M at every m up to 1024


def _nm_reference(x, n, m, axis):
    """Per group, the first n positions of a stable sort by decreasing magnitude."""
    groups = np.moveaxis(np.abs(x.astype(np.float64)), axis, -1).reshape(-1, m)
    keep = np.zeros(groups.shape, dtype=bool)
    for group, kept in zip(groups, keep):
        kept[sorted(range(m), key=lambda i: -group[i])[:n]] = True  # sorted() is stable
    return np.moveaxis(keep.reshape(np.moveaxis(x, axis, -1).shape), -1, axis)


@st.composite
def nm_any_m(draw):
    m = draw(st.integers(1, 1024))
    n = draw(st.integers(0, m))
    rows, length, axis = draw(st.integers(1, 2)), m * draw(st.integers(1, 2)), draw(st.integers(0, 1))
    shape = (rows, length) if axis == 1 else (length, rows)
    x = draw(hnp.arrays(np.float32, shape, elements=tie_heavy | st.floats(-1e3, 1e3, width=32)))
    return x, n, m, axis


@given(nm_any_m())
def test_nm_at_any_m_equals_the_sort_reference(case):
    x, n, m, axis = case
    expected = _nm_reference(x, n, m, axis)
    assert np.array_equal(nm_mask(x, n, m, axis), expected)
    assert np.array_equal(nm_mask(torch.from_numpy(x), n, m, axis).numpy(), expected)
    t = torch.from_numpy(x).to(BF16)  # the torch kernels (bfloat16 has no numpy view)
    assert np.array_equal(nm_mask(t, n, m, axis).numpy(), _nm_reference(t.float().numpy(), n, m, axis))


def test_nm_at_every_m_up_to_1024():
    rng = np.random.default_rng(0)
    values = np.array([0.0, -0.0, 0.5, -0.5, 1.0, -2.0, np.inf], np.float32)  # ties in every group
    for m in range(1, 1025):
        x, n = rng.choice(values, (2, m)), int(rng.integers(0, m + 1))
        expected = _nm_reference(x, n, m, 1)
        assert np.array_equal(nm_mask(x, n, m), expected), m
        assert np.array_equal(nm_mask(torch.from_numpy(x).to(BF16), n, m).numpy(), expected), m


@pytest.mark.parametrize("m", [256, 257, 300])
def test_pairwise_kernel_counts_losses_beyond_a_byte(m):
    # a loss count of 256 read modulo 256 is 0: n=1 then keeps a second entry, n=m-1 the last one
    x = np.random.default_rng(m).choice(np.array([0.0, -1.0, 1.0, 2.0, -3.0], np.float32), (2, m))
    for n in (1, m - 1):
        assert np.array_equal(nm_module._nm_mask_numpy(x, n, m, 1), _nm_reference(x, n, m, 1))
    if m == 257:  # the torch loop is slower: one size past the byte
        assert np.array_equal(
            nm_module._nm_mask_torch(torch.from_numpy(x), 1, m, 1).numpy(), _nm_reference(x, 1, m, 1)
        )


@pytest.mark.parametrize("m", [4, 64])
def test_both_kernels_agree_whichever_is_chosen(m):
    x = np.random.default_rng(0).choice(np.array([0.0, -0.5, 0.5, 2.0], np.float32), (3, 2 * m, 2))
    for limit in (1, 1024):
        with mock.patch.object(nm_module, "PAIRWISE_MAX_M", limit):
            assert np.array_equal(nm_mask(x, m // 2, m), _nm_reference(x, m // 2, m, 1))
            assert np.array_equal(
                nm_mask(torch.from_numpy(x).to(BF16), m // 2, m).numpy(), _nm_reference(x, m // 2, m, 1)
            )


# ------------------------------------------------- mappings that mix float16/bfloat16/float32/float64

#: values that differ only below the precision of the narrower dtypes (most of them: these are the
#: cases a comparison in the narrower dtype gets wrong), plus ties, zeros and infinities
NEAR_ONE = [1.0, -1.0, ONE_PLUS[7], -ONE_PLUS[10], ONE_PLUS[10], -ONE_PLUS[23], ONE_PLUS[40]]
MIXED_VALUES = [*NEAR_ONE, 0.0, -0.0, 0.5, 65504.0, -np.inf, 3.0e38]
TORCH_DTYPES = [torch.float16, BF16, torch.float32, torch.float64]
NUMPY_DTYPES = [np.float16, np.float32, np.float64]


def _reference_topk(arrays64, k):
    """Masks of the k largest magnitudes of float64 arrays: a stable sort of the concatenation."""
    flat = np.concatenate([a.ravel() for a in arrays64])
    keep = np.zeros(flat.size, dtype=bool)
    keep[np.argsort(-np.abs(flat), kind="stable")[:k]] = True
    sizes = np.cumsum([a.size for a in arrays64])[:-1]
    return [part.reshape(a.shape) for part, a in zip(np.split(keep, sizes), arrays64)]


def _float64(a):
    """The exact float64 values of a numpy array or tensor (every float converts exactly)."""
    return a.double().numpy() if isinstance(a, torch.Tensor) else a.astype(np.float64)


def _assert_equals_the_float64_reference(arrays, ks):
    for k in ks:
        expected = _reference_topk([_float64(a) for a in arrays.values()], k)
        for mask, ref in zip(global_topk_masks(arrays, k).values(), expected):
            assert np.array_equal(mask if isinstance(mask, np.ndarray) else mask.numpy(), ref)


@st.composite
def mixed_mapping(draw, dtypes, convert):
    count = draw(st.integers(1, 4))
    arrays = {}
    for i in range(count):
        near_one = st.sampled_from(NEAR_ONE)  # drawn half the time
        values = draw(st.lists(near_one | st.sampled_from(MIXED_VALUES), min_size=1, max_size=3))
        arrays[f"w{i}"] = convert(np.array(values), draw(st.sampled_from(dtypes)))
    return arrays, draw(st.integers(0, sum(len(a) for a in arrays.values())))


def _to_tensor(values, dtype):
    with np.errstate(over="ignore"):
        return torch.from_numpy(values).to(dtype)  # 3e38 overflows to inf in float16


def _to_numpy(values, dtype):
    with np.errstate(over="ignore"):
        return values.astype(dtype)


@given(mixed_mapping(TORCH_DTYPES, _to_tensor))
def test_mixed_torch_dtypes_equal_the_float64_reference(case):
    arrays, k = case
    _assert_equals_the_float64_reference(arrays, ks=(k,))


@given(mixed_mapping(NUMPY_DTYPES, _to_numpy))
def test_mixed_numpy_dtypes_equal_the_float64_reference(case):
    arrays, k = case
    _assert_equals_the_float64_reference(arrays, ks=(k,))
    fast, tiny = _tiny_constants()
    with fast, tiny:  # the sampled-bracket pass and its tie walk, on the same mixed mapping
        _assert_equals_the_float64_reference(arrays, ks=(k,))


@given(array_and_k(max_dims=3))
def test_any_strides_give_the_bits_of_the_c_order_copy(case):
    x, k = case  # Fortran order, transposes, reversed views: ties follow the view's C-order index
    axes = tuple(reversed(range(x.ndim)))
    for view in (np.asfortranarray(x), x.transpose(axes), x[..., ::-1]):
        assert np.array_equal(topk_mask(view, k), topk_mask(np.ascontiguousarray(view), k))
    tensor = torch.from_numpy(x).permute(axes)
    expected = topk_mask(x.transpose(axes).copy(), k)
    assert np.array_equal(topk_mask(tensor, k).numpy(), expected)
    bf16 = tensor.to(BF16)  # keeps the permuted strides: the torch path
    assert np.array_equal(topk_mask(bf16, k).numpy(), topk_mask(bf16.contiguous(), k).numpy())


@pytest.mark.parametrize("keep", [0.001, 0.3, 0.9])
def test_mixed_dtypes_at_the_size_of_the_fast_path(keep):
    # float16 weights and float64 copies nudged by one float64 ulp: every tie is broken by a value
    # the float16 comparison cannot see
    half = np.random.default_rng(1).standard_normal(selection.FAST_PATH_MIN_SIZE).astype(np.float16)
    nudged = np.nextafter(half[:5000].astype(np.float64), np.inf)
    arrays = {"half": half, "nudged": nudged, "single": half[5000:9000].astype(np.float32)}
    _assert_equals_the_float64_reference(arrays, ks=(round(keep * sum(a.size for a in arrays.values())),))


#: values that float16, bfloat16 and float32 each round differently (down or up), and 1.0
CLOSE_VALUES = [1.0 + 2.0**-8 + 2.0**-12 + 2.0**-30 + 2.0**-40, 1.001, 1.0 + 2.0**-40, 1.0]


@pytest.mark.parametrize("dtypes", list(itertools.product(TORCH_DTYPES, repeat=3)), ids=str)
def test_one_value_rounded_to_every_triple_of_torch_dtypes(dtypes):
    for value in CLOSE_VALUES:  # entries that differ only below the precision of the narrower dtype
        values = ([value, 0.5], [-value, 1.0], [value])
        arrays = {name: _tensor(v, dtype) for name, v, dtype in zip("abc", values, dtypes)}
        _assert_equals_the_float64_reference(arrays, ks=(1, 2, 3, 4))


@pytest.mark.parametrize("dtypes", list(itertools.product(NUMPY_DTYPES, repeat=3)), ids=str)
def test_one_value_rounded_to_every_triple_of_numpy_dtypes(dtypes):
    for value in CLOSE_VALUES:
        values = ([value, 0.5], [-value, 1.0], [value])
        arrays = {name: np.array(v, dtype) for name, v, dtype in zip("abc", values, dtypes)}
        _assert_equals_the_float64_reference(arrays, ks=(1, 2, 3, 4))


# ---------------------------------------------------------------- 0-d and 1-element inputs


@given(
    st.sampled_from([*MIXED_VALUES, 5e-324]),
    st.sampled_from(NUMPY_DTYPES + TORCH_DTYPES),
    st.sampled_from([(), (1,), (1, 1)]),
    st.integers(0, 1),
)
def test_0d_and_1_element_inputs(value, dtype, shape, k):
    with np.errstate(over="ignore"):
        x = (
            np.full(shape, value).astype(dtype)
            if isinstance(dtype, type)
            else torch.full(shape, value, dtype=dtype)
        )
    for mask in (
        topk_mask(x, k),
        TopK(k=k).mask(x),
        nm_mask(x, k, 1),
        random_mask(x, k, np.random.default_rng(0) if isinstance(x, np.ndarray) else torch.Generator()),
    ):
        assert type(mask) is type(x) and tuple(mask.shape) == shape
        assert mask.tolist() == np.full(shape, bool(k)).tolist()
    assert hard_threshold(x, k).tolist() == (x.tolist() if k else np.zeros(shape).tolist())

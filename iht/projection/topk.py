"""Magnitude top-k: the hard-thresholding operator T_k and its global and per-layer forms.

``T_k(x)`` keeps the ``k`` entries of largest absolute value and zeroes the rest; it is the
Euclidean projection onto the set of k-sparse vectors, ``argmin_{||z||_0 <= k} ||z - x||_2``
(Blumensath & Davies, "Iterative hard thresholding for compressed sensing", 2009), and the
compression operator of AC/DC (Peste et al., NeurIPS 2021, Algorithm 1, line 4). Ties follow the rule
documented in :mod:`iht.projection.selection` (lower flat index wins).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iht.projection._backend import masked_copy, size_of
from iht.projection.errors import check_array, check_arrays, check_k, item_name
from iht.projection.selection import topk_masks
from iht.projection.sparsity import k_from_sparsity


def topk_mask(x: Any, k: int) -> Any:
    """Boolean mask of the ``k`` largest ``|x_i|``, exactly ``k`` True.

    Parameters
    ----------
    x : ndarray or Tensor, any shape and strides
        Real floating values without NaN; ``inf`` counts as the largest magnitude. A 0-d input is
        selected as the 1-element array it holds (the mask is 0-d too).
    k : int
        Number of kept entries, ``0 <= k <= x.size``.

    Returns
    -------
    ndarray or Tensor of bool, shape ``x.shape``
        Same array type (and device) as ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> topk_mask(np.array([0.5, -2.0, 1.0, -1.0]), 2)
    array([False,  True,  True, False])
    """
    check_array(x, nan=False)
    k = check_k(k, size_of(x))
    return topk_masks([x], k, ["x"])[0]


def hard_threshold(x: Any, k: int) -> Any:
    """``T_k(x)``: a copy of ``x`` with all but the ``k`` largest magnitudes set to zero.

    Parameters and tie rule as in :func:`topk_mask`; the result has the dtype and type of ``x``.
    """
    mask = topk_mask(x, k)
    return masked_copy(x, mask)


def global_topk_masks(arrays: Mapping[str, Any], k: int) -> dict[str, Any]:
    """Masks keeping the ``k`` largest magnitudes over all arrays together (one threshold).

    This is AC/DC's global magnitude pruning (Peste et al. 2021, Section 4: "weights are pruned
    globally, based on their magnitude"). For numpy arrays and CPU tensors the concatenation is
    never materialised (see :mod:`iht.projection.selection`).

    Parameters
    ----------
    arrays : mapping of str -> ndarray or Tensor
        E.g. ``dict(model.named_parameters())`` restricted to the prunable weights; all numpy or all
        torch on one device. Float dtypes may be mixed: magnitudes are compared in the widest of them,
        to which every value converts exactly (see :mod:`iht.projection.selection`).
    k : int
        Total number of kept entries, ``0 <= k <= sum of sizes``.

    Returns
    -------
    dict of str -> bool mask
        Same keys and order; exactly ``k`` True in total. Ties: lower position in the
        concatenation (mapping order, then flat index) wins.
    """
    check_arrays(arrays, nan=False)
    return checked_global_topk_masks(arrays, k)


def checked_global_topk_masks(arrays: Mapping[str, Any], k: Any) -> dict[str, Any]:
    """:func:`global_topk_masks` for ``arrays`` that already passed ``check_arrays(arrays, nan=False)``
    (:class:`~iht.projection.TopK` checks them once to count their entries); ``k`` is still checked."""
    k = check_k(k, sum(size_of(a) for a in arrays.values()))
    names = [item_name(key) for key in arrays]
    return dict(zip(arrays.keys(), topk_masks(list(arrays.values()), k, names)))


def layerwise_topk_masks(arrays: Mapping[str, Any], sparsity: float) -> dict[str, Any]:
    """Uniform per-layer masks: each array keeps ``k_from_sparsity(size, sparsity)`` entries.

    Parameters
    ----------
    arrays : mapping of str -> ndarray or Tensor
    sparsity : float
        Fraction of zeros in ``[0, 1)``, applied to every array separately (rounding rule of
        :mod:`iht.projection.sparsity`).
    """
    check_arrays(arrays, nan=False)
    return {
        name: topk_masks([a], k_from_sparsity(size_of(a), sparsity), [item_name(name)])[0]
        for name, a in arrays.items()
    }

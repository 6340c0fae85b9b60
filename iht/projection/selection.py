"""Exact magnitude top-k selection over one or many arrays, without sorting.

This is the engine behind :func:`~iht.projection.topk.topk_mask` and the global top-k over a model's
weights. It finds the threshold ``t`` = k-th largest magnitude by linear-time selection (numpy's
introselect partition; torch's ``kthvalue`` on devices numpy cannot read) and then builds the masks
``|x| >= t`` with one comparison pass per array.

Tie rule (the library's single rule, identical for numpy and torch): entries are ordered by
decreasing magnitude and, among equal magnitudes, by increasing position in the concatenation of
the arrays in the order given (flat C-order index within each array). The first ``k`` entries of that
order are kept. ``-0.0`` and ``0.0`` have equal magnitude.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from iht.projection._backend import is_tensor, like, numpy_view


class _NumpyOps:
    abs = staticmethod(np.abs)
    flatnonzero = staticmethod(np.flatnonzero)

    @staticmethod
    def count(mask: np.ndarray) -> int:
        return int(np.count_nonzero(mask))

    @staticmethod
    def kth_largest(arrays: Sequence[np.ndarray], k: int) -> Any:
        dtype = np.result_type(*arrays)
        total = sum(a.size for a in arrays)
        buffer = np.empty(total, dtype=dtype)
        start = 0
        for a in arrays:
            np.abs(a.reshape(-1), out=buffer[start : start + a.size])
            start += a.size
        buffer.partition(total - k)
        return buffer[total - k]

    @staticmethod
    def falses(a: np.ndarray) -> np.ndarray:
        return np.zeros(a.shape, dtype=bool)


class _TorchOps:
    @staticmethod
    def abs(a: Any) -> Any:
        return a.detach().abs()

    @staticmethod
    def flatnonzero(mask: Any) -> Any:
        return mask.reshape(-1).nonzero().reshape(-1)

    @staticmethod
    def count(mask: Any) -> int:
        return int(mask.sum())

    @staticmethod
    def kth_largest(arrays: Sequence[Any], k: int) -> Any:
        import torch

        dtype = arrays[0].dtype
        for a in arrays[1:]:
            dtype = torch.promote_types(dtype, a.dtype)
        magnitudes = torch.cat([a.detach().reshape(-1).to(dtype).abs() for a in arrays])
        return torch.kthvalue(magnitudes, magnitudes.numel() - k + 1).values

    @staticmethod
    def falses(a: Any) -> Any:
        import torch

        return torch.zeros(a.shape, dtype=torch.bool, device=a.device)


def _masks_with_ops(arrays: Sequence[Any], k: int, ops: Any) -> list[Any]:
    if k == 0:
        return [ops.falses(a) for a in arrays]
    threshold = ops.kth_largest(arrays, k)
    masks = [ops.abs(a) >= threshold for a in arrays]
    excess = sum(ops.count(m) for m in masks) - k
    # Entries tied at the threshold beyond the k-th are dropped from the end of the global order.
    for a, mask in zip(reversed(arrays), reversed(masks)):
        if excess == 0:
            break
        tied = ops.flatnonzero(ops.abs(a) == threshold)
        drop = tied[max(0, len(tied) - excess) :]
        mask.reshape(-1)[drop] = False
        excess -= len(drop)
    return masks


def topk_masks(arrays: Sequence[Any], k: int) -> list[Any]:
    """Boolean masks keeping the ``k`` largest magnitudes across ``arrays`` jointly.

    Parameters
    ----------
    arrays : sequence of ndarray or Tensor
        Validated, non-empty, floating, NaN-free; all numpy or all torch (same device).
    k : int
        Validated ``0 <= k <= total size``.

    Returns
    -------
    list
        One boolean mask per array, shaped like it, with exactly ``k`` True in total, chosen by the
        tie rule of this module. CPU tensors are processed through zero-copy numpy views, so the
        result is the same bits on either path.
    """
    if not is_tensor(arrays[0]):
        return _masks_with_ops(arrays, k, _NumpyOps)
    views = [numpy_view(a) for a in arrays]
    if all(v is not None for v in views):
        return [like(m, a) for m, a in zip(_masks_with_ops(views, k, _NumpyOps), arrays)]
    return _masks_with_ops(arrays, k, _TorchOps)

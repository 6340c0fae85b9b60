"""Exact magnitude top-k selection over one or many arrays, without sorting.

This is the engine behind :func:`~iht.projection.topk.topk_mask` and the global top-k over a model's
weights. Two algorithms give the same bits:

- the reference: the threshold ``t`` = k-th largest magnitude by linear-time selection over the
  concatenated magnitudes (numpy's introselect partition; torch's ``kthvalue`` on devices numpy
  cannot read), then the masks ``|x| >= t`` with one comparison pass per array;
- the fast path for large numpy inputs (and CPU tensors, through zero-copy numpy views): a sampled
  bracket around ``t`` and one fused pass over the arrays, without materialising the concatenation
  (:mod:`iht.projection.bracket`); the reference selection then runs only on the few bracketed
  entries. When the bracket misses ``t`` (which the pass detects exactly) the reference runs.

NaN detection is part of the selection: the fast pass folds it into its blocks, the other paths
scan first; either way the error is the one of :func:`~iht.projection.errors.check_no_nan`.

Tie rule (the library's single rule, identical for numpy and torch): entries are ordered by
decreasing magnitude and, among equal magnitudes, by increasing position in the concatenation of
the arrays in the order given (flat C-order index within each array). The first ``k`` entries of that
order are kept. ``-0.0`` and ``0.0`` have equal magnitude.

Comparison dtype: the magnitudes of arrays of different float dtypes (float16, bfloat16, float32,
float64 mixed in one mapping) are compared on every path in the widest of them (numpy's
``result_type``, torch's ``promote_types``), to which every value converts exactly, so the order is
the order of the values. A 0-d array is selected as the 1-element array it holds.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from iht.projection import bracket
from iht.projection._backend import is_tensor, like, numpy_view
from iht.projection.errors import check_no_nan

#: below this total size the reference selection is used (it is then as fast)
FAST_PATH_MIN_SIZE = 1 << 16
#: threads of the fused pass, one per this many blocks at most (threads cost more than they save below)
WORKERS = min(4, os.cpu_count() or 1)
BLOCKS_PER_WORKER = 8


class _NumpyOps:
    flatnonzero = staticmethod(np.flatnonzero)

    @staticmethod
    def common_dtype(arrays: Sequence[np.ndarray]) -> np.dtype:
        return np.result_type(*arrays)

    @staticmethod
    def magnitude(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
        return np.abs(a, dtype=dtype)

    @staticmethod
    def count(mask: np.ndarray) -> int:
        return int(np.count_nonzero(mask))

    @staticmethod
    def kth_largest(arrays: Sequence[np.ndarray], k: int, dtype: np.dtype) -> Any:
        total = sum(a.size for a in arrays)
        buffer = np.empty(total, dtype=dtype)
        start = 0
        for a in arrays:
            np.abs(a, out=buffer[start : start + a.size])
            start += a.size
        buffer.partition(total - k)
        return buffer[total - k]

    @staticmethod
    def falses(a: np.ndarray) -> np.ndarray:
        return np.zeros(a.shape, dtype=bool)


class _TorchOps:
    @staticmethod
    def common_dtype(arrays: Sequence[Any]) -> Any:
        import torch

        dtype = arrays[0].dtype
        for a in arrays[1:]:
            dtype = torch.promote_types(dtype, a.dtype)
        return dtype

    @staticmethod
    def magnitude(a: Any, dtype: Any) -> Any:
        return a.detach().to(dtype).abs()

    @staticmethod
    def flatnonzero(mask: Any) -> Any:
        return mask.nonzero().reshape(-1)

    @staticmethod
    def count(mask: Any) -> int:
        return int(mask.sum())

    @staticmethod
    def kth_largest(arrays: Sequence[Any], k: int, dtype: Any) -> Any:
        import torch

        magnitudes = torch.cat([a.detach().to(dtype).abs() for a in arrays])
        return torch.kthvalue(magnitudes, magnitudes.numel() - k + 1).values

    @staticmethod
    def falses(a: Any) -> Any:
        import torch

        return torch.zeros(a.shape, dtype=torch.bool, device=a.device)


def _masks_with_ops(arrays: Sequence[Any], k: int, ops: Any) -> list[Any]:
    """Reference masks, shaped like ``arrays``: threshold by selection, excess ties dropped last.

    Every magnitude is compared in the common dtype of ``arrays`` (the widest float among them), to
    which each value converts exactly, so the order is the order of the values themselves. The
    comparisons run on C-order flat views, so the masks are contiguous whatever the input's strides
    (Fortran order, transposes) and the ties are dropped in place.
    """
    if k == 0:
        return [ops.falses(a) for a in arrays]
    flats = [a.reshape(-1) for a in arrays]
    dtype = ops.common_dtype(flats)
    threshold = ops.kth_largest(flats, k, dtype)
    masks = [ops.magnitude(a, dtype) >= threshold for a in flats]
    excess = sum(ops.count(m) for m in masks) - k
    # Entries tied at the threshold beyond the k-th are dropped from the end of the global order.
    for a, mask in zip(reversed(flats), reversed(masks)):
        if excess == 0:
            break
        tied = ops.flatnonzero(ops.magnitude(a, dtype) == threshold)
        drop = tied[max(0, len(tied) - excess) :]
        mask[drop] = False
        excess -= len(drop)
    return [mask.reshape(tuple(a.shape)) for mask, a in zip(masks, arrays)]


def _bracketed_masks(flats: list[np.ndarray], k: int) -> list[np.ndarray] | None:
    """Flat masks from the sampled-bracket pass; None if no bracket holds the threshold or NaN met."""
    masks = [np.empty(flat.size, dtype=bool) for flat in flats]
    blocks = sum(flat.size for flat in flats) // bracket.BLOCK
    workers = max(1, min(WORKERS, blocks // BLOCKS_PER_WORKER))
    for attempt in bracket.brackets(flats, k):
        scan = bracket.scan(flats, masks, attempt, workers)
        if scan.has_nan:
            return None
        wanted = k - scan.above
        if not 0 <= wanted <= scan.inside:
            continue
        if attempt.single:
            bracket.switch_on_first_ties(flats, masks, attempt.lo, wanted)
            return masks
        (keep,) = _masks_with_ops([scan.magnitudes], wanted, _NumpyOps)
        start = 0
        for mask, where in zip(masks, scan.positions):
            mask[where[keep[start : start + where.size]]] = True
            start += where.size
        return masks
    return None


def _numpy_masks(flats: Sequence[np.ndarray], k: int, names: Sequence[str]) -> list[np.ndarray]:
    if k > 0 and sum(a.size for a in flats) >= FAST_PATH_MIN_SIZE:
        masks = _bracketed_masks(flats, k)
        if masks is not None:
            return masks
    for a, name in zip(flats, names):
        check_no_nan(a, name)
    return _masks_with_ops(flats, k, _NumpyOps)


def topk_masks(arrays: Sequence[Any], k: int, names: Sequence[str]) -> list[Any]:
    """Boolean masks keeping the ``k`` largest magnitudes across ``arrays`` jointly.

    Parameters
    ----------
    arrays : sequence of ndarray or Tensor
        Validated by :func:`~iht.projection.errors.check_array` with ``nan=False``: non-empty,
        floating; all numpy or all torch (same device).
    k : int
        Validated ``0 <= k <= total size``.
    names : sequence of str
        How each array is named in the NaN error (e.g. ``"x"``, ``"arrays['fc.weight']"``).

    Returns
    -------
    list
        One boolean mask per array, shaped like it, with exactly ``k`` True in total, chosen by the
        tie rule of this module. CPU tensors are processed through zero-copy numpy views, so the
        result is the same bits on either path.

    Raises
    ------
    ValueError
        If an array contains NaN (message of :func:`~iht.projection.errors.check_no_nan`).
    """
    views = [numpy_view(a) for a in arrays] if is_tensor(arrays[0]) else arrays
    if all(v is not None for v in views):
        masks = _numpy_masks([v.reshape(-1) for v in views], k, names)
        if views is not arrays:
            masks = [like(m, a) for m, a in zip(masks, arrays)]
    else:
        for a, name in zip(arrays, names):
            check_no_nan(a, name)
        masks = _masks_with_ops([a.reshape(-1) for a in arrays], k, _TorchOps)
    return [m.reshape(tuple(a.shape)) for m, a in zip(masks, arrays)]

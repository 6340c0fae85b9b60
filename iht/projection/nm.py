"""N:M semi-structured masks: in every group of M consecutive entries along an axis keep the N largest.

2:4 is the pattern accelerated by NVIDIA Ampere sparse tensor cores (Mishra et al., "Accelerating
Sparse Deep Neural Networks", 2021) and used in AC/DC's semi-structured experiments (Peste et al.
2021, Section 4). Groups run along the input dimension: axis 1 of a linear weight ``(out, in)`` and
of a convolution weight ``(out, in, kh, kw)``; axis 0 of a vector.

Within a group the kept entries are the N largest magnitudes; ties go to the lower index in the
group, the same rule as :func:`~iht.projection.topk.topk_mask`. The result equals applying
``topk_mask(group, N)`` to every group, computed for all groups at once from the M(M-1)/2 pairwise
comparisons of the group's entries (no sort): an entry is kept when fewer than N entries beat it.
The grouped axis is split in place (``(before, groups, M, after)``, a view); numpy works through it
in blocks that stay in cache, each block's magnitudes copied once into ``(M, after, rows)`` order, so
that every comparison runs over long contiguous rows (``after`` is 9 for 3×3 convolutions).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from iht.projection._backend import is_tensor, like, numpy_view
from iht.projection.bracket import BLOCK
from iht.projection.errors import check_array, check_arrays, check_int, item_name


def default_nm_axis(ndim: int) -> int:
    """Axis along which N:M groups run by default: 1 (input channels/features), 0 for vectors."""
    return 1 if ndim >= 2 else 0


def nm_mask(x: Any, n: int = 2, m: int = 4, axis: int | None = None) -> Any:
    """Boolean N:M mask of ``x``: exactly ``n`` True in every group of ``m`` along ``axis``.

    Parameters
    ----------
    x : ndarray or Tensor
        Real floating values without NaN; ``x.shape[axis]`` must be divisible by ``m``.
    n, m : int
        Keep ``n`` of every ``m`` entries, ``0 <= n <= m``, ``m >= 1``. Default 2:4.
    axis : int, optional
        Grouping axis; default :func:`default_nm_axis` (input channels of conv/linear weights).

    Returns
    -------
    bool mask shaped like ``x``, same array type and device.
    """
    check_array(x)
    return _nm_mask_of_valid(x, n, m, axis, "x")


def nm_masks(arrays: Mapping[str, Any], n: int = 2, m: int = 4, axis: int | None = None) -> dict[str, Any]:
    """:func:`nm_mask` of every array of ``arrays`` (name -> array), each scanned for NaN once."""
    check_arrays(arrays)
    return {key: _nm_mask_of_valid(a, n, m, axis, item_name(key)) for key, a in arrays.items()}


def _nm_mask_of_valid(x: Any, n: int, m: int, axis: int | None, name: str) -> Any:
    """:func:`nm_mask` of ``x`` already checked by :func:`check_array`; ``name`` is how messages call it."""
    m = check_int(m, "m", 1)
    n = check_int(n, "n", 0)
    if n > m:
        raise ValueError(f"n must be <= m (keep n of every m entries); got n={n}, m={m}")
    ndim = len(x.shape)
    if axis is None:
        axis = default_nm_axis(ndim)
    axis = check_int(axis, "axis", -ndim, ndim - 1) % ndim
    if x.shape[axis] % m:
        raise ValueError(
            f"{name}.shape[{axis}]={x.shape[axis]} is not divisible by m={m}; N:M groups of m "
            f"consecutive entries run along axis {axis} of {name} with shape {tuple(x.shape)}"
        )
    if n in (0, m):
        return like(np.full(tuple(x.shape), n == m), x)
    view = numpy_view(x) if is_tensor(x) else x
    if view is not None:
        return like(_nm_mask_numpy(view, n, m, axis), x)
    return _nm_mask_torch(x, n, m, axis)


def _keep_largest(columns: Any, n: int, uint8: Any) -> list[Any]:
    """Given ``(M, ...)`` magnitudes, per column i the flags of the n winners of each group.

    Entry i beats entry j when its magnitude is larger, or equal with ``i < j``; ``uint8`` is the
    array library's byte dtype, used to count losses without widening.
    """
    m = columns.shape[0]
    losses: list[Any] = [0] * m
    for i in range(m):
        for j in range(i + 1, m):
            i_wins = columns[i] >= columns[j]
            losses[j] = losses[j] + i_wins.view(uint8)
            losses[i] = losses[i] + (~i_wins).view(uint8)
    return [loss < n for loss in losses]


def _grouped_shape(shape: tuple[int, ...], m: int, axis: int) -> tuple[int, int, int]:
    """``(rows, m, after)``: the N:M view of an array, one row per group."""
    before = math.prod(shape[:axis])
    return before * (shape[axis] // m), m, math.prod(shape[axis + 1 :])


def _nm_mask_numpy(x: np.ndarray, n: int, m: int, axis: int) -> np.ndarray:
    rows, _, after = _grouped_shape(x.shape, m, axis)
    grouped = np.ascontiguousarray(x).reshape(rows, m, after)
    mask = np.empty(grouped.shape, dtype=bool)
    step = max(1, BLOCK // (m * after))
    columns = np.empty((m, after, min(step, rows)), dtype=x.dtype)
    for start in range(0, rows, step):
        stop = min(start + step, rows)
        block = columns[:, :, : stop - start]
        np.abs(grouped[start:stop].transpose(1, 2, 0), out=block)
        for i, keep in enumerate(_keep_largest(block, n, np.uint8)):
            for position in range(after):  # one long strided loop each, not `after`-long ones per row
                mask[start:stop, i, position] = keep[position]
    return mask.reshape(x.shape)


def _nm_mask_torch(x: Any, n: int, m: int, axis: int) -> Any:
    import torch

    grouped = x.detach().abs().reshape(_grouped_shape(tuple(x.shape), m, axis))
    keep = _keep_largest(grouped.transpose(0, 1), n, torch.uint8)
    return torch.stack(keep, dim=1).reshape(x.shape)

"""N:M semi-structured masks: in every group of M consecutive entries along an axis keep the N largest.

2:4 is the pattern accelerated by NVIDIA Ampere sparse tensor cores (Mishra et al., "Accelerating
Sparse Deep Neural Networks", 2021) and used in AC/DC's semi-structured experiments (Peste et al.
2021, Section 4). Groups run along the input dimension: axis 1 of a linear weight ``(out, in)`` and
of a convolution weight ``(out, in, kh, kw)``; axis 0 of a vector.

Within a group the kept entries are the N largest magnitudes; ties go to the lower index in the
group, the same rule as :func:`~iht.projection.topk.topk_mask`. The result equals applying
``topk_mask(group, N)`` to every group, computed for all groups at once from pairwise comparisons
(M² comparisons per group, no sort).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from iht.projection._backend import is_tensor, like, numpy_view
from iht.projection.errors import check_array, check_int


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
            f"x.shape[{axis}]={x.shape[axis]} is not divisible by m={m}; N:M groups of m "
            f"consecutive entries run along axis {axis} of x with shape {tuple(x.shape)}"
        )
    view = numpy_view(x) if is_tensor(x) else x
    if view is not None:
        return like(_nm_mask_numpy(view, n, m, axis), x)
    return _nm_mask_torch(x, n, m, axis)


def _keep_from_groups(magnitudes: Any, n: int, lower_index: Any) -> Any:
    """Given ``(G, M)`` magnitudes, True for the n winners of each row (ties: lower index)."""
    left, right = magnitudes[:, :, None], magnitudes[:, None, :]
    beats = (left > right) | ((left == right) & lower_index)
    return beats.sum(1) < n


def _nm_mask_numpy(x: np.ndarray, n: int, m: int, axis: int) -> np.ndarray:
    moved = np.moveaxis(np.abs(x), axis, -1)
    groups = np.ascontiguousarray(moved).reshape(-1, m)
    lower_index = np.triu(np.ones((m, m), dtype=bool), 1)
    keep = _keep_from_groups(groups, n, lower_index)
    return np.ascontiguousarray(np.moveaxis(keep.reshape(moved.shape), -1, axis))


def _nm_mask_torch(x: Any, n: int, m: int, axis: int) -> Any:
    import torch

    moved = x.detach().abs().movedim(axis, -1)
    groups = moved.contiguous().reshape(-1, m)
    lower_index = torch.ones((m, m), dtype=torch.bool, device=x.device).triu(1)
    keep = _keep_from_groups(groups, n, lower_index)
    return keep.reshape(moved.shape).movedim(-1, axis).contiguous()

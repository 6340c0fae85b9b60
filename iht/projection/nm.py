"""N:M semi-structured masks: in every group of M consecutive entries along an axis keep the N largest.

2:4 is the pattern accelerated by NVIDIA Ampere sparse tensor cores (Mishra et al., "Accelerating
Sparse Deep Neural Networks", 2021) and used in AC/DC's semi-structured experiments (Peste et al.
2021, Section 4). Groups run along the input dimension: axis 1 of a linear weight ``(out, in)`` and
of a convolution weight ``(out, in, kh, kw)``; axis 0 of a vector.

Within a group the kept entries are the N largest magnitudes; ties go to the lower index in the
group, the same rule as :func:`~iht.projection.topk.topk_mask`. The result equals applying
``topk_mask(group, N)`` to every group, computed for all groups at once by one of two kernels that
give the same bits:

- small groups (``M <= PAIRWISE_MAX_M``, 2:4 among them): the M(M-1)/2 pairwise comparisons of the
  group's entries (no sort); an entry is kept when fewer than N entries beat it. Its loss counters
  are bytes when M <= 256 (a loss count is at most M - 1) and wider integers above, so the kernel is
  exact for any M;
- larger groups: a stable sort of each group by decreasing magnitude, the first N kept (the M(M-1)/2
  comparisons cost more than the sort from M = 64 on, measured on a 1024x4096 float32 weight with
  numpy and with bfloat16 torch).

The grouped axis is split in place (``(before, groups, M, after)``, a view); numpy works through it
in blocks that stay in cache, each block's magnitudes copied once into ``(M, after, rows)`` order, so
that every comparison runs over long contiguous rows (``after`` is 9 for 3×3 convolutions). A 0-d
input is grouped as the 1-element vector it holds (only ``m = 1`` divides it).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from iht.projection._backend import is_tensor, like, numpy_view
from iht.projection.bracket import BLOCK
from iht.projection.errors import check_array, check_arrays, item_name
from iht.validation import check_int

#: largest M handled by the pairwise kernel; larger groups are sorted (see the module docstring)
PAIRWISE_MAX_M = 32


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


def check_nm(n: Any, m: Any, axis: Any = None) -> tuple[int, int, int | None]:
    """Return ``(n, m, axis)`` as ints (``axis`` may stay None) after checking ``0 <= n <= m``.

    ``axis`` is only checked to be an integer here; its range depends on the array.
    """
    m = check_int(m, "m", 1)
    n = check_int(n, "n", 0)
    if n > m:
        raise ValueError(f"n must be <= m (keep n of every m entries); got n={n}, m={m}")
    if axis is not None and (isinstance(axis, bool) or not isinstance(axis, numbers.Integral)):
        raise TypeError(f"axis must be None or an integer; got {axis!r} ({type(axis).__name__})")
    return n, m, None if axis is None else int(axis)


def _nm_mask_of_valid(x: Any, n: int, m: int, axis: int | None, name: str) -> Any:
    """:func:`nm_mask` of ``x`` already checked by :func:`check_array`; ``name`` is how messages call it."""
    n, m, axis = check_nm(n, m, axis)
    if len(x.shape) == 0:  # one entry, grouped as the 1-element vector it holds
        if m != 1:
            raise ValueError(f"m must be 1 for the 0-d {name} (a single entry); got m={m}")
        return _nm_mask_of_valid(x.reshape(1), n, m, axis, name).reshape(())
    ndim = len(x.shape)
    if axis is None:
        axis = default_nm_axis(ndim)
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"axis must be in [{-ndim}, {ndim - 1}] for {name} of shape {tuple(x.shape)}; got axis={axis}"
        )
    axis %= ndim
    if x.shape[axis] % m:
        raise ValueError(
            f"{name}.shape[{axis}]={x.shape[axis]} is not divisible by m={m}; N:M groups of m "
            f"consecutive entries run along axis {axis} of {name} with shape {tuple(x.shape)}"
        )
    if n in (0, m):
        return like(np.full(tuple(x.shape), n == m), x)
    view = numpy_view(x) if is_tensor(x) else x
    pairwise = m <= PAIRWISE_MAX_M
    if view is not None:
        return like((_nm_mask_numpy if pairwise else _nm_sort_numpy)(view, n, m, axis), x)
    return (_nm_mask_torch if pairwise else _nm_sort_torch)(x, n, m, axis)


def _keep_largest(columns: Any, n: int, byte: Any, counters: list[Any]) -> list[Any]:
    """Given ``(M, ...)`` magnitudes, per column i the flags of the n winners of each group.

    Entry i beats entry j when its magnitude is larger, or equal with ``i < j``. ``byte`` is the
    array library's uint8 dtype (a comparison's flags are counted through a byte view, without a
    conversion); ``counters`` holds M zeroed integer arrays shaped like a column, of a dtype that holds
    M - 1 (:func:`_counter_dtype`), and is consumed.
    """
    m = columns.shape[0]
    for i in range(m):
        for j in range(i + 1, m):
            i_wins = columns[i] >= columns[j]
            counters[j] += i_wins.view(byte)
            counters[i] += (~i_wins).view(byte)
    return [loss < n for loss in counters]


def _counter_dtype(m: int, byte: Any, wide: Any) -> Any:
    """The loss counters' dtype: ``byte`` while ``m - 1 <= 255`` (2:4 and every practical M), else
    ``wide``."""
    return byte if m <= 256 else wide


def _grouped_shape(shape: tuple[int, ...], m: int, axis: int) -> tuple[int, int, int]:
    """``(rows, m, after)``: the N:M view of an array, one row per group."""
    before = math.prod(shape[:axis])
    return before * (shape[axis] // m), m, math.prod(shape[axis + 1 :])


def _blocks(x: np.ndarray, m: int, axis: int) -> tuple[np.ndarray, np.ndarray, int]:
    """``(grouped, mask, step)``: x as ``(rows, m, after)``, its output mask, rows per cached block."""
    rows, _, after = _grouped_shape(x.shape, m, axis)
    grouped = np.ascontiguousarray(x).reshape(rows, m, after)
    return grouped, np.empty(grouped.shape, dtype=bool), max(1, BLOCK // (m * after))


def _nm_mask_numpy(x: np.ndarray, n: int, m: int, axis: int) -> np.ndarray:
    grouped, mask, step = _blocks(x, m, axis)
    rows, _, after = grouped.shape
    counter = _counter_dtype(m, np.uint8, np.int32)
    columns = np.empty((m, after, min(step, rows)), dtype=x.dtype)
    for start in range(0, rows, step):
        stop = min(start + step, rows)
        block = columns[:, :, : stop - start]
        np.abs(grouped[start:stop].transpose(1, 2, 0), out=block)
        counters = [np.zeros(block.shape[1:], dtype=counter) for _ in range(m)]
        for i, keep in enumerate(_keep_largest(block, n, np.uint8, counters)):
            for position in range(after):  # one long strided loop each, not `after`-long ones per row
                mask[start:stop, i, position] = keep[position]
    return mask.reshape(x.shape)


def _nm_mask_torch(x: Any, n: int, m: int, axis: int) -> Any:
    import torch

    grouped = x.detach().abs().reshape(_grouped_shape(tuple(x.shape), m, axis))
    columns = grouped.transpose(0, 1)
    counter = _counter_dtype(m, torch.uint8, torch.int32)
    counters = [torch.zeros(columns.shape[1:], dtype=counter, device=x.device) for _ in range(m)]
    keep = _keep_largest(columns, n, torch.uint8, counters)
    return torch.stack(keep, dim=1).reshape(x.shape)


def _nm_sort_numpy(x: np.ndarray, n: int, m: int, axis: int) -> np.ndarray:
    """The sort kernel: per group, a stable argsort of the negated magnitudes; the first n kept."""
    grouped, mask, step = _blocks(x, m, axis)
    for start in range(0, grouped.shape[0], step):
        # (rows, after, m) order, contiguous: each group is one contiguous row of the sort
        negated = np.negative(np.abs(grouped[start : start + step].transpose(0, 2, 1)), order="C")
        order = np.argsort(negated, axis=-1, kind="stable")[..., :n]
        block = np.zeros(negated.shape, dtype=bool)
        np.put_along_axis(block, order, True, axis=-1)
        mask[start : start + step] = block.transpose(0, 2, 1)
    return mask.reshape(x.shape)


def _nm_sort_torch(x: Any, n: int, m: int, axis: int) -> Any:
    """The sort kernel in torch: a stable descending sort keeps equal magnitudes in index order."""
    import torch

    grouped = x.detach().abs().reshape(_grouped_shape(tuple(x.shape), m, axis)).transpose(1, 2)
    winners = torch.sort(grouped, dim=-1, descending=True, stable=True).indices[..., :n]
    mask = torch.zeros(grouped.shape, dtype=torch.bool, device=x.device).scatter_(-1, winners, True)
    return mask.transpose(1, 2).reshape(x.shape)

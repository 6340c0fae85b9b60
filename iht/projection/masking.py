"""Applying masks in place, at the cost of one pass over the weights.

A boolean mask is applied without casting it to the weight's dtype: numpy zeroes the dropped
entries with ``copyto(where=)``; torch uses ``masked_fill_`` (multiplying by a bool tensor is about an
order of magnitude slower on CPU). ``-0.0`` is not produced: dropped entries become ``+0.0``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from iht.projection._backend import is_tensor
from iht.projection.errors import check_same_shape


def apply_mask_(x: Any, mask: Any) -> Any:
    """Set the entries of ``x`` where ``mask`` is False to zero, in place; return ``x``.

    Parameters
    ----------
    x : ndarray or Tensor
        Modified in place (for a tensor that requires grad, the data is modified without autograd).
    mask : bool ndarray or Tensor shaped like ``x``
    """
    check_same_shape(mask, x)
    if is_tensor(x):
        import torch

        with torch.no_grad():
            x.masked_fill_(~mask, 0)
        return x
    np.copyto(x, 0, where=~mask)
    return x


def apply_masks_(arrays: Mapping[str, Any], masks: Mapping[str, Any]) -> None:
    """Apply ``masks[name]`` to ``arrays[name]`` in place for every name of ``masks``."""
    unknown = set(masks) - set(arrays)
    if unknown:
        raise KeyError(f"masks names arrays that do not exist: {sorted(unknown)}")
    for name, mask in masks.items():
        apply_mask_(arrays[name], mask)

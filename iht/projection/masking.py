"""Applying masks in place, at the cost of one pass over the weights.

A boolean mask is applied by multiplying in place by it, without materialising a mask in the weight's
dtype: numpy's ``multiply(out=)`` with the bool mask (about 3x faster than ``copyto(where=~mask)``).
CPU tensors take the same path through their zero-copy numpy view (4-6x faster than torch's
``masked_fill_`` or ``mul_`` with a bool tensor, measured on ResNet-sized weights) and then get their
autograd version counter bumped, as any in-place torch update would; tensors on other devices use
``mul_``. A dropped negative entry becomes ``-0.0`` (``-0.0 == 0`` with magnitude 0, so masks, counts and
norms are unaffected); a dropped NaN or infinity becomes NaN, as the product says. For copies with
``+0.0`` in dropped entries, see :meth:`iht.projection.Projection.project`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from iht.projection._backend import is_tensor, numpy_view
from iht.projection.errors import check_array, check_mask, check_writable, item_name


def apply_mask_(x: Any, mask: Any) -> Any:
    """Set the entries of ``x`` where ``mask`` is False to zero, in place; return ``x``.

    Parameters
    ----------
    x : ndarray or Tensor
        Real floating, writeable, no entries sharing memory (checked by
        :func:`~iht.projection.errors.check_array` without the NaN scan, and
        :func:`~iht.projection.errors.check_writable`). Modified in place (for a tensor that requires
        grad, the data is modified without autograd; the version counter is bumped, so autograd still
        detects a tensor saved for backward).
    mask : bool ndarray or Tensor shaped like ``x``
        Of the array type of ``x`` (a tensor on the device of ``x``); a mask of the other library or
        of another dtype is a TypeError (:func:`~iht.projection.errors.check_mask`), never converted.
    """
    _check_pair(x, mask, "x", "mask")
    _multiply_(x, mask)
    return x


def _check_pair(x: Any, mask: Any, x_name: str, mask_name: str) -> None:
    check_array(x, x_name, nan=False)
    check_writable(x, x_name)
    check_mask(mask, x, mask_name)


def _multiply_(x: Any, mask: Any) -> None:
    """``x *= mask`` in one pass (numpy view for CPU tensors), for a validated pair."""
    if not is_tensor(x):
        np.multiply(x, mask, out=x)
        return
    import torch

    view = numpy_view(x)
    if view is None:
        with torch.no_grad():
            x.mul_(mask)
        return
    np.multiply(view, mask.numpy(), out=view)
    torch.autograd.graph.increment_version(x)


def apply_masks_(arrays: Mapping[str, Any], masks: Mapping[str, Any]) -> None:
    """Apply ``masks[name]`` to ``arrays[name]`` in place for every name of ``masks``.

    Every pair is checked before any array is modified, so a bad mask leaves all arrays untouched.
    """
    for value, name in ((arrays, "arrays"), (masks, "masks")):
        if not isinstance(value, Mapping):
            raise TypeError(f"{name} must be a mapping of name -> array; got {type(value).__name__}")
    unknown = set(masks) - set(arrays)
    if unknown:
        raise KeyError(f"masks names arrays that do not exist: {sorted(unknown)}")
    for name, mask in masks.items():
        _check_pair(arrays[name], mask, item_name(name), item_name(name, "masks"))
    for name, mask in masks.items():
        _multiply_(arrays[name], mask)

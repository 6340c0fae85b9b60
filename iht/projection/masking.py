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
from iht.projection.errors import check_same_shape


def apply_mask_(x: Any, mask: Any) -> Any:
    """Set the entries of ``x`` where ``mask`` is False to zero, in place; return ``x``.

    Parameters
    ----------
    x : ndarray or Tensor
        Modified in place (for a tensor that requires grad, the data is modified without autograd; the
        version counter is bumped, so autograd still detects a tensor saved for backward).
    mask : bool ndarray or Tensor shaped like ``x`` (a tensor on the device of ``x``)
    """
    check_same_shape(mask, x)
    if not is_tensor(x):
        np.multiply(x, mask, out=x)
        return x
    import torch

    view = numpy_view(x)
    if view is None:
        with torch.no_grad():
            x.mul_(mask)
        return x
    np.multiply(view, mask.numpy(), out=view)
    torch.autograd.graph.increment_version(x)
    return x


def apply_masks_(arrays: Mapping[str, Any], masks: Mapping[str, Any]) -> None:
    """Apply ``masks[name]`` to ``arrays[name]`` in place for every name of ``masks``."""
    unknown = set(masks) - set(arrays)
    if unknown:
        raise KeyError(f"masks names arrays that do not exist: {sorted(unknown)}")
    for name, mask in masks.items():
        apply_mask_(arrays[name], mask)

"""Array checks of the projection core, in the message grammar of :mod:`iht.validation`.

Every public operator of the projection core calls these helpers first, so that the same mistake
gets the same message everywhere; tests pin the messages. Scalar checks (integers, reals,
sparsities, choices) are in :mod:`iht.validation`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import numpy as np

from iht.projection._backend import is_tensor, numpy_view
from iht.validation import as_int

#: torch dtypes the core computes with (the float8 formats lack the reductions that top-k needs)
TORCH_FLOAT_DTYPES = ("torch.float16", "torch.bfloat16", "torch.float32", "torch.float64")


def check_array(x: Any, name: str = "x", nan: bool = True) -> None:
    """Check that ``x`` is a non-empty floating numpy array or torch tensor without NaN.

    Parameters
    ----------
    x : ndarray or Tensor
        Any shape, 0-d included; any strides. A tensor must be dense (strided layout) and hold
        values (not on the ``meta`` device); its dtype one of :data:`TORCH_FLOAT_DTYPES`.
    name : str
        How ``x`` is named in error messages.
    nan : bool
        Scan for NaN with :func:`check_no_nan`. Top-k selection passes ``False`` and folds the scan
        into its own pass over the data (:func:`~iht.projection.selection.topk_masks`).

    Raises
    ------
    TypeError
        If ``x`` is not an ndarray/tensor (masked arrays and ``np.matrix``, whose arithmetic differs,
        included), a tensor is not strided, or the dtype is not a real floating one.
    ValueError
        If ``x`` is empty, on the meta device, or contains NaN (the message gives how many and the
        first flat index).
    """
    if is_tensor(x):
        if x.layout != sys.modules["torch"].strided:
            raise TypeError(f"{name} must be a dense (strided) tensor; got layout {x.layout}")
        if str(x.dtype) not in TORCH_FLOAT_DTYPES:
            raise TypeError(
                f"{name} must have a real floating dtype (float16, bfloat16, float32 or float64); "
                f"got dtype {x.dtype}"
            )
        if x.device.type == "meta":
            raise ValueError(
                f"{name} must be a tensor holding values; got {name} on the meta device "
                "(masks need values)"
            )
        size = x.numel()
    elif _is_plain_ndarray(x):
        if not np.issubdtype(x.dtype, np.floating):
            raise TypeError(
                f"{name} must have a real floating dtype (magnitude ordering is undefined "
                f"otherwise); got dtype {x.dtype}"
            )
        size = x.size
    else:
        raise TypeError(f"{name} must be a numpy.ndarray or torch.Tensor; got {type(x).__name__}")
    if size == 0:
        raise ValueError(f"{name} must be non-empty; got shape {tuple(x.shape)}")
    if nan:
        check_no_nan(x, name)


def _is_plain_ndarray(x: Any) -> bool:
    """An ndarray whose arithmetic is numpy's (masked arrays and ``np.matrix`` excluded)."""
    return isinstance(x, np.ndarray) and not isinstance(x, (np.ma.MaskedArray, np.matrix))


def check_no_nan(x: Any, name: str = "x") -> None:
    """Raise ValueError, giving the NaN count and first flat index, if ``x`` contains NaN.

    The scan costs one streaming read: a sum is computed first, and only when the sum is NaN
    (NaN present, or +inf and -inf together) are the NaN entries counted and located. CPU tensors are
    scanned through their numpy view (torch's threaded ``sum`` over many small tensors is slower).
    """
    if is_tensor(x) and numpy_view(x) is not None:
        x = numpy_view(x)
    if is_tensor(x):
        import torch

        with torch.no_grad():
            if not torch.isnan(x.sum()):
                return
            nan = torch.isnan(x.detach()).flatten()
            count = int(nan.sum())
            where = int(nan.nonzero()[0, 0]) if count else -1
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            if not np.isnan(x.sum()):
                return
        nan = np.isnan(x).ravel()
        count = int(nan.sum())
        where = int(np.flatnonzero(nan)[0]) if count else -1
    if count:
        raise ValueError(
            f"{name} contains {count} NaN value(s) (first at flat index {where}); "
            "magnitude top-k is undefined for NaN"
        )


def check_arrays(arrays: Any, name: str = "arrays", nan: bool = True) -> None:
    """Check a non-empty mapping name -> array, each entry as in :func:`check_array`."""
    if not isinstance(arrays, Mapping):
        raise TypeError(
            f"{name} must be a mapping of name -> array (e.g. dict(model.named_parameters())); "
            f"got {type(arrays).__name__}"
        )
    if len(arrays) == 0:
        raise ValueError(f"{name} must contain at least one array; got an empty mapping")
    kinds = {is_tensor(a) for a in arrays.values()}
    if len(kinds) > 1:
        raise TypeError(f"{name} mixes numpy arrays and torch tensors; use one array type")
    for key, value in arrays.items():
        check_array(value, name=item_name(key, name), nan=nan)
    devices = {str(a.device) for a in arrays.values()} if kinds == {True} else set()
    if len(devices) > 1:
        raise ValueError(f"{name} must all be on one device; got devices {sorted(devices)}")


def item_name(key: Any, name: str = "arrays") -> str:
    """How the entry ``key`` of a mapping called ``name`` is named in messages: ``arrays['fc']``."""
    return f"{name}[{key!r}]"


def check_k(k: Any, size: int, name: str = "k") -> int:
    """Return ``k`` as int after checking ``0 <= k <= size``."""
    k = as_int(k, name)
    if not 0 <= k <= size:
        raise ValueError(f"{name} must be in [0, size={size}]; got {name}={k}")
    return k


def check_same_shape(mask: Any, x: Any, name: str = "mask") -> None:
    """Check that ``mask`` has the shape of ``x``."""
    if tuple(mask.shape) != tuple(x.shape):
        raise ValueError(
            f"{name} must have the shape of x {tuple(x.shape)}; got {tuple(mask.shape)}"
        )


def check_mask(mask: Any, x: Any, name: str = "mask") -> None:
    """Check that ``mask`` is a bool array of ``x``'s library, shape and device.

    A numpy mask for a tensor (or the reverse) is a TypeError rather than a silent conversion: the
    conversion would copy (or, for a CUDA tensor, fail), and a mask of another dtype would scale
    ``x`` instead of selecting entries.
    """
    library = "torch.Tensor" if is_tensor(x) else "numpy.ndarray"
    if is_tensor(mask) != is_tensor(x) or not (is_tensor(mask) or _is_plain_ndarray(mask)):
        raise TypeError(f"{name} must be a {library} (the array type of x); got {type(mask).__name__}")
    if str(mask.dtype) not in ("bool", "torch.bool"):
        raise TypeError(f"{name} must have dtype bool (True keeps an entry); got dtype {mask.dtype}")
    check_same_shape(mask, x, name)
    if is_tensor(x) and mask.device != x.device:
        raise ValueError(f"{name} must be on the device of x ({x.device}); got {name} on {mask.device}")


def check_writable(x: Any, name: str = "x") -> None:
    """Check that ``x`` can be updated in place entry by entry.

    Raises ValueError for a read-only numpy array and for a view that repeats memory along an axis
    (a zero stride, as ``expand`` and ``broadcast_to`` give), where entries share one location.
    """
    if isinstance(x, np.ndarray) and not x.flags.writeable:
        raise ValueError(f"{name} must be writeable (it is updated in place); got a read-only array")
    strides = tuple(x.stride()) if is_tensor(x) else x.strides
    if 0 in strides and any(stride == 0 and size > 1 for stride, size in zip(strides, x.shape)):
        raise ValueError(
            f"{name} must not repeat memory (it is updated in place); got strides {strides} "
            f"for shape {tuple(x.shape)} (an expanded or broadcast view)"
        )


def check_finite_vector(x: Any, dim: int, name: str = "x") -> np.ndarray:
    """Return ``x`` as a float64 copy after checking it is a finite numpy vector of shape ``(dim,)``.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy array with a real (integer or floating) dtype.
    ValueError
        If the shape is not ``(dim,)``, or ``x`` holds NaN or inf (the message gives how many and
        the first index).
    """
    if not isinstance(x, np.ndarray) or not (
        np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)
    ):
        raise TypeError(f"{name} must be a real numpy.ndarray; got {type(x).__name__} "
                        f"{getattr(x, 'dtype', '')}".rstrip())
    if x.shape != (dim,):
        raise ValueError(f"{name} must have shape ({dim},); got shape {x.shape}")
    bad = ~np.isfinite(x)
    if bad.any():
        raise ValueError(
            f"{name} must be finite; got {int(bad.sum())} non-finite value(s) "
            f"(first at index {int(np.flatnonzero(bad)[0])})"
        )
    return x.astype(np.float64, copy=True)

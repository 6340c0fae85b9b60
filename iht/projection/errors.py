"""Input validation with messages that name the parameter, the allowed values and what was received.

Every public operator of the projection core calls these helpers first, so that the same mistake
gets the same message everywhere; tests pin the messages.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from iht.projection._backend import is_tensor, numpy_view


def check_array(x: Any, name: str = "x", nan: bool = True) -> None:
    """Check that ``x`` is a non-empty floating numpy array or torch tensor without NaN.

    Parameters
    ----------
    x : ndarray or Tensor
    name : str
        How ``x`` is named in error messages.
    nan : bool
        Scan for NaN with :func:`check_no_nan`. Top-k selection passes ``False`` and folds the scan
        into its own pass over the data (:func:`~iht.projection.selection.topk_masks`).

    Raises
    ------
    TypeError
        If ``x`` is not an ndarray/tensor, or its dtype is not floating point.
    ValueError
        If ``x`` is empty or contains NaN (the message gives how many and the first flat index).
    """
    if is_tensor(x):
        if x.is_complex() or not x.is_floating_point():
            raise TypeError(
                f"{name} must have a real floating dtype (magnitude ordering is undefined "
                f"otherwise); got dtype {x.dtype}"
            )
        size = x.numel()
    elif isinstance(x, np.ndarray):
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


def item_name(key: Any, name: str = "arrays") -> str:
    """How the entry ``key`` of a mapping called ``name`` is named in messages: ``arrays['fc']``."""
    return f"{name}[{key!r}]"


def check_int(value: Any, name: str, low: int, high: int | None = None) -> int:
    """Return ``value`` as int if it is an integer in ``[low, high]`` (``high=None``: unbounded)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {value!r} ({type(value).__name__})")
    value = int(value)
    if value < low or (high is not None and value > high):
        allowed = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be in {allowed}; got {name}={value}")
    return value


def check_k(k: Any, size: int, name: str = "k") -> int:
    """Return ``k`` as int after checking ``0 <= k <= size``."""
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {k!r} ({type(k).__name__})")
    k = int(k)
    if not 0 <= k <= size:
        raise ValueError(f"{name} must be in [0, size={size}]; got {name}={k}")
    return k


def check_sparsity(sparsity: Any, name: str = "sparsity") -> float:
    """Return ``sparsity`` as float after checking it is a real number in ``[0, 1)``."""
    if isinstance(sparsity, bool) or not isinstance(sparsity, numbers.Real):
        raise TypeError(
            f"{name} must be a real number in [0, 1); got {sparsity!r} ({type(sparsity).__name__})"
        )
    value = float(sparsity)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1) (fraction of zeros); got {name}={sparsity!r}")
    return value


def check_same_shape(mask: Any, x: Any, name: str = "mask") -> None:
    """Check that ``mask`` has the shape of ``x``."""
    if tuple(mask.shape) != tuple(x.shape):
        raise ValueError(
            f"{name} must have the shape of x {tuple(x.shape)}; got {tuple(mask.shape)}"
        )


def check_real(value: Any, name: str, low: float, high: float | None = None, *,
               strict: bool = False) -> float:
    """Return ``value`` as float if it is a finite real number ``>= low`` (``> low`` if ``strict``).

    ``high`` (inclusive) bounds it from above when given.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r} ({type(value).__name__})")
    number = float(value)
    below = number <= low if strict else number < low
    if not np.isfinite(number) or below or (high is not None and number > high):
        lower = f"> {low}" if strict else f">= {low}"
        allowed = lower if high is None else f"{lower} and <= {high}"
        raise ValueError(f"{name} must be finite and {allowed}; got {name}={value!r}")
    return number


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

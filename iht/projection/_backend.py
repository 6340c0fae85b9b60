"""Array-type dispatch shared by every projection operator.

The projection core accepts ``numpy.ndarray`` and ``torch.Tensor`` inputs and returns results of the
same type (and, for tensors, on the same device). ``torch`` is never imported here: a tensor can only
exist if the caller already imported torch, so ``sys.modules`` is enough to recognise one. This keeps
``import iht`` free of torch.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

#: torch dtypes that numpy can view without copying (CPU tensors take the numpy path).
_NUMPY_VIEWABLE_TORCH_DTYPES = ("torch.float16", "torch.float32", "torch.float64")


def is_tensor(x: Any) -> bool:
    """Return True when ``x`` is a ``torch.Tensor`` (without importing torch)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def size_of(x: Any) -> int:
    """Number of elements of an ndarray or tensor."""
    return x.numel() if is_tensor(x) else int(x.size)


def numpy_view(x: Any) -> np.ndarray | None:
    """Zero-copy numpy view of a CPU tensor whose dtype numpy supports, else None.

    Masks computed on this view are bit-identical to the torch computation because both are exact
    comparisons of the same magnitudes; the view only lets CPU tensors use numpy's selection.
    """
    if x.device.type != "cpu" or str(x.dtype) not in _NUMPY_VIEWABLE_TORCH_DTYPES:
        return None
    return x.detach().resolve_conj().resolve_neg().numpy()


def like(mask_np: np.ndarray, x: Any) -> Any:
    """Return a numpy mask as the array type of ``x`` (a tensor on x's device when x is one)."""
    if is_tensor(x):
        import torch

        return torch.from_numpy(mask_np).to(x.device)
    return mask_np


def masked_copy(x: Any, mask: Any) -> Any:
    """A copy of ``x`` with ``+0.0`` where ``mask`` is False (same array type, dtype and device)."""
    if is_tensor(x):
        import torch

        return torch.where(mask, x.detach(), torch.zeros((), dtype=x.dtype, device=x.device))
    return np.where(mask, x, x.dtype.type(0))

"""Uniformly random masks with an exact kept count, drawn from a caller-supplied generator.

Used for static sparse training baselines and as the null model of mask comparisons. Randomness
comes only from the generator argument (``numpy.random.Generator`` for arrays, ``torch.Generator``
for tensors): the same generator state gives the same mask.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from iht.projection._backend import is_tensor
from iht.projection.errors import check_array, check_k


def check_generator(generator: Any) -> None:
    """Check that ``generator`` is a ``numpy.random.Generator`` or a ``torch.Generator``."""
    torch = sys.modules.get("torch")
    if not isinstance(generator, np.random.Generator) and not (
        torch is not None and isinstance(generator, torch.Generator)
    ):
        raise TypeError(
            f"generator must be a numpy.random.Generator (e.g. np.random.default_rng(seed)) or a "
            f"torch.Generator; got {type(generator).__name__}"
        )


def random_mask(x: Any, k: int, generator: Any) -> Any:
    """Boolean mask shaped like ``x`` with ``k`` True at uniformly random positions.

    Parameters
    ----------
    x : ndarray or Tensor
        Only its shape, type and device are used (values are not read beyond validation).
    k : int
        Number of kept entries, ``0 <= k <= x.size``.
    generator : numpy.random.Generator or torch.Generator
        Matching the array type of ``x``; a torch generator must live on ``x``'s device.

    Returns
    -------
    bool mask shaped like ``x``; every k-subset is equally likely.
    """
    check_array(x)
    if is_tensor(x):
        import torch

        if not isinstance(generator, torch.Generator):
            raise TypeError(
                f"generator must be a torch.Generator for a torch.Tensor x; "
                f"got {type(generator).__name__}"
            )
        k = check_k(k, x.numel())
        keep = torch.randperm(x.numel(), generator=generator, device=generator.device)[:k]
        mask = torch.zeros(x.numel(), dtype=torch.bool, device=x.device)
        mask[keep.to(x.device)] = True
        return mask.reshape(x.shape)
    if not isinstance(generator, np.random.Generator):
        raise TypeError(
            f"generator must be a numpy.random.Generator for a numpy x (e.g. "
            f"np.random.default_rng(seed)); got {type(generator).__name__}"
        )
    k = check_k(k, x.size)
    mask = np.zeros(x.size, dtype=bool)
    mask[generator.choice(x.size, size=k, replace=False)] = True
    return mask.reshape(x.shape)

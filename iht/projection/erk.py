"""Erdős–Rényi-Kernel (ERK) layer densities with an exact total kept count.

RigL (Evci et al., "Rigging the Lottery: Making All Tickets Winners", ICML 2020, Section 3) gives
layer ``l`` a density proportional to ``sum(shape_l) / prod(shape_l)`` (for a convolution
``(n_out + n_in + kh + kw) / (n_out * n_in * kh * kw)``; for a dense layer the Erdős–Rényi rule
``(n_in + n_out) / (n_in * n_out)``), scaled by one factor ε so that the total number of kept
weights meets the target. Layers whose density would exceed 1 are made dense and ε is recomputed over
the rest, as in RigL's reference implementation.

Here the float densities are then turned into integer kept counts whose sum is exactly
``k_from_sparsity(total, sparsity)``: counts are floored and the remaining units go to the layers
with the largest fractional parts (ties: earlier layer first), never above a layer's size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from iht.projection.errors import check_sparsity
from iht.projection.sparsity import k_from_sparsity


def erk_counts(
    shapes: Mapping[str, Sequence[int]], sparsity: float, power_scale: float = 1.0
) -> dict[str, int]:
    """Kept-entry count per layer under the ERK rule, summing exactly to the global target.

    Parameters
    ----------
    shapes : mapping of str -> shape
        Layer name -> weight shape (every dimension >= 1).
    sparsity : float
        Global fraction of zeros in ``[0, 1)`` over all layers together.
    power_scale : float
        Exponent applied to the raw ERK score (RigL's ``erk_power_scale``; 1.0 is ERK, 0.0 uniform).

    Returns
    -------
    dict of str -> int
        ``0 <= count <= size`` per layer; ``sum == k_from_sparsity(total size, sparsity)``.
    """
    sparsity = check_sparsity(sparsity)
    if not shapes:
        raise ValueError("shapes must contain at least one layer; got an empty mapping")
    sizes = {}
    for name, shape in shapes.items():
        if len(shape) == 0 or any(int(d) < 1 for d in shape):
            raise ValueError(f"shapes[{name!r}] must have dimensions >= 1; got {tuple(shape)}")
        sizes[name] = math.prod(int(d) for d in shape)
    target = k_from_sparsity(sum(sizes.values()), sparsity)
    score = {
        name: (sum(int(d) for d in shape) / sizes[name]) ** power_scale
        for name, shape in shapes.items()
    }
    dense: set[str] = set()
    while True:
        budget = target - sum(sizes[name] for name in dense)
        weight = sum(score[n] * sizes[n] for n in shapes if n not in dense)
        epsilon = budget / weight if weight > 0 else 0.0
        saturated = {n for n in shapes if n not in dense and epsilon * score[n] > 1.0}
        if not saturated:
            break
        dense |= saturated
    exact = {
        n: float(sizes[n]) if n in dense else epsilon * score[n] * sizes[n] for n in shapes
    }
    counts = {n: min(sizes[n], math.floor(v)) for n, v in exact.items()}
    remaining = target - sum(counts.values())
    order = sorted(
        (n for n in shapes if counts[n] < sizes[n]),
        key=lambda n: exact[n] - counts[n],
        reverse=True,
    )
    for name in order[:remaining]:
        counts[name] += 1
    return counts


def erk_densities(
    shapes: Mapping[str, Sequence[int]], sparsity: float, power_scale: float = 1.0
) -> dict[str, float]:
    """Per-layer densities ``count / size`` of :func:`erk_counts`."""
    counts = erk_counts(shapes, sparsity, power_scale)
    return {n: counts[n] / math.prod(int(d) for d in shapes[n]) for n in shapes}

"""Erdős–Rényi-Kernel (ERK) layer densities with an exact total kept count.

RigL (Evci et al., "Rigging the Lottery: Making All Tickets Winners", ICML 2020, Section 3) gives
layer ``l`` a density proportional to ``sum(shape_l) / prod(shape_l)`` (for a convolution
``(n_out + n_in + kh + kw) / (n_out * n_in * kh * kw)``; for a dense layer the Erdős–Rényi rule
``(n_in + n_out) / (n_in * n_out)``), scaled by one factor ε so that the total number of kept
weights meets the target. Layers whose density would exceed 1 are made dense and ε is recomputed over
the rest, as in RigL's reference implementation.

Here the densities are then turned into integer kept counts whose sum is exactly
``k_from_sparsity(total, sparsity)``: counts are floored and the remaining units go to the layers
with the largest fractional parts (ties: earlier layer first), never above a layer's size. The
scores are floats (``power_scale`` is a real exponent), but ε, the saturation test and the counts
are computed from them in exact integer arithmetic, so the sum is exact for any total size.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

from iht.projection.sparsity import k_from_sparsity
from iht.validation import check_real, check_sparsity


def erk_counts(
    shapes: Mapping[str, Sequence[int]], sparsity: float, power_scale: float = 1.0
) -> dict[str, int]:
    """Kept-entry count per layer under the ERK rule, summing exactly to the global target.

    Parameters
    ----------
    shapes : mapping of str -> shape
        Layer name -> weight shape (every dimension >= 1; ``()``, a scalar, counts as ``(1,)``).
    sparsity : float
        Global fraction of zeros in ``[0, 1)`` over all layers together.
    power_scale : float
        Exponent applied to the raw ERK score (RigL's ``erk_power_scale``; 1.0 is ERK, 0.0 uniform);
        finite and ``>= 0``. Scores are taken relative to the largest one before the power, which
        leaves the densities unchanged (ε absorbs the factor) and keeps large exponents finite.

    Returns
    -------
    dict of str -> int
        ``0 <= count <= size`` per layer; ``sum == k_from_sparsity(total size, sparsity)``.
    """
    sparsity = check_sparsity(sparsity)
    power_scale = check_real(power_scale, "power_scale", 0.0)
    dims = _layer_dims(shapes)
    sizes = {name: math.prod(shape) for name, shape in dims.items()}
    target = k_from_sparsity(sum(sizes.values()), sparsity)
    raw = {name: sum(shape) / sizes[name] for name, shape in dims.items()}
    dense: set[str] = set()
    while True:
        free = [n for n in shapes if n not in dense]
        if not free:
            break
        # float scores (a real power) of the ratio to the largest free one, in [0, 1] so that no
        # power_scale overflows them; then integers on one scale, for exact integer arithmetic
        top = max(raw[n] for n in free)
        score = _common_scale({n: (raw[n] / top) ** power_scale for n in free})
        budget = target - sum(sizes[name] for name in dense)
        weight = sum(score[n] * sizes[n] for n in free)
        saturated = {n for n in free if budget * score[n] > weight}  # density ε·score above 1
        if not saturated:
            break
        dense |= saturated
    # kept count of a free layer: budget·score·size / weight = quotient + remainder / weight
    shares = {n: divmod(budget * score[n] * sizes[n], weight) for n in shapes if n not in dense}
    counts = {n: shares[n][0] if n in shares else sizes[n] for n in shapes}
    remaining = target - sum(counts.values())
    order = sorted(shares, key=lambda n: shares[n][1], reverse=True)  # stable: earlier layer first
    for name in order[:remaining]:
        counts[name] += 1
    return counts


def _common_scale(values: Mapping[Any, float]) -> dict[Any, int]:
    """Non-negative floats as integers ``value * 2**K`` (exact) with one ``K`` for all."""
    ratios = {name: value.as_integer_ratio() for name, value in values.items()}
    scale = max(denominator for _, denominator in ratios.values())  # denominators are powers of 2
    return {name: numerator * (scale // denominator) for name, (numerator, denominator) in ratios.items()}


def _layer_dims(shapes: Any) -> dict[Any, tuple[int, ...]]:
    """Each layer's shape as a tuple of ints, after checking that ``shapes`` maps names to shapes.

    A 0-d shape ``()`` (a scalar weight) is the 1-element shape ``(1,)``.
    """
    if not isinstance(shapes, Mapping):
        raise TypeError(f"shapes must be a mapping of name -> shape; got {type(shapes).__name__}")
    if not shapes:
        raise ValueError("shapes must contain at least one layer; got an empty mapping")
    dims = {}
    for name, shape in shapes.items():
        if not isinstance(shape, Sequence) or isinstance(shape, str) or not all(
            isinstance(d, numbers.Integral) and not isinstance(d, bool) for d in shape
        ):
            raise TypeError(f"shapes[{name!r}] must be a sequence of integers; got {shape!r}")
        if any(int(d) < 1 for d in shape):
            raise ValueError(f"shapes[{name!r}] must have dimensions >= 1; got {tuple(shape)}")
        dims[name] = tuple(int(d) for d in shape) or (1,)
    return dims


def erk_densities(
    shapes: Mapping[str, Sequence[int]], sparsity: float, power_scale: float = 1.0
) -> dict[str, float]:
    """Per-layer densities ``count / size`` of :func:`erk_counts`."""
    counts = erk_counts(shapes, sparsity, power_scale)
    return {n: counts[n] / math.prod(shape) for n, shape in _layer_dims(shapes).items()}

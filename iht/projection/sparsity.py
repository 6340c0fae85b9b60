"""Conversion between a kept-entry count ``k`` and a ``sparsity`` (fraction of zeros).

One rounding rule, used everywhere in the library:

    k = floor((1 - sparsity) * size + 1/2),

i.e. the nearest integer to the kept count, halves rounded toward keeping more. The product is
evaluated exactly in rational arithmetic on the shortest decimal representation of ``sparsity``
(``0.9`` means 9/10, not the binary double nearest to it), so ``size=25, sparsity=0.9`` keeps 3
entries, not 2, and the result never depends on floating-point noise.
"""

from __future__ import annotations

import math
from fractions import Fraction

from iht.projection.errors import check_k
from iht.validation import check_int, check_sparsity


def k_from_sparsity(size: int, sparsity: float) -> int:
    """Number of kept entries of an array of ``size`` elements at ``sparsity``.

    Parameters
    ----------
    size : int
        Number of elements, ``size >= 1``.
    sparsity : float
        Fraction of zeros, in ``[0, 1)``.

    Returns
    -------
    int
        ``floor((1 - sparsity) * size + 1/2)``, computed exactly; in ``[0, size]``.
    """
    size = check_int(size, "size", 1)
    sparsity = check_sparsity(sparsity)
    kept = (1 - Fraction(repr(sparsity))) * size + Fraction(1, 2)
    return min(size, math.floor(kept))


def sparsity_from_k(size: int, k: int) -> float:
    """Sparsity (fraction of zeros) of ``k`` kept entries out of ``size``: ``1 - k / size``.

    Round trip: ``k_from_sparsity(size, sparsity_from_k(size, k)) == k`` for every ``0 < k <= size``.
    """
    size = check_int(size, "size", 1)
    k = check_k(k, size)
    return 1.0 - k / size

"""Restricted smoothness ``β_t`` of an objective (assumption 3 of Theorem 1, Peste et al. 2021).

``f`` is ``(t, β)``-smooth when ``f(θ + δ) ≤ f(θ) + ∇f(θ)ᵀδ + (β/2)‖δ‖²`` for every ``θ`` and every
``δ`` with ``‖δ‖_0 ≤ t``. For a twice differentiable ``f`` the smallest such ``β`` is the supremum
over ``θ`` of the largest eigenvalue of a ``t × t`` principal submatrix of ``∇²f(θ)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from iht.constants.brackets import Bracket
from iht.constants.eigen import (
    certified_restricted_max,
    enumerated_extremes,
    truncated_power_method,
)
from iht.validation import check_int


def _restricted_max(blocks: np.ndarray, matrix: Any, t: int,
                    rng: np.random.Generator) -> tuple[float, float, str]:
    """``(lower, upper, method)`` for ``max_{|S| = t} λ_max`` of the matrix made of ``blocks``."""
    extremes = enumerated_extremes(blocks, t)
    if extremes is not None:
        return extremes[1], extremes[1], f"exact: enumeration of the {t}-subsets of each block"
    dense = matrix()
    return (truncated_power_method(dense, t, rng), certified_restricted_max(dense, t),
            "truncated power method (Yuan & Zhang 2013) / min(λ_max, restricted Gershgorin)")


def restricted_smoothness(objective: Any, t: int,
                          rng: np.random.Generator | int | None = None) -> Bracket:
    """Bracket on the restricted smoothness ``β_t`` of ``objective``.

    Quadratics (``objective.is_quadratic``): exact by enumeration of principal submatrices when the
    block structure or a tiny ``N`` allows it, otherwise ``[truncated power method, min(λ_max(H),
    restricted Gershgorin)]``. Other objectives: the upper end comes from ``hessian_bound()`` (a
    matrix dominating ``∇²f`` everywhere) and the lower end from the Hessian at ``θ*``, where
    ``β_t`` is at least its restricted largest eigenvalue.

    Parameters
    ----------
    objective
        An :mod:`iht.objectives` objective.
    t : int
        Sparsity level of the directions, ``1 <= t``; values above ``N`` mean ``N``.
    rng : numpy.random.Generator or int, optional
        Random starts of the power method.

    Returns
    -------
    Bracket
        ``lower <= β_t <= upper``; ``method`` names how each end was obtained.
    """
    t = min(check_int(t, "t", 1), objective.dim)
    rng = np.random.default_rng(rng)
    low, high, how = _restricted_max(objective.principal_blocks(), objective.hessian_bound, t, rng)
    if objective.is_quadratic:
        return Bracket(low, high, how)
    at_star = objective.hessian(objective.theta_star)
    low, _, low_how = _restricted_max(at_star[None], lambda: at_star, t, rng)
    return Bracket(low, high, f"lower: Hessian at θ* ({low_how}); upper: Hessian bound ({how})")

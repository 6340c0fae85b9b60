"""Cross-checks of the constants an instance or an oracle *claims*, against measurements.

A bound computed from a claimed constant is only as good as the claim. Two claims are checked
here, each against a quantity that can only err on the safe side:

- a claimed CPL constant α: every point θ gives an upper bound ``2‖T_r(∇f(θ))‖²/(f(θ) − f*)`` on
  the true α (read with the square, docs/theory.md). On quadratics the points
  ``θ* + H⁻¹v`` with sign vectors ``v`` (flat gradients, where CPL is tightest) are sampled, and
  :func:`~iht.theory.bounds.cpl_sign_vector_bound` adds ``4r/tr(H⁻¹)``. A claim above the
  smallest upper bound, beyond float rounding, is contradicted;
- a claimed variance σ²: ``E‖g − ∇f(θ)‖²`` is measured by Monte Carlo at given points; a claim
  below the measurement by more than :data:`VARIANCE_Z` standard errors is contradicted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from iht.constants.cpl import sampled_ratio
from iht.constants.variance import monte_carlo_variance
from iht.projection import hard_threshold
from iht.theory.bounds import cpl_sign_vector_bound

#: Standard errors by which a measured variance must exceed the claim to contradict it
#: (one-sided normal tail 3e-7 per check: no false alarm over thousands of rows).
VARIANCE_Z = 5.0

#: Relative float rounding allowed between a claimed α and a measured upper bound.
ALPHA_ROUNDING = 1e-9


def _flat_gradient_points(objective: Any, rng: np.random.Generator, n_samples: int) -> np.ndarray:
    """``θ* + H⁻¹v`` for sign vectors ``v`` on random supports (all N coordinates for half of them)."""
    inverse = np.linalg.inv(objective.hessian())
    dim = objective.dim
    signs = rng.choice([-1.0, 1.0], size=(n_samples, dim))
    sizes = np.where(np.arange(n_samples) % 2 == 0, dim, rng.integers(1, dim + 1, n_samples))
    for row, size in zip(signs, sizes):
        row[rng.permutation(dim)[size:]] = 0.0
    return objective.theta_star + signs @ inverse


def cpl_upper_bounds(objective: Any, r: int, k: int, rng: np.random.Generator,
                     n_samples: int = 64) -> dict[str, float]:
    """Upper bounds on the ``(r, α)``-CPL constant: over all θ (``"global"``) and over k-sparse θ
    (``"sparse"``); ``inf`` where the objective is not a quadratic.

    ``global``: the smaller of :func:`~iht.theory.bounds.cpl_sign_vector_bound` and the smallest
    ratio at the flat-gradient points. ``sparse``: the smallest ratio at those points hard-thresholded
    to k entries.
    """
    if not objective.is_quadratic:
        return {"global": np.inf, "sparse": np.inf}
    points = _flat_gradient_points(objective, rng, n_samples)
    sparse_points = np.stack([hard_threshold(p, k) for p in points])
    return {"global": min(cpl_sign_vector_bound(objective.hessian(), r), sampled_ratio(objective, r, points)),
            "sparse": sampled_ratio(objective, r, sparse_points)}


def alpha_contradiction(claimed: float | None, upper: float, scope: str) -> str | None:
    """A sentence when the claimed α exceeds the measured upper bound, else None."""
    if claimed is None or claimed <= upper * (1 + ALPHA_ROUNDING):
        return None
    return (f"claimed α_{scope}={claimed:.4g} exceeds the CPL ratio 2‖T_r∇f‖²/(f − f*) = {upper:.4g} "
            "measured at sampled points (an upper bound on the true α)")


def measured_variance(oracle: Any, thetas: np.ndarray, rng: np.random.Generator,
                      n_draws: int) -> tuple[float, float]:
    """Largest Monte Carlo mean of ``‖g − ∇f(θ)‖²`` over the rows of ``thetas``, and its standard error."""
    best = (-np.inf, 0.0)
    for theta in thetas:
        mean, error = monte_carlo_variance(oracle, theta, rng, n_draws)
        best = max(best, (mean, error))
    return best


def variance_contradiction(claimed: float, mean: float, error: float) -> str | None:
    """A sentence when the measured variance exceeds the claimed σ² by more than :data:`VARIANCE_Z` SE."""
    if mean - VARIANCE_Z * error <= claimed:
        return None
    return (f"claimed σ²={claimed:.4g} is below the measured E‖g − ∇f‖² = {mean:.4g} ± {error:.2g} "
            f"(more than {VARIANCE_Z:g} standard errors)")

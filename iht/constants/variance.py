"""The oracle variance ``σ²`` of assumption 1 of Theorem 1 (Peste et al. 2021).

``σ² = sup_θ E‖g(θ) − ∇f(θ)‖²``. It is exact for additive-noise oracles; for minibatch oracles the
variance at a given ``θ`` is exact (finite-population formula) and the supremum is estimated by the
maximum over the ``θ`` supplied (e.g. the iterates a solver visited); any other oracle gets a Monte
Carlo estimate.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from iht.constants.brackets import Bracket
from iht.validation import check_int


def monte_carlo_variance(oracle: Any, theta: np.ndarray, rng: np.random.Generator,
                         n_draws: int) -> tuple[float, float]:
    """Mean and standard error of ``‖g(θ) − ∇f(θ)‖²`` over ``n_draws`` oracle calls."""
    exact = oracle.objective.gradient(theta)
    squares = np.array([np.sum((oracle(theta, rng) - exact) ** 2) for _ in range(n_draws)])
    return float(squares.mean()), float(squares.std(ddof=1) / np.sqrt(n_draws))


def oracle_variance(oracle: Any, thetas: np.ndarray, rng: np.random.Generator | int | None = None,
                    n_draws: int = 200) -> Bracket:
    """Bracket on ``σ²`` of ``oracle`` from the points ``thetas``.

    Parameters
    ----------
    oracle
        An :mod:`iht.oracles` oracle (``oracle(theta, rng)``, attributes ``objective``, ``sigma2``).
    thetas : ndarray, shape (m, N)
        Points at which the variance is evaluated (ignored when ``oracle.sigma2`` is known).
    rng : numpy.random.Generator or int, optional
        Draws of the Monte Carlo estimator (only for oracles without an exact variance).
    n_draws : int
        Oracle calls per point for the Monte Carlo estimator.

    Returns
    -------
    Bracket
        Additive noise: ``[σ², σ²]``, exact. Oracles with ``variance_at(theta)`` (minibatches):
        ``[max, max]`` of the exact variances at ``thetas`` (the supremum over all ``θ`` may be
        larger). Others: the largest Monte Carlo mean ± 3 standard errors.
    """
    if oracle.sigma2 is not None:
        return Bracket(oracle.sigma2, oracle.sigma2, "exact: additive noise")
    thetas = np.atleast_2d(np.asarray(thetas, dtype=np.float64))
    if hasattr(oracle, "variance_at"):
        value = max(oracle.variance_at(theta) for theta in thetas)
        return Bracket(value, value, f"max over {len(thetas)} points of the exact variance at each "
                       "point (finite-population formula); the sup over all θ may be larger")
    check_int(n_draws, "n_draws", 2)
    rng = np.random.default_rng(rng)
    mean, error = max(monte_carlo_variance(oracle, theta, rng, n_draws) for theta in thetas)
    return Bracket(max(mean - 3.0 * error, 0.0), mean + 3.0 * error,
                   f"Monte Carlo mean ± 3 standard errors over {n_draws} draws, largest of "
                   f"{len(thetas)} points")

"""Gradient oracles ``g(θ)`` with ``E[g(θ)] = ∇f(θ)`` (assumption 1 of Theorem 1, Peste et al. 2021).

Each oracle is called as ``oracle(theta, rng)`` with a ``numpy.random.Generator`` and has a
``sigma2`` attribute: the exact ``sup_θ E‖g(θ) − ∇f(θ)‖²`` when the oracle determines it, ``None``
when it can only be estimated (:func:`iht.constants.oracle_variance`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from iht.projection.errors import check_int, check_real


@dataclass(frozen=True)
class ExactGradient:
    """The exact gradient, ``σ² = 0``."""

    objective: Any
    sigma2: float = field(default=0.0, init=False)

    def __call__(self, theta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self.objective.gradient(theta)


@dataclass(frozen=True)
class GaussianNoiseOracle:
    """``g(θ) = ∇f(θ) + ξ`` with ``ξ ~ N(0, (σ²/N)·I)``, so that ``E‖ξ‖² = σ²`` exactly.

    Parameters
    ----------
    objective
        An :mod:`iht.objectives` objective.
    sigma2 : float
        The variance ``σ² >= 0``.
    """

    objective: Any
    sigma2: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "sigma2", check_real(self.sigma2, "sigma2", 0.0))

    def __call__(self, theta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        scale = np.sqrt(self.sigma2 / self.objective.dim)
        return self.objective.gradient(theta) + scale * rng.standard_normal(self.objective.dim)


@dataclass(frozen=True)
class MinibatchOracle:
    """Mean gradient of ``batch_size`` rows drawn uniformly without replacement.

    Unbiased for objectives ``f = (1/n) Σ_i f_i`` (:class:`~iht.objectives.RowObjective`). Its
    variance at ``θ`` is the finite-population formula
    ``((n − B) / (B (n − 1))) · (1/n) Σ_i ‖∇f_i(θ) − ∇f(θ)‖²`` (:meth:`variance_at`); ``sigma2``
    is ``None`` because the supremum over ``θ`` is not known.

    Parameters
    ----------
    objective
        A row objective (``n_samples``, ``batch_gradient``, ``row_gradients``).
    batch_size : int
        ``B``, ``1 <= B <= n``.
    """

    objective: Any
    batch_size: int
    sigma2: None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if not hasattr(self.objective, "n_samples"):
            raise TypeError("MinibatchOracle needs an objective over data rows (with n_samples); "
                            f"got {type(self.objective).__name__}")
        check_int(self.batch_size, "batch_size", 1, self.objective.n_samples)

    def __call__(self, theta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        rows = rng.choice(self.objective.n_samples, size=self.batch_size, replace=False)
        return self.objective.batch_gradient(theta, rows)

    def variance_at(self, theta: np.ndarray) -> float:
        """Exact ``E‖g(θ) − ∇f(θ)‖²`` at ``θ`` (sampling without replacement)."""
        n, b = self.objective.n_samples, self.batch_size
        rows = self.objective.row_gradients(theta)
        spread = float(np.mean(np.sum((rows - rows.mean(axis=0)) ** 2, axis=1)))
        return spread * (n - b) / (b * (n - 1)) if n > 1 else 0.0

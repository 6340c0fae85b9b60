"""An adversarial unbiased gradient oracle: all its noise on the support of the current iterate.

Theorem 1 of Peste et al. (2021) only assumes ``E[g | θ] = ∇f(θ)`` and ``E‖g − ∇f(θ)‖² ≤ σ²``.
The isotropic :class:`~iht.oracles.GaussianNoiseOracle` spreads its variance over all N
coordinates, most of which ``T_k`` then discards; :class:`SupportNoiseOracle` puts the same
variance on the coordinates IHT keeps, the worst place for it among these two. Its variance is
exactly σ² at every θ, so the theorem's bound is the same for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from iht.validation import check_nonnegative


@dataclass(frozen=True)
class SupportNoiseOracle:
    """``g(θ) = ∇f(θ) + ξ``, ``ξ_i ~ N(0, σ²/|S|)`` on ``S = supp(θ)`` and 0 elsewhere.

    ``S`` is all N coordinates when ``θ = 0``. Unbiased, and ``E‖ξ‖² = σ²`` exactly at every θ
    (``sigma2 >= 0``, built on ``objective``). The noise depends on θ, so unlike the additive
    oracles of :mod:`iht.oracles` it is not one sampled function ``f_ξ``: it is only a callable.

    References
    ----------
    Peste et al., NeurIPS 2021, assumption 1 of Theorem 1.
    """

    objective: Any
    sigma2: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "sigma2", check_nonnegative(self.sigma2, "sigma2"))

    def __call__(self, theta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self.sample(rng).gradient(theta)

    def sample(self, rng: np.random.Generator) -> SupportDraw:
        """One draw: a standard normal vector, scaled onto the support of each θ it is applied at."""
        return SupportDraw(self.objective, self.sigma2, rng.standard_normal(self.objective.dim))


@dataclass(frozen=True)
class SupportDraw:
    """One draw of :class:`SupportNoiseOracle`: ``gradient(θ) = ∇f(θ) + ξ(θ)`` and
    ``value(θ) = f(θ) + ξ(θ)ᵀθ`` with ``ξ(θ) = √(σ²/|S|)·z`` on ``S = supp(θ)`` (all coordinates
    at θ = 0), 0 elsewhere: the sampled function has this gradient wherever the support is fixed."""

    objective: Any
    sigma2: float
    z: np.ndarray

    def noise(self, theta: np.ndarray) -> np.ndarray:
        support = theta != 0.0
        if not support.any():
            support = np.ones(theta.shape, dtype=bool)
        return np.where(support, self.z * np.sqrt(self.sigma2 / support.sum()), 0.0)

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        return self.objective.gradient(theta) + self.noise(theta)

    def value(self, theta: np.ndarray) -> float:
        return self.objective.value(theta) + float(self.noise(theta) @ theta)


#: Oracles of the suite, by the name used in the tables' ``oracle`` column.
ORACLE_NAMES = ("isotropic", "support")

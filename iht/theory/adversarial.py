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

from iht.theory._checks import check_positive


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
        object.__setattr__(self, "sigma2", check_positive(self.sigma2, "sigma2", allow_zero=True))

    def __call__(self, theta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        support = theta != 0.0
        if not support.any():
            support = np.ones(theta.shape, dtype=bool)
        noise = rng.standard_normal(theta.shape) * np.sqrt(self.sigma2 / support.sum())
        return self.objective.gradient(theta) + np.where(support, noise, 0.0)


#: Oracles of the suite, by the name used in the tables' ``oracle`` column.
ORACLE_NAMES = ("isotropic", "support")

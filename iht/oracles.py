"""Gradient oracles ``g(θ)`` with ``E[g(θ)] = ∇f(θ)`` (assumption 1 of Theorem 1, Peste et al. 2021).

Each oracle is called as ``oracle(theta, rng)`` with a ``numpy.random.Generator`` and has a
``sigma2`` attribute: the exact ``sup_θ E‖g(θ) − ∇f(θ)‖²`` when the oracle determines it, ``None``
when it can only be estimated (:func:`iht.constants.oracle_variance`).

``oracle.sample(rng)`` draws the same randomness as one call and returns the sampled function
``f_ξ`` whose gradient that call returns (:class:`SampledFunction`): the minibatch loss, or
``f(θ) + ξᵀθ`` for additive noise. Stochastic line searches check their step on ``f_ξ``
(Vaswani et al. 2019, "Painless stochastic gradient: interpolation, line-search, and convergence
rates", NeurIPS). The stochastic solvers draw through ``sample``: an oracle of one's own needs
``objective``, ``sigma2``, ``__call__`` and ``sample``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from iht.constants.eigen import truncated_power_operator
from iht.validation import check_int, check_real


@dataclass(frozen=True)
class SampledFunction:
    """One draw ``f_ξ`` of a stochastic oracle: ``value(θ)`` and ``gradient(θ)`` with ``E f_ξ = f``
    up to a constant and ``E ∇f_ξ = ∇f``.

    A draw may offer two more methods, which the solvers use when present: ``both(θ)``, the pair
    ``(value(θ), gradient(θ))`` from one evaluation (:func:`iht.solvers.common.value_and_gradient`),
    and ``restrict(columns)``, the draw as a function of the coordinates ``columns`` only, the
    others held at 0 (the minibatch draw :class:`~iht.objectives.linear_models.RowBatch` has both).
    """

    value: Callable[[np.ndarray], float]
    gradient: Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ExactGradient:
    """The exact gradient, ``σ² = 0``."""

    objective: Any
    sigma2: float = field(default=0.0, init=False)

    def __call__(self, theta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self.objective.gradient(theta)

    def sample(self, rng: np.random.Generator) -> SampledFunction:
        """``f`` itself."""
        return SampledFunction(self.objective.value, self.objective.gradient)


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
        return self.sample(rng).gradient(theta)

    def sample(self, rng: np.random.Generator) -> SampledFunction:
        """``f_ξ(θ) = f(θ) + ξᵀθ``: the function whose gradient is ``∇f + ξ`` (same curvature as f)."""
        xi = np.sqrt(self.sigma2 / self.objective.dim) * rng.standard_normal(self.objective.dim)
        return SampledFunction(lambda theta: self.objective.value(theta) + float(xi @ theta),
                               lambda theta: self.objective.gradient(theta) + xi)


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
        return self.sample(rng).gradient(theta)

    def sample(self, rng: np.random.Generator) -> Any:
        """The mean loss of ``batch_size`` rows drawn without replacement
        (:class:`~iht.objectives.linear_models.RowBatch`: ``value``, ``gradient``, ``both`` and
        ``restrict``)."""
        rows = rng.choice(self.objective.n_samples, size=self.batch_size, replace=False)
        return self.objective.batch(rows)

    def smoothness(self, t: int, rng: np.random.Generator | int | None = None) -> float:
        """Expected ``t``-restricted smoothness ``L_B`` of the minibatch loss ``f_B``.

        For ``B`` rows drawn without replacement ("``B``-nice sampling"), Gower et al. (2019,
        Proposition 3.8) give ``L_B = n(B − 1)/(B(n − 1))·L + (n − B)/(B(n − 1))·L_max`` with ``L``
        the smoothness of ``f`` and ``L_max`` the largest smoothness of one row's loss. Restricted to
        ``t``-sparse directions: ``L = β_t`` (estimated by
        :func:`~iht.constants.eigen.truncated_power_operator` on the Hessian bound, a lower estimate)
        and ``L_max = ℓ''_max · max_i ‖T_t(x_i)‖²``, exact. ``1/L_B`` is the step of the descent
        lemma for ``f_B``: a full batch gives ``β_t``, a single row ``L_max``, and the step grows
        with the batch in between.

        References
        ----------
        R. M. Gower, N. Loizou, X. Qian, A. Sailanbayev, E. Shulgin, P. Richtárik, "SGD: general
        analysis and improved rates", ICML 2019, Proposition 3.8.
        """
        objective = self.objective
        n, b = objective.n_samples, self.batch_size
        t = min(check_int(t, "t", 1), objective.dim)
        squares = objective.features ** 2
        squares.partition(objective.dim - t, axis=1)  # in place: the t largest of each row last
        row_max = objective.curvature_max * float(squares[:, -t:].sum(axis=1).max())
        beta = truncated_power_operator(objective.bound_vector, objective.dim, t,
                                        np.random.default_rng(rng))
        if n == 1:
            return row_max
        return n * (b - 1) / (b * (n - 1)) * beta + (n - b) / (b * (n - 1)) * row_max

    def variance_at(self, theta: np.ndarray) -> float:
        """Exact ``E‖g(θ) − ∇f(θ)‖²`` at ``θ`` (sampling without replacement)."""
        n, b = self.objective.n_samples, self.batch_size
        rows = self.objective.row_gradients(theta)
        spread = float(np.mean(np.sum((rows - rows.mean(axis=0)) ** 2, axis=1)))
        return spread * (n - b) / (b * (n - 1)) if n > 1 else 0.0

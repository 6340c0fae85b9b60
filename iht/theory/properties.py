"""Exact properties of IHT iterates, checked on a solver's output (no statistics involved).

- descent: deterministic IHT with ``η ≤ 1/β_2k`` from a k-sparse start never increases f, and
  every step ends at or below the majorise-minimise value (:func:`majorizer_residual`;
  Blumensath & Davies 2008);
- k-sparsity of the output;
- L-stationarity of fixed points (Beck & Eldar 2013): ``θ = T_k(θ − ∇f(θ)/L)``.

Floating-point comparisons allow :data:`ROUNDING_ULPS` units of the last place of the values
compared, and nothing more.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from iht.projection import hard_threshold
from iht.validation import check_int, check_positive

#: Rounding slack of the exact checks, in units of float64 epsilon times the magnitude compared.
ROUNDING_ULPS = 16


def rounding_slack(scale: float) -> float:
    """Largest difference attributed to rounding for values of magnitude ``scale``."""
    return ROUNDING_ULPS * np.finfo(np.float64).eps * max(abs(scale), 1.0)


def max_increase(values: np.ndarray) -> float:
    """Largest step-to-step increase ``max_t (v_{t+1} − v_t)`` of a sequence (−inf if shorter than 2).

    A non-finite entry (a diverged run) counts as an infinite increase.
    """
    v = np.asarray(values, dtype=np.float64)
    if v.size < 2:
        return -math.inf
    if not np.all(np.isfinite(v)):
        return math.inf
    return float(np.max(np.diff(v)))


def is_nonincreasing(values: np.ndarray, scale: float) -> bool:
    """Whether ``values`` never increase by more than :func:`rounding_slack` ``(scale)``.

    ``scale`` is the magnitude of the quantities the values were computed from (for gaps
    ``f(θ_t) − f*``: ``|f*| + gap_0``), so the slack covers the rounding of ``f`` itself.
    """
    return max_increase(values) <= rounding_slack(scale)


def support_size(theta: np.ndarray) -> int:
    """Number of non-zero entries ``||θ||_0``."""
    return int(np.count_nonzero(theta))


def is_k_sparse(theta: np.ndarray, k: int) -> bool:
    """Whether ``||θ||_0 ≤ k``."""
    return support_size(theta) <= check_int(k, "k", 0)


def l_stationarity_residual(theta: np.ndarray, gradient: np.ndarray, k: int, L: float) -> float:
    """Violation of L-stationarity of ``θ`` for ``min f s.t. ||θ||_0 ≤ k``; 0 iff L-stationary.

    Beck & Eldar (2013), Lemma 2.2: a k-sparse ``θ`` is L-stationary (``θ ∈ T_k(θ − ∇f(θ)/L)``)
    iff ``∇_i f(θ) = 0`` on the support and ``|∇_i f(θ)| ≤ L·M_k(θ)`` off it, ``M_k(θ)`` being the
    k-th largest ``|θ_i|`` (0 when ``||θ||_0 < k``). Returns the largest of ``|∇_i f|`` on the
    support and ``|∇_i f| − L·M_k(θ)`` off it, divided by ``L`` (units of θ); ``inf`` if θ is not
    k-sparse.

    Parameters
    ----------
    theta, gradient : ndarray, shape (N,)
        The point and ``∇f(θ)``.
    k : int
        Sparsity level.
    L : float
        Stationarity constant (``1/η`` for IHT's fixed points with step ``η``).

    References
    ----------
    Beck & Eldar, "Sparsity constrained nonlinear optimization: optimality conditions and
    algorithms", SIAM J. Optim. 23(3), 2013.
    """
    k = check_int(k, "k", 1, theta.size)
    L = check_positive(L, "L")
    support = theta != 0
    if support.sum() > k:
        return math.inf
    magnitudes = np.abs(theta)
    m_k = float(np.partition(magnitudes, magnitudes.size - k)[magnitudes.size - k])
    g = np.abs(gradient)
    on = float(g[support].max(initial=0.0))
    off = float((g[~support] - L * m_k).max(initial=0.0))
    return max(on, off) / L


def fixed_point_residual(theta: np.ndarray, gradient: np.ndarray, k: int, step: float) -> float:
    """``||θ − T_k(θ − η∇f(θ))||_∞``: zero exactly at IHT's fixed points for step ``η``."""
    return float(np.max(np.abs(theta - hard_threshold(theta - step * gradient, k))))


def majorizer_residual(objective: Any, theta: np.ndarray, new: np.ndarray, step: float, beta: float,
                       k: int) -> float:
    """``f(θ⁺) − [min_{‖z‖_0 ≤ k} Q(z; θ) − ½(1/η − β)‖θ⁺ − θ‖²]``: ``<= 0`` for an IHT step.

    ``Q(z; θ) = f(θ) + ∇f(θ)ᵀ(z − θ) + ‖z − θ‖²/(2η)`` majorises f along 2k-sparse moves when
    ``η ≤ 1/β_2k``, and ``T_k(θ − η∇f(θ))`` minimises it over k-sparse z, with minimum
    ``f(θ) − (η/2)‖∇f‖² + (1/(2η))·(sum of the N − k smallest u_i²)``, ``u = θ − η∇f(θ)``. The
    minimum is computed here by a partition, independently of the solver's projection.

    References
    ----------
    Blumensath & Davies, "Iterative thresholding for sparse approximations", 2008.
    """
    gradient = objective.gradient(theta)
    u2 = (theta - step * gradient) ** 2
    dropped = float(np.partition(u2, u2.size - k)[: u2.size - k].sum())
    model = objective.value(theta) - 0.5 * step * float(gradient @ gradient) + dropped / (2 * step)
    move = float(np.sum((new - theta) ** 2))
    return objective.value(new) - (model - 0.5 * (1 / step - beta) * move)

"""Normalised iterative hard thresholding (Blumensath & Davies 2010) and its conjugate-gradient
variant CGIHT (Blanchard, Tanner & Wei 2015).

NIHT: IHT with the step chosen at every iteration as the exact line-search step along the gradient
restricted to the current support, ``μ = ‖g_Γ‖² / (g_Γᵀ ∇²f g_Γ)``, shrunk by ``κ(1 − c)`` until
``μ <= ω = (1 − c)‖θ_{t+1} − θ_t‖² / ((θ_{t+1} − θ_t)ᵀ ∇²f (θ_{t+1} − θ_t))`` whenever the support
changes. On least squares this guarantees descent without knowing any constant.

CGIHT (``conjugate=True``): the search direction ``p_t = r_t + b_t p_{t−1}`` (``r_t = −∇f(θ_t)``) is
made conjugate to the previous one on the current support,
``b_t = −(P_Γ r_t)ᵀ∇²f P_Γ p_{t−1} / (P_Γ p_{t−1})ᵀ∇²f P_Γ p_{t−1}``, the step is the exact line search
``α_t = (P_Γ r_t)ᵀ P_Γ p_t / (P_Γ p_t)ᵀ∇²f P_Γ p_t`` and ``θ_{t+1} = H_k(θ_t + α_t p_t)``, without
NIHT's shrinking (Blanchard, Tanner & Wei 2015, Algorithm 1). On a fixed support this is the
conjugate gradient method, which converges in at most ``k`` steps instead of linearly, so each new
support is ranked from (nearly) the least-squares fit on the previous one, as in HTP and subspace
pursuit; ``docs/recovery.md`` has the measurements that made it the recovery benchmark's NIHT.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from iht.solvers.common import DivergenceGuard, HistoryRecorder, initial_point, kept_count, resolve_tol
from iht.solvers.result import IHTResult
from iht.validation import check_int, check_real

#: What a diverging NIHT run violates: its step is a line search, not a constant to lower.
CURVATURE_ADVICE = ("NIHT's line-search step needs positive curvature vᵀ∇²f(θ)v > 0 along its search "
                    "directions (a convex objective)")

#: Cap on the step shrinkings of one iteration (a safeguard; never reached on quadratics).
MAX_SHRINK = 60


def _curvature_step(objective: Any, theta: np.ndarray, direction: np.ndarray,
                    residual: np.ndarray | None = None) -> float:
    """``rᵀv / (vᵀ ∇²f(θ) v)``, the exact line-search step of a quadratic along ``v`` for the
    residual ``r = −∇f`` (``r = v`` by default: ``‖v‖² / (vᵀ ∇²f(θ) v)``)."""
    curvature = float(direction @ objective.hessian_vector(theta, direction))
    along = direction if residual is None else residual
    return float(along @ direction) / curvature if curvature > 0.0 else np.inf


def _conjugation(objective: Any, theta: np.ndarray, restricted: np.ndarray, previous: np.ndarray) -> float:
    """CGIHT's ``b = −rᵀ∇²f p / (pᵀ∇²f p)`` for the restricted residual ``r`` and previous direction
    ``p`` (both on the current support): ``r + b p`` is ``∇²f``-conjugate to ``p`` there (``0`` when
    ``p`` has no positive curvature, which restarts with the residual)."""
    product = objective.hessian_vector(theta, previous)
    curvature = float(previous @ product)
    return -float(restricted @ product) / curvature if curvature > 0.0 else 0.0


def _step(guard: DivergenceGuard, t: int, theta: np.ndarray, mu: float, direction: np.ndarray,
          projection: Any) -> np.ndarray:
    """``P(θ + μ d)`` (``H_k`` for ``TopK(k=k)``) after checking ``θ + μ d`` with ``guard``."""
    candidate = theta + mu * direction
    guard.check(t, candidate, mu)
    return np.where(projection.mask(candidate), candidate, 0.0)


def niht(objective: Any, projection: Any, *, n_iter: int = 500, theta0: np.ndarray | None = None,
         tol: float | None = None, kappa: float = 2.0, c: float = 0.01,
         stable: int | None = None, conjugate: bool = False, history: int = 1) -> IHTResult:
    """Normalised IHT with support selection by ``projection`` and the adaptive step of Blumensath &
    Davies (2010), or with conjugate directions (CGIHT, Blanchard, Tanner & Wei 2015).

    Parameters
    ----------
    objective
        An :mod:`iht.objectives` objective (uses ``hessian_vector`` for the step).
    projection : iht.projection.Projection
        Selects the support, ``TopK(k=k)`` for the paper's ``H_k``; keeps between 1 and ``N − 1``
        entries, as for every other solver.
    n_iter : int
        Iteration budget, ``>= 1``.
    theta0 : ndarray, shape (N,), optional
        Finite starting point; zeros by default (then the first support is that of ``T_k(−∇f)``).
    tol : float, optional
        Stop once ``‖θ_{t+1} − θ_t‖ <= tol``; ``None`` runs all ``n_iter``.
    kappa, c : float
        Shrinking factor ``κ > 1/(1 − c)`` and ``c ∈ (0, 1)`` of NIHT's step safeguard (unused with
        ``conjugate``).
    stable : int, optional
        Stop once the support has not changed for ``stable`` consecutive iterations and return the
        minimiser of ``f`` on it (``objective.minimize_on_support``: one least-squares solve for
        compressed sensing). NIHT's support is typically final after a few iterations while the
        values converge only linearly (Blumensath & Davies 2010, Section III: on a fixed support NIHT
        is steepest descent on a least-squares problem). ``None`` runs to ``tol`` / ``n_iter``.
    conjugate : bool
        CGIHT (module docstring): conjugate directions on the current support and the exact
        line-search step along them, no shrinking. NIHT's shrinking blocks support changes and its
        steepest-descent steps leave the values on each support far from their least-squares fit when
        the next support is chosen; both lower its recovery rate near the phase transition
        (``docs/recovery.md``: 25/40 against 39/40 at ``(n, N, k*) = (128, 1024, 20)``).
    history : int
        Record the gap every ``history`` iterations; ``0`` records none.

    Returns
    -------
    IHTResult
        ``history.step_sizes`` holds the accepted ``μ`` of each iteration.

    Raises
    ------
    DivergenceError
        When the iterates blow up, e.g. on a direction of non-positive curvature (``μ = ∞``).

    References
    ----------
    T. Blumensath and M. E. Davies, "Normalized iterative hard thresholding: guaranteed stability
    and performance", IEEE Journal of Selected Topics in Signal Processing 4(2) (2010).
    J. D. Blanchard, J. Tanner and K. Wei, "CGIHT: conjugate gradient iterative hard thresholding
    for compressed sensing and matrix completion", Information and Inference 4(4) (2015),
    Algorithm 1.
    """
    kept_count(projection, objective.dim)
    n_iter = check_int(n_iter, "n_iter", 1)
    c = check_real(c, "c", 0.0, 1.0, strict=True, strict_high=True)
    kappa = check_real(kappa, "kappa", 1.0 / (1.0 - c), strict=True)
    tol = resolve_tol(tol)
    stable = None if stable is None else check_int(stable, "stable", 1)
    theta = initial_point(theta0, objective.dim)
    guard = DivergenceGuard("niht", theta, lambda: CURVATURE_ADVICE, step_name="μ")
    recorder = HistoryRecorder(objective, n_iter, theta, history)
    unchanged = 0
    direction = None

    for t in range(1, n_iter + 1):
        residual = -objective.gradient(theta)
        support = theta != 0.0 if np.any(theta) else projection.mask(residual)
        restricted = np.where(support, residual, 0.0)
        if not np.any(residual):
            break  # stationary: θ_{t+1} = θ_t for every step
        if conjugate and direction is not None:
            previous = np.where(support, direction, 0.0)
            direction = residual + _conjugation(objective, theta, restricted, previous) * direction
            on_support = np.where(support, direction, 0.0)
        else:
            direction, on_support = residual, restricted
        # On a support where the direction vanishes the restricted line search is 0/0: search along
        # the full direction instead; NIHT's safeguard below still applies if the support changes.
        mu = (_curvature_step(objective, theta, on_support, restricted) if np.any(on_support)
              else _curvature_step(objective, theta, direction))
        new = _step(guard, t, theta, mu, direction, projection)
        for _ in range(0 if conjugate else MAX_SHRINK):
            if np.array_equal(new != 0.0, support):
                break
            omega = (1.0 - c) * _curvature_step(objective, theta, new - theta)
            if mu <= omega:
                break
            mu /= kappa * (1.0 - c)
            new = _step(guard, t, theta, mu, direction, projection)
        recorder.record(new, mu)
        unchanged = unchanged + 1 if np.array_equal(new != 0.0, theta != 0.0) else 0
        moved = float(np.linalg.norm(new - theta))
        theta = new
        if stable is not None and unchanged >= stable:
            theta = objective.minimize_on_support(theta != 0.0)
            break
        if moved <= tol:
            break
    return IHTResult(theta, theta != 0.0, recorder.count, recorder.history())

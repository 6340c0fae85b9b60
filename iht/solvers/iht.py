"""Deterministic and stochastic iterative hard thresholding.

``θ_{t+1} = P(θ_t − η g_t)`` with ``P`` a projection (``T_k`` for :class:`~iht.projection.TopK`)
and ``g_t`` the gradient (Blumensath & Davies 2009, "Iterative hard thresholding for compressed
sensing", ACHA 27) or an unbiased stochastic gradient (Peste et al. 2021, eq. 3 and Theorem 1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from iht.projection.errors import check_int
from iht.solvers.common import (
    HistoryRecorder,
    initial_point,
    kept_count,
    resolve_step,
    resolve_tol,
    smoothness_level,
    step_guard,
)
from iht.solvers.result import IHTResult


def check_oracle(objective: Any, oracle: Any) -> None:
    """Check that ``oracle`` is built on ``objective``."""
    if getattr(oracle, "objective", None) is not objective:
        raise ValueError("oracle must be built on the objective passed to the solver "
                         "(oracle.objective is objective)")


def _thresholding(solver: str, objective: Any, gradient: Callable[[np.ndarray], np.ndarray],
                  projection: Any, step: float | None, n_iter: int, theta0: np.ndarray | None,
                  tol: float | None) -> IHTResult:
    k = kept_count(projection, objective.dim)
    n_iter = check_int(n_iter, "n_iter", 1)
    tol = resolve_tol(tol)
    theta = initial_point(theta0, objective.dim)
    level = smoothness_level(objective, k)
    step, beta = resolve_step(step, objective, level)
    guard = step_guard(solver, objective, theta, level, beta)
    recorder = HistoryRecorder(objective, n_iter, theta)
    for t in range(1, n_iter + 1):
        update = theta - step * gradient(theta)
        guard.check(t, update, step)
        new = np.where(projection.mask(update), update, 0.0)
        recorder.record(new, step)
        moved = float(np.linalg.norm(new - theta))
        theta = new
        if moved <= tol:
            break
    return IHTResult(theta, theta != 0.0, recorder.count, recorder.history())


def iht(objective: Any, projection: Any, *, step: float | None = None, n_iter: int = 1000,
        theta0: np.ndarray | None = None, tol: float | None = None) -> IHTResult:
    """Iterative hard thresholding ``θ_{t+1} = P(θ_t − η ∇f(θ_t))``.

    Parameters
    ----------
    objective
        An :mod:`iht.objectives` objective.
    projection : iht.projection.Projection
        ``P``, e.g. ``TopK(k=...)``; it must keep between 1 and ``N − 1`` entries.
    step : float, optional
        ``η > 0``; default ``1/β`` (see :func:`~iht.solvers.common.resolve_step`).
    n_iter : int
        Iteration budget, ``>= 1``.
    theta0 : ndarray, shape (N,), optional
        Finite starting point; zeros by default.
    tol : float, optional
        Stop once ``‖θ_{t+1} − θ_t‖ <= tol`` (a fixed point); ``None`` runs all ``n_iter``.

    Returns
    -------
    IHTResult

    Raises
    ------
    DivergenceError
        When the iterates blow up (:class:`~iht.solvers.common.DivergenceGuard`); the message gives
        the bound ``2/β`` on the step.

    References
    ----------
    T. Blumensath and M. E. Davies, "Iterative hard thresholding for compressed sensing", Applied
    and Computational Harmonic Analysis 27 (2009).
    """
    return _thresholding("iht", objective, objective.gradient, projection, step, n_iter, theta0, tol)


def stochastic_iht(objective: Any, oracle: Any, projection: Any, *, step: float | None = None,
                   n_iter: int = 1000, theta0: np.ndarray | None = None,
                   seed: int | np.random.Generator = 0) -> IHTResult:
    """Stochastic IHT ``θ_{t+1} = P(θ_t − η g_t)`` with ``g_t = oracle(θ_t, rng)``.

    Parameters are as in :func:`iht`, plus the ``oracle`` (:mod:`iht.oracles`, built on
    ``objective``) and the ``seed`` of its draws. Runs exactly ``n_iter`` iterations; raises
    :class:`~iht.solvers.common.DivergenceError` when the iterates blow up.

    References
    ----------
    A. Peste, E. Iofinova, A. Vladu, D. Alistarh, "AC/DC: Alternating Compressed/DeCompressed
    Training of Deep Neural Networks", NeurIPS 2021, eq. (3) and Theorem 1.
    """
    check_oracle(objective, oracle)
    rng = np.random.default_rng(seed)
    return _thresholding("stochastic_iht", objective, lambda theta: oracle(theta, rng), projection,
                         step, n_iter, theta0, None)

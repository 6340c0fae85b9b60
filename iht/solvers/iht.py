"""Deterministic and stochastic iterative hard thresholding.

``θ_{t+1} = P(θ_t − η g_t)`` with ``P`` a projection (``T_k`` for :class:`~iht.projection.TopK`)
and ``g_t`` the gradient (Blumensath & Davies 2009, "Iterative hard thresholding for compressed
sensing", ACHA 27) or an unbiased stochastic gradient (Peste et al. 2021, eq. 3 and Theorem 1).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from iht.oracles import ExactGradient
from iht.solvers.common import (
    HistoryRecorder,
    TailAverage,
    initial_point,
    kept_count,
    oracle_line_search,
    resolve_oracle_step,
    resolve_tol,
    smoothness_level,
    step_guard,
    value_and_gradient,
)
from iht.solvers.result import IHTResult
from iht.validation import check_int


def check_oracle(objective: Any, oracle: Any) -> None:
    """Check that ``oracle`` is built on ``objective``."""
    if getattr(oracle, "objective", None) is not objective:
        raise ValueError("oracle must be built on the objective passed to the solver "
                         "(oracle.objective is objective)")


class _BestFit:
    """The least-squares fit (``objective.minimize_on_support``) of the best support offered."""

    def __init__(self, objective: Any):
        self.objective, self.value, self.theta = objective, np.inf, None

    def offer(self, support: np.ndarray) -> bool:
        """Fit ``support``; keep it and return ``True`` if its fit has the lowest ``f`` so far."""
        theta = self.objective.minimize_on_support(support)
        value = self.objective.value(theta)
        if value < self.value:
            self.value, self.theta = value, theta
            return True
        return False


def _thresholding(solver: str, objective: Any, oracle: Any, rng: np.random.Generator | None,
                  projection: Any, step: float | None, n_iter: int, theta0: np.ndarray | None,
                  tol: float | None, line_search: bool, average: bool, history: int,
                  stable: int | None = None, refit: bool = False) -> IHTResult:
    """The loop of :func:`iht` (the exact oracle) and :func:`stochastic_iht`."""
    k = kept_count(projection, objective.dim)
    n_iter = check_int(n_iter, "n_iter", 1)
    tol = resolve_tol(tol)
    stable = None if stable is None else check_int(stable, "stable", 1)
    theta = initial_point(theta0, objective.dim)
    level = smoothness_level(objective, k)
    step, beta, how = resolve_oracle_step(step, objective, oracle, level)
    guard = step_guard(solver, objective, theta, level, beta, how)
    search = oracle_line_search(oracle, step) if line_search else None
    recorder = HistoryRecorder(objective, n_iter, theta, history)
    mean = TailAverage(theta) if average else None

    def project(update: np.ndarray) -> np.ndarray:
        return np.where(projection.mask(update), update, 0.0)

    unchanged = 0
    support = theta != 0.0
    best = _BestFit(objective) if refit else None
    for t in range(1, n_iter + 1):
        sampled = oracle.sample(rng)
        if search is None:
            update = theta - step * sampled.gradient(theta)
            guard.check(t, update, step)
            new = project(update)
        else:
            value, gradient = value_and_gradient(sampled, theta)
            update, new = search(sampled, theta, gradient, project, value)
            step = search.step
            guard.check(t, update, step)
        new_support = new != 0.0
        same = bool(np.array_equal(new_support, support))
        recorder.record(new, step, new_support)
        if mean is not None:
            mean.add(new, same)  # the mean's support is the previous iterate's
        # with refit, only a support whose least-squares fit lowers f restarts the count
        improved = not same and (best is None or best.offer(new_support))
        unchanged = 0 if improved else unchanged + 1
        # ‖θ_{t+1} − θ_t‖ only when a tolerance asks for it (tol < 0: never stop on it)
        fixed_point = tol >= 0.0 and float(np.linalg.norm(new - theta)) <= tol
        theta, support = new, new_support
        if fixed_point or (stable is not None and unchanged >= stable):
            break
    if best is not None:
        final = best.theta if best.theta is not None else objective.minimize_on_support(support)
    else:
        final = theta if mean is None else mean.mean
    return IHTResult(final, final != 0.0, recorder.count, recorder.history())


def iht(objective: Any, projection: Any, *, step: float | None = None, n_iter: int = 1000,
        theta0: np.ndarray | None = None, tol: float | None = None, history: int = 1) -> IHTResult:
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
    history : int
        Record the gap ``f(θ_t) − f*`` every ``history`` iterations (and at the last); ``0`` records
        none (see :class:`~iht.solvers.common.HistoryRecorder`).

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
    return _thresholding("iht", objective, ExactGradient(objective), None, projection, step, n_iter,
                         theta0, tol, False, False, history)


def stochastic_iht(objective: Any, oracle: Any, projection: Any, *, step: float | None = None,
                   n_iter: int = 1000, theta0: np.ndarray | None = None,
                   seed: int | np.random.Generator = 0, line_search: bool = False,
                   average: bool = False, stable: int | None = None, refit: bool = False,
                   history: int = 1) -> IHTResult:
    """Stochastic IHT ``θ_{t+1} = P(θ_t − η g_t)`` with ``g_t = oracle(θ_t, rng)``.

    Parameters are as in :func:`iht`, plus:

    oracle
        A gradient oracle (:mod:`iht.oracles`) built on ``objective``.
    step : float, optional
        ``η > 0``. Default: ``1/L_B`` for a :class:`~iht.oracles.MinibatchOracle`, with ``L_B`` the
        expected restricted smoothness of the minibatch loss at level ``2k + 3k*``
        (:meth:`~iht.oracles.MinibatchOracle.smoothness`: Gower et al. 2019 for the batch scaling);
        ``1/β`` for other oracles (see :func:`~iht.solvers.common.resolve_step`). With
        ``line_search`` it is the first step tried.
    seed : int or numpy.random.Generator
        Randomness of the oracle.
    line_search : bool
        Backtrack the step on every sampled function (:class:`~iht.solvers.common.LineSearch`,
        Vaswani et al. 2019): the safeguard that keeps a too large step from diverging and lets a
        too small one grow.
    average : bool
        Return the mean of the iterates since the support last changed
        (:class:`~iht.solvers.common.TailAverage`) instead of the last iterate.
    stable : int, optional
        Stop once the support has not changed for ``stable`` consecutive iterations (with
        ``average``, the mean of those iterates is returned; with ``refit``, once no support of
        those iterations has a least-squares fit with a lower ``f`` than the best so far);
        ``None`` runs all ``n_iter``.
    refit : bool
        Return the least-squares fit (``objective.minimize_on_support``, the least-squares step of
        HTP, Foucart 2011) on the best support the run visited: each new support is fitted, and the
        fit with the lowest ``f`` is kept. The iterates of a constant step fluctuate around that
        fit with a variance proportional to the step; the mean removes it only over many
        iterations (``average``), the refit at once, so a run can stop soon after its support
        settles. Coordinates whose values are below the gradient noise keep entering and leaving
        the support (Gaussian amplitudes), so a support never stays unchanged for long; the best
        fit stops improving instead (``docs/recovery.md``). Excludes ``average``.

    Runs at most ``n_iter`` iterations; raises :class:`~iht.solvers.common.DivergenceError` when
    the iterates blow up.

    References
    ----------
    A. Peste, E. Iofinova, A. Vladu, D. Alistarh, "AC/DC: Alternating Compressed/DeCompressed
    Training of Deep Neural Networks", NeurIPS 2021, eq. (3) and Theorem 1.
    S. Foucart, "Hard thresholding pursuit: an algorithm for compressive sensing", SIAM Journal on
    Numerical Analysis 49(6) (2011) (the least-squares step of ``refit``).
    """
    check_oracle(objective, oracle)
    if refit and average:
        raise ValueError("average must be False when refit=True (the refit replaces the mean); "
                         "got average=True")
    return _thresholding("stochastic_iht", objective, oracle, np.random.default_rng(seed), projection,
                         step, n_iter, theta0, None, line_search, average, history, stable, refit)

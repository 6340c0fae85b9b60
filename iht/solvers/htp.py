"""Hard thresholding pursuit (Foucart 2011).

Each iteration picks the support of an IHT step, ``S_{t+1} = supp P(θ_t − η ∇f(θ_t))``, then
minimises ``f`` exactly over vectors supported on ``S_{t+1}`` (least squares for compressed
sensing). It stops as soon as the support repeats, which makes the iterate a fixed point.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from iht.solvers.common import (
    HistoryRecorder,
    initial_point,
    kept_count,
    resolve_step,
    smoothness_level,
    step_guard,
)
from iht.solvers.result import IHTResult
from iht.validation import check_int


def htp(objective: Any, projection: Any, *, step: float | None = None, n_iter: int = 100,
        theta0: np.ndarray | None = None, history: int = 1) -> IHTResult:
    """Hard thresholding pursuit with support selection by ``projection``.

    Parameters
    ----------
    objective
        An :mod:`iht.objectives` objective (uses ``minimize_on_support``).
    projection : iht.projection.Projection
        Selects the support, e.g. ``TopK(k=...)``; keeps between 1 and ``N − 1`` entries.
    step : float, optional
        ``η > 0`` of the support-selection step; default ``1/β``
        (see :func:`~iht.solvers.common.resolve_step`).
    n_iter : int
        Iteration budget, ``>= 1``; the run stops earlier when the support repeats.
    theta0 : ndarray, shape (N,), optional
        Finite starting point; zeros by default.
    history : int
        Record the gap every ``history`` iterations; ``0`` records none.

    Returns
    -------
    IHTResult

    Raises
    ------
    DivergenceError
        When a step's vector is not finite or blows up (e.g. a singular least-squares fit).

    References
    ----------
    S. Foucart, "Hard thresholding pursuit: an algorithm for compressive sensing", SIAM Journal on
    Numerical Analysis 49(6) (2011).
    """
    k = kept_count(projection, objective.dim)
    n_iter = check_int(n_iter, "n_iter", 1)
    theta = initial_point(theta0, objective.dim)
    level = smoothness_level(objective, k)
    step, beta = resolve_step(step, objective, level)
    guard = step_guard("htp", objective, theta, level, beta)
    recorder = HistoryRecorder(objective, n_iter, theta, history)
    support = theta != 0.0
    for t in range(1, n_iter + 1):
        previous = support
        update = theta - step * objective.gradient(theta)
        guard.check(t, update, step)
        support = projection.mask(update)
        theta = objective.minimize_on_support(support)
        recorder.record(theta, step)
        if np.array_equal(support, previous):
            break
    return IHTResult(theta, support, recorder.count, recorder.history())

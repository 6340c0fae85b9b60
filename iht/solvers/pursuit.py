"""Subspace pursuit (Dai & Milenkovic 2009): a ``2k``-candidate merge with least squares.

Each iteration adds the ``k`` coordinates the gradient ranks first to the current support, fits
``f`` exactly on the ``≤ 2k`` merged coordinates, keeps the ``k`` largest entries of that fit, and
refits on them. Unlike IHT and HTP, a coordinate enters the candidate set without having to beat a
current one in a single gradient step, which moves the recovery threshold of compressed sensing
closer to the ``ℓ0`` optimum (Dai & Milenkovic 2009, Section V). CoSaMP (Needell & Tropp 2009)
merges ``2k`` candidates and prunes once; subspace pursuit's second fit makes each iterate the
least-squares solution on its support, hence its stopping rule: stop when ``f`` stops decreasing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from iht.solvers.common import HistoryRecorder, initial_point, kept_count
from iht.solvers.result import IHTResult
from iht.validation import check_int


def subspace_pursuit(objective: Any, projection: Any, *, n_iter: int = 100,
                     theta0: np.ndarray | None = None, history: int = 1) -> IHTResult:
    """Subspace pursuit with support selection by ``projection``.

    Parameters
    ----------
    objective
        An :mod:`iht.objectives` objective (uses ``minimize_on_support``; on compressed sensing the
        merged support of ``2k`` coordinates needs ``2k <= n`` measurements).
    projection : iht.projection.Projection
        Selects ``k`` coordinates, e.g. ``TopK(k=...)``; keeps between 1 and ``N − 1`` entries.
    n_iter : int
        Iteration budget, ``>= 1``; the run stops earlier once ``f`` no longer decreases (the
        previous iterate is returned) or the support repeats.
    theta0 : ndarray, shape (N,), optional
        Finite starting point; zeros by default (the first support is then that of ``P(−∇f(0))``).
    history : int
        Record the gap every ``history`` iterations; ``0`` records none.

    Returns
    -------
    IHTResult
        ``history.step_sizes`` is all ones (the method takes no step).

    References
    ----------
    W. Dai and O. Milenkovic, "Subspace pursuit for compressive sensing signal reconstruction",
    IEEE Transactions on Information Theory 55(5) (2009), Algorithm 1.
    D. Needell and J. A. Tropp, "CoSaMP: iterative signal recovery from incomplete and inaccurate
    samples", Applied and Computational Harmonic Analysis 26(3) (2009).
    """
    kept_count(projection, objective.dim)
    n_iter = check_int(n_iter, "n_iter", 1)
    theta = initial_point(theta0, objective.dim)
    recorder = HistoryRecorder(objective, n_iter, theta, history)
    if not np.any(theta):
        theta = objective.minimize_on_support(projection.mask(-objective.gradient(theta)))
    value = objective.value(theta)
    for _ in range(n_iter):
        merged = (theta != 0.0) | projection.mask(-objective.gradient(theta))
        support = projection.mask(objective.minimize_on_support(merged))
        new = objective.minimize_on_support(support)
        new_value = objective.value(new)
        if new_value >= value:
            break
        recorder.record(new, 1.0)
        repeated = np.array_equal(support, theta != 0.0)
        theta, value = new, new_value
        if repeated:
            break
    return IHTResult(theta, theta != 0.0, recorder.count, recorder.history())

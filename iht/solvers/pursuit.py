"""Subspace pursuit (Dai & Milenkovic 2009): a ``2k``-candidate merge with least squares.

Each iteration adds the ``k`` coordinates the gradient ranks first to the current support, fits
``f`` exactly on the ``≤ 2k`` merged coordinates, keeps the ``k`` largest entries of that fit, and
refits on them. Unlike IHT and HTP, a coordinate enters the candidate set without having to beat a
current one in a single gradient step, which moves the recovery threshold of compressed sensing
closer to the ``ℓ0`` optimum (Dai & Milenkovic 2009, Section V). CoSaMP (Needell & Tropp 2009)
merges ``2k`` candidates and prunes once; subspace pursuit's second fit makes each iterate the
least-squares solution on its support, hence its stopping rule: stop when ``f`` stops decreasing
(``patience=1``), or after ``patience`` iterations without a new lowest ``f`` (the best iterate is
returned either way).

Pruning the merged set
----------------------
Dai & Milenkovic keep the ``k`` largest entries of the fit on the ``2k`` merged coordinates
(``prune="magnitude"``). That fit has ``2k`` unknowns, so its entries are noisier than those of a
``k``-column fit, and a small planted value loses to a null coordinate that the ``2k`` columns
happen to fit: with Gaussian amplitudes at ``(n, N, k*) = (128, 1024, 20)`` subspace pursuit stops
on a support that misses the smallest planted value, with a larger ``f`` than the true support's,
on instances that HTP, NIHT, OMP and abess recover (``docs/recovery.md``). ``prune="backward"``
removes the merged coordinates one at a time, each time the one whose removal raises ``f`` least
when the others are refitted, until ``k`` are left: the backward greedy algorithm of subset
selection (Couvreur & Bresler 2000), whose removal cost ``θ_j²/(2[H⁻¹]_jj)`` and refit
``θ ← θ − θ_j H⁻¹e_j/[H⁻¹]_jj`` are those of the Optimal Brain Surgeon (Hassibi & Stork 1993; exact
for a quadratic ``f``, a second-order model at the fit otherwise; ``H`` the Hessian on the merged
coordinates). It costs one ``2k × 2k`` inverse and ``k`` rank-one downdates per iteration.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from iht.projection import TopK
from iht.solvers.common import HistoryRecorder, initial_point, kept_count
from iht.solvers.result import IHTResult
from iht.validation import check_choice, check_int

#: How subspace pursuit selects ``k`` of its merged coordinates (module docstring).
PRUNING = ("magnitude", "backward")


def subspace_pursuit(objective: Any, projection: Any, *, n_iter: int = 100,
                     theta0: np.ndarray | None = None, patience: int = 1, prune: str = "magnitude",
                     history: int = 1) -> IHTResult:
    """Subspace pursuit with support selection by ``projection``.

    Parameters
    ----------
    objective
        An :mod:`iht.objectives` objective (uses ``minimize_on_support``; on compressed sensing the
        merged support of ``2k`` coordinates needs ``2k <= n`` measurements).
    projection : iht.projection.Projection
        Selects ``k`` coordinates, e.g. ``TopK(k=...)``; keeps between 1 and ``N − 1`` entries.
    n_iter : int
        Iteration budget, ``>= 1``; the run stops earlier once the support repeats or (``patience``)
        ``f`` stops decreasing.
    patience : int
        Iterations without a new lowest ``f`` before stopping, ``>= 1``; the iterate with the lowest
        ``f`` is returned. ``1`` is Dai & Milenkovic's rule (quit as soon as the residual does not
        decrease). An iteration that does not decrease ``f`` can still lead to the true support, as
        the merge of the next one starts from a different set: with ``patience=3``, 38/40 instances
        recovered instead of 37/40 at ``(n, N, k*) = (128, 1024, 20)`` (``docs/recovery.md``).
    prune : {"magnitude", "backward"}
        ``"magnitude"``: ``projection`` applied to the fit on the merged coordinates (Dai &
        Milenkovic); ``"backward"``: backward greedy elimination down to ``k`` coordinates (module
        docstring; needs a :class:`~iht.projection.TopK` projection, which fixes ``k`` only).
    theta0 : ndarray, shape (N,), optional
        Finite starting point; zeros by default (the first support is then that of ``P(−∇f(0))``).
    history : int
        Record the gap every ``history`` iterations; ``0`` records none.

    Returns
    -------
    IHTResult
        The iterate with the lowest ``f``; the history records each new lowest iterate
        (``history.step_sizes`` is all ones: the method takes no step).

    References
    ----------
    W. Dai and O. Milenkovic, "Subspace pursuit for compressive sensing signal reconstruction",
    IEEE Transactions on Information Theory 55(5) (2009), Algorithm 1.
    C. Couvreur and Y. Bresler, "On the optimality of the backward greedy algorithm for the subset
    selection problem", SIAM Journal on Matrix Analysis and Applications 21(3) (2000).
    B. Hassibi and D. G. Stork, "Second order derivatives for network pruning: Optimal Brain
    Surgeon", NeurIPS 5 (1993).
    D. Needell and J. A. Tropp, "CoSaMP: iterative signal recovery from incomplete and inaccurate
    samples", Applied and Computational Harmonic Analysis 26(3) (2009).
    """
    k = kept_count(projection, objective.dim)
    n_iter = check_int(n_iter, "n_iter", 1)
    patience = check_int(patience, "patience", 1)
    check_choice(prune, "prune", PRUNING)
    if prune == "backward" and not isinstance(projection, TopK):
        raise TypeError("projection must be an iht.projection.TopK with prune='backward' (backward "
                        f"elimination keeps k coordinates, any k); got {type(projection).__name__}")
    theta = initial_point(theta0, objective.dim)
    recorder = HistoryRecorder(objective, n_iter, theta, history)
    if not np.any(theta):
        theta = objective.minimize_on_support(projection.mask(-objective.gradient(theta)))
    best, best_value = theta, objective.value(theta)
    misses = 0
    for _ in range(n_iter):
        merged = (theta != 0.0) | projection.mask(-objective.gradient(theta))
        fit = objective.minimize_on_support(merged)
        support = projection.mask(fit) if prune == "magnitude" else _backward(objective, fit, merged, k)
        new = objective.minimize_on_support(support)
        value = objective.value(new)
        repeated = np.array_equal(support, theta != 0.0)
        theta = new
        if value < best_value:
            best, best_value, misses = new, value, 0
            recorder.record(new, 1.0)
        else:
            misses += 1
        if repeated or misses >= patience:
            break
    return IHTResult(best, best != 0.0, recorder.count, recorder.history())


def _backward(objective: Any, fit: np.ndarray, merged: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` coordinates of ``merged`` left by backward greedy elimination from ``fit``, the
    minimiser of ``f`` on ``merged`` (module docstring)."""
    columns = np.flatnonzero(merged)
    values = fit[columns]
    inverse = np.linalg.pinv(objective.hessian_on_support(fit, merged), hermitian=True)
    kept = np.ones(len(columns), dtype=bool)
    for _ in range(len(columns) - k):
        diagonal = np.diag(inverse)
        # f rises by θ_j²/(2[H⁻¹]_jj) when j is removed and the rest refitted (a zero θ_j costs 0)
        cost = np.divide(values ** 2, diagonal, out=np.zeros_like(values), where=diagonal > 0.0)
        cost[~kept] = np.inf
        j = int(np.argmin(cost))
        if diagonal[j] > 0.0:
            ratio = inverse[:, j] / diagonal[j]
            values = values - values[j] * ratio
            inverse = inverse - np.outer(ratio, inverse[j])
        kept[j] = False
        values[j] = 0.0
    support = np.zeros(objective.dim, dtype=bool)
    support[columns[kept]] = True
    return support

"""Validation, default step size and history recording shared by the solvers."""

from __future__ import annotations

from typing import Any

import numpy as np

from iht.constants.smoothness import restricted_smoothness
from iht.projection import Projection
from iht.projection.errors import check_finite_vector, check_int, check_real
from iht.solvers.result import IHTHistory


def kept_count(projection: Any, dim: int) -> int:
    """Number of entries ``projection`` keeps in a vector of ``dim`` entries, checked ``< dim``."""
    if not isinstance(projection, Projection):
        raise TypeError("projection must be an iht.projection.Projection (e.g. TopK(k=10)); "
                        f"got {type(projection).__name__}")
    kept = int(projection.mask(np.ones(dim)).sum())
    return check_int(kept, "k (entries the projection keeps)", 1, dim - 1)


def initial_point(theta0: np.ndarray | None, dim: int) -> np.ndarray:
    """A float64 copy of ``theta0`` (zeros when ``None``), checked finite with shape ``(dim,)``."""
    return np.zeros(dim) if theta0 is None else check_finite_vector(theta0, dim, "theta0")


def resolve_step(step: float | None, objective: Any, k: int) -> float:
    """``step`` checked positive, or by default ``1/β`` at level ``2k + 3k*``.

    ``β`` is the instance's exact value when :meth:`known_constants` has it, else the upper end of
    :func:`~iht.constants.restricted_smoothness` (certified, hence a safe but possibly small step:
    on Gaussian designs IHT with it can stall, see THEORY.md).
    """
    if step is not None:
        return check_real(step, "step", 0.0, strict=True)
    beta = objective.known_constants(k).beta
    if beta is None:
        beta = restricted_smoothness(objective, 2 * k + 3 * objective.k_star, rng=0).upper
    return 1.0 / beta


def resolve_tol(tol: float | None) -> float:
    """``tol`` checked ``>= 0``; ``None`` means never stop early (``-1``)."""
    return -1.0 if tol is None else check_real(tol, "tol", 0.0)


class HistoryRecorder:
    """Preallocated history of at most ``n_iter`` iterations starting from ``theta0``."""

    def __init__(self, objective: Any, n_iter: int, theta0: np.ndarray):
        self.objective = objective
        self.gap = np.empty(n_iter + 1)
        self.gap[0] = objective.value(theta0) - objective.f_star
        self.support_changes = np.empty(n_iter, dtype=np.int64)
        self.step_sizes = np.empty(n_iter)
        self.support = theta0 != 0.0
        self.count = 0

    def record(self, theta: np.ndarray, step: float) -> None:
        """Record the iterate ``theta`` reached with ``step``."""
        t = self.count
        support = theta != 0.0
        self.gap[t + 1] = self.objective.value(theta) - self.objective.f_star
        self.support_changes[t] = np.count_nonzero(support ^ self.support)
        self.step_sizes[t] = step
        self.support = support
        self.count = t + 1

    def history(self, phase: np.ndarray | None = None) -> IHTHistory:
        """The recorded arrays, trimmed to the iterations run."""
        n = self.count
        return IHTHistory(self.gap[: n + 1].copy(), self.support_changes[:n].copy(),
                          self.step_sizes[:n].copy(), None if phase is None else phase[:n].copy())

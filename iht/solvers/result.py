"""Frozen results of the IHT solvers and their per-iteration history."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class IHTHistory:
    """Per-iteration record of a solver run (numpy arrays, preallocated during the run).

    Attributes
    ----------
    gap : ndarray
        ``f(θ_t) − f*`` at the iterations ``gap_iterations``: ``t = 0 … n_iter`` by default (entry 0
        is the starting point); every ``m``-th and the last with ``history=m``; empty with
        ``history=0``.
    support_changes : ndarray of int, shape (n_iter,)
        Number of coordinates entering or leaving the support of the iterate at each iteration.
    step_sizes : ndarray, shape (n_iter,)
        Step size used at each iteration.
    phase : ndarray of str or None, shape (n_iter,)
        :class:`~iht.schedule.Phase` value (``"dense"`` or ``"compressed"``) of each iteration
        (``acdc_iht`` only).
    gap_iterations : ndarray of int
        The iteration of each entry of ``gap``.
    """

    gap: np.ndarray
    support_changes: np.ndarray
    step_sizes: np.ndarray
    phase: np.ndarray | None = None
    gap_iterations: np.ndarray | None = None


@dataclass(frozen=True)
class IHTResult:
    """Outcome of a solver: final iterate, its support, iterations run and the history."""

    theta: np.ndarray
    support: np.ndarray
    n_iter: int
    history: IHTHistory


@dataclass(frozen=True)
class ACDCIHTResult(IHTResult):
    """Outcome of :func:`~iht.solvers.acdc.acdc_iht`.

    ``theta`` is the sparse iterate at the end of the final compressed phase and ``theta_dense``
    the last dense iterate (the one the final compression was applied to).
    """

    theta_dense: np.ndarray | None = None

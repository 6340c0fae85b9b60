"""Measured linear convergence rate of a gap sequence ``f(θ_t) − f*``.

Theorem 1 of Peste et al. (2021) and the IHT analysis of Jain, Tewari & Kar (2014) both count
``O((β/α)·ln(gap_0/ε))`` iterations, i.e. a contraction ``gap_{t+1} ≈ ρ·gap_t`` with
``−ln ρ`` of order ``α/β``. The rate is fitted on the transient only: iterations before the gap
first falls to a few times its noise floor (the mean of the last quarter of the run) or to
:data:`RELATIVE_FLOOR` of its start.
"""

from __future__ import annotations

import math

import numpy as np

#: Gaps below this fraction of the initial gap are treated as converged (float64 rounding).
RELATIVE_FLOOR = 1e-10

#: The transient ends when the gap first falls below this multiple of the noise floor.
FLOOR_MULTIPLE = 3.0

#: Fewest transient points a fit uses; shorter transients give NaN.
MIN_POINTS = 3


def linear_rate(gaps: np.ndarray) -> float:
    """Least-squares contraction factor ``ρ`` of ``log gap_t`` over the transient, or NaN.

    Parameters
    ----------
    gaps : ndarray, shape (T,)
        ``f(θ_t) − f*`` per iteration, ``t = 0..T−1``.

    Returns
    -------
    float
        ``exp(slope)`` of the fitted line (``< 1`` for a converging run), NaN when the transient
        has fewer than :data:`MIN_POINTS` positive points or the run diverged.
    """
    g = np.asarray(gaps, dtype=np.float64)
    if g.size < MIN_POINTS or not np.all(np.isfinite(g)) or g[0] <= 0:
        return math.nan
    floor = max(float(np.mean(g[-max(g.size // 4, 1):])), 0.0)
    threshold = max(FLOOR_MULTIPLE * floor, RELATIVE_FLOOR * g[0])
    below = np.flatnonzero(g <= threshold)
    end = int(below[0]) if below.size else g.size
    transient = g[:end]
    transient = transient[transient > 0]
    if transient.size < MIN_POINTS:
        return math.nan
    slope = np.polyfit(np.arange(transient.size), np.log(transient), 1)[0]
    return float(math.exp(slope))

"""One-sided upper confidence bounds (UCB) for a mean ``E[X]`` from ``R`` independent samples.

Used to check ``E[f(θ) − f(θ*)] ≤ bound`` from R seeds: the check passes when the UCB at level
``1 − δ`` is below the bound. Three bounds, with different assumptions:

=========================  =================================================================
``"student-t"``            ``mean + t_{1−δ, R−1}·s/√R``; exact for Gaussian samples, otherwise an
                           approximation (the central limit theorem); needs no range.
``"hoeffding"``            ``mean + b·√(ln(1/δ)/(2R))`` for samples in ``[0, b]``; distribution-free.
``"empirical-bernstein"``  ``mean + √(2·V·ln(2/δ)/R) + 7·b·ln(2/δ)/(3(R−1))`` for samples in
                           ``[0, b]``, V the unbiased sample variance; distribution-free and
                           tighter than Hoeffding when V ≪ b² (Maurer & Pontil 2009, Theorem 4).
=========================  =================================================================

References
----------
Hoeffding, "Probability inequalities for sums of bounded random variables", JASA 1963.
Maurer & Pontil, "Empirical Bernstein bounds and sample variance penalization", COLT 2009.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from iht.validation import check_choice, check_positive, check_probability

#: Names accepted by :func:`upper_confidence_bound`.
UCB_METHODS = ("student-t", "hoeffding", "empirical-bernstein")


def _samples(values: Sequence[float] | np.ndarray, minimum: int) -> np.ndarray:
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size < minimum:
        raise ValueError(f"values must hold at least {minimum} samples; got {x.size}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"values must be finite; got {int(np.sum(~np.isfinite(x)))} non-finite sample(s)")
    return x


def _bounded_samples(values: Sequence[float] | np.ndarray, upper: float, minimum: int) -> np.ndarray:
    x = _samples(values, minimum)
    check_positive(upper, "upper")
    if x.min() < 0 or x.max() > upper:
        raise ValueError(f"values must lie in [0, upper={upper:g}]; got range [{x.min():g}, {x.max():g}]")
    return x


def student_t_ucb(values: Sequence[float] | np.ndarray, delta: float = 0.05) -> float:
    """Student-t one-sided ``1 − δ`` upper confidence bound on the mean (at least 2 samples)."""
    x = _samples(values, 2)
    check_probability(delta, "delta")
    return float(x.mean() + stats.t.ppf(1 - delta, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))


def hoeffding_ucb(values: Sequence[float] | np.ndarray, upper: float, delta: float = 0.05) -> float:
    """Hoeffding one-sided ``1 − δ`` upper confidence bound for samples in ``[0, upper]``."""
    x = _bounded_samples(values, upper, 1)
    check_probability(delta, "delta")
    return float(x.mean() + upper * math.sqrt(math.log(1 / delta) / (2 * x.size)))


def empirical_bernstein_ucb(values: Sequence[float] | np.ndarray, upper: float, delta: float = 0.05) -> float:
    """Empirical-Bernstein one-sided ``1 − δ`` upper confidence bound for samples in ``[0, upper]``.

    Maurer & Pontil (2009), Theorem 4, applied to ``X/upper`` and scaled back; needs 2 samples.
    """
    x = _bounded_samples(values, upper, 2)
    check_probability(delta, "delta")
    log_term = math.log(2 / delta)
    spread = math.sqrt(2 * x.var(ddof=1) * log_term / x.size)
    return float(x.mean() + spread + 7 * upper * log_term / (3 * (x.size - 1)))


def upper_confidence_bound(
    values: Sequence[float] | np.ndarray, method: str = "student-t", delta: float = 0.05,
    upper: float | None = None,
) -> float:
    """One-sided ``1 − δ`` upper confidence bound on the mean by the named ``method``.

    Parameters
    ----------
    values : array_like, shape (R,)
        Independent samples (e.g. final gaps of R seeds).
    method : {"student-t", "hoeffding", "empirical-bernstein"}
        See the module docstring for the assumptions of each.
    delta : float
        Error probability in (0, 1).
    upper : float, optional
        Range ``[0, upper]`` of the samples; required by the distribution-free methods.
    """
    check_choice(method, "method", UCB_METHODS)
    if method == "student-t":
        return student_t_ucb(values, delta)
    if upper is None:
        raise ValueError(
            f"method={method!r} needs the range of the samples: pass upper=b for samples in [0, b]"
        )
    if method == "hoeffding":
        return hoeffding_ucb(values, upper, delta)
    return empirical_bernstein_ucb(values, upper, delta)

"""Validation, default step size, divergence detection and history recording shared by the solvers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from iht.constants.eigen import enumerated_extremes
from iht.constants.smoothness import restricted_smoothness
from iht.oracles import ExactGradient
from iht.projection import Projection
from iht.projection.errors import check_finite_vector
from iht.solvers.result import IHTHistory
from iht.validation import check_int, check_real


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


#: A run has diverged once the norm of the vector a step produces exceeds this multiple of the scale
#: of the start (the larger of ``‖θ_0‖`` and the first step's vector), or is not finite.
DIVERGENCE_GROWTH = 1e8


class DivergenceError(ValueError):
    """A solver's iterates diverged; the message names the iteration, the step and its bound."""


def smoothness_level(objective: Any, k: int) -> int:
    """``2k + 3k*`` (capped at ``N``), the level of the restricted smoothness in Theorem 1."""
    return min(2 * k + 3 * objective.k_star, objective.dim)


def known_beta(objective: Any, level: int) -> float | None:
    """``β`` at ``level`` when the objective determines it exactly, else ``None``.

    Exact by enumeration of principal submatrices (:func:`~iht.constants.eigen.enumerated_extremes`)
    for quadratics given by their Hessian (block structure or a tiny ``N``). Objectives over data
    rows are skipped: their Hessian is a ``N × N`` product of the data (see
    :func:`~iht.constants.restricted_smoothness` to estimate ``β``).
    """
    if not objective.is_quadratic or hasattr(objective, "n_samples"):
        return None
    extremes = enumerated_extremes(objective.principal_blocks(), level)
    return None if extremes is None else extremes[1]


#: How a default step's ``β`` is described in a divergence message.
DEFAULT_STEP_BETA = "the value the default step 1/β came from"


def step_bound(objective: Any, level: int, beta: float | None = None,
               how: str = DEFAULT_STEP_BETA) -> str:
    """The advice of a divergence message: the step must be below ``2/β`` at ``level``.

    ``beta`` (the value a default step came from, described by ``how``) or :func:`known_beta`
    gives the number; otherwise the message says how to estimate it. ``2/β`` is the classical limit
    of a gradient step on a ``β``-smooth function: beyond it the step overshoots along the top
    eigenvector.
    """
    if beta is None:
        beta, how = known_beta(objective, level), "exact"
    if beta is None:
        return (f"the step must be below 2/β, β the restricted smoothness at level {level}: "
                f"estimate β with iht.constants.restricted_smoothness(objective, {level}), or pass "
                "step=None for the default 1/β")
    return f"the step must be below 2/β ≈ {2.0 / beta:.6g} (β = {beta:.6g}: {how}, level {level})"


class DivergenceGuard:
    """Raises :class:`DivergenceError` when the vectors a run produces blow up.

    :meth:`check` is called with the vector each step produces before any projection (``θ − ηg``),
    one ``O(N)`` norm per step. A run diverges when that vector is not finite, or its norm exceeds
    ``DIVERGENCE_GROWTH`` times the scale of the start: a step beyond ``2/β`` multiplies the error
    along the top eigenvector by ``|1 − ηβ| > 1`` at every iteration, so the norm grows
    geometrically, whereas a converging run stays within a bounded multiple of its start.

    Parameters
    ----------
    solver : str
        Name in the message.
    theta0 : ndarray
        The starting point (its norm is part of the scale).
    advice : callable
        ``() -> str``, what the step must satisfy; called only when raising.
    step_name : str
        How the step is written in the message (``η``; NIHT's adaptive step is ``μ``).
    """

    def __init__(self, solver: str, theta0: np.ndarray, advice: Any, step_name: str = "η"):
        self.solver, self.advice, self.step_name = solver, advice, step_name
        self.scale = float(np.linalg.norm(theta0))
        self.first = True

    def check(self, t: int, vector: np.ndarray, step: float) -> None:
        """Check the vector produced at iteration ``t`` (1-based) with step ``step``."""
        norm = float(np.linalg.norm(vector))
        if not np.isfinite(norm):
            count = int(np.count_nonzero(~np.isfinite(vector)))
            self.fail(t, step, f"{count} non-finite value(s)" if count
                      else f"‖θ‖ overflows (largest |θ_i| = {np.max(np.abs(vector)):.3g})")
        if self.first or self.scale == 0.0:
            self.scale, self.first = max(self.scale, norm), False
        elif norm > DIVERGENCE_GROWTH * self.scale:
            self.fail(t, step, f"‖θ‖ = {norm:.3g} exceeds {DIVERGENCE_GROWTH:.0e} × {self.scale:.3g}, "
                               "the scale of the start")

    def fail(self, t: int, step: float, what: str) -> None:
        """Raise the :class:`DivergenceError` of iteration ``t``."""
        raise DivergenceError(f"{self.solver} diverged at iteration {t} with step "
                              f"{self.step_name}={step:.6g}: {what}; {self.advice()}")


def step_guard(solver: str, objective: Any, theta0: np.ndarray, level: int, beta: float | None,
               how: str = DEFAULT_STEP_BETA) -> DivergenceGuard:
    """A :class:`DivergenceGuard` whose advice is :func:`step_bound` at ``level``."""
    return DivergenceGuard(solver, theta0, lambda: step_bound(objective, level, beta, how))


def resolve_step(step: float | None, objective: Any, level: int) -> tuple[float, float | None]:
    """``(η, β)``: ``step`` checked positive (``β`` then ``None``), or by default ``1/β`` at ``level``.

    ``β`` is the instance's exact value when :func:`known_beta` has it, else the upper end of
    :func:`~iht.constants.restricted_smoothness` (certified, hence a safe but possibly small step:
    on Gaussian designs IHT with it can stall, see THEORY.md). The solvers take ``level = 2k + 3k*``
    (:func:`smoothness_level`, Theorem 1's level), or ``N`` for dense steps.
    """
    if step is not None:
        return check_real(step, "step", 0.0, strict=True), None
    beta = known_beta(objective, level)
    if beta is None:
        beta = restricted_smoothness(objective, level, rng=0).upper
    return 1.0 / beta, beta


#: How the default step of a minibatch oracle is described in a divergence message.
MINIBATCH_BETA = "expected smoothness L_B of the minibatch loss, MinibatchOracle.smoothness"


def resolve_oracle_step(step: float | None, objective: Any, oracle: Any,
                        level: int) -> tuple[float, float | None, str]:
    """``(η, β, how)`` for a stochastic solver: :func:`resolve_step`, except that a minibatch
    oracle's default is ``1/L_B``, its expected smoothness at ``level`` (``oracle.smoothness``:
    the smoothness of the function each step actually descends, which grows as the batch shrinks).
    """
    if step is None and hasattr(oracle, "smoothness"):
        beta = oracle.smoothness(level, rng=0)
        return 1.0 / beta, beta, MINIBATCH_BETA
    return (*resolve_step(step, objective, level), DEFAULT_STEP_BETA)


def resolve_tol(tol: float | None) -> float:
    """``tol`` checked ``>= 0``; ``None`` means never stop early (``-1``)."""
    return -1.0 if tol is None else check_real(tol, "tol", 0.0)


class HistoryRecorder:
    """Preallocated history of at most ``n_iter`` iterations starting from ``theta0``.

    Support changes and step sizes cost ``O(N)`` and are recorded at every iteration. The gap
    ``f(θ_t) − f*`` costs an evaluation of ``f`` (``O(nN)`` on data) and is recorded every ``every``
    iterations and at the last one; ``every = 0`` records no gap at all (a timed solve pays for no
    bookkeeping).
    """

    def __init__(self, objective: Any, n_iter: int, theta0: np.ndarray, every: int = 1):
        self.objective = objective
        self.every = check_int(every, "history", 0)
        size = n_iter // self.every + 2 if self.every else 0
        self.gap, self.gap_iterations = np.empty(size), np.empty(size, dtype=np.int64)
        self.n_gaps = 0
        self.support_changes = np.empty(n_iter, dtype=np.int64)
        self.step_sizes = np.empty(n_iter)
        self.support = theta0 != 0.0
        self.count = 0
        self.last = theta0
        if self.every:
            self._record_gap(theta0)

    def _record_gap(self, theta: np.ndarray) -> None:
        self.gap[self.n_gaps] = self.objective.value(theta) - self.objective.f_star
        self.gap_iterations[self.n_gaps] = self.count
        self.n_gaps += 1

    def record(self, theta: np.ndarray, step: float, support: np.ndarray | None = None) -> None:
        """Record the iterate ``theta`` reached with ``step`` (``support``: ``theta != 0`` if known)."""
        t = self.count
        support = theta != 0.0 if support is None else support
        self.support_changes[t] = np.count_nonzero(support ^ self.support)
        self.step_sizes[t] = step
        self.support, self.last = support, theta
        self.count = t + 1
        if self.every and self.count % self.every == 0:
            self._record_gap(theta)

    def history(self, phase: np.ndarray | None = None) -> IHTHistory:
        """The recorded arrays, trimmed to the iterations run (the last iteration's gap included)."""
        n = self.count
        if self.every and self.gap_iterations[self.n_gaps - 1] != n:
            self._record_gap(self.last)
        return IHTHistory(self.gap[: self.n_gaps].copy(), self.support_changes[:n].copy(),
                          self.step_sizes[:n].copy(), None if phase is None else phase[:n].copy(),
                          self.gap_iterations[: self.n_gaps].copy())


#: Halvings of the step allowed in one backtracking line search.
MAX_BACKTRACKS = 60


class LineSearch:
    """Backtracking on the sampled function, the safeguard of the stochastic solvers.

    Each iteration starts from the previous step times ``growth`` and halves it until the step
    ``θ⁺ = P(θ − ηg)`` satisfies ``f_ξ(θ⁺) <= f_ξ(θ) + gᵀ(θ⁺ − θ) + r‖θ⁺ − θ‖²/(2η)`` on the function
    ``f_ξ`` the oracle sampled (``g = ∇f_ξ(θ)``), i.e. ``η <= r/β_d`` for the curvature
    ``β_d = dᵀ∇²f_ξ d/‖d‖²`` along the move ``d = θ⁺ − θ`` on a quadratic. Checking it on the sample
    instead of assuming a worst-case ``β`` lets the step follow the curvature actually met.
    ``growth = 2^(B/n)`` is the reset rule of Vaswani et al. (2019) for a batch of ``B`` out of ``n``
    rows (``2`` for other oracles).

    The reach ``r`` (:func:`oracle_line_search`): ``r = 1`` is the descent lemma (``η <= 1/β``),
    which makes IHT a majorisation–minimisation method (Blumensath & Davies 2008). ``r = 2`` is the
    range in which a gradient step contracts the error (``|1 − ηλ| < 1`` for ``λ <= β``; Nesterov
    2004, Theorem 2.1.14 for the bound ``2/L``); it admits the unit step of the recovery analyses of
    compressed sensing (unit-norm columns; Foucart 2011), which lies between ``1/β`` and ``2/β`` of the
    restricted curvature whenever the restricted isometry constant is in ``(0, 1)``. With ``r = 1``
    IHT stops on wrong supports, whose fixed points ``|η ∇_j f| <= min_{i ∈ S} |θ_i|`` a shorter step
    makes more numerous (``docs/recovery.md``: IHT with the exact gradient recovers 12/20 instances at
    ``(n, N, k*) = (128, 1024, 20)`` with ``r = 1`` and 20/20 with ``r = 2``). A minibatch gradient
    is noisy, and the noise a step carries grows with the step: there ``r = 1 + B/n`` (an
    interpolation between the two, measured rather than derived: ``r = 2`` with ``B = 64`` rows of
    ``n = 400`` or ``1000`` never settles on a support, 0/20 instances recovered, ``docs/recovery.md``).

    References
    ----------
    S. Vaswani, A. Mishkin, I. Laradji, M. Schmidt, G. Gidel, S. Lacoste-Julien, "Painless
    stochastic gradient: interpolation, line-search, and convergence rates", NeurIPS 2019.
    T. Blumensath and M. E. Davies, "Iterative thresholding for sparse approximations", Journal of
    Fourier Analysis and Applications 14 (2008).
    Y. Nesterov, "Introductory Lectures on Convex Optimization", Kluwer (2004), Section 2.1.5.
    S. Foucart, "Hard thresholding pursuit: an algorithm for compressive sensing", SIAM Journal on
    Numerical Analysis 49(6) (2011).
    """

    def __init__(self, step: float, growth: float, reach: float = 2.0):
        self.step, self.growth, self.half_reach = step, growth, 0.5 * reach

    def __call__(self, sampled: Any, theta: np.ndarray, gradient: np.ndarray,
                 project: Callable[[np.ndarray], np.ndarray],
                 value: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(update, θ⁺)`` with the accepted step stored in ``self.step``; ``value``: ``f_ξ(θ)``
        if the caller has it (:func:`value_and_gradient`)."""
        step = self.step * self.growth
        value = sampled.value(theta) if value is None else value
        for _ in range(MAX_BACKTRACKS):
            update = theta - step * gradient
            new = project(update)
            move = new - theta
            if sampled.value(new) <= value + gradient @ move + self.half_reach * (move @ move) / step:
                break
            step *= 0.5
        self.step = step
        return update, new


def value_and_gradient(sampled: Any, theta: np.ndarray) -> tuple[float, np.ndarray]:
    """``(f_ξ(θ), ∇f_ξ(θ))`` of a draw, the start of a line search: from one evaluation when the
    draw offers it (``sampled.both``, e.g. a minibatch, :class:`~iht.objectives.linear_models.RowBatch`:
    one product ``x_B θ`` instead of two), else
    ``value`` and ``gradient`` (an oracle of one's own)."""
    both = getattr(sampled, "both", None)
    return both(theta) if both is not None else (sampled.value(theta), sampled.gradient(theta))


def oracle_line_search(oracle: Any, step: float) -> LineSearch:
    """The :class:`LineSearch` from ``step`` for ``oracle``: growth ``2^(B/n)`` and reach ``1 + B/n``
    for a minibatch oracle (``B`` of ``n`` rows); growth 2 and reach 2 for the exact gradient; growth
    2 and reach 1 (the descent lemma) for any other oracle."""
    batch = getattr(oracle, "batch_size", None)
    if batch is not None:
        fraction = batch / oracle.objective.n_samples
        return LineSearch(step, 2.0 ** fraction, 1.0 + fraction)
    return LineSearch(step, 2.0, 2.0 if isinstance(oracle, ExactGradient) else 1.0)


class TailAverage:
    """Running mean of the iterates since the support last changed (Polyak–Ruppert averaging).

    Once the support is fixed, stochastic IHT is SGD on a ``k``-dimensional problem and its
    iterates fluctuate around the minimiser on that support with a variance proportional to the
    step; the mean of the iterates removes most of it (Polyak & Juditsky 1992). A change of
    support restarts the mean.

    References
    ----------
    B. T. Polyak and A. B. Juditsky, "Acceleration of stochastic approximation by averaging", SIAM
    Journal on Control and Optimization 30(4) (1992).
    """

    def __init__(self, theta: np.ndarray):
        self.restart(theta)

    def restart(self, theta: np.ndarray) -> None:
        """Start a new mean at ``theta``."""
        self.mean, self.count = theta.copy(), 1

    def add(self, theta: np.ndarray, same_support: bool | None = None) -> None:
        """Add ``theta``; restart if its support differs from the mean's (``same_support``: that
        comparison, when the caller has made it)."""
        if np.array_equal(theta != 0.0, self.mean != 0.0) if same_support is None else same_support:
            self.count += 1
            self.mean += (theta - self.mean) / self.count
        else:
            self.restart(theta)

"""AC/DC on synthetic objectives: Algorithm 1 of Peste et al. (NeurIPS 2021), in steps.

A dense warm-up, then compressed phases (project once with ``P`` at the phase start; then steps
restricted to that support, pruned coordinates and their gradients held at 0) alternating with
decompressed phases (mask reset to all ones, full steps), a longer last dense phase and a final
compressed phase. The phases come from the :class:`~iht.schedule.Schedule` that torch training uses,
counted here in optimisation steps instead of epochs (:func:`~iht.schedule.paper_schedule` scales
the paper's recipe to any number of steps >= 20).

Step sizes: three kinds of steps, two smoothness levels
-------------------------------------------------------
A compressed step moves ``k`` coordinates, so the restricted smoothness ``β_{2k+3k*}`` of Theorem 1
bounds its curvature. A step of a decompressed phase of several steps is dense: it diverges unless
``η < 2/λ_max(∇²f)`` (``β`` at level ``N``). A decompressed phase of **one** step is followed at once
by the next compression, so "dense step, then ``P``" is one IHT step ``P(θ − η g)``, whose analysis
needs only the restricted level. Each kind keeps its own step (and line search): the curvature a
compressed step meets on its support is not the one an IHT step meets across supports.

This is what makes AC/DC work on compressed sensing with ``n ≪ N`` measurements. There a long
decompressed phase converges towards the interpolating set ``{θ : Aθ = b}``: its displacement from
the sparse iterate is about ``A⁺r = Aᵀ(AAᵀ)⁻¹r ≈ (n/N)·Aᵀr`` for the residual ``r``, so the next
compression ranks the off-support coordinates by a gradient step ``N/n`` times smaller than the
unit step IHT needs, and the support stops changing at a wrong set (measured at
``(n, N, k*) = (128, 1024, 20)``: relative error 50–75× the noise floor for every dense-phase length
from 5 to 100 steps, with the exact gradient too; HTP and IHT with a restricted step recover). With
one-step decompressed phases (``alternating_schedule(1, c, 1, m, 1, c)``) AC/DC recovers where
stochastic IHT does (see :mod:`iht.recovery`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from iht.schedule import PHASE_NAMES, Phase, PhaseSpan, Schedule, paper_schedule
from iht.solvers.common import (
    DivergenceGuard,
    HistoryRecorder,
    TailAverage,
    initial_point,
    kept_count,
    oracle_line_search,
    resolve_oracle_step,
    smoothness_level,
    step_guard,
    value_and_gradient,
)
from iht.solvers.iht import check_oracle
from iht.solvers.result import ACDCIHTResult

#: The paper's recipe (Section 4) in 100 steps: dense 0–9, compressed/dense 5/5 up to step 74,
#: dense 75–84, compressed 85–99.
DEFAULT_SCHEDULE = paper_schedule(100)


class _StepRule:
    """The step, divergence guard and line search of one kind of step (see :func:`_step_kind`)."""

    def __init__(self, objective: Any, oracle: Any, resolved: tuple[float, float | None, str], level: int,
                 theta0: np.ndarray, line_search: bool):
        self.step, beta, how = resolved
        self.guard: DivergenceGuard = step_guard("acdc_iht", objective, theta0, level, beta, how)
        self.search = oracle_line_search(oracle, self.step) if line_search else None

    def update(self, t: int, sampled: Any, theta: np.ndarray, project: Any) -> np.ndarray:
        """``θ − ηg`` at iteration ``t`` (``η`` from the line search if any), checked."""
        if self.search is None:
            update = theta - self.step * sampled.gradient(theta)
        else:
            value, gradient = value_and_gradient(sampled, theta)
            update, _ = self.search(sampled, theta, gradient, project, value)
            self.step = self.search.step
        self.guard.check(t, update, self.step)
        return update


def acdc_iht(objective: Any, oracle: Any, projection: Any, *,
             schedule: Schedule = DEFAULT_SCHEDULE, step: float | None = None,
             theta0: np.ndarray | None = None, seed: int | np.random.Generator = 0,
             line_search: bool = False, average: bool = False, history: int = 1) -> ACDCIHTResult:
    """AC/DC (Peste et al. 2021, Algorithm 1) with gradient steps from ``oracle``.

    Parameters
    ----------
    objective
        An :mod:`iht.objectives` objective.
    oracle
        A gradient oracle (:mod:`iht.oracles`) built on ``objective``. When its draws offer
        ``restrict`` (a minibatch), a compressed step evaluates the draw on the ``k`` coordinates of
        its support only, the others being held at 0: the same step up to the order of the
        floating-point sums, at ``|B| × k`` instead of ``|B| × N`` products.
    projection : iht.projection.Projection
        The compression operator (``TopK(k=...)`` is ``T_k``).
    schedule : iht.schedule.Schedule
        Phase of every step; the run has ``schedule.epochs`` steps (the schedule's unit is the step
        here). Default: the paper's recipe in 100 steps (``paper_schedule(100)``).
    step : float, optional
        ``η > 0`` for every step. Default: per kind of step (module docstring), ``1/β`` at level
        ``2k + 3k*`` for compressed steps and for one-step decompressed phases, at level ``N`` for
        the steps of longer decompressed phases; for a minibatch oracle ``β`` is its expected smoothness
        ``L_B`` (see :func:`~iht.solvers.stochastic_iht`). With ``line_search``, the first steps tried.
    theta0 : ndarray, shape (N,), optional
        Finite starting point; zeros by default.
    seed : int or numpy.random.Generator
        Randomness of the oracle.
    line_search : bool
        Backtrack every step on the sampled function (:class:`~iht.solvers.common.LineSearch`), one
        search per kind of step; a one-step decompressed phase is checked at the compressed point
        it leads to.
    average : bool
        Return the mean of the iterates of the final compressed phase
        (:class:`~iht.solvers.common.TailAverage`) instead of its last iterate.
    history : int
        Record the gap every ``history`` steps; ``0`` records none.

    Returns
    -------
    ACDCIHTResult
        ``theta``: the sparse iterate at the end; ``theta_dense``: the dense iterate the final
        compression was applied to; ``n_iter``: the steps run (``schedule.epochs``);
        ``history.phase``: the :class:`~iht.schedule.Phase` value (``"dense"`` or
        ``"compressed"``) of each step.

    Raises
    ------
    DivergenceError
        When the iterates blow up; the message gives the bound ``2/β`` on the step.

    References
    ----------
    A. Peste, E. Iofinova, A. Vladu, D. Alistarh, "AC/DC: Alternating Compressed/DeCompressed
    Training of Deep Neural Networks", NeurIPS 2021, Algorithm 1 and Section 3.2.
    """
    check_oracle(objective, oracle)
    if not isinstance(schedule, Schedule):
        raise TypeError("schedule must be an iht.schedule.Schedule (e.g. paper_schedule(n_iter)); "
                        f"got {type(schedule).__name__}")
    k = kept_count(projection, objective.dim)
    theta = initial_point(theta0, objective.dim)
    level = smoothness_level(objective, k)
    levels = {kind: objective.dim if kind == "dense" else level for kind in map(_step_kind, schedule.spans)}
    # one estimate of the smoothness per level (compressed and IHT steps share theirs)
    resolved = {at: resolve_oracle_step(step, objective, oracle, at) for at in set(levels.values())}
    rules = {kind: _StepRule(objective, oracle, resolved[at], at, theta, line_search)
             for kind, at in levels.items()}
    rng = np.random.default_rng(seed)
    n_iter = schedule.epochs
    recorder = HistoryRecorder(objective, n_iter, theta, history)
    phase_of_step = np.empty(n_iter, dtype=f"<U{max(map(len, PHASE_NAMES))}")
    theta_dense = theta.copy()
    # The mask the line search of a one-step dense phase computed for the update it accepted: the
    # next compression projects that same vector, so it reuses the mask instead of a second top-k.
    searched: dict[str, np.ndarray] = {}
    for span in schedule.spans:
        phase_of_step[span.start:span.stop] = span.phase.value
        dense = span.phase is Phase.DENSE
        if not dense:
            theta_dense = theta.copy()
            mask = searched["mask"] if searched.get("update") is theta else projection.mask(theta)
            theta = np.where(mask, theta, 0.0)
        else:
            mask = np.ones(objective.dim, dtype=bool)
        searched.clear()
        rule = rules[_step_kind(span)]
        mean = TailAverage(theta) if average else None

        def checked(update: np.ndarray, span: PhaseSpan = span, mask: np.ndarray = mask) -> np.ndarray:
            """The point the line search checks: the compressed one after a one-step dense phase."""
            if span.phase is Phase.DENSE:
                if len(span) > 1:
                    return update
                searched["update"], searched["mask"] = update, projection.mask(update)
                return np.where(searched["mask"], update, 0.0)
            return np.where(mask, update, 0.0)

        columns = None if dense else np.flatnonzero(mask)
        for t in range(span.start + 1, span.stop + 1):
            sampled = oracle.sample(rng)
            if columns is not None and hasattr(sampled, "restrict"):
                # a compressed step moves θ_S only: the draw as a function of θ_S (|B| × k products)
                moved = rule.update(t, sampled.restrict(columns), theta[columns], _unchanged)
                theta = np.zeros(objective.dim)
                theta[columns] = moved
            else:
                update = rule.update(t, sampled, theta, checked)
                theta = update if dense else np.where(mask, update, 0.0)
            # a compressed phase keeps the support of its mask: no comparison of supports needed
            recorder.record(theta, rule.step, None if dense else mask)
            if mean is not None:
                mean.add(theta, None if dense else True)
    final = theta if mean is None else mean.mean
    return ACDCIHTResult(final, mask.copy(), recorder.count, recorder.history(phase_of_step),
                         theta_dense)


def _unchanged(vector: np.ndarray) -> np.ndarray:
    """The projection of a step on the support ``S`` of a compressed phase, in the coordinates of
    ``S``: none."""
    return vector


def _step_kind(span: PhaseSpan) -> str:
    """``"dense"`` (a decompressed phase of several steps), ``"iht"`` (of one step: a dense step and
    the next compression make one IHT step) or ``"compressed"``: the kinds with their own step."""
    if span.phase is Phase.COMPRESSED:
        return "compressed"
    return "dense" if len(span) > 1 else "iht"

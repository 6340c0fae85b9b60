"""AC/DC on synthetic objectives: Algorithm 1 of Peste et al. (NeurIPS 2021), in steps.

A dense warm-up, then compressed phases (project once with ``P`` at the phase start; then steps
restricted to that support, pruned coordinates and their gradients held at 0) alternating with
decompressed phases (mask reset to all ones, full steps), a longer last dense phase and a final
compressed phase. The phases come from the :class:`~iht.schedule.Schedule` that torch training uses,
counted here in optimisation steps instead of epochs (:func:`~iht.schedule.paper_schedule` scales
the paper's recipe to any number of steps >= 20).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from iht.schedule import PHASE_NAMES, Phase, Schedule, paper_schedule
from iht.solvers.common import (
    HistoryRecorder,
    initial_point,
    kept_count,
    resolve_step,
    smoothness_level,
    step_guard,
)
from iht.solvers.iht import check_oracle
from iht.solvers.result import ACDCIHTResult

#: The paper's recipe (Section 4) in 100 steps: dense 0–9, compressed/dense 5/5 up to step 74,
#: dense 75–84, compressed 85–99.
DEFAULT_SCHEDULE = paper_schedule(100)


def acdc_iht(objective: Any, oracle: Any, projection: Any, *,
             schedule: Schedule = DEFAULT_SCHEDULE, step: float | None = None,
             theta0: np.ndarray | None = None,
             seed: int | np.random.Generator = 0) -> ACDCIHTResult:
    """AC/DC (Peste et al. 2021, Algorithm 1) with gradient steps from ``oracle``.

    Parameters
    ----------
    objective
        An :mod:`iht.objectives` objective.
    oracle
        A gradient oracle (:mod:`iht.oracles`) built on ``objective``.
    projection : iht.projection.Projection
        The compression operator (``TopK(k=...)`` is ``T_k``).
    schedule : iht.schedule.Schedule
        Phase of every step; the run has ``schedule.epochs`` steps (the schedule's unit is the step
        here). Default: the paper's recipe in 100 steps (``paper_schedule(100)``).
    step : float, optional
        ``η > 0``; default ``1/β`` (see :func:`~iht.solvers.common.resolve_step`) at level ``N``
        when the schedule has dense steps (a dense step diverges unless ``η < 2/λ_max(∇²f)``),
        else at ``2k + 3k*``.
    theta0 : ndarray, shape (N,), optional
        Finite starting point; zeros by default.
    seed : int or numpy.random.Generator
        Randomness of the oracle.

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
    n_iter = schedule.epochs
    level = objective.dim if schedule.epochs_in(Phase.DENSE) else smoothness_level(objective, k)
    step, beta = resolve_step(step, objective, level)
    guard = step_guard("acdc_iht", objective, theta, level, beta)
    rng = np.random.default_rng(seed)
    recorder = HistoryRecorder(objective, n_iter, theta)
    phase_of_step = np.empty(n_iter, dtype=f"<U{max(map(len, PHASE_NAMES))}")
    mask = np.ones(objective.dim, dtype=bool)
    theta_dense = theta.copy()
    for span in schedule.spans:
        phase_of_step[span.start:span.stop] = span.phase.value
        if span.phase is Phase.COMPRESSED:
            theta_dense = theta.copy()
            mask = projection.mask(theta)
            theta = np.where(mask, theta, 0.0)
        else:
            mask = np.ones(objective.dim, dtype=bool)
        for t in range(span.start + 1, span.stop + 1):
            theta = theta - step * np.where(mask, oracle(theta, rng), 0.0)
            guard.check(t, theta, step)
            recorder.record(theta, step)
    return ACDCIHTResult(theta, mask.copy(), recorder.count, recorder.history(phase_of_step),
                         theta_dense)

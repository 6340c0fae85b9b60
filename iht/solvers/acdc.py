"""AC/DC on synthetic objectives: Algorithm 1 of Peste et al. (NeurIPS 2021), one step per "epoch".

A dense warm-up, then compressed phases (project once with ``P`` at the phase start; then steps
restricted to that support, pruned coordinates and their gradients held at 0) alternating with
decompressed phases (mask reset to all ones, full steps). The run always ends on a compressed
phase. The schedule is a pure function of the step counter built from validated phase lengths.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np

from iht.projection.errors import check_int
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


class Phase(IntEnum):
    """Phase of an AC/DC step (stored as ``history.phase``)."""

    WARMUP = 0
    COMPRESSED = 1
    DECOMPRESSED = 2


@dataclass(frozen=True)
class ACDCIHTSchedule:
    """Phase lengths of AC/DC, in steps: ``warmup``, then ``n_compressed`` compressed phases of
    ``compressed`` steps separated by decompressed phases of ``decompressed`` steps.

    Phase boundaries: warm-up ``[0, warmup)``; compressed phase ``j`` (from 0) starts at
    ``warmup + j·(compressed + decompressed)``; total ``n_iter = warmup + n_compressed·compressed
    + (n_compressed − 1)·decompressed`` steps.
    """

    warmup: int = 10
    compressed: int = 10
    decompressed: int = 10
    n_compressed: int = 5

    def __post_init__(self) -> None:
        check_int(self.warmup, "warmup", 0)
        check_int(self.compressed, "compressed", 1)
        check_int(self.decompressed, "decompressed", 1)
        check_int(self.n_compressed, "n_compressed", 1)

    @property
    def n_iter(self) -> int:
        """Total number of steps."""
        return (self.warmup + self.n_compressed * self.compressed
                + (self.n_compressed - 1) * self.decompressed)

    def phase_at(self, step: int) -> Phase:
        """Phase of step ``step`` (``0 <= step < n_iter``)."""
        step = check_int(step, "step", 0, self.n_iter - 1)
        if step < self.warmup:
            return Phase.WARMUP
        within = (step - self.warmup) % (self.compressed + self.decompressed)
        return Phase.COMPRESSED if within < self.compressed else Phase.DECOMPRESSED

    def phases(self) -> Iterator[tuple[Phase, int, int]]:
        """``(phase, start, stop)`` of every non-empty phase, in order."""
        if self.warmup:
            yield Phase.WARMUP, 0, self.warmup
        start = self.warmup
        for j in range(self.n_compressed):
            if j:
                yield Phase.DECOMPRESSED, start, start + self.decompressed
                start += self.decompressed
            yield Phase.COMPRESSED, start, start + self.compressed
            start += self.compressed


def acdc_iht(objective: Any, oracle: Any, projection: Any, *,
             schedule: ACDCIHTSchedule = ACDCIHTSchedule(), step: float | None = None,
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
    schedule : ACDCIHTSchedule
        Phase lengths; the run has ``schedule.n_iter`` steps.
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
        compression was applied to; ``history.phase``: the :class:`Phase` of each step.

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
    if not isinstance(schedule, ACDCIHTSchedule):
        raise TypeError(f"schedule must be an ACDCIHTSchedule; got {type(schedule).__name__}")
    k = kept_count(projection, objective.dim)
    theta = initial_point(theta0, objective.dim)
    dense = schedule.warmup > 0 or schedule.n_compressed > 1
    level = objective.dim if dense else smoothness_level(objective, k)
    step, beta = resolve_step(step, objective, level)
    guard = step_guard("acdc_iht", objective, theta, level, beta)
    rng = np.random.default_rng(seed)
    recorder = HistoryRecorder(objective, schedule.n_iter, theta)
    phase_of_step = np.empty(schedule.n_iter, dtype=np.int8)
    mask = np.ones(objective.dim, dtype=bool)
    theta_dense = theta.copy()
    for phase, start, stop in schedule.phases():
        phase_of_step[start:stop] = phase
        if phase == Phase.COMPRESSED:
            theta_dense = theta.copy()
            mask = projection.mask(theta)
            theta = np.where(mask, theta, 0.0)
        else:
            mask = np.ones(objective.dim, dtype=bool)
        for t in range(start + 1, stop + 1):
            theta = theta - step * np.where(mask, oracle(theta, rng), 0.0)
            guard.check(t, theta, step)
            recorder.record(theta, step)
    return ACDCIHTResult(theta, mask.copy(), recorder.count, recorder.history(phase_of_step),
                         theta_dense)

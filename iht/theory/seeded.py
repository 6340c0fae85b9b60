"""Seeded runs of the solvers the suite checks: the oracle, the iteration count, R seeds per solver.

Gaps are computed here from the objective, never taken from a solver's own report; a run that
raises :class:`~iht.solvers.DivergenceError` becomes a NaN iterate that the rows record as
diverged.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np

from iht.oracles import ExactGradient, GaussianNoiseOracle
from iht.projection import Projection
from iht.schedule import MIN_PAPER_EPOCHS, Schedule, paper_schedule
from iht.solvers import DivergenceError, acdc_iht, stochastic_iht
from iht.theory import properties
from iht.theory.adversarial import SupportNoiseOracle
from iht.theory.config import VerifyConfig

#: Stochastic solvers checked against Theorem 1, by the name used in the table.
STOCHASTIC_SOLVERS = ("stochastic_iht", "acdc_iht")


def iteration_count(config: VerifyConfig, condition: float | None, gap0: float, epsilon: float) -> int:
    """``⌈iteration_factor·(β/α)·ln(gap₀/ε)⌉`` iterations (Theorem 1's O without its constant), at least
    1 and at most ``max_iter``; ``max_iter`` when ``condition = β/α`` is unknown."""
    if condition is None:
        return config.max_iter
    count = config.iteration_factor * condition * math.log(max(gap0 / epsilon, 1.0))
    return int(min(max(math.ceil(count), 1), config.max_iter))


def acdc_schedule(n_iter: int) -> Schedule:
    """The paper's recipe that training uses (:func:`~iht.schedule.paper_schedule`: dense warm-up,
    alternating phases, long final dense phase, final compressed phase), scaled to ``n_iter`` steps
    (at least ``MIN_PAPER_EPOCHS``; the result's ``n_iter`` records the steps run)."""
    return paper_schedule(max(n_iter, MIN_PAPER_EPOCHS))


def _run_stochastic(name: str, objective: Any, oracle: Any, projection: Projection, step: float,
                    n_iter: int, seed: int) -> Any:
    if name == "stochastic_iht":
        return stochastic_iht(objective, oracle, projection, step=step, n_iter=n_iter, seed=seed)
    return acdc_iht(objective, oracle, projection, schedule=acdc_schedule(n_iter), step=step, seed=seed)


def make_oracle(objective: Any, sigma2: float, kind: str = "isotropic") -> Any:
    """The oracle of the suite: exact gradient when ``σ² = 0``, else isotropic Gaussian noise
    (:class:`~iht.oracles.GaussianNoiseOracle`) or all noise on the support
    (:class:`~iht.theory.adversarial.SupportNoiseOracle`)."""
    if sigma2 == 0:
        return ExactGradient(objective)
    return GaussianNoiseOracle(objective, sigma2) if kind == "isotropic" else SupportNoiseOracle(objective,
                                                                                               sigma2)


@dataclass(frozen=True)
class Runs:
    """Final gaps, supports and steps run of R seeds of one solver (what the checks read)."""

    gaps: np.ndarray
    supports: np.ndarray
    steps_run: np.ndarray
    histories: list[np.ndarray]
    final: np.ndarray


def run_seeds(name: str, objective: Any, oracle: Any, projection: Projection, step: float, n_iter: int,
              seeds: list[int]) -> Runs:
    """Run solver ``name`` once per seed; gaps are computed here from the objective.

    With the exact gradient (``σ² = 0``) the seed feeds nothing, so one run stands for all seeds.
    """
    distinct = seeds[:1] if oracle.sigma2 == 0 else seeds
    results = [diverging(_run_stochastic, objective.dim, name, objective, oracle, projection, step, n_iter,
                         seed) for seed in distinct]
    results *= len(seeds) // len(distinct)
    with np.errstate(over="ignore", invalid="ignore"):
        gaps = np.array([gap(objective, r.theta) for r in results])
    return Runs(gaps, np.array([properties.support_size(r.theta) if np.all(np.isfinite(r.theta)) else 0
                                for r in results]),
                np.array([r.n_iter for r in results]),
                [np.asarray(r.history.gap, dtype=np.float64) for r in results], results[0].theta)


def diverging(solve: Callable[..., Any], dim: int, *args: Any, **kwargs: Any) -> Any:
    """``solve(*args, **kwargs)``, or a stand-in result with a NaN θ when the solver raises
    :class:`~iht.solvers.DivergenceError` (the row then records a diverged run)."""
    try:
        return solve(*args, **kwargs)
    except DivergenceError:
        return SimpleNamespace(theta=np.full(dim, np.nan), n_iter=0,
                               history=SimpleNamespace(gap=np.array([math.inf])))


def gap(objective: Any, theta: np.ndarray) -> float:
    """``f(θ) − f*``, ``inf`` for a non-finite θ (a diverged run)."""
    return objective.value(theta) - objective.f_star if np.all(np.isfinite(theta)) else math.inf

"""Compressed-sensing recovery benchmark: NIHT, HTP, subspace pursuit, stochastic IHT and AC/DC
against OMP.

Recipe: draw ``n_instances`` :class:`~iht.objectives.CompressedSensing` instances, run every solver
on each with sparsity ``k = k*``, and write one row per instance × solver. Each solver is timed on
its own. Metrics are computed here, not by the
solvers:

- ``recovered``: the support found equals the planted support;
- ``rel_error``: ``‖θ − θ_planted‖ / ‖θ_planted‖``;
- ``floor_rel_error``: the same for ``θ*``, the least-squares fit on the true support (the noise
  floor of any estimator that knows the support); ``reached_floor``: ``rel_error`` at most
  ``floor_factor`` times it.

Step sizes. NIHT chooses its own and stops once its support is stable for ``niht_stable``
iterations, with one least-squares solve on it. HTP uses Foucart's unit step for unit-norm
columns, here ``η = 1/h̄`` with ``h̄ = tr(AᵀA/n)/N`` the average curvature (a global step
``1/λ_max(AᵀA/n)`` stalls on these instances, see THEORY.md). Stochastic IHT and AC/DC start from
the theory's step for a minibatch, ``1/L_B`` (the expected restricted smoothness of the minibatch
loss, :meth:`~iht.oracles.MinibatchOracle.smoothness`), backtrack it on every sampled batch
(``line_search``) and return the mean of their iterates on the final support (``average``);
stochastic IHT stops once that support is unchanged for ``stochastic_stable`` iterations. AC/DC
alternates one-step decompressed phases with compressed phases of ``acdc_compressed`` steps
(:meth:`RecoveryConfig.schedule`; :mod:`iht.solvers.acdc` explains why longer decompressed phases
fail when ``n ≪ N``). Solvers record no history (``history=0``): the timings are the solves alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from iht.objectives import CompressedSensing
from iht.oracles import MinibatchOracle
from iht.projection import TopK
from iht.provenance import git_revision
from iht.schedule import PAPER_EPOCHS, PAPER_RECIPE, Schedule, alternating_schedule
from iht.solvers import acdc_iht, htp, niht, stochastic_iht, subspace_pursuit
from iht.validation import check_int, check_real


@dataclass(frozen=True)
class RecoveryConfig:
    """Every knob of the benchmark, with the issue's defaults."""

    n_measurements: int = 256  # n, rows of A
    dim: int = 1024  # N, unknowns
    k_star: int = 20  # non-zeros of the planted vector; every solver uses k = k_star
    noise: float = 0.01  # standard deviation of the measurement noise
    amplitudes: str = "pm1"  # planted values: "pm1" (random signs) or "gaussian"
    n_instances: int = 20  # instances, seeds first_seed, first_seed + 1, ...
    first_seed: int = 0
    batch_size: int = 64  # rows per stochastic gradient
    n_iter: int = 2000  # iteration budget of stochastic IHT
    stochastic_stable: int = 200  # stochastic IHT stops once its support is unchanged this long
    acdc_steps: int = 400  # length of AC/DC's schedule, in steps
    acdc_compressed: int = 1  # steps of each AC/DC compressed phase (Δ_c = Δ_d, as in the paper)
    niht_stable: int = 10  # NIHT stops once its support is unchanged for this many iterations
    floor_factor: float = 1.5  # reached_floor: rel_error <= floor_factor * floor_rel_error

    def __post_init__(self) -> None:
        check_int(self.n_instances, "n_instances", 1)
        check_int(self.acdc_compressed, "acdc_compressed", 1)
        check_int(self.n_iter, "n_iter", 1)
        check_int(self.stochastic_stable, "stochastic_stable", 1)
        check_int(self.acdc_steps, "acdc_steps", 1)
        check_int(self.niht_stable, "niht_stable", 1)
        check_real(self.floor_factor, "floor_factor", 1.0)

    def schedule(self) -> Schedule:
        """AC/DC's phases in steps: one-step decompressed phases (warm-up, Δ_d and Δ_D) between
        compressed phases of ``acdc_compressed`` steps, and a final compressed phase with the
        paper's share of the run (15 of its 100 epochs), about ``acdc_steps`` steps in all."""
        c, steps = self.acdc_compressed, self.acdc_steps
        final = max(c, steps * PAPER_RECIPE[-1] // PAPER_EPOCHS)
        return alternating_schedule(1, c, 1, max((steps - final - 1) // (c + 1), 1), 1, final)


def _omp(objective: CompressedSensing, config: RecoveryConfig) -> np.ndarray:
    from sklearn.linear_model import OrthogonalMatchingPursuit

    model = OrthogonalMatchingPursuit(n_nonzero_coefs=config.k_star, fit_intercept=False)
    return model.fit(objective.features, objective.targets).coef_


def _solvers(objective: CompressedSensing,
             config: RecoveryConfig) -> dict[str, Callable[[], np.ndarray]]:
    """Name -> zero-argument run returning the final ``θ``."""
    projection = TopK(k=config.k_star)
    unit_step = objective.dim / float(np.sum(objective.features ** 2) / objective.n_samples)
    oracle = MinibatchOracle(objective, config.batch_size)
    stochastic = {"line_search": True, "average": True, "history": 0, "seed": 0}
    return {
        "niht": lambda: niht(objective, config.k_star, n_iter=500, tol=1e-12,
                             stable=config.niht_stable, history=0).theta,
        "htp": lambda: htp(objective, projection, step=unit_step, history=0).theta,
        "subspace_pursuit": lambda: subspace_pursuit(objective, projection, history=0).theta,
        "stochastic_iht": lambda: stochastic_iht(objective, oracle, projection,
                                                 n_iter=config.n_iter,
                                                 stable=config.stochastic_stable,
                                                 **stochastic).theta,
        "acdc_iht": lambda: acdc_iht(objective, oracle, projection, schedule=config.schedule(),
                                     **stochastic).theta,
        "omp": lambda: _omp(objective, config),
    }


def run_recovery(config: RecoveryConfig = RecoveryConfig()) -> pd.DataFrame:
    """Run every solver on every instance; one row per instance × solver (tidy).

    Columns: the config fields, ``seed``, ``solver``, ``recovered``, ``rel_error``,
    ``floor_rel_error``, ``reached_floor``, ``time_s`` (wall clock of the solver) and ``git_revision``.
    """
    revision = git_revision()
    rows = []
    for seed in range(config.first_seed, config.first_seed + config.n_instances):
        objective = CompressedSensing(config.n_measurements, config.dim, config.k_star,
                                      noise=config.noise, amplitudes=config.amplitudes,
                                      seed=seed)
        norm = float(np.linalg.norm(objective.theta_planted))
        floor = float(np.linalg.norm(objective.theta_star - objective.theta_planted)) / norm
        for name, run in _solvers(objective, config).items():
            start = time.perf_counter()
            theta = run()
            elapsed = time.perf_counter() - start
            error = float(np.linalg.norm(theta - objective.theta_planted)) / norm
            rows.append({**asdict(config), "seed": seed, "solver": name,
                         "recovered": bool(np.array_equal(theta != 0.0, objective.support_star)),
                         "rel_error": error, "floor_rel_error": floor,
                         "reached_floor": error <= config.floor_factor * floor,
                         "time_s": elapsed, "git_revision": revision})
    return pd.DataFrame(rows)


def summarize(frame: pd.DataFrame) -> str:
    """Markdown table per solver: recoveries, median errors, floor reached, median time."""
    lines = ["| solver | recovered | median rel. error | median floor | reached floor | "
             "median time (ms) |", "|---|---|---|---|---|---|"]
    for name, group in frame.groupby("solver", sort=False):
        n = len(group)
        lines.append(
            f"| {name} | {int(group.recovered.sum())}/{n} | {group.rel_error.median():.3e} | "
            f"{group.floor_rel_error.median():.3e} | {int(group.reached_floor.sum())}/{n} | "
            f"{1e3 * group.time_s.median():.1f} |")
    return "\n".join(lines)

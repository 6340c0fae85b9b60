"""Compressed-sensing recovery benchmark: this library's solvers side by side with OMP, abess, skglm
and LARS, on a few cells and on a phase-transition slice (``python -m iht recovery``).

Recipe
------
*Cells*: for each cell ``(n, N, k*, amplitudes)`` of :attr:`RecoveryConfig.cells` and each seed, draw a
:class:`~iht.objectives.CompressedSensing` instance with noise ``noise`` and run every solver with
sparsity ``k = k*``. *Phase transition*: the same on the noiseless instances with ``±1`` amplitudes,
``n = transition_measurements`` and ``N = transition_dim``, for each ``k*`` of
``transition_k_stars`` (``ρ = k*/n``). One row per instance × solver (:func:`run_recovery`).

Metrics are computed here, not by the solvers:

- ``recovered``: the support found equals the planted support (success on the noiseless slice);
- ``rel_error``: ``‖θ − θ_planted‖ / ‖θ_planted‖``;
- ``floor_rel_error``: the same for ``θ*``, the least-squares fit on the true support (the noise
  floor of any estimator that knows the support); ``reached_floor``: ``rel_error`` at most
  ``floor_factor`` times it (success on the cells);
- ``time_s``: the solve alone, on one thread (``threadpoolctl``), after one untimed warm-up run of
  every solver (imports, numba compilation); ``time_ratio_omp``: over OMP's time on the same instance.

A solver of this library that raises :class:`~iht.solvers.DivergenceError` gets ``status="diverged"``
and counts as a failure. A peer whose package is missing is skipped with a one-line message
(:func:`available_solvers`); ``pip install 'acdc-iht[peers]'`` installs them all.

Step sizes. NIHT runs with conjugate directions (CGIHT, Blanchard, Tanner & Wei 2015: Blumensath &
Davies' steepest directions and step shrinking recover 25/40 instances at (128, 1024, 20) against
39/40, ``docs/recovery.md``), chooses its own step and stops once its support is stable for
``niht_stable`` iterations, with one least-squares solve on it. Subspace pursuit returns its best
iterate after ``pursuit_patience`` iterations without a lower objective and prunes its merged
coordinates by backward elimination (``pursuit_prune``, :mod:`iht.solvers.pursuit`: by magnitude it
recovers 22/40 Gaussian-amplitude instances where HTP recovers 33/40, ``docs/recovery.md``). HTP
uses Foucart's unit step for unit-norm columns, here ``η = 1/h̄`` with ``h̄ = tr(AᵀA/n)/N`` the
average curvature (a global step ``1/λ_max(AᵀA/n)`` stalls on these instances, see THEORY.md).
Stochastic IHT and AC/DC start from the theory's step for a minibatch, ``1/L_B`` (the expected
restricted smoothness of the minibatch loss, :meth:`~iht.oracles.MinibatchOracle.smoothness`),
backtrack it on every sampled batch (``line_search``). Stochastic IHT fits least squares on each
support it visits and stops once ``stochastic_stable`` iterations bring no better fit, returning the
best (``refit``; the mean of the iterates of a support unchanged for 200 iterations needed 2.5 times
the iterations on the ±1 cells and never stopped on most Gaussian-amplitude instances,
``docs/recovery.md``); AC/DC returns the mean of the iterates of its final compressed phase
(``average``). AC/DC runs twice: ``acdc_iht`` alternates one-step decompressed phases with
compressed phases of ``acdc_compressed`` steps (:meth:`RecoveryConfig.schedule`), ``acdc_iht_paper``
follows the paper's schedule scaled to ``acdc_steps`` steps (:func:`~iht.schedule.paper_schedule`),
whose long decompressed phases fail when ``n ≪ N`` (:mod:`iht.solvers.acdc` explains why); both are
kept so that the failure stays visible. Solvers record no history (``history=0``): the timings are
the solves alone.
"""

from __future__ import annotations

import importlib.util
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from iht.objectives import CompressedSensing
from iht.objectives.base import AMPLITUDES
from iht.oracles import MinibatchOracle
from iht.projection import TopK
from iht.provenance import git_revision
from iht.schedule import PAPER_EPOCHS, PAPER_RECIPE, Schedule, alternating_schedule, paper_schedule
from iht.solvers import DivergenceError, acdc_iht, htp, niht, stochastic_iht, subspace_pursuit
from iht.solvers.pursuit import PRUNING
from iht.validation import check_choice, check_int, check_known_names, check_real


class Cell(NamedTuple):
    """One compressed-sensing problem size: ``n`` measurements, ``N`` unknowns, ``k*`` non-zeros."""

    n_measurements: int
    dim: int
    k_star: int
    amplitudes: str = "pm1"

    @property
    def label(self) -> str:
        """``"128x1024x20"`` (``":gaussian"`` appended for Gaussian amplitudes); :func:`parse_cell`
        reads it back."""
        size = f"{self.n_measurements}x{self.dim}x{self.k_star}"
        return size if self.amplitudes == "pm1" else f"{size}:{self.amplitudes}"


CELL_SYNTAX = f"NxDIMxK[:AMPLITUDES] with AMPLITUDES in {list(AMPLITUDES)} (default pm1), e.g. 128x1024x20"


def parse_cell(text: str) -> Cell:
    """The :class:`Cell` written ``"NxDIMxK"`` or ``"NxDIMxK:AMPLITUDES"`` (its :attr:`Cell.label`)."""
    size, _, amplitudes = str(text).partition(":")
    parts = size.split("x")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"cell must be {CELL_SYNTAX}; got cell={text!r}")
    return check_cell(Cell(*map(int, parts), amplitudes or "pm1"))


def check_cell(cell: Any, name: str = "cell") -> Cell:
    """``cell`` checked: ``n >= 1``, ``1 <= k* < N``, ``2k* <= n`` (more planted values than half the
    measurements is beyond every solver here) and known amplitudes."""
    if not isinstance(cell, Cell):
        raise TypeError(f"{name} must be an iht.recovery.Cell or {CELL_SYNTAX}; got {cell!r} "
                        f"({type(cell).__name__})")
    n = check_int(cell.n_measurements, f"{name}.n_measurements", 1)
    dim = check_int(cell.dim, f"{name}.dim", 2)
    k = check_int(cell.k_star, f"{name}.k_star", 1, min(dim - 1, n // 2))
    return Cell(n, dim, k, check_choice(cell.amplitudes, f"{name}.amplitudes", AMPLITUDES))


#: The issue's cells: the four it names with ``±1`` amplitudes, and the Gaussian-amplitude twin of
#: the hardest one (values of all sizes instead of a common magnitude, the case OMP handles best).
CELLS = (Cell(128, 1024, 20), Cell(256, 1024, 20), Cell(400, 4096, 40), Cell(1000, 10000, 50),
         Cell(128, 1024, 20, "gaussian"))


class Solver(NamedTuple):
    """A solver of the benchmark: ``run(objective, k, config)`` returns ``θ``; a peer names the
    package it needs in ``module``."""

    name: str
    label: str
    run: Callable[[CompressedSensing, int, Any], np.ndarray]
    module: str | None = None


def _setting(default: Any, help: str, *, parse: Callable[[str], Any] | None = None,
             choices: tuple[str, ...] | None = None, many: bool = False) -> Any:
    """A :class:`RecoveryConfig` field and its command-line flag (``parse``: the flag's type)."""
    parse = parse or (type(default[0]) if many else type(default))
    return field(default=default, metadata={"help": help, "parse": parse, "choices": choices,
                                            "many": many})


#: How the benchmark runs both stochastic solvers (module docstring).
STOCHASTIC = {"line_search": True, "history": 0, "seed": 0}


def _unit_step(objective: CompressedSensing) -> float:
    """``1/h̄``, ``h̄ = tr(AᵀA/n)/N``: Foucart's unit step when the columns have unit norm."""
    return objective.dim / float(np.sum(objective.features ** 2) / objective.n_samples)


def _acdc(objective: CompressedSensing, k: int, schedule: Schedule, config: RecoveryConfig) -> np.ndarray:
    return acdc_iht(objective, MinibatchOracle(objective, min(config.batch_size, objective.n_samples)),
                    TopK(k=k), schedule=schedule, average=True, **STOCHASTIC).theta


def _omp(objective: CompressedSensing, k: int, config: RecoveryConfig) -> np.ndarray:
    from sklearn.linear_model import OrthogonalMatchingPursuit

    model = OrthogonalMatchingPursuit(n_nonzero_coefs=k, fit_intercept=False)
    return model.fit(objective.features, objective.targets).coef_


def _abess(objective: CompressedSensing, k: int, config: RecoveryConfig) -> np.ndarray:
    """abess (Zhu et al. 2020) with the support size fixed to ``k``.

    abess accepts a splicing (swap) only when it lowers the loss by more than a threshold that does
    not scale with the data: with this library's design (entries ``N(0, 1/n)``, unit-norm columns,
    so the loss and its decreases are ``O(1/n)``) no swap ever passes it and abess returns its first
    guess (relative error 0.7–0.9 at (128, 1024, 20), measured). Unit-variance columns
    (``X = √n·A``, abess's statistical convention) and ``y = n·b`` multiply the loss by ``n²`` without
    changing the problem; ``θ = θ'/√n`` maps the solution back.
    """
    from abess import LinearRegression

    root = math.sqrt(objective.n_samples)
    model = LinearRegression(support_size=[k], fit_intercept=False, thread=1)
    model.fit(root * objective.features, objective.n_samples * objective.targets)
    return np.asarray(model.coef_, dtype=np.float64) / root


#: Bisection steps of the MCP penalty level (tuned on a log scale to ``k`` non-zeros).
MCP_BISECTIONS = 40


def _mcp(objective: CompressedSensing, k: int, config: RecoveryConfig) -> np.ndarray:
    """skglm's MCP regression (γ = 3) with its level ``α`` bisected on a log scale until ``k``
    non-zeros (warm-started along the bisection; the closest count if none hits ``k``).

    The columns are scaled to unit variance (``X = √n·A``, ``θ = √n·w``): MCP's coordinate
    subproblems are well posed for ``γ`` above ``1/‖x_j‖²·n``, which ``γ = 3`` is at that scale.
    """
    from skglm import MCPRegression

    root = math.sqrt(objective.n_samples)
    features = root * objective.features
    alpha_max = float(np.max(np.abs(features.T @ objective.targets))) / objective.n_samples
    low, high = math.log(alpha_max * 1e-4), math.log(alpha_max)
    model = MCPRegression(alpha=alpha_max, gamma=3.0, fit_intercept=False, warm_start=True, tol=1e-8)
    best, best_miss = np.zeros(objective.dim), k
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings of the far-off levels of the bisection
        for _ in range(MCP_BISECTIONS):
            model.alpha = math.exp(0.5 * (low + high))
            count = int(np.count_nonzero(model.fit(features, objective.targets).coef_))
            if abs(count - k) <= best_miss:
                best, best_miss = root * model.coef_, abs(count - k)
            if count == k:
                break
            low, high = (math.log(model.alpha), high) if count > k else (low, math.log(model.alpha))
    return best


#: Steps of the LARS-lasso path, in multiples of ``k`` (the noiseless path reaches the true
#: support after about ``1.3k`` steps at ρ = 1/8; with ``2k``, 2/5 at ρ = 3/16 instead of 5/5, measured).
LARS_STEPS = 3


def _lars(objective: CompressedSensing, k: int, config: RecoveryConfig) -> np.ndarray:
    """The lasso path by LARS (Efron et al. 2004), ``LARS_STEPS·k`` steps; each point with at least
    ``k`` non-zeros proposes the support of its ``k`` largest values; least squares on each; the fit
    with the smallest residual is returned.

    The first point with ``k`` non-zeros is not a good choice: the lasso's shrinkage lets false
    variables in early, and on the noiseless slice the true support appears only near the end of
    the path (measured on the noiseless slice, seeds 100–104: 2/5 recovered at ρ = 1/16 and 0/5
    from ρ = 1/8 on with that rule; 5/5 at ρ = 1/8 and 4/5 at ρ = 7/32 with this one).
    """
    from sklearn.linear_model import lars_path

    _, _, path = lars_path(objective.features, objective.targets, method="lasso",
                           max_iter=LARS_STEPS * k)
    best, best_residual = np.zeros(objective.dim), math.inf
    for column in np.flatnonzero(np.count_nonzero(path, axis=0) >= k):
        support = np.zeros(objective.dim, dtype=bool)
        support[np.argpartition(np.abs(path[:, column]), -k)[-k:]] = True
        theta = objective.minimize_on_support(support)
        residual = float(np.linalg.norm(objective.features @ theta - objective.targets))
        if residual < best_residual:
            best, best_residual = theta, residual
    return best


def _solver_list() -> tuple[Solver, ...]:
    def stochastic(objective: CompressedSensing, k: int, config: RecoveryConfig) -> np.ndarray:
        oracle = MinibatchOracle(objective, min(config.batch_size, objective.n_samples))
        return stochastic_iht(objective, oracle, TopK(k=k), n_iter=config.n_iter,
                              stable=config.stochastic_stable, refit=True, **STOCHASTIC).theta

    return (
        Solver("niht", "NIHT with conjugate directions (CGIHT), stable support + least squares",
               lambda o, k, c: niht(o, TopK(k=k), n_iter=500, tol=1e-12, stable=c.niht_stable, conjugate=True,
                                    history=0).theta),
        Solver("htp", "HTP (unit step)",
               lambda o, k, c: htp(o, TopK(k=k), step=_unit_step(o), history=0).theta),
        Solver("subspace_pursuit", "subspace pursuit (backward pruning)",
               lambda o, k, c: subspace_pursuit(o, TopK(k=k), patience=c.pursuit_patience,
                                                prune=c.pursuit_prune, history=0).theta),
        Solver("stochastic_iht", "stochastic IHT (1/L_B, line search, stable support + least squares)",
               stochastic),
        Solver("acdc_iht", "AC/DC-IHT, one-step decompressed phases",
               lambda o, k, c: _acdc(o, k, c.schedule(), c)),
        Solver("acdc_iht_paper", "AC/DC-IHT, paper-shaped schedule (long dense phases)",
               lambda o, k, c: _acdc(o, k, paper_schedule(c.acdc_steps), c)),
        Solver("omp", "OMP (scikit-learn)", _omp, "sklearn"),
        Solver("abess", "abess, support size k* (X·√n, y·n)", _abess, "abess"),
        Solver("skglm_mcp", "skglm MCP tuned to k* non-zeros", _mcp, "skglm"),
        Solver("lars_ls", "LARS-lasso path, least squares on its best k*-support (scikit-learn)", _lars,
               "sklearn"),
    )


#: Every solver of the benchmark, this library's first, then the peers.
SOLVERS = {solver.name: solver for solver in _solver_list()}


@dataclass(frozen=True)
class RecoveryConfig:
    """Every knob of the benchmark, with the issue's defaults; each is a flag of
    ``python -m iht recovery`` (``--cells``, ``--n-instances``, …)."""

    cells: tuple[Cell, ...] = _setting(CELLS, f"cells, each {CELL_SYNTAX}", parse=parse_cell, many=True)
    noise: float = _setting(0.01, "standard deviation of the measurement noise of the cells, >= 0")
    n_instances: int = _setting(20, "instances per cell, >= 1 (seeds first_seed, first_seed + 1, ...)")
    first_seed: int = _setting(0, "seed of the first instance, >= 0")
    transition_measurements: int = _setting(256, "n of the phase-transition slice, >= 2")
    transition_dim: int = _setting(1024, "N of the phase-transition slice, > every k*")
    transition_k_stars: tuple[int, ...] = _setting(
        tuple(range(16, 97, 8)), "k* of the phase-transition slice (noiseless, ±1), each in "
        "[1, n/2]; none to skip the slice", many=True)
    transition_instances: int = _setting(10, "instances per k* of the phase-transition slice, >= 1")
    solvers: tuple[str, ...] = _setting(tuple(SOLVERS), "solvers run (peers not installed are skipped)",
                                        choices=tuple(SOLVERS), many=True)
    batch_size: int = _setting(64, "rows per stochastic gradient, >= 1 (capped at n)")
    n_iter: int = _setting(2000, "iteration budget of stochastic IHT, >= 1")
    stochastic_stable: int = _setting(100, "stochastic IHT stops once this many iterations bring no "
                                           "support with a better least-squares fit, >= 1")
    acdc_steps: int = _setting(400, "length of both AC/DC schedules in steps, >= 20")
    acdc_compressed: int = _setting(1, "steps of each compressed phase of acdc_iht (one-step "
                                       "decompressed phases), >= 1")
    niht_stable: int = _setting(10, "NIHT stops once its support is unchanged this many iterations, >= 1")
    pursuit_patience: int = _setting(3, "subspace pursuit stops after this many iterations without a "
                                        "lower objective, >= 1 (1: Dai & Milenkovic's rule)")
    pursuit_prune: str = _setting("backward", "how subspace pursuit selects k of its 2k merged "
                                              "coordinates", choices=PRUNING)
    floor_factor: float = _setting(1.5, "reached_floor: rel_error <= floor_factor * floor_rel_error, >= 1")

    def __post_init__(self) -> None:
        if isinstance(self.cells, (str, Cell)) or not isinstance(self.cells, tuple):
            raise TypeError(f"cells must be a tuple of iht.recovery.Cell; got {self.cells!r}")
        for i, cell in enumerate(self.cells):
            check_cell(cell, f"cells[{i}]")
        check_real(self.noise, "noise", 0.0)
        for name in ("n_instances", "transition_instances", "batch_size", "n_iter", "stochastic_stable",
                     "acdc_compressed", "niht_stable", "pursuit_patience"):
            check_int(getattr(self, name), name, 1)
        check_choice(self.pursuit_prune, "pursuit_prune", PRUNING)
        check_int(self.first_seed, "first_seed", 0)
        check_int(self.acdc_steps, "acdc_steps", 20)
        n = check_int(self.transition_measurements, "transition_measurements", 2)
        dim = check_int(self.transition_dim, "transition_dim", 2)
        for k in self.transition_k_stars:
            check_int(k, "transition_k_stars", 1, min(dim - 1, n // 2))
        if not self.cells and not self.transition_k_stars:
            raise ValueError("cells and transition_k_stars must not both be empty; got cells=() and "
                             "transition_k_stars=()")
        if not self.solvers:
            raise ValueError(f"solvers must be names from {list(SOLVERS)}; got solvers=()")
        check_known_names(self.solvers, "solvers", SOLVERS)
        check_real(self.floor_factor, "floor_factor", 1.0)

    def schedule(self) -> Schedule:
        """AC/DC's phases in steps: one-step decompressed phases (warm-up, Δ_d and Δ_D) between
        compressed phases of ``acdc_compressed`` steps, and a final compressed phase with the
        paper's share of the run (15 of its 100 epochs), about ``acdc_steps`` steps in all."""
        c, steps = self.acdc_compressed, self.acdc_steps
        final = max(c, steps * PAPER_RECIPE[-1] // PAPER_EPOCHS)
        return alternating_schedule(1, c, 1, max((steps - final - 1) // (c + 1), 1), 1, final)


#: ``--quick``: a few seconds on one core (what CI runs), every solver and both experiments.
QUICK = RecoveryConfig(cells=(Cell(64, 256, 6), Cell(64, 256, 6, "gaussian")), n_instances=2,
                       transition_measurements=48, transition_dim=192, transition_k_stars=(4, 8, 12, 16),
                       transition_instances=2, n_iter=400, stochastic_stable=50, acdc_steps=100)


def config_fields() -> tuple[Any, ...]:
    """The fields of :class:`RecoveryConfig` (each with ``metadata``: help, parse, choices, many)."""
    return fields(RecoveryConfig)


def config_with(base: RecoveryConfig, **changes: Any) -> RecoveryConfig:
    """``base`` with the fields in ``changes`` that are not ``None`` replaced (lists become tuples)."""
    given = {name: tuple(value) if isinstance(value, list) else value
             for name, value in changes.items() if value is not None}
    return replace(base, **given)


def available_solvers(names: tuple[str, ...]) -> tuple[list[Solver], list[str]]:
    """``(solvers, skipped)``: the solvers ``names`` whose package is installed, and one line per
    peer skipped because its package is missing."""
    solvers, skipped = [], []
    for name in names:
        solver = SOLVERS[name]
        if solver.module is not None and importlib.util.find_spec(solver.module) is None:
            skipped.append(f"skipped {name}: {solver.module} is not installed "
                           "(pip install 'acdc-iht[peers]')")
        else:
            solvers.append(solver)
    return solvers, skipped


#: The instance of the untimed warm-up run of every solver.
WARMUP = Cell(48, 128, 4)


def _instances(config: RecoveryConfig) -> list[tuple[str, Cell, float, int]]:
    """``(experiment, cell, noise, seed)`` of every instance: the cells, then the transition slice."""
    seeds = range(config.first_seed, config.first_seed + config.n_instances)
    slice_seeds = range(config.first_seed, config.first_seed + config.transition_instances)
    items = [("cell", cell, config.noise, seed) for cell in config.cells for seed in seeds]
    for k in config.transition_k_stars:
        cell = Cell(config.transition_measurements, config.transition_dim, k)
        items += [("transition", cell, 0.0, seed) for seed in slice_seeds]
    return items


def _solve(solver: Solver, objective: CompressedSensing, k: int,
           config: RecoveryConfig) -> tuple[np.ndarray | None, float]:
    """``(θ, seconds)``; ``θ`` is ``None`` when the solver diverged."""
    start = time.perf_counter()
    try:
        theta = solver.run(objective, k, config)
    except DivergenceError:
        theta = None
    return theta, time.perf_counter() - start


def run_recovery(config: RecoveryConfig = RecoveryConfig(),
                 progress: Callable[[str], None] | None = None) -> tuple[Any, list[str]]:
    """Run every available solver on every instance, one thread each; ``(frame, skipped)``.

    ``frame`` (pandas) has one row per instance × solver (tidy): ``experiment`` (``"cell"`` or
    ``"transition"``), ``cell`` (:attr:`Cell.label`), ``n_measurements``, ``dim``, ``k_star``,
    ``amplitudes``, ``noise``, ``rho`` (``k*/n``), ``seed``, ``solver``, ``status`` (``"ok"`` or
    ``"diverged"``), ``recovered``, ``rel_error``, ``floor_rel_error``, ``reached_floor``,
    ``time_s``, ``time_ratio_omp`` (NaN without OMP), the scalar fields of ``config`` and
    ``git_revision``. ``skipped``: the lines of :func:`available_solvers`. ``progress`` receives a
    line per instance.
    """
    import pandas as pd
    from threadpoolctl import threadpool_limits

    solvers, skipped = available_solvers(config.solvers)
    settings = {f.name: getattr(config, f.name) for f in fields(config) if not f.metadata["many"]}
    revision = git_revision()
    rows = []
    with threadpool_limits(limits=1):
        warmup = CompressedSensing(*WARMUP[:3], noise=config.noise, amplitudes="pm1", seed=0)
        for solver in solvers:
            _solve(solver, warmup, WARMUP.k_star, config)
        for experiment, cell, noise, seed in _instances(config):
            objective = CompressedSensing(*cell[:3], noise=noise, amplitudes=cell.amplitudes, seed=seed)
            norm = float(np.linalg.norm(objective.theta_planted))
            floor = float(np.linalg.norm(objective.theta_star - objective.theta_planted)) / norm
            for solver in solvers:
                theta, seconds = _solve(solver, objective, cell.k_star, config)
                error = (math.inf if theta is None
                         else float(np.linalg.norm(theta - objective.theta_planted)) / norm)
                rows.append({
                    "experiment": experiment, "cell": cell.label, **cell._asdict(), "noise": noise,
                    "rho": cell.k_star / cell.n_measurements, "seed": seed, "solver": solver.name,
                    "status": "diverged" if theta is None else "ok",
                    "recovered": theta is not None and bool(np.array_equal(theta != 0.0,
                                                                           objective.support_star)),
                    "rel_error": error, "floor_rel_error": floor,
                    "reached_floor": error <= config.floor_factor * floor, "time_s": seconds,
                    **settings, "git_revision": revision})
            if progress is not None:
                progress(f"{experiment} {cell.label} seed {seed}")
    frame = pd.DataFrame(rows)
    if not frame.empty and "omp" in set(frame.solver):
        keys = ["experiment", "cell", "seed"]
        omp = frame[frame.solver == "omp"].set_index(keys).time_s.rename("omp_time")
        frame["time_ratio_omp"] = frame.time_s / frame.join(omp, on=keys).omp_time
    else:
        frame["time_ratio_omp"] = np.nan
    return frame, skipped


def _label(name: str) -> str:
    return f"{name}: {SOLVERS[name].label}" if name in SOLVERS else name


def cells_table(frame: Any) -> str:
    """Markdown: one row per solver, one column per cell with ``floor / recovered / median relative
    error / median time ratio to OMP``."""
    cells = frame[frame.experiment == "cell"]
    labels = list(dict.fromkeys(cells.cell))
    lines = ["| solver | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    for name, group in cells.groupby("solver", sort=False):
        entries = []
        for label in labels:
            g = group[group.cell == label]
            ratio = g.time_ratio_omp.median()
            entries.append(f"{int(g.reached_floor.sum())}/{len(g)} · {int(g.recovered.sum())}/{len(g)} · "
                           f"{g.rel_error.median():.2e} · "
                           + ("n/a" if math.isnan(ratio) else f"{ratio:.2f}×"))
        lines.append(f"| {name} | " + " | ".join(entries) + " |")
    return "\n".join(lines)


def transition_points(frame: Any) -> dict[str, float]:
    """50% point of each solver on the transition slice: the ``ρ = k*/n`` where its success rate
    (``recovered``) first falls below 1/2, linearly interpolated between the two ``ρ`` around it;
    ``-inf`` if it is below 1/2 at the smallest ``ρ``, ``+inf`` if never."""
    points = {}
    rates = frame[frame.experiment == "transition"].groupby(["solver", "rho"], sort=False).recovered.mean()
    for name in dict.fromkeys(frame[frame.experiment == "transition"].solver):
        curve = rates[name].sort_index()
        rho, rate = curve.index.to_numpy(), curve.to_numpy()
        below = np.flatnonzero(rate < 0.5)
        if below.size == 0:
            points[name] = math.inf
        elif below[0] == 0:
            points[name] = -math.inf
        else:
            i = below[0]
            points[name] = float(rho[i - 1] + (rate[i - 1] - 0.5) / (rate[i - 1] - rate[i])
                                 * (rho[i] - rho[i - 1]))
    return points


def _point_text(point: float) -> str:
    return "below the slice" if point == -math.inf else "beyond the slice" if point == math.inf \
        else f"{point:.3f}"


def transition_table(frame: Any) -> str:
    """Markdown: successes per ``k*`` (``ρ``) and the 50% point of each solver."""
    slice_ = frame[frame.experiment == "transition"]
    ks = sorted(set(slice_.k_star))
    n = int(slice_.n_measurements.iloc[0])
    points = transition_points(frame)
    lines = ["| solver | " + " | ".join(f"k*={k} (ρ={k / n:.3f})" for k in ks) + " | 50% point ρ |",
             "|---" * (len(ks) + 2) + "|"]
    for name, group in slice_.groupby("solver", sort=False):
        counts = group.groupby("k_star").recovered.agg(["sum", "size"])
        lines.append(f"| {name} | " + " | ".join(f"{int(counts.loc[k, 'sum'])}/{int(counts.loc[k, 'size'])}"
                                                  for k in ks) + f" | {_point_text(points[name])} |")
    return "\n".join(lines)


def plot_transition(frame: Any, path: str | Path) -> Path:
    """Success rate against ``ρ = k*/n`` per solver (peers dashed), its 50% point marked by a cross;
    PNG at ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    slice_ = frame[frame.experiment == "transition"]
    points = transition_points(frame)
    figure, axes = plt.subplots(figsize=(9.5, 4.5))
    for name, group in slice_.groupby("solver", sort=False):
        curve = group.groupby("rho").recovered.mean()
        peer = name in SOLVERS and SOLVERS[name].module is not None
        line, = axes.plot(curve.index, curve.to_numpy(), marker=".", linestyle="--" if peer else "-",
                          label=f"{name} (50%: {_point_text(points[name])})")
        if math.isfinite(points[name]):
            axes.plot([points[name]], [0.5], marker="x", markersize=10, color=line.get_color())
    axes.axhline(0.5, color="gray", linewidth=0.8, linestyle=":")
    first = slice_.iloc[0]
    axes.set(xlabel="ρ = k*/n", ylabel="success rate (support recovered)",
             title=f"Noiseless ±1, n = {first.n_measurements}, N = {first.dim}")
    axes.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5), title="solid: this library")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return Path(path)


def report(frame: Any, skipped: list[str]) -> str:
    """The markdown report: the legend, the cells table, the transition table (each when run)."""
    names = list(dict.fromkeys(frame.solver))
    parts = ["# Compressed-sensing recovery", "", f"git revision `{frame.git_revision.iloc[0]}`", "",
             "Solvers: " + "; ".join(_label(name) for name in names) + "."]
    parts += [f"- {line}" for line in skipped]
    if (frame.experiment == "cell").any():
        parts += ["", "## Cells (noise std {:g})".format(frame[frame.experiment == 'cell'].noise.iloc[0]), "",
                  "Each entry: reached the noise floor · support recovered · median relative error · "
                  "median time over OMP's on the same instance (one thread).", "", cells_table(frame)]
    if (frame.experiment == "transition").any():
        parts += ["", "## Phase transition (noiseless, ±1)", "",
                  "Successes (support recovered) per k*; the 50% point is interpolated linearly.", "",
                  transition_table(frame)]
    return "\n".join(parts) + "\n"


def write_outputs(frame: Any, skipped: list[str], out: str | Path) -> dict[str, Path]:
    """Write ``recovery.csv``, ``recovery.md`` and (with a transition slice) ``phase_transition.png``
    into the folder ``out`` (created); return the paths by name."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"csv": folder / "recovery.csv", "table": folder / "recovery.md"}
    frame.to_csv(paths["csv"], index=False)
    paths["table"].write_text(report(frame, skipped), encoding="utf-8")
    if (frame.experiment == "transition").any():
        paths["figure"] = plot_transition(frame, folder / "phase_transition.png")
    return paths

"""The verification runner: a grid of instances, R seeds per solver, tidy tables.

For every grid point of :class:`~iht.theory.config.VerifyConfig` the runner builds an instance
(:class:`~iht.objectives.CPLQuadratic`, β and the global CPL α exact, or
:class:`~iht.objectives.DecoyBlockQuadratic`, β exact and α certified), an oracle whose σ² is
exact, and checks

- ``theorem1`` (Peste et al. 2021, Theorem 1) on ``stochastic_iht`` and ``acdc_iht``: R seeds,
  final gap ``f(θ_T) − f*`` against ``ε + 16σ²/α`` through a one-sided upper confidence bound,
  once under the paper's hypothesis (``hypothesis="paper"``: CPL for all θ, α_global) and once
  under the relaxed one (``"relaxed"``: CPL on k-sparse points, α_sparse). For AC/DC the paper
  proves a bound "no better than Theorem 1" (its Corollary 1, constants not available), so the
  row tests AC/DC against Theorem 1's value;
- ``descent`` (Blumensath & Davies 2008) on deterministic ``iht``: every step ends at or below the
  majorise-minimise value ``min_{‖z‖_0 ≤ k} Q(z; θ_t) − ½(1/η − β)‖θ_{t+1} − θ_t‖²`` computed
  here (a solver that does nothing fails it wherever θ_t is not stationary);
- ``jtk2014`` (Jain, Tewari & Kar 2014, as paraphrased in docs/theory.md) on ``iht``: final gap
  against ε.

Every row also runs the exact checks of :func:`~iht.theory.hypotheses.verdict`: the returned θ
has at most k non-zeros, the run stayed finite, the claimed α is below a measured upper bound and
the claimed σ² is not below the measured variance (:mod:`iht.theory.crosscheck`). The sharp
checks (stationary gap against σ², iterations to ε) are in :mod:`iht.theory.sharp`. Metrics are
computed here from the objective, never taken from a solver's own report, except the
per-iteration gap curves (``history.gap``) used for the iteration counts, rates and figures.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from tqdm.auto import tqdm

from iht.constants import restricted_smoothness
from iht.constants.cpl import cpl_certificate
from iht.objectives import CPLQuadratic, DecoyBlockQuadratic
from iht.oracles import ExactGradient, GaussianNoiseOracle
from iht.projection import Projection, TopK
from iht.provenance import git_revision
from iht.schedule import MIN_PAPER_EPOCHS, Schedule, paper_schedule
from iht.solvers import DivergenceError, acdc_iht, iht, stochastic_iht
from iht.theory import bounds, crosscheck, properties, sharp
from iht.theory.adversarial import ORACLE_NAMES, SupportNoiseOracle
from iht.theory.confidence import upper_confidence_bound
from iht.theory.config import VerifyConfig
from iht.theory.hypotheses import (
    HypothesisCheck,
    descent_hypotheses,
    jtk_hypotheses,
    theorem1_hypotheses,
    verdict,
)
from iht.theory.rates import linear_rate

#: Stochastic solvers checked against Theorem 1, by the name used in the table.
STOCHASTIC_SOLVERS = ("stochastic_iht", "acdc_iht")

#: Hypotheses under which Theorem 1 is checked, and the CPL scope each one uses.
HYPOTHESES = {"paper": "global", "relaxed": "sparse"}


@dataclass(frozen=True)
class GridPoint:
    """One instance of the grid; ``index`` orders the points and derives the solvers' seeds.

    ``grid`` names the part of the grid (``"window"``, ``"cpl"``, ``"decoy"``); ``parameter`` is
    its knob: the chosen ``β/α`` of a CPLQuadratic, the correlation ``c`` of a
    DecoyBlockQuadratic. Points with the same ``instance`` share their objective.
    """

    index: int
    family: str
    grid: str
    dim: int
    k: int
    k_star: int
    parameter: float
    sigma: float
    instance: int

    @property
    def k_ratio(self) -> float:
        """``k/k*``."""
        return self.k / self.k_star


@dataclass(frozen=True)
class GridResult:
    """Output of :func:`run_grid`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (instance, solver, bound, hypothesis): family and grid knob, constants
        (``beta``, ``alpha_global``, ``alpha_sparse``, ``alpha`` used), bound, do-nothing gap,
        observed mean / UCB / LCB, verdict, failed hypotheses, violations, steps run, seeds,
        config and git revision.
    curves : pandas.DataFrame
        Mean gap per iteration: columns ``instance, solver, iteration, gap``.
    skipped : list of str
        Grid points that do not exist, with the reason.
    slopes : pandas.DataFrame
        The stationary-gap-against-σ² check (:func:`iht.theory.sharp.slope_rows`).
    iterations : pandas.DataFrame
        Iterations to reach ε against ``(β/α)·ln(gap₀/ε)`` (:func:`iht.theory.sharp.iteration_fit`).
    """

    table: pd.DataFrame
    curves: pd.DataFrame
    skipped: list[str]
    slopes: pd.DataFrame = field(default_factory=pd.DataFrame)
    iterations: pd.DataFrame = field(default_factory=pd.DataFrame)


def _window_points(config: VerifyConfig, start: int) -> tuple[list[GridPoint], list[str]]:
    """CPLQuadratic points where Theorem 1's hypotheses hold: ``β/α = √(k/(C·k*))``, for every
    ``k`` from ``⌈C·N²/(16k*)⌉`` (the structural limit) to ``N − 1``."""
    points: list[GridPoint] = []
    skipped = []
    for dim, k_star in config.window_sizes:
        k_min = max(k_star, math.ceil(config.C * dim**2 / (16 * k_star) * (1 - 1e-12)))
        if k_min >= dim:
            skipped.append(f"window N={dim}, k*={k_star}: C·N²/(16k*) = "
                           f"{config.C * dim**2 / (16 * k_star):g} >= N (N >= 16k*/C)")
        for k in range(k_min, dim):
            instance = start + len(points)
            condition = max(math.sqrt(k / (config.C * k_star)), dim / (4 * k_star))
            for sigma in config.window_sigmas:
                points.append(GridPoint(start + len(points), "CPLQuadratic", "window", dim, k, k_star,
                                        condition, sigma, instance))
    return points, skipped


def _cpl_points(config: VerifyConfig, start: int) -> tuple[list[GridPoint], list[str]]:
    points: list[GridPoint] = []
    skipped = []
    for dim in config.dims:
        for k_ratio in config.k_ratios:
            for condition in config.conditions:
                label = f"N={dim}, k/k*={k_ratio}, β/α={condition:g}"
                if k_ratio * config.k_star >= dim:
                    skipped.append(f"{label}: k={k_ratio * config.k_star} >= N")
                    continue
                if condition < dim / (4 * config.k_star):
                    skipped.append(f"{label}: β/α < N/(4k*) = {dim / (4 * config.k_star):g}")
                    continue
                instance = start + len(points)
                for sigma in config.sigmas:
                    points.append(GridPoint(start + len(points), "CPLQuadratic", "cpl", dim,
                                            k_ratio * config.k_star, config.k_star, condition, sigma,
                                            instance))
    return points, skipped


def _decoy_points(config: VerifyConfig, start: int) -> tuple[list[GridPoint], list[str]]:
    points: list[GridPoint] = []
    skipped = []
    k_star = config.decoy_k_star
    dim = config.decoy_blocks * (config.decoy_signals + config.decoy_decoys)
    for correlation in config.decoy_correlations:
        instance = start + len(points)
        for k_ratio in config.decoy_k_ratios:
            k = round(k_ratio * k_star)
            if k >= dim:
                skipped.append(f"decoy c={correlation:g}, k/k*={k_ratio:g}: k={k} >= N")
                continue
            for sigma in config.decoy_sigmas:
                points.append(GridPoint(start + len(points), "DecoyBlockQuadratic", "decoy", dim, k, k_star,
                                        correlation, sigma, instance))
    return points, skipped


#: Builders of the grid's parts, by the names of ``VerifyConfig.families``.
GRIDS = {"window": _window_points, "cpl": _cpl_points, "decoy": _decoy_points}


def grid_points(config: VerifyConfig) -> tuple[list[GridPoint], list[str]]:
    """The grid's existing points, and a sentence for each skipped one.

    A point is skipped when ``k >= N`` (no projection to make) or, for CPLQuadratic,
    ``β/α < N/(4k*)`` (no N-dimensional quadratic has a global CPL constant that large relative
    to β: :func:`~iht.theory.bounds.cpl_structural_limit`).
    """
    points: list[GridPoint] = []
    skipped: list[str] = []
    for name in config.families:
        new, missing = GRIDS[name](config, len(points))
        points += new
        skipped += missing
    return points, skipped


def build_objective(point: GridPoint, config: VerifyConfig) -> Any:
    """The objective of ``point`` (seeded by :func:`instance_seed`)."""
    seed = instance_seed(config, point)
    if point.family == "CPLQuadratic":
        return CPLQuadratic(point.dim, point.k_star, config.beta / point.parameter, beta=config.beta,
                            amplitudes=config.amplitudes, seed=seed)
    return DecoyBlockQuadratic(config.decoy_blocks, config.decoy_active, signals=config.decoy_signals,
                               decoys=config.decoy_decoys, correlation=point.parameter, seed=seed)


def instance_seed(config: VerifyConfig, point: GridPoint) -> int:
    """Seed of the objective drawn at ``point``."""
    return config.seed * 1_000_003 + point.instance


def solver_seeds(config: VerifyConfig, point: GridPoint, count: int | None = None) -> list[int]:
    """The seeds of the stochastic solvers at ``point`` (recorded in the table)."""
    base = (config.seed * 1_000_003 + point.index) * 1_000
    return [base + r for r in range(config.n_seeds if count is None else count)]


def certified_constants(objective: Any, k: int) -> dict[str, float | None]:
    """Claimed (certified) constants of Theorem 1 for projection size ``k``.

    ``beta``: upper end of :func:`~iht.constants.restricted_smoothness` at level ``2k + 3k*``
    (exact on both families: enumeration of principal submatrices); ``alpha_global`` and
    ``alpha_sparse``: :func:`~iht.constants.cpl.cpl_certificate` over all points and over the
    ``k``-sparse points (exact for CPLQuadratic's global α, certified lower bounds otherwise;
    ``None`` when the certificate is 0); ``beta_1``: the largest diagonal entry of the Hessian
    (restricted smoothness at level 1, the β₁ of the structural limit).
    """
    level = bounds.theorem1_smoothness_level(k, objective.k_star, objective.dim)
    alphas = {scope: cpl_certificate(objective, objective.k_star, k, scope)[0]
              for scope in HYPOTHESES.values()}
    return {"beta": restricted_smoothness(objective, level).upper,
            "beta_1": float(np.max(np.diag(objective.hessian()))),
            **{f"alpha_{scope}": value if value > 0 else None for scope, value in alphas.items()}}


def restricted_strong_convexity_lower(objective: Any) -> float | None:
    """Certified lower bound on restricted strong convexity at every level: ``λ_min`` of the Hessian.

    By Cauchy interlacing every principal submatrix has its smallest eigenvalue at least
    ``λ_min(H)``; for a separable quadratic that is the smallest curvature. ``None`` for
    non-quadratic objectives or when the bound is not positive.
    """
    if not objective.is_quadratic:
        return None
    curvatures = getattr(objective, "curvatures", None)
    smallest = float(curvatures.min()) if curvatures is not None else float(
        np.linalg.eigvalsh(objective.hessian_bound())[0])
    return smallest if smallest > 0 else None


def _iterations(config: VerifyConfig, condition: float | None, gap0: float, epsilon: float) -> int:
    if condition is None:
        return config.max_iter
    count = config.iteration_factor * condition * math.log(max(gap0 / epsilon, 1.0))
    return int(min(max(math.ceil(count), 1), config.max_iter))


def _acdc_schedule(n_iter: int) -> Schedule:
    """The paper's recipe that training uses (:func:`~iht.schedule.paper_schedule`: dense warm-up,
    alternating phases, long final dense phase, final compressed phase), scaled to ``n_iter`` steps
    (at least ``MIN_PAPER_EPOCHS``; the result's ``n_iter`` records the steps run)."""
    return paper_schedule(max(n_iter, MIN_PAPER_EPOCHS))


def _run_stochastic(name: str, objective: Any, oracle: Any, projection: Projection, step: float,
                    n_iter: int, seed: int, config: VerifyConfig) -> Any:
    if name == "stochastic_iht":
        return stochastic_iht(objective, oracle, projection, step=step, n_iter=n_iter, seed=seed)
    return acdc_iht(objective, oracle, projection, schedule=_acdc_schedule(n_iter), step=step,
                    seed=seed)


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
              seeds: list[int], config: VerifyConfig) -> Runs:
    """Run solver ``name`` once per seed; gaps are computed here from the objective.

    With the exact gradient (``σ² = 0``) the seed feeds nothing, so one run stands for all seeds.
    """
    distinct = seeds[:1] if oracle.sigma2 == 0 else seeds
    results = [_diverging(_run_stochastic, objective.dim, name, objective, oracle, projection, step, n_iter,
                          seed, config) for seed in distinct]
    results *= len(seeds) // len(distinct)
    with np.errstate(over="ignore", invalid="ignore"):
        gaps = np.array([_gap(objective, r.theta) for r in results])
    return Runs(gaps, np.array([properties.support_size(r.theta) if np.all(np.isfinite(r.theta)) else 0
                                for r in results]),
                np.array([r.n_iter for r in results]),
                [np.asarray(r.history.gap, dtype=np.float64) for r in results], results[0].theta)


def _diverging(solve: Callable[..., Any], dim: int, *args: Any, **kwargs: Any) -> Any:
    """``solve(*args, **kwargs)``, or a stand-in result with a NaN θ when the solver raises
    :class:`~iht.solvers.DivergenceError` (the row then records a diverged run)."""
    try:
        return solve(*args, **kwargs)
    except DivergenceError:
        return SimpleNamespace(theta=np.full(dim, np.nan), n_iter=0,
                               history=SimpleNamespace(gap=np.array([math.inf])))


def _gap(objective: Any, theta: np.ndarray) -> float:
    """``f(θ) − f*``, ``inf`` for a non-finite θ (a diverged run)."""
    return objective.value(theta) - objective.f_star if np.all(np.isfinite(theta)) else math.inf


def confidence_bounds(values: np.ndarray, config: VerifyConfig) -> tuple[float, float]:
    """``(upper, lower)`` one-sided ``1 − δ`` confidence bounds on the mean (``inf`` if a value is not
    finite). The lower one is Student-t; it decides whether a row refutes a constant C."""
    if not np.all(np.isfinite(values)):
        return math.inf, math.inf
    upper = upper_confidence_bound(values, config.ucb_method, config.delta, config.gap_range)
    spread = stats.t.ppf(1 - config.delta, values.size - 1) * values.std(ddof=1) / math.sqrt(values.size)
    return upper, float(values.mean() - spread)


def support_violation(supports: np.ndarray, k: int) -> str | None:
    """A sentence when a returned θ has more than k non-zeros."""
    largest = int(supports.max())
    return f"returned θ has {largest} non-zeros > k={k}" if largest > k else None


def divergence_violation(values: np.ndarray) -> str | None:
    """A sentence when a run ended at a non-finite point."""
    bad = int(np.sum(~np.isfinite(values)))
    return f"{bad} run(s) diverged (non-finite iterate)" if bad else None


def _base_row(point: GridPoint, config: VerifyConfig, constants: dict[str, float | None], revision: str,
              objective: Any) -> dict[str, Any]:
    alpha_global = constants["alpha_global"]
    return {
        "instance": point.index,
        "family": point.family,
        "grid": point.grid,
        "family_parameter": point.parameter,
        "dim": point.dim,
        "k_star": point.k_star,
        "k": point.k,
        "k_ratio": point.k_ratio,
        "condition": constants["beta"] / alpha_global if alpha_global else math.inf,
        "sigma": point.sigma,
        "sigma2": point.sigma**2,
        "beta": constants["beta"],
        "beta_1": constants["beta_1"],
        "alpha_global": alpha_global,
        "alpha_sparse": constants["alpha_sparse"],
        "alpha_structural_limit": bounds.cpl_structural_limit(constants["beta_1"], point.k_star, point.dim),
        "C": config.C,
        "trap_k_ratio": getattr(objective, "trap_ratio", math.nan),
        "instance_seed": instance_seed(config, point),
        "config": json.dumps(config.to_dict(), sort_keys=True),
        "git_revision": revision,
    }


def _check_columns(check: HypothesisCheck, bound: float, observed: np.ndarray, ucb: float, lcb: float,
                   ucb_method: str, do_nothing: float, violations: list[str],
                   relaxed: bool = False) -> dict[str, Any]:
    finite = observed[np.isfinite(observed)]
    mean = float(np.mean(observed)) if finite.size == observed.size else math.inf
    violations = tuple(v for v in violations if v)
    return {
        "bound_value": bound,
        "do_nothing": do_nothing,
        "observed_mean": mean,
        "observed_std": float(np.std(finite, ddof=1)) if finite.size > 1 else 0.0,
        "observed_ucb": ucb,
        "observed_lcb": lcb,
        "ucb_method": ucb_method,
        "ratio": mean / bound if bound > 0 else math.inf,
        "ucb_ratio": ucb / bound if bound > 0 else math.inf,
        "bound_holds": bool(ucb <= bound),
        "verdict": verdict(check, ucb, bound, do_nothing=do_nothing, violations=violations,
                           relaxed=relaxed).value,
        "hypotheses_hold": check.holds,
        "failures": "; ".join(check.failures),
        "violations": "; ".join(violations),
        "notes": "; ".join(check.notes),
        "required_k": check.values.get("required_k", math.nan),
    }


@dataclass
class PointContext:
    """What every check of one grid point shares: objective, constants, gap₀, ε, measured bounds."""

    point: GridPoint
    config: VerifyConfig
    objective: Any
    base: dict[str, Any]
    gap0: float
    alpha_upper: dict[str, float]

    @property
    def epsilon(self) -> float:
        return self.config.epsilon_fraction * self.gap0

    def alpha_violation(self, scope: str) -> str | None:
        return crosscheck.alpha_contradiction(self.base[f"alpha_{scope}"], self.alpha_upper[scope], scope)

    def theorem1_check(self, hypothesis: str, sigma2: float) -> HypothesisCheck:
        point, scope = self.point, HYPOTHESES[hypothesis]
        return theorem1_hypotheses(k=point.k, k_star=point.k_star, dim=point.dim, beta=self.base["beta"],
                                   alpha=self.base[f"alpha_{scope}"], sigma2=sigma2, C=self.config.C,
                                   alpha_scope=scope)


def variance_violation(oracle: Any, thetas: list[np.ndarray], config: VerifyConfig, seed: int) -> str | None:
    """Cross-check the oracle's claimed σ² at ``thetas`` (Monte Carlo, :mod:`iht.theory.crosscheck`)."""
    if oracle.sigma2 == 0:
        return None
    finite = [t for t in thetas if np.all(np.isfinite(t))]
    mean, error = crosscheck.measured_variance(oracle, np.array(finite), np.random.default_rng(seed),
                                               config.variance_draws)
    return crosscheck.variance_contradiction(oracle.sigma2, mean, error)


def _theorem1_rows(context: PointContext, make_projection: Callable[..., Projection],
                   curves: list[pd.DataFrame]) -> Iterator[dict[str, Any]]:
    point, config, objective, base = context.point, context.config, context.objective, context.base
    oracle = make_oracle(objective, point.sigma**2)
    sigma2 = oracle.sigma2  # the oracle's claim: the bound uses it, the cross-check measures it
    beta = base["beta"]
    step = config.step_factor / beta
    paper = context.theorem1_check("paper", sigma2)
    alpha_paper = paper.values["alpha"]
    n_iter = _iterations(config, beta / alpha_paper if not math.isnan(alpha_paper) else None, context.gap0,
                         context.epsilon)
    seeds = solver_seeds(config, point)
    for name in STOCHASTIC_SOLVERS:
        runs = run_seeds(name, objective, oracle, make_projection(k=point.k), step, n_iter, seeds, config)
        length = min(h.size for h in runs.histories)
        curves.append(pd.DataFrame({"instance": point.index, "solver": name, "iteration": np.arange(length),
                                    "gap": np.mean([h[:length] for h in runs.histories], axis=0)}))
        ucb, lcb = confidence_bounds(runs.gaps, config)
        shared = [support_violation(runs.supports, point.k), divergence_violation(runs.gaps),
                  variance_violation(oracle, [np.zeros(point.dim), runs.final], config, seeds[0])]
        for hypothesis, scope in HYPOTHESES.items():
            check = paper if hypothesis == "paper" else context.theorem1_check(hypothesis, sigma2)
            alpha = check.values["alpha"]
            known = not math.isnan(alpha)
            bound = bounds.theorem1_bound(sigma2, alpha, context.epsilon) if known else math.nan
            yield {
                **base, "solver": name, "bound": "theorem1", "hypothesis": hypothesis, "oracle": "isotropic",
                "alpha": alpha, "step": step, "epsilon": context.epsilon, "gap0": context.gap0,
                "n_iter_target": n_iter, "n_iter": int(runs.steps_run.max()),
                "c_row": point.k / (point.k_star * (beta / alpha) ** 2) if known else math.nan,
                **_check_columns(check, bound, runs.gaps, ucb, lcb,
                                 f"{config.ucb_method} (1-δ={1 - config.delta:g})", context.gap0,
                                 [*shared, context.alpha_violation(scope)], relaxed=hypothesis == "relaxed"),
                "max_support": int(runs.supports.max()),
                "rate": _median_rate(runs.histories),
                "n_seeds": len(seeds), "seeds": json.dumps(seeds),
            }


def _median_rate(histories: list[np.ndarray]) -> float:
    rates = np.array([linear_rate(h) for h in histories])
    finite = rates[np.isfinite(rates)]
    return float(np.median(finite)) if finite.size else math.nan


def _descent_run(context: PointContext, make_projection: Callable[..., Projection],
                 step: float) -> tuple[np.ndarray, float, float]:
    """Steps of deterministic IHT from 0, one solver call each: supports, largest majoriser
    residual, and the do-nothing margin ``f(θ_0) − min Q(·; θ_0)`` (0 at a stationary start)."""
    objective, k, beta = context.objective, context.point.k, context.base["beta"]
    theta = np.zeros(context.point.dim)
    supports, residuals = [], []
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(context.config.descent_steps):
            new = _diverging(iht, theta.size, objective, make_projection(k=k), step=step, n_iter=1,
                             theta0=theta).theta
            if not np.all(np.isfinite(new)):
                residuals.append(math.inf)
                break
            supports.append(properties.support_size(new))
            residuals.append(properties.majorizer_residual(objective, theta, new, step, beta, k))
            theta = new
    start = np.zeros(context.point.dim)
    margin = properties.majorizer_residual(objective, start, start, step, beta, k)
    return np.array(supports or [0]), max(residuals), margin


def _deterministic_rows(context: PointContext, make_projection: Callable[..., Projection],
                        iteration_records: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    point, config, objective, base = context.point, context.config, context.objective, context.base
    beta = base["beta"]
    step = config.step_factor / beta
    epsilon = context.epsilon
    paper = context.theorem1_check("paper", 0.0)
    relaxed = context.theorem1_check("relaxed", 0.0)
    scales = {name: sharp.iteration_scale(beta, check.values["alpha"], context.gap0, epsilon)
              for name, check in (("paper", paper), ("relaxed", relaxed))}
    finite_scales = [v for v in scales.values() if math.isfinite(v)]
    n_iter = int(min(config.max_iter, max(10, math.ceil(config.iteration_budget_factor * max(
        finite_scales, default=config.max_iter)))))
    result = _diverging(iht, point.dim, objective, make_projection(k=point.k), step=step, n_iter=n_iter)
    with np.errstate(over="ignore", invalid="ignore"):
        history = np.asarray(result.history.gap, dtype=np.float64)
        final = np.array([_gap(objective, result.theta)])
    reached = np.flatnonzero(history <= epsilon)
    for name, check in (("paper", paper), ("relaxed", relaxed)):
        iteration_records.append({
            "instance": point.index, "family": point.family, "grid": point.grid, "dim": point.dim,
            "k": point.k, "k_star": point.k_star, "hypothesis": name, "hypotheses_hold": check.holds,
            "condition": beta / check.values["alpha"] if not math.isnan(check.values["alpha"]) else math.inf,
            "scale": scales[name], "iterations": int(reached[0]) if reached.size else math.nan,
            "budget": int(result.n_iter), "censored": not reached.size,
        })
    common = {**base, "solver": "iht", "hypothesis": "paper", "oracle": "exact", "step": step,
              "epsilon": epsilon, "gap0": context.gap0, "n_iter_target": n_iter, "n_iter": int(result.n_iter),
              "c_row": math.nan, "rate": linear_rate(history), "n_seeds": 1, "seeds": "[]"}
    descent = descent_hypotheses(k=point.k, dim=point.dim, step=step, beta=beta, theta0_sparse=True)
    supports, residual, margin = _descent_run(context, make_projection, step)
    slack = properties.rounding_slack(abs(objective.f_star) + context.gap0)
    observed = np.array([residual])
    yield {**common, "bound": "descent", "alpha": math.nan, "max_support": int(supports.max()),
           **_check_columns(descent, slack, observed, residual, residual, "exact (deterministic)",
                            margin,  # the residual of a solver that does nothing, at θ_0
                            [support_violation(supports, point.k), divergence_violation(observed)])}
    jtk = jtk_hypotheses(k=point.k, k_star=point.k_star, dim=point.dim, smoothness=beta,
                         strong_convexity=restricted_strong_convexity_lower(objective))
    support = np.array([properties.support_size(result.theta) if np.all(np.isfinite(result.theta)) else 0])
    yield {**common, "bound": "jtk2014", "alpha": jtk.values["strong_convexity"],
           "max_support": int(support[0]),
           **_check_columns(jtk, epsilon, final, float(final[0]), float(final[0]), "exact (deterministic)",
                            context.gap0, [support_violation(support, point.k), divergence_violation(final)])}


def _stationary_gaps(context: PointContext, oracle: Any, projection: Callable[..., Projection],
                     burn: int, seeds: list[int]) -> tuple[np.ndarray, np.ndarray, Runs]:
    """Per seed, the mean gap over ``burn`` iterations after a burn-in of ``burn`` (stochastic IHT)."""
    step = context.config.step_factor / context.base["beta"]
    runs = run_seeds("stochastic_iht", context.objective, oracle, projection(k=context.point.k), step,
                     2 * burn, seeds, context.config)
    with np.errstate(over="ignore", invalid="ignore"):
        stationary = np.array([np.mean(h[burn + 1:]) if np.all(np.isfinite(h)) else math.inf
                               for h in runs.histories])
    return stationary, runs.supports, runs


def _slope_rows(contexts: list[PointContext], projection: Callable[..., Projection],
                progress: bool) -> pd.DataFrame:
    """The stationary gap of stochastic IHT against σ², per instance and oracle (isotropic and
    all-noise-on-the-support), checked by :func:`iht.theory.sharp.slope_verdicts`."""
    records = []
    for context in tqdm(contexts, desc="verify: σ² slopes", disable=not progress):
        config, point = context.config, context.point
        sigmas2 = np.array(config.slope_sigmas) ** 2
        check = context.theorem1_check("paper", float(sigmas2.max()))
        alpha = check.values["alpha"]
        burn = _iterations(config, context.base["beta"] / alpha if not math.isnan(alpha) else None,
                           context.gap0, context.epsilon)
        for oracle_name in ORACLE_NAMES:
            means, errors, supports, violations = [], [], [], []
            for j, sigma2 in enumerate(sigmas2):
                oracle = make_oracle(context.objective, float(sigma2), oracle_name)
                seeds = [s + 100 * j for s in solver_seeds(config, point, config.slope_seeds)]
                stationary, support, runs = _stationary_gaps(context, oracle, projection, burn, seeds)
                means.append(float(np.mean(stationary)))
                errors.append(float(np.std(stationary, ddof=1) / math.sqrt(stationary.size))
                              if np.all(np.isfinite(stationary)) else math.inf)
                supports.append(int(support.max()))
                violations += [divergence_violation(stationary), variance_violation(
                    oracle, [np.zeros(point.dim), runs.final], config, seeds[0])]
            records.append({
                "instance": point.index, "family": point.family, "grid": point.grid, "dim": point.dim,
                "k": point.k, "k_star": point.k_star, "oracle": oracle_name, "beta": context.base["beta"],
                "alpha": alpha, "sixteen_over_alpha": 16.0 / alpha if alpha > 0 else math.nan,
                "gap0": context.gap0, "epsilon": context.epsilon, "burn_in": burn, "window": burn,
                "n_seeds": config.slope_seeds, "sigma2": json.dumps(sigmas2.tolist()),
                "stationary_mean": json.dumps(means), "stationary_se": json.dumps(errors),
                "max_support": max(supports), "hypotheses_hold": check.holds,
                "failures": "; ".join(check.failures),
                "violations": "; ".join(filter(None, [support_violation(np.array(supports), point.k),
                                                      *violations])),
            })
    return sharp.slope_verdicts(pd.DataFrame(records), contexts[0].config.delta if contexts else 0.05)


def point_context(point: GridPoint, config: VerifyConfig, revision: str,
                  cache: dict[tuple[int, int], tuple[Any, dict[str, Any], dict[str, float]]]) -> PointContext:
    """Objective, claimed constants and measured α upper bounds of ``point`` (shared per instance and k)."""
    key = (point.instance, point.k)
    if key not in cache:
        objective = build_objective(point, config)
        constants = certified_constants(objective, point.k)
        upper = crosscheck.cpl_upper_bounds(objective, point.k_star, point.k,
                                            np.random.default_rng(instance_seed(config, point)))
        cache[key] = (objective, constants, upper)
    objective, constants, upper = cache[key]
    base = _base_row(point, config, constants, revision, objective)
    gap0 = objective.value(np.zeros(point.dim)) - objective.f_star
    return PointContext(point, config, objective, base, gap0, upper)


def run_point(context: PointContext, curves: list[pd.DataFrame], iteration_records: list[dict[str, Any]],
              deterministic: bool, projection: Callable[..., Projection] = TopK) -> list[dict[str, Any]]:
    """The rows of one grid point: Theorem 1 per stochastic solver and hypothesis, and (once per
    instance and k, ``deterministic``) descent and JTK for ``iht``."""
    rows = list(_theorem1_rows(context, projection, curves))
    if deterministic:
        rows += _deterministic_rows(context, projection, iteration_records)
    return rows


def run_grid(config: VerifyConfig, progress: bool = True,
             projection: Callable[..., Projection] = TopK) -> GridResult:
    """Run every grid point of ``config`` and collect the tables (see :class:`GridResult`).

    Parameters
    ----------
    config : VerifyConfig
        Grid, theorem inputs, seeds.
    progress : bool
        Show a tqdm progress bar on stderr.
    projection : callable
        ``projection(k=k)`` builds the solvers' projection; ``TopK`` (``T_k``) by default. Tests
        pass a broken operator to show that the suite catches it.
    """
    points, skipped = grid_points(config)
    revision = git_revision()
    rows: list[dict[str, Any]] = []
    curves: list[pd.DataFrame] = []
    iteration_records: list[dict[str, Any]] = []
    slope_contexts: list[PointContext] = []
    cache: dict[tuple[int, int], tuple[Any, dict[str, Any], dict[str, float]]] = {}
    done: set[tuple[int, int]] = set()
    eligible = 0
    for point in tqdm(points, desc="verify: instances", disable=not progress):
        context = point_context(point, config, revision, cache)
        first = (point.instance, point.k) not in done
        done.add((point.instance, point.k))
        rows += run_point(context, curves, iteration_records, first, projection)
        if first and point.grid in config.slope_grids:
            eligible += 1
            if (eligible - 1) % config.slope_stride == 0:
                slope_contexts.append(context)
    slopes = _slope_rows(slope_contexts, projection, progress)
    curve_table = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(
        columns=["instance", "solver", "iteration", "gap"])
    return GridResult(pd.DataFrame(rows), curve_table, skipped, slopes,
                      sharp.iteration_fit(pd.DataFrame(iteration_records), config.delta))

"""The verification runner: a grid of instances, R seeds per solver, one tidy table.

For every grid point of :class:`~iht.theory.config.VerifyConfig` the runner builds an instance,
``(N, k/k*, β/α, σ)`` on :class:`~iht.objectives.CPLQuadratic` (β and the global CPL α exact) or
``(c, k/k*, σ)`` on :class:`~iht.objectives.DecoyBlockQuadratic` (β exact, α certified; one
objective per correlation ``c``, shared by its ``k`` and ``σ``), a
:class:`~iht.oracles.GaussianNoiseOracle` (σ² exact) and checks

- ``theorem1`` (Peste et al. 2021, Theorem 1) on ``stochastic_iht`` and ``acdc_iht``: R seeds,
  final gap ``f(θ_T) − f*`` against ``ε + 16σ²/α`` through a one-sided upper confidence bound. For
  AC/DC the paper proves a bound "no better than Theorem 1" (its Corollary 1, whose constants are
  not available here), so the row tests AC/DC against Theorem 1's value;
- ``descent`` (Blumensath & Davies 2008) on deterministic ``iht``: largest increase of f;
- ``jtk2014`` (Jain, Tewari & Kar 2014) on deterministic ``iht``: final gap against ε.

Every row records both certified CPL constants (``alpha_global``, ``alpha_sparse``); the bound uses
the one of ``config.alpha_scope`` (column ``alpha``). Metrics are computed here from the objective,
never taken from a solver's own report, except the per-iteration gap curves (``history.gap``) used
for the descent check, the rates and the figures.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from iht.constants import restricted_smoothness
from iht.constants.cpl import cpl_certificate
from iht.objectives import CPLQuadratic, DecoyBlockQuadratic
from iht.oracles import ExactGradient, GaussianNoiseOracle
from iht.projection import Projection, TopK
from iht.provenance import git_revision
from iht.schedule import MIN_PAPER_EPOCHS, Schedule, paper_schedule
from iht.solvers import acdc_iht, iht, stochastic_iht
from iht.theory import bounds, properties
from iht.theory.confidence import upper_confidence_bound
from iht.theory.config import VerifyConfig
from iht.theory.hypotheses import (
    ALPHA_SCOPES,
    HypothesisCheck,
    descent_hypotheses,
    jtk_hypotheses,
    theorem1_hypotheses,
    verdict,
)
from iht.theory.rates import linear_rate

#: Stochastic solvers checked against Theorem 1, by the name used in the table.
STOCHASTIC_SOLVERS = ("stochastic_iht", "acdc_iht")


@dataclass(frozen=True)
class GridPoint:
    """One instance of the grid; ``index`` orders the points and derives the solvers' seeds.

    ``parameter`` is the family's grid knob: the chosen ``β/α`` of a CPLQuadratic, the correlation
    ``c`` of a DecoyBlockQuadratic. Points with the same ``instance`` share their objective.
    """

    index: int
    family: str
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
        One row per (instance, solver, bound): family and its grid knob (``family_parameter``),
        constants (``beta``, ``alpha_global``, ``alpha_sparse``, ``condition = β/α_global``), bound,
        observed mean and UCB, ratio, verdict, failed hypotheses, seeds, config and git revision.
    curves : pandas.DataFrame
        Mean gap per iteration: columns ``instance, solver, iteration, gap``.
    skipped : list of str
        Grid points that do not exist, with the reason.
    """

    table: pd.DataFrame
    curves: pd.DataFrame
    skipped: list[str]


def _cpl_points(config: VerifyConfig, start: int) -> tuple[list[GridPoint], list[str]]:
    points, skipped = [], []
    for dim in config.dims:
        for k_ratio in config.k_ratios:
            for condition in config.conditions:
                for sigma in config.sigmas:
                    label = f"N={dim}, k/k*={k_ratio}, β/α={condition:g}, σ={sigma:g}"
                    if k_ratio * config.k_star >= dim:
                        skipped.append(f"{label}: k={k_ratio * config.k_star} >= N")
                    elif condition < dim / (4 * config.k_star):
                        skipped.append(f"{label}: β/α < N/(4k*) = {dim / (4 * config.k_star):g}")
                    else:
                        index = start + len(points)
                        points.append(GridPoint(index, "CPLQuadratic", dim, k_ratio * config.k_star,
                                                config.k_star, condition, sigma, index))
    return points, skipped


def _decoy_points(config: VerifyConfig, start: int) -> tuple[list[GridPoint], list[str]]:
    points, skipped = [], []
    k_star = config.decoy_k_star
    dim = config.decoy_blocks * (config.decoy_signals + config.decoy_decoys)
    for correlation in config.decoy_correlations:
        instance = start + len(points)
        for k_ratio in config.decoy_k_ratios:
            k = round(k_ratio * k_star)
            for sigma in config.decoy_sigmas:
                if k >= dim:
                    skipped.append(f"decoy c={correlation:g}, k/k*={k_ratio:g}, σ={sigma:g}: k={k} >= N")
                else:
                    points.append(GridPoint(start + len(points), "DecoyBlockQuadratic", dim, k, k_star,
                                            correlation, sigma, instance))
    return points, skipped


def grid_points(config: VerifyConfig) -> tuple[list[GridPoint], list[str]]:
    """The grid's existing points, and a sentence for each skipped one.

    A point is skipped when ``k >= N`` (no projection to make) or, for CPLQuadratic,
    ``β/α < N/(4k*)`` (no N-dimensional quadratic has a global CPL constant that large relative
    to β).
    """
    builders = {"CPLQuadratic": _cpl_points, "DecoyBlockQuadratic": _decoy_points}
    points: list[GridPoint] = []
    skipped: list[str] = []
    for family in config.families:
        new, missing = builders[family](config, len(points))
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


def solver_seeds(config: VerifyConfig, point: GridPoint) -> list[int]:
    """The R seeds of the stochastic solvers at ``point`` (recorded in the table)."""
    base = (config.seed * 1_000_003 + point.index) * 1_000
    return [base + r for r in range(config.n_seeds)]


def certified_constants(objective: Any, k: int) -> dict[str, float | None]:
    """Certified constants of Theorem 1 for projection size ``k``.

    ``beta``: upper end of :func:`~iht.constants.restricted_smoothness` at level ``2k + 3k*``
    (exact on both families: enumeration of principal submatrices); ``alpha_global`` and
    ``alpha_sparse``: :func:`~iht.constants.cpl.cpl_certificate` over all points and over the
    ``k``-sparse points (exact for CPLQuadratic's global α, certified lower bounds otherwise;
    ``None`` when the certificate is 0).
    """
    level = bounds.theorem1_smoothness_level(k, objective.k_star, objective.dim)
    alphas = {scope: cpl_certificate(objective, objective.k_star, k, scope)[0] for scope in ALPHA_SCOPES}
    return {"beta": restricted_smoothness(objective, level).upper,
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


def _base_row(point: GridPoint, config: VerifyConfig, objective: Any, constants: dict[str, float | None],
              revision: str) -> dict[str, Any]:
    alpha_global = constants["alpha_global"]
    return {
        "instance": point.index,
        "family": point.family,
        "family_parameter": point.parameter,
        "dim": point.dim,
        "k_star": point.k_star,
        "k": point.k,
        "k_ratio": point.k_ratio,
        "condition": constants["beta"] / alpha_global if alpha_global else math.inf,
        "sigma": point.sigma,
        "sigma2": point.sigma**2,
        "beta": constants["beta"],
        "alpha_global": alpha_global,
        "alpha_sparse": constants["alpha_sparse"],
        "alpha_scope": config.alpha_scope,
        "C": config.C,
        "trap_k_ratio": getattr(objective, "trap_ratio", math.nan),
        "instance_seed": instance_seed(config, point),
        "config": json.dumps(config.to_dict(), sort_keys=True),
        "git_revision": revision,
    }


def _check_columns(check: HypothesisCheck, bound: float, observed: np.ndarray, ucb: float,
                   ucb_method: str) -> dict[str, Any]:
    mean = float(np.mean(observed))
    return {
        "bound_value": bound,
        "observed_mean": mean,
        "observed_std": float(np.std(observed, ddof=1)) if observed.size > 1 else 0.0,
        "observed_ucb": ucb,
        "ucb_method": ucb_method,
        "ratio": mean / bound if bound > 0 else math.inf,
        "ucb_ratio": ucb / bound if bound > 0 else math.inf,
        "bound_holds": bool(ucb <= bound),
        "verdict": verdict(check, ucb, bound).value,
        "hypotheses_hold": check.holds,
        "failures": "; ".join(check.failures),
        "notes": "; ".join(check.notes),
        "required_k": check.values.get("required_k", math.nan),
    }


def _theorem1_rows(point: GridPoint, config: VerifyConfig, objective: Any, base: dict[str, Any],
                   gap0: float, make_projection: Callable[..., Projection],
                   curves: list[pd.DataFrame]) -> Iterator[dict[str, Any]]:
    beta = base["beta"]
    check = theorem1_hypotheses(k=point.k, k_star=point.k_star, dim=point.dim, beta=beta,
                                alpha=base[f"alpha_{config.alpha_scope}"], sigma2=point.sigma**2, C=config.C,
                                alpha_scope=config.alpha_scope)
    epsilon = config.epsilon_fraction * gap0
    alpha_used = check.values["alpha"]
    known = not math.isnan(alpha_used)
    bound = bounds.theorem1_bound(point.sigma**2, alpha_used, epsilon) if known else math.nan
    n_iter = _iterations(config, beta / alpha_used if known else None, gap0, epsilon)
    oracle = GaussianNoiseOracle(objective, point.sigma**2) if point.sigma > 0 else ExactGradient(objective)
    step = config.step_factor / beta
    seeds = solver_seeds(config, point)
    for name in STOCHASTIC_SOLVERS:
        results = [_run_stochastic(name, objective, oracle, make_projection(k=point.k), step, n_iter, s,
                                   config) for s in seeds]
        gaps = np.array([objective.value(r.theta) - objective.f_star for r in results])
        histories = np.array([np.asarray(r.history.gap, dtype=np.float64) for r in results])
        curves.append(pd.DataFrame({"instance": point.index, "solver": name,
                                    "iteration": np.arange(histories.shape[1]),
                                    "gap": histories.mean(axis=0)}))
        ucb = upper_confidence_bound(gaps, config.ucb_method, config.delta, config.gap_range)
        yield {
            **base, "solver": name, "bound": "theorem1", "alpha": alpha_used, "step": step,
            "epsilon": epsilon, "gap0": gap0, "n_iter": n_iter,
            "c_max": point.k / (point.k_star * (beta / alpha_used) ** 2) if known else math.nan,
            **_check_columns(check, bound, gaps, ucb, f"{config.ucb_method} (1-δ={1 - config.delta:g})"),
            "max_support": int(max(properties.support_size(r.theta) for r in results)),
            "rate": _median_rate(histories),
            "n_seeds": len(seeds), "seeds": json.dumps(seeds),
        }


def _median_rate(histories: np.ndarray) -> float:
    rates = np.array([linear_rate(h) for h in histories])
    finite = rates[np.isfinite(rates)]
    return float(np.median(finite)) if finite.size else math.nan


def _deterministic_rows(point: GridPoint, config: VerifyConfig, objective: Any, base: dict[str, Any],
                        gap0: float, make_projection: Callable[..., Projection]) -> Iterator[dict[str, Any]]:
    beta = base["beta"]
    step = config.step_factor / beta
    epsilon = config.epsilon_fraction * gap0
    rsc = restricted_strong_convexity_lower(objective)
    n_iter = _iterations(config, beta / rsc if rsc else None, gap0, epsilon)
    result = iht(objective, make_projection(k=point.k), step=step, n_iter=n_iter)
    history = np.asarray(result.history.gap, dtype=np.float64)
    final = np.array([objective.value(result.theta) - objective.f_star])
    common = {**base, "solver": "iht", "step": step, "epsilon": epsilon, "gap0": gap0, "n_iter": n_iter,
              "c_max": math.nan, "max_support": properties.support_size(result.theta),
              "rate": linear_rate(history), "n_seeds": 1, "seeds": "[]"}
    descent = descent_hypotheses(k=point.k, dim=point.dim, step=step, beta=beta, theta0_sparse=True)
    increase = np.array([properties.max_increase(history)])
    slack = properties.rounding_slack(abs(objective.f_star) + gap0)
    yield {**common, "bound": "descent", "alpha": math.nan,
           **_check_columns(descent, slack, increase, float(increase[0]), "exact (deterministic)")}
    jtk = jtk_hypotheses(k=point.k, k_star=point.k_star, dim=point.dim, smoothness=beta,
                         strong_convexity=rsc)
    yield {**common, "bound": "jtk2014", "alpha": rsc if rsc else math.nan,
           **_check_columns(jtk, epsilon, final, float(final[0]), "exact (deterministic)")}


def run_point(point: GridPoint, config: VerifyConfig, revision: str, curves: list[pd.DataFrame],
              projection: Callable[..., Projection] = TopK) -> list[dict[str, Any]]:
    """All rows of one grid point (Theorem 1 per stochastic solver, descent and JTK for ``iht``)."""
    objective = build_objective(point, config)
    base = _base_row(point, config, objective, certified_constants(objective, point.k), revision)
    gap0 = objective.value(np.zeros(point.dim)) - objective.f_star
    rows = list(_theorem1_rows(point, config, objective, base, gap0, projection, curves))
    rows += _deterministic_rows(point, config, objective, base, gap0, projection)
    return rows


def run_grid(config: VerifyConfig, progress: bool = True,
             projection: Callable[..., Projection] = TopK) -> GridResult:
    """Run every grid point of ``config`` and collect the table (see :class:`GridResult`).

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
    for point in tqdm(points, desc="verify: instances", disable=not progress):
        rows += run_point(point, config, revision, curves, projection)
    curve_table = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(
        columns=["instance", "solver", "iteration", "gap"])
    return GridResult(pd.DataFrame(rows), curve_table, skipped)

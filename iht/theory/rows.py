"""The rows of one grid point: Theorem 1 per stochastic solver and hypothesis, and the descent lemma
and Jain–Tewari–Kar for deterministic IHT.

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
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from iht.projection import Projection
from iht.solvers import iht
from iht.theory import bounds, properties, sharp
from iht.theory.certified import HYPOTHESES, restricted_strong_convexity_lower
from iht.theory.context import (
    PointContext,
    check_columns,
    confidence_bounds,
    divergence_violation,
    support_violation,
    variance_violation,
)
from iht.theory.grid import solver_seeds
from iht.theory.hypotheses import descent_hypotheses, jtk_hypotheses
from iht.theory.rates import linear_rate
from iht.theory.seeded import STOCHASTIC_SOLVERS, diverging, gap, iteration_count, make_oracle, run_seeds


def theorem1_rows(context: PointContext, make_projection: Callable[..., Projection],
                  curves: list[pd.DataFrame]) -> Iterator[dict[str, Any]]:
    """Theorem 1 rows of ``context``'s point: per stochastic solver (R seeds) and hypothesis; appends
    each solver's mean gap curve to ``curves``."""
    point, config, objective, base = context.point, context.config, context.objective, context.base
    oracle = make_oracle(objective, point.sigma**2)
    sigma2 = oracle.sigma2  # the oracle's claim: the bound uses it, the cross-check measures it
    beta = base["beta"]
    step = config.step_factor / beta
    paper = context.theorem1_check("paper", sigma2)
    alpha_paper = paper.values["alpha"]
    n_iter = iteration_count(config, beta / alpha_paper if not math.isnan(alpha_paper) else None,
                             context.gap0, context.epsilon)
    seeds = solver_seeds(config, point)
    for name in STOCHASTIC_SOLVERS:
        runs = run_seeds(name, objective, oracle, make_projection(k=point.k), step, n_iter, seeds)
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
                **check_columns(check, bound, runs.gaps, ucb, lcb,
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
            new = diverging(iht, theta.size, objective, make_projection(k=k), step=step, n_iter=1,
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


def deterministic_rows(context: PointContext, make_projection: Callable[..., Projection],
                       iteration_records: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Descent and JTK rows of deterministic IHT at ``context``'s point; appends its iterations to ε
    (per hypothesis) to ``iteration_records``."""
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
    result = diverging(iht, point.dim, objective, make_projection(k=point.k), step=step, n_iter=n_iter)
    with np.errstate(over="ignore", invalid="ignore"):
        history = np.asarray(result.history.gap, dtype=np.float64)
        final = np.array([gap(objective, result.theta)])
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
           **check_columns(descent, slack, observed, residual, residual, "exact (deterministic)",
                            margin,  # the residual of a solver that does nothing, at θ_0
                            [support_violation(supports, point.k), divergence_violation(observed)])}
    jtk = jtk_hypotheses(k=point.k, k_star=point.k_star, dim=point.dim, smoothness=beta,
                         strong_convexity=restricted_strong_convexity_lower(objective))
    support = np.array([properties.support_size(result.theta) if np.all(np.isfinite(result.theta)) else 0])
    yield {**common, "bound": "jtk2014", "alpha": jtk.values["strong_convexity"],
           "max_support": int(support[0]),
           **check_columns(jtk, epsilon, final, float(final[0]), float(final[0]), "exact (deterministic)",
                            context.gap0, [support_violation(support, point.k), divergence_violation(final)])}

"""What every row of one grid point shares: the point's context (objective, certified and measured
constants, gap₀, ε) and the columns and exact checks common to all rows.

The columns follow the tidy table of :class:`iht.theory.runner.GridResult`; the verdicts come from
:func:`iht.theory.hypotheses.verdict` (docs/theory.md, "Verdicts").
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from iht.theory import bounds, crosscheck
from iht.theory.certified import HYPOTHESES, certified_constants
from iht.theory.confidence import upper_confidence_bound
from iht.theory.config import VerifyConfig
from iht.theory.families import GridPoint
from iht.theory.grid import build_objective, instance_seed
from iht.theory.hypotheses import HypothesisCheck, theorem1_hypotheses, verdict

#: Objectives, certified constants and measured α upper bounds, by ``(instance, k)``.
Cache = dict[tuple[int, int], tuple[Any, dict[str, Any], dict[str, float]]]


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


def base_row(point: GridPoint, config: VerifyConfig, constants: dict[str, float | None], revision: str,
             objective: Any) -> dict[str, Any]:
    """The columns every row of ``point`` shares: the point, its certified constants
    (:func:`~iht.theory.certified.certified_constants`), the structural limit, seeds, config and
    git revision."""
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


def check_columns(check: HypothesisCheck, bound: float, observed: np.ndarray, ucb: float, lcb: float,
                  ucb_method: str, do_nothing: float, violations: list[str],
                  relaxed: bool = False) -> dict[str, Any]:
    """The columns of one bound's check: the bound, the observations and their confidence bounds, the
    verdict of :func:`~iht.theory.hypotheses.verdict` and the failed hypotheses and violations."""
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
        """``ε = epsilon_fraction · gap₀``."""
        return self.config.epsilon_fraction * self.gap0

    def alpha_violation(self, scope: str) -> str | None:
        """A sentence when the claimed α of ``scope`` exceeds its measured upper bound."""
        return crosscheck.alpha_contradiction(self.base[f"alpha_{scope}"], self.alpha_upper[scope], scope)

    def theorem1_check(self, hypothesis: str, sigma2: float) -> HypothesisCheck:
        """Theorem 1's hypotheses at this point under ``hypothesis`` (``"paper"`` or ``"relaxed"``)."""
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


def point_context(point: GridPoint, config: VerifyConfig, revision: str,
                  cache: Cache) -> PointContext:
    """Objective, claimed constants and measured α upper bounds of ``point`` (shared per instance and k)."""
    key = (point.instance, point.k)
    if key not in cache:
        objective = build_objective(point, config)
        constants = certified_constants(objective, point.k)
        upper = crosscheck.cpl_upper_bounds(objective, point.k_star, point.k,
                                            np.random.default_rng(instance_seed(config, point)))
        cache[key] = (objective, constants, upper)
    objective, constants, upper = cache[key]
    base = base_row(point, config, constants, revision, objective)
    gap0 = objective.value(np.zeros(point.dim)) - objective.f_star
    return PointContext(point, config, objective, base, gap0, upper)

"""The noise-floor check's runs: the stationary gap of stochastic IHT against σ², per instance and
oracle (isotropic and all noise on the support), judged by :func:`iht.theory.sharp.slope_verdicts`
(docs/theory.md, "Sharp checks").
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from iht.projection import Projection
from iht.theory import sharp
from iht.theory.adversarial import ORACLE_NAMES
from iht.theory.context import PointContext, divergence_violation, support_violation, variance_violation
from iht.theory.grid import solver_seeds
from iht.theory.seeded import Runs, iteration_count, make_oracle, run_seeds


def _stationary_gaps(context: PointContext, oracle: Any, projection: Callable[..., Projection],
                     burn: int, seeds: list[int]) -> tuple[np.ndarray, np.ndarray, Runs]:
    """Per seed, the mean gap over ``burn`` iterations after a burn-in of ``burn`` (stochastic IHT)."""
    step = context.config.step_factor / context.base["beta"]
    runs = run_seeds("stochastic_iht", context.objective, oracle, projection(k=context.point.k), step,
                     2 * burn, seeds)
    with np.errstate(over="ignore", invalid="ignore"):
        stationary = np.array([np.mean(h[burn + 1:]) if np.all(np.isfinite(h)) else math.inf
                               for h in runs.histories])
    return stationary, runs.supports, runs


def slope_rows(contexts: list[PointContext], projection: Callable[..., Projection],
               progress: bool) -> pd.DataFrame:
    """The stationary gap of stochastic IHT against σ², per instance and oracle (isotropic and
    all-noise-on-the-support), checked by :func:`iht.theory.sharp.slope_verdicts`."""
    records = []
    for context in tqdm(contexts, desc="verify: σ² slopes", disable=not progress):
        config, point = context.config, context.point
        sigmas2 = np.array(config.slope.sigmas) ** 2
        check = context.theorem1_check("paper", float(sigmas2.max()))
        alpha = check.values["alpha"]
        burn = iteration_count(config, context.base["beta"] / alpha if not math.isnan(alpha) else None,
                               context.gap0, context.epsilon)
        for oracle_name in ORACLE_NAMES:
            means, errors, supports, violations = [], [], [], []
            for j, sigma2 in enumerate(sigmas2):
                oracle = make_oracle(context.objective, float(sigma2), oracle_name)
                seeds = [s + 100 * j for s in solver_seeds(config, point, config.slope.seeds)]
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
                "n_seeds": config.slope.seeds, "sigma2": json.dumps(sigmas2.tolist()),
                "stationary_mean": json.dumps(means), "stationary_se": json.dumps(errors),
                "max_support": max(supports), "hypotheses_hold": check.holds,
                "failures": "; ".join(check.failures),
                "violations": "; ".join(filter(None, [support_violation(np.array(supports), point.k),
                                                      *violations])),
            })
    return sharp.slope_verdicts(pd.DataFrame(records), contexts[0].config.delta if contexts else 0.05)

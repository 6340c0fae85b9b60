"""Sharp checks of Theorem 1 (Peste et al. 2021) that do not hide behind its unknown constant C.

- **Noise floor.** Theorem 1 bounds ``E[f(θ) − f*]`` by ``ε + 16σ²/α`` after enough iterations, so
  the stationary gap ``G(σ²)`` of stochastic IHT lies below ``ε + 16σ²/α`` at every σ. Measured
  per instance at several σ (R seeds each, isotropic and all-noise-on-the-support oracles):
  the fitted slope ``G ≈ b·σ²`` (least squares through the origin) is shown next to ``16/α``, and
  the exponent ``p`` of ``G ∝ (σ²)^p`` (weighted least squares on logs). A row is *violated*
  when a stationary gap's upper confidence bound exceeds ``ε + 16σ²/α``, when the slope's lower
  confidence bound exceeds ``16/α``, or when the exponent's lower confidence bound exceeds 1
  (super-linear growth: a floor that grows faster than σ² eventually crosses any line);
  confidence levels are Bonferroni-corrected over the rows (:func:`slope_verdicts`).
- **Iterations.** Theorem 1 counts ``O((β/α)·ln(gap₀/ε))`` iterations. The iterations ``T`` that
  deterministic IHT needs to reach ε are fitted as ``T ≈ c·(β/α)·ln(gap₀/ε)`` on the rows where
  the hypotheses hold (geometric mean of the ratios), with a one-sided ``1 − δ`` prediction
  envelope on ``ln(T/scale)``; an instance needing more than the envelope, or not reaching ε within
  its budget, is *flagged* (the O-constant is unknown, so a flag is not a violation).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
from scipy import stats

from iht.theory.bounds import THEOREM1_NOISE_FACTOR

#: Fewest non-censored rows the iteration fit uses; with fewer, no fit and no flags.
MIN_FIT_ROWS = 3


def iteration_scale(beta: float, alpha: float, gap0: float, epsilon: float) -> float:
    """``(β/α)·ln(gap₀/ε)`` (Theorem 1's count without its constant); ``inf`` when α is unknown."""
    if not alpha > 0 or gap0 <= epsilon:
        return math.inf if not alpha > 0 else 0.0
    return beta / alpha * math.log(gap0 / epsilon)


def slope_fit(sigma2: np.ndarray, means: np.ndarray, errors: np.ndarray) -> dict[str, float]:
    """Slope through the origin ``b = Σσ²G/Σσ⁴`` and exponent ``p`` of ``G ∝ (σ²)^p``, with SEs.

    The SE of ``b`` propagates the per-σ standard errors; ``p`` is fitted on ``ln G`` against
    ``ln σ²`` with weights ``(G/SE)²`` (delta method), its SE from those weights. Non-finite or
    non-positive means give NaN exponents.
    """
    slope = float(np.sum(sigma2 * means) / np.sum(sigma2**2))
    slope_se = float(math.sqrt(np.sum(sigma2**2 * errors**2)) / np.sum(sigma2**2))
    exponent, exponent_se = math.nan, math.nan
    if np.all(np.isfinite(means)) and np.all(means > 0) and sigma2.size >= 2:
        x, y = np.log(sigma2), np.log(means)
        weights = (means / np.maximum(errors, np.finfo(float).tiny)) ** 2
        xm = np.sum(weights * x) / np.sum(weights)
        sxx = float(np.sum(weights * (x - xm) ** 2))
        exponent = float(np.sum(weights * (x - xm) * y) / sxx)
        exponent_se = float(1 / math.sqrt(sxx))
    return {"slope": slope, "slope_se": slope_se, "exponent": exponent, "exponent_se": exponent_se}


def slope_verdicts(frame: pd.DataFrame, delta: float) -> pd.DataFrame:
    """Fit every row of the σ² table and give it a verdict (see the module docstring).

    Confidence bounds are Student-t (``n_seeds − 1`` degrees of freedom: the standard errors come
    from the seeds) at level ``1 − δ/m``, ``m`` = 3 checks per row times the rows (Bonferroni), so
    the chance that the correct solver gets any *violated* row is at most about δ.
    """
    if not len(frame):
        return frame
    frame = frame.copy()
    z = float(stats.t.ppf(1 - delta / (3 * len(frame)), int(frame["n_seeds"].min()) - 1))
    records = []
    for row in frame.itertuples(index=False):
        sigma2 = np.array(json.loads(row.sigma2))
        means, errors = np.array(json.loads(row.stationary_mean)), np.array(json.loads(row.stationary_se))
        fit = slope_fit(sigma2, means, errors)
        alpha = row.alpha if row.alpha > 0 else math.nan
        bound = row.epsilon + THEOREM1_NOISE_FACTOR * sigma2 / alpha
        ucb = means + z * errors
        reasons = []
        if row.hypotheses_hold:
            worst = int(np.nanargmax(ucb / bound))
            if ucb[worst] > bound[worst]:
                reasons.append(f"stationary gap {means[worst]:.3g} ± {errors[worst]:.2g} at "
                               f"σ²={sigma2[worst]:g} "
                               f"exceeds ε + 16σ²/α = {bound[worst]:.3g}")
            if fit["slope"] - z * fit["slope_se"] > row.sixteen_over_alpha:
                reasons.append(f"slope {fit['slope']:.3g} ± {fit['slope_se']:.2g} exceeds 16/α = "
                               f"{row.sixteen_over_alpha:.3g}")
            if fit["exponent"] - z * fit["exponent_se"] > 1:
                reasons.append(f"stationary gap grows as (σ²)^{fit['exponent']:.3g} ± "
                               f"{fit['exponent_se']:.2g}: "
                               "faster than linearly")
        if row.violations:
            verdict = "violated"
        elif not row.hypotheses_hold:
            verdict = "vacuous"
        elif reasons:
            verdict = "violated"
        elif np.max(bound) >= row.gap0:
            verdict = "uninformative"
        else:
            verdict = "verified"
        records.append({**fit, "slope_over_bound": fit["slope"] / row.sixteen_over_alpha,
                        "max_ucb_over_bound": float(np.nanmax(ucb / bound)), "z": z,
                        "verdict": verdict,
                        "violations": "; ".join(filter(None, [row.violations, *reasons]))})
    extra = pd.DataFrame(records, index=frame.index)
    return pd.concat([frame.drop(columns=["violations"]), extra], axis=1)


def iteration_fit(records: pd.DataFrame, delta: float) -> pd.DataFrame:
    """Fit ``T ≈ c·(β/α)·ln(gap₀/ε)`` per hypothesis and flag the rows above the envelope.

    Adds ``ratio = T/scale``, ``fitted_constant`` (geometric mean of the ratios over the
    non-censored rows whose hypotheses hold), ``envelope_constant`` (``fitted·exp(t·s·√(1 + 1/n))``,
    ``t`` the ``1 − δ`` Student quantile, ``s`` the SD of the log ratios) and ``flagged`` (needs
    more than the envelope, or censored: ε not reached within the budget). Rows whose hypotheses
    fail get neither fit nor flag (``flagged`` False, the fit columns NaN).
    """
    if not len(records):
        return records
    frame = records.copy()
    frame["ratio"] = frame["iterations"] / frame["scale"]
    frame["fitted_constant"] = math.nan
    frame["envelope_constant"] = math.nan
    frame["flagged"] = False
    for _, group in frame.groupby("hypothesis"):
        usable = group[group["hypotheses_hold"] & ~group["censored"] & (group["ratio"] > 0)
                       & np.isfinite(group["ratio"])]
        if len(usable) < MIN_FIT_ROWS:
            continue
        logs = np.log(usable["ratio"].to_numpy())
        fitted = float(np.exp(logs.mean()))
        spread = float(logs.std(ddof=1))
        quantile = stats.t.ppf(1 - delta, logs.size - 1)
        envelope = fitted * math.exp(quantile * spread * math.sqrt(1 + 1 / logs.size))
        held = group.index[group["hypotheses_hold"]]
        frame.loc[held, "fitted_constant"] = fitted
        frame.loc[held, "envelope_constant"] = envelope
        above = frame.loc[held, "censored"] | (frame.loc[held, "ratio"] > envelope)
        frame.loc[held, "flagged"] = above.to_numpy()
    return frame

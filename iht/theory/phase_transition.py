"""Compressed-sensing recovery over the Donoho–Tanner phase plane ``(δ = n/N, ρ = k*/n)``.

Each cell draws ``phase_transition.trials`` instances ``b = Aθ* + e`` (Gaussian ``A``, ``±1`` amplitudes so
that support recovery is well defined, ``e`` of tiny standard deviation ``phase_transition.noise``) and runs
normalised IHT with ``k = k*``; a trial succeeds
when ``||θ − θ*|| ≤ tolerance·||θ*||``. The recovery rate per cell traces the empirical phase
transition of NIHT. A trial where NIHT raises ``ValueError`` (its step ``‖g_S‖²/(g_Sᵀ H g_S)`` is
0/0 when the gradient on the current support vanishes exactly, e.g. ``k* = 1`` after one exact
line search) counts as not recovered and is listed in the cell's ``errors``.

References
----------
Donoho & Tanner, "Observed universality of phase transitions in high-dimensional geometry",
Phil. Trans. R. Soc. A 367, 2009.
Blumensath & Davies, "Normalized iterative hard thresholding: guaranteed stability and
performance", IEEE J. Sel. Topics Signal Process. 4(2), 2010.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from iht.objectives import CompressedSensing
from iht.projection import TopK
from iht.solvers import niht
from iht.theory.config import VerifyConfig


def phase_cells(config: VerifyConfig) -> list[tuple[float, float, int, int]]:
    """``(δ, ρ, n, k*)`` of every cell with ``1 <= k* < n <= N`` (cells rounding outside are dropped)."""
    grid = config.phase_transition
    cells = []
    for delta in grid.deltas:
        n = round(delta * grid.dim)
        for rho in grid.rhos:
            k_star = round(rho * n)
            if 1 <= k_star < n <= grid.dim:
                cells.append((delta, rho, n, k_star))
    return cells


def recovered(theta: np.ndarray, theta_star: np.ndarray, tolerance: float) -> bool:
    """Whether ``||θ − θ*|| ≤ tolerance·||θ*||``."""
    return bool(np.linalg.norm(theta - theta_star) <= tolerance * np.linalg.norm(theta_star))


def run_phase_transition(config: VerifyConfig, progress: bool = True) -> pd.DataFrame:
    """Recovery rate of NIHT per cell of the phase plane.

    Returns
    -------
    pandas.DataFrame
        One row per cell: ``delta, rho, n, k_star, dim, trials, successes, rate, n_errors, errors,
        seeds``.
    """
    grid = config.phase_transition
    rows = []
    cells = phase_cells(config)
    for index, (delta, rho, n, k_star) in enumerate(tqdm(cells, desc="verify: phase plane",
                                                         disable=not progress)):
        seeds = [(config.seed * 1_000_003 + index) * 1_000 + t for t in range(grid.trials)]
        successes, errors = 0, []
        for seed in seeds:
            objective = CompressedSensing(n, grid.dim, k_star, noise=grid.noise,
                                          amplitudes="pm1", seed=seed)
            try:
                with np.errstate(invalid="ignore"):  # the 0/0 step surfaces as the ValueError below
                    result = niht(objective, TopK(k=k_star), n_iter=grid.iterations)
            except ValueError as error:
                errors.append(f"seed {seed}: {error}")
                continue
            successes += recovered(result.theta, objective.theta_planted, grid.tolerance)
        rows.append({"delta": delta, "rho": rho, "n": n, "k_star": k_star, "dim": grid.dim,
                     "trials": len(seeds), "successes": successes, "rate": successes / len(seeds),
                     "n_errors": len(errors), "errors": " | ".join(errors), "seeds": str(seeds)})
    return pd.DataFrame(rows)

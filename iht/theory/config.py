"""Configuration of a verification run: every knob, with its default, in one place.

The instance family is :class:`~iht.objectives.CPLQuadratic`: a separable quadratic whose
restricted smoothness β and global CPL constant α are exact and chosen, so the grid can be laid
out directly in ``β/α``. Such an α is at most ``4βk*/N`` (CPL "for all θ" on an N-dimensional
quadratic), so grid points with ``β/α < N/(4k*)`` do not exist and are skipped (listed in the
report), and Theorem 1's requirement ``k ≥ C·k*·(β/α)² ≥ C·N²/(16k*)`` can only hold when
``N ≤ 16k*/C``: larger instances show where the theorem says nothing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from iht.projection.errors import check_int
from iht.theory._checks import check_choice, check_positive, check_probability
from iht.theory.confidence import UCB_METHODS
from iht.theory.hypotheses import ALPHA_SCOPES


@dataclass(frozen=True)
class VerifyConfig:
    """All inputs of :func:`iht.theory.runner.run_grid` and the phase-transition sweep.

    Attributes are grouped as: instance grid, theorem inputs, solvers, statistics, compressed
    sensing phase transition. ``seed`` derives every other seed (recorded per row).
    """

    # --- instance grid (k/k*, β/α, σ, N) on CPLQuadratic -------------------------------------
    dims: tuple[int, ...] = (16, 32, 64)  # N
    k_star: int = 2  # sparsity of the planted minimiser θ*
    k_ratios: tuple[int, ...] = (1, 2, 4, 8)  # k/k*; points with k >= N are skipped
    conditions: tuple[float, ...] = (2.0, 4.0, 8.0, 16.0, 32.0)  # β/α (needs β/α >= N/(4k*))
    sigmas: tuple[float, ...] = (0.0, 0.1, 0.3)  # oracle noise σ, E||g − ∇f||² = σ² exactly
    beta: float = 1.0  # restricted smoothness (largest curvature)
    amplitudes: str = "pm1"  # values of θ* on its support: "pm1" or "gaussian"
    # --- theorem inputs ------------------------------------------------------------------------
    C: float = 1.0  # constant of k >= C·k*·(β/α)², unknown in the paper: an assumption
    alpha_scope: str = "global"  # "global": CPL for all θ (as stated); "sparse": on k-sparse θ
    epsilon_fraction: float = 1e-3  # ε = epsilon_fraction · (f(θ_0) − f*)
    iteration_factor: float = 2.0  # n_iter = ceil(factor·(β/α)·ln(gap_0/ε)): O-constant unknown
    max_iter: int = 2000  # cap on n_iter
    step_factor: float = 1.0  # η = step_factor / β
    # --- AC/DC schedule (in iterations, scaled to n_iter) --------------------------------------
    acdc_warmup_fraction: float = 0.1  # dense warm-up, fraction of n_iter
    acdc_phase_fraction: float = 0.1  # length of each compressed / decompressed phase
    # --- statistics ----------------------------------------------------------------------------
    n_seeds: int = 20  # R, seeds of the stochastic solvers per instance
    delta: float = 0.05  # UCB at level 1 − δ
    ucb_method: str = "student-t"  # "student-t" (no range needed); the others need gap_range
    gap_range: float | None = None  # [0, gap_range] for "hoeffding" / "empirical-bernstein"
    seed: int = 0
    # --- compressed sensing phase transition (Donoho–Tanner plane) -----------------------------
    pt_dim: int = 64  # N
    pt_deltas: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)  # δ = n/N
    pt_rhos: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)  # ρ = k*/n
    pt_trials: int = 6  # random instances per cell
    pt_tolerance: float = 1e-3  # success: ||θ − θ*|| ≤ tolerance·||θ*||
    pt_iterations: int = 300  # NIHT iterations per trial
    pt_noise: float = 1e-6  # measurement noise std (> 0: NIHT's step is 0/0 once a residual is exactly 0)

    def __post_init__(self) -> None:
        for name in ("dims", "k_ratios"):
            for value in getattr(self, name):
                check_int(value, name, 1)
        check_int(self.k_star, "k_star", 1)
        for name in ("conditions", "sigmas", "pt_deltas", "pt_rhos"):
            if not getattr(self, name):
                raise ValueError(f"{name} must hold at least one value; got {name}=()")
        for value in self.conditions:
            check_positive(value, "conditions")
        for value in self.sigmas:
            check_positive(value, "sigmas", allow_zero=True)
        for value in (*self.pt_deltas, *self.pt_rhos):
            check_probability(value, "pt_deltas/pt_rhos")
        for name in ("beta", "C", "epsilon_fraction", "iteration_factor", "step_factor",
                     "acdc_warmup_fraction", "acdc_phase_fraction", "pt_tolerance", "pt_noise"):
            check_positive(getattr(self, name), name)
        check_probability(self.epsilon_fraction, "epsilon_fraction")
        check_choice(self.alpha_scope, "alpha_scope", ALPHA_SCOPES)
        check_choice(self.ucb_method, "ucb_method", UCB_METHODS)
        check_choice(self.amplitudes, "amplitudes", ("pm1", "gaussian"))
        if self.ucb_method != "student-t" and self.gap_range is None:
            raise ValueError(f"ucb_method={self.ucb_method!r} needs gap_range (samples in [0, gap_range])")
        check_int(self.n_seeds, "n_seeds", 2)
        check_probability(self.delta, "delta")
        for name in ("max_iter", "pt_dim", "pt_trials", "pt_iterations"):
            check_int(getattr(self, name), name, 1)
        check_int(self.seed, "seed", 0)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (tuples become lists)."""
        return {key: list(v) if isinstance(v, tuple) else v for key, v in dataclasses.asdict(self).items()}

    def replace(self, **changes: Any) -> VerifyConfig:
        """A copy with ``changes`` applied; unknown keys raise ``TypeError`` naming them."""
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise TypeError(f"unknown VerifyConfig field(s): {', '.join(unknown)}")
        return dataclasses.replace(self, **changes)


#: Built-in presets of ``python -m iht verify``: ``default`` runs in about a minute on 2 cores.
PRESETS: dict[str, VerifyConfig] = {
    "quick": VerifyConfig(dims=(16,), k_ratios=(1, 2, 4), conditions=(2.0, 4.0), sigmas=(0.0, 0.3),
                          n_seeds=5, pt_dim=32, pt_deltas=(0.25, 0.5, 0.75), pt_rhos=(0.2, 0.4, 0.6),
                          pt_trials=2),
    "default": VerifyConfig(),
    "full": VerifyConfig(dims=(16, 32, 64, 128), k_ratios=(1, 2, 4, 8, 16),
                         conditions=(2.0, 4.0, 8.0, 16.0, 32.0, 64.0), sigmas=(0.0, 0.1, 0.3, 1.0),
                         n_seeds=30, pt_dim=128,
                         pt_deltas=tuple(round(0.1 * i, 2) for i in range(1, 10)),
                         pt_rhos=tuple(round(0.1 * i, 2) for i in range(1, 10)), pt_trials=10),
}

"""Configuration of a verification run: every knob, with its default, in one place.

Three parts of the grid, chosen with ``families``:

- ``"window"``: :class:`~iht.objectives.CPLQuadratic` instances on which Theorem 1's hypotheses
  hold. CPL "for all θ" on an N-dimensional positive-definite quadratic forces ``α ≤ 4k*β₁/N``
  (:func:`~iht.theory.bounds.cpl_structural_limit`), so ``k ≥ C·k*·(β/α)² ≥ C·N²/(16k*)`` and
  the hypotheses can hold with ``k < N`` only when ``N < 16k*/C``. For each ``(N, k*)`` of
  ``window_sizes`` and each ``k`` from ``⌈C·N²/(16k*)⌉`` to ``N − 1`` the instance takes the
  largest ``β/α`` the hypotheses allow, ``√(k/(C·k*))``.
- ``"cpl"``: CPLQuadratic laid out in ``(N, k/k*, β/α)``; points with ``β/α < N/(4k*)`` do not
  exist and are skipped (listed in the report). Larger N show where the theorem says nothing.
- ``"decoy"``: :class:`~iht.objectives.DecoyBlockQuadratic`, correlated decoy coordinates that trap
  IHT at ``k = k*`` (β exact, α certified), laid out in the correlation ``c`` and in ``k/k*`` at
  multiples of ``1/k*``: the rows that refute the largest C.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from iht.theory.confidence import UCB_METHODS
from iht.validation import check_choice, check_int, check_nonnegative, check_positive, check_probability

#: Parts of the grid, by the name used in the table's ``grid`` column.
FAMILIES = ("window", "cpl", "decoy")

#: Relative tolerance of ``decoy_k_ratios`` being multiples of ``1/k*``.
RATIO_ROUNDING = 1e-9


@dataclass(frozen=True)
class VerifyConfig:
    """All inputs of :func:`iht.theory.runner.run_grid` and the phase-transition sweep.

    Attributes are grouped as: instance grid, theorem inputs, solvers, statistics, compressed
    sensing phase transition. ``seed`` derives every other seed (recorded per row).
    """

    families: tuple[str, ...] = FAMILIES  # parts of the grid run (see the module docstring)
    # --- window grid: CPLQuadratic where Theorem 1's hypotheses hold ----------------------------
    window_sizes: tuple[tuple[int, int], ...] = ((8, 1), (12, 1), (16, 2), (24, 2), (24, 3), (32, 3),
                                                 (32, 4), (40, 4))  # (N, k*)
    window_sigmas: tuple[float, ...] = (0.0, 0.02, 0.05)  # oracle noise σ of the window points
    # --- CPLQuadratic grid (k/k*, β/α, σ, N) ---------------------------------------------------
    dims: tuple[int, ...] = (16, 32)  # N
    k_star: int = 2  # sparsity of the planted minimiser θ*
    k_ratios: tuple[int, ...] = (1, 2, 4, 8)  # k/k*; points with k >= N are skipped
    conditions: tuple[float, ...] = (2.0, 4.0, 8.0)  # β/α (needs β/α >= N/(4k*))
    sigmas: tuple[float, ...] = (0.0, 0.1, 0.3)  # oracle noise σ, E||g − ∇f||² = σ² exactly
    beta: float = 1.0  # restricted smoothness (largest curvature)
    amplitudes: str = "pm1"  # values of θ* on its support: "pm1" or "gaussian"
    # --- DecoyBlockQuadratic grid (c, k/k*, σ); one instance per c ---------------------------
    decoy_blocks: int = 6  # blocks; N = decoy_blocks·(decoy_signals + decoy_decoys)
    decoy_active: int = 2  # blocks carrying θ*; k* = decoy_signals·decoy_active
    decoy_signals: int = 2  # m, signal coordinates per block
    decoy_decoys: int = 1  # d, decoy coordinates per block
    decoy_correlations: tuple[float, ...] = (0.6, 0.8, 0.9)  # c < 1/√d; trap iff c·√m > 1
    decoy_k_ratios: tuple[float, ...] = (1.0, 1.25, 1.5, 2.0, 3.0)  # k/k*, multiples of 1/k*
    decoy_sigmas: tuple[float, ...] = (0.0, 0.03, 0.1)  # oracle noise σ (exact, additive)
    # --- theorem inputs ------------------------------------------------------------------------
    C: float = 1.0  # constant of k >= C·k*·(β/α)², unknown in the paper: an assumption
    epsilon_fraction: float = 1e-3  # ε = epsilon_fraction · (f(θ_0) − f*)
    iteration_factor: float = 2.0  # n_iter = ceil(factor·(β/α)·ln(gap_0/ε)): O-constant unknown
    max_iter: int = 2000  # cap on n_iter
    step_factor: float = 1.0  # η = step_factor / β
    iteration_budget_factor: float = 10.0  # deterministic IHT runs this multiple of (β/α)·ln(gap_0/ε)
    descent_steps: int = 30  # steps of deterministic IHT checked against the majoriser
    # --- sharp check: stationary gap against σ² (window instances) ------------------------------
    slope_grids: tuple[str, ...] = ("window",)  # grid parts whose instances get the σ² check
    slope_stride: int = 3  # every slope_stride-th instance (and k) of those parts
    slope_sigmas: tuple[float, ...] = (0.01, 0.02, 0.04)  # σ of the stationary-gap runs
    slope_seeds: int = 8  # seeds per σ
    # --- cross-checks of claimed constants ------------------------------------------------------
    variance_draws: int = 100  # oracle draws per point of the σ² cross-check
    # --- statistics ----------------------------------------------------------------------------
    n_seeds: int = 10  # R, seeds of the stochastic solvers per instance
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
        for name in ("sigmas", "decoy_sigmas"):
            for value in getattr(self, name):
                check_nonnegative(value, name)
        for value in self.families:
            check_choice(value, "families", FAMILIES)
        if not self.families:
            raise ValueError(f"families must hold at least one of {FAMILIES}; got families=()")
        self._check_decoy_grid()
        for value in (*self.pt_deltas, *self.pt_rhos):
            check_probability(value, "pt_deltas/pt_rhos")
        for name in ("beta", "C", "epsilon_fraction", "iteration_factor", "step_factor",
                     "pt_tolerance", "pt_noise"):
            check_positive(getattr(self, name), name)
        check_probability(self.epsilon_fraction, "epsilon_fraction")
        check_choice(self.ucb_method, "ucb_method", UCB_METHODS)
        check_choice(self.amplitudes, "amplitudes", ("pm1", "gaussian"))
        if self.ucb_method != "student-t" and self.gap_range is None:
            raise ValueError(f"ucb_method={self.ucb_method!r} needs gap_range (samples in [0, gap_range])")
        check_int(self.n_seeds, "n_seeds", 2)
        check_int(self.slope_seeds, "slope_seeds", 2)
        check_int(self.slope_stride, "slope_stride", 1)
        check_int(self.variance_draws, "variance_draws", 2)
        check_positive(self.iteration_budget_factor, "iteration_budget_factor")
        check_probability(self.delta, "delta")
        self._check_window_grid()
        for name in ("max_iter", "pt_dim", "pt_trials", "pt_iterations", "descent_steps"):
            check_int(getattr(self, name), name, 1)
        check_int(self.seed, "seed", 0)

    @property
    def decoy_k_star(self) -> int:
        """Sparsity ``k* = m·n_active`` of the DecoyBlockQuadratic instances."""
        return self.decoy_signals * self.decoy_active

    def _check_window_grid(self) -> None:
        for pair in self.window_sizes:
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise ValueError("window_sizes must hold (N, k*) pairs; "
                                 f"got window_sizes={self.window_sizes!r}")
            dim = check_int(pair[0], "window_sizes N", 2)
            check_int(pair[1], "window_sizes k*", 1, dim - 1)
        for value in self.window_sigmas:
            check_nonnegative(value, "window_sigmas")
        if len(self.slope_sigmas) < 2:
            raise ValueError("slope_sigmas must hold at least 2 values; "
                             f"got slope_sigmas={self.slope_sigmas!r}")
        for value in self.slope_sigmas:
            check_positive(value, "slope_sigmas")
        for value in self.slope_grids:
            check_choice(value, "slope_grids", FAMILIES)

    def _check_decoy_grid(self) -> None:
        check_int(self.decoy_blocks, "decoy_blocks", 2)
        check_int(self.decoy_active, "decoy_active", 1, self.decoy_blocks - 1)
        check_int(self.decoy_signals, "decoy_signals", 1)
        check_int(self.decoy_decoys, "decoy_decoys", 1)
        for name in ("decoy_correlations", "decoy_k_ratios", "decoy_sigmas"):
            if not getattr(self, name):
                raise ValueError(f"{name} must hold at least one value; got {name}=()")
        limit = 1.0 / self.decoy_decoys**0.5
        for value in self.decoy_correlations:
            if not 0.0 < check_positive(value, "decoy_correlations") < limit:
                raise ValueError(f"decoy_correlations must lie in (0, 1/√decoy_decoys = {limit:.6g}); "
                                 f"got decoy_correlations={self.decoy_correlations!r}")
        for value in self.decoy_k_ratios:
            k = check_positive(value, "decoy_k_ratios") * self.decoy_k_star
            if value < 1.0 or abs(k - round(k)) > RATIO_ROUNDING * k:
                raise ValueError(f"decoy_k_ratios must be >= 1 and multiples of 1/k* = "
                                 f"1/{self.decoy_k_star}; got decoy_k_ratios={self.decoy_k_ratios!r}")

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (tuples become lists)."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

    def replace(self, **changes: Any) -> VerifyConfig:
        """A copy with ``changes`` applied; unknown keys raise ``TypeError`` naming them."""
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise TypeError(f"unknown VerifyConfig field(s): {', '.join(unknown)}")
        return dataclasses.replace(self, **changes)


#: Built-in presets of ``python -m iht verify``: ``default`` runs in about a minute on 2 cores.
PRESETS: dict[str, VerifyConfig] = {
    "quick": VerifyConfig(window_sizes=((8, 1), (16, 2)), window_sigmas=(0.0, 0.05), dims=(16,),
                          k_ratios=(1, 2, 4), conditions=(2.0, 4.0), sigmas=(0.0, 0.3),
                          decoy_correlations=(0.8,), decoy_k_ratios=(1.0, 1.5, 2.0),
                          decoy_sigmas=(0.0, 0.1), n_seeds=5, slope_seeds=4, slope_stride=2, pt_dim=32,
                          pt_deltas=(0.25, 0.5, 0.75), pt_rhos=(0.2, 0.4, 0.6), pt_trials=2),
    "default": VerifyConfig(),
    "full": VerifyConfig(dims=(16, 32, 64, 128), k_ratios=(1, 2, 4, 8, 16),
                         conditions=(2.0, 4.0, 8.0, 16.0, 32.0), sigmas=(0.0, 0.1, 0.3),
                         decoy_blocks=8, decoy_active=4, decoy_correlations=(0.6, 0.7, 0.8, 0.9, 0.95),
                         decoy_k_ratios=(1.0, 1.125, 1.25, 1.375, 1.5, 2.0, 3.0),
                         decoy_sigmas=(0.0, 0.01, 0.03, 0.1), n_seeds=30, pt_dim=128,
                         pt_deltas=tuple(round(0.1 * i, 2) for i in range(1, 10)),
                         pt_rhos=tuple(round(0.1 * i, 2) for i in range(1, 10)), pt_trials=10),
}

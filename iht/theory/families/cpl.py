"""The ``"cpl"`` family: :class:`~iht.objectives.CPLQuadratic` laid out in ``(N, k/k*, β/α, σ)``.

β and the global CPL constant α are exact on these quadratics, and ``α ≤ 4k*β₁/N``
(:func:`~iht.theory.bounds.cpl_structural_limit`), so points with ``β/α < N/(4k*)`` do not exist
and are skipped (listed in the report). Larger N show where Theorem 1 says nothing (docs/theory.md,
"The structural limit").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from iht.objectives import CPLQuadratic
from iht.theory.families.base import GridPoint, Points
from iht.validation import check_choice, check_each, check_int, check_nonnegative, check_positive

if TYPE_CHECKING:
    from iht.theory.config import VerifyConfig

#: Values of θ* on its support.
AMPLITUDES = ("pm1", "gaussian")


@dataclass(frozen=True)
class CPLInstance:
    """Settings of the CPLQuadratic instances of a family (``section``: its key in ``VerifyConfig``)."""

    section: ClassVar[str] = "cpl"
    beta: float = 1.0  # restricted smoothness (largest curvature)
    amplitudes: str = "pm1"  # values of θ* on its support: "pm1" or "gaussian"

    def __post_init__(self) -> None:
        check_positive(self.beta, f"{self.section}.beta")
        check_choice(self.amplitudes, f"{self.section}.amplitudes", AMPLITUDES)

    def objective(self, point: GridPoint, seed: int) -> CPLQuadratic:
        """The CPLQuadratic of ``point``: curvatures from ``α = β/point.parameter`` to β."""
        return CPLQuadratic(point.dim, point.k_star, self.beta / point.parameter, beta=self.beta,
                            amplitudes=self.amplitudes, seed=seed)


@dataclass(frozen=True)
class CPLGrid(CPLInstance):
    """The ``"cpl"`` grid: every ``(N, k/k*, β/α)`` that exists, at each σ."""

    dims: tuple[int, ...] = (16, 32)  # N
    k_star: int = 2  # sparsity of the planted minimiser θ*
    k_ratios: tuple[int, ...] = (1, 2, 4, 8)  # k/k*; points with k >= N are skipped
    conditions: tuple[float, ...] = (2.0, 4.0, 8.0)  # β/α (needs β/α >= N/(4k*))
    sigmas: tuple[float, ...] = (0.0, 0.1, 0.3)  # oracle noise σ, E||g − ∇f||² = σ² exactly

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("dims", "k_ratios"):
            check_each(getattr(self, name), f"cpl.{name}", lambda v, n: check_int(v, n, 1))
        check_int(self.k_star, "cpl.k_star", 1)
        check_each(self.conditions, "cpl.conditions", check_positive)
        check_each(self.sigmas, "cpl.sigmas", check_nonnegative)


class CPLFamily:
    """CPLQuadratic in ``(N, k/k*, β/α)``, every σ of ``config.cpl.sigmas`` per existing point."""

    name = "cpl"

    def points(self, config: VerifyConfig, start: int) -> Points:
        grid = config.cpl
        points: list[GridPoint] = []
        skipped = []
        for dim in grid.dims:
            for k_ratio in grid.k_ratios:
                for condition in grid.conditions:
                    label = f"N={dim}, k/k*={k_ratio}, β/α={condition:g}"
                    if k_ratio * grid.k_star >= dim:
                        skipped.append(f"{label}: k={k_ratio * grid.k_star} >= N")
                        continue
                    if condition < dim / (4 * grid.k_star):
                        skipped.append(f"{label}: β/α < N/(4k*) = {dim / (4 * grid.k_star):g}")
                        continue
                    instance = start + len(points)
                    for sigma in grid.sigmas:
                        points.append(GridPoint(start + len(points), "CPLQuadratic", self.name, dim,
                                                k_ratio * grid.k_star, grid.k_star, condition, sigma,
                                                instance))
        return points, skipped

    def build(self, point: GridPoint, config: VerifyConfig, seed: int) -> CPLQuadratic:
        return config.cpl.objective(point, seed)

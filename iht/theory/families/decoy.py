"""The ``"decoy"`` family: :class:`~iht.objectives.DecoyBlockQuadratic`, correlated decoy coordinates
that trap IHT at ``k = k*`` (β exact, α certified), laid out in the correlation ``c`` and in ``k/k*``
at multiples of ``1/k*``: the rows that refute the largest C (docs/theory.md, "Sharp checks").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from iht.objectives import DecoyBlockQuadratic
from iht.theory.families.base import GridPoint, Points
from iht.validation import check_each, check_int, check_nonnegative, check_positive

if TYPE_CHECKING:
    from iht.theory.config import VerifyConfig

#: Relative tolerance of ``decoy.k_ratios`` being multiples of ``1/k*``.
RATIO_ROUNDING = 1e-9


@dataclass(frozen=True)
class DecoyGrid:
    """The ``"decoy"`` grid: one instance per correlation c, each ``k/k*`` at each σ."""

    blocks: int = 6  # blocks; N = blocks·(signals + decoys)
    active: int = 2  # blocks carrying θ*; k* = signals·active
    signals: int = 2  # m, signal coordinates per block
    decoys: int = 1  # d, decoy coordinates per block
    correlations: tuple[float, ...] = (0.6, 0.8, 0.9)  # c < 1/√d; trap iff c·√m > 1
    k_ratios: tuple[float, ...] = (1.0, 1.25, 1.5, 2.0, 3.0)  # k/k*, multiples of 1/k*
    sigmas: tuple[float, ...] = (0.0, 0.03, 0.1)  # oracle noise σ (exact, additive)

    def __post_init__(self) -> None:
        check_int(self.blocks, "decoy.blocks", 2)
        check_int(self.active, "decoy.active", 1, self.blocks - 1)
        check_int(self.signals, "decoy.signals", 1)
        check_int(self.decoys, "decoy.decoys", 1)
        limit = 1.0 / self.decoys**0.5
        check_each(self.correlations, "decoy.correlations", check_positive)
        if not all(value < limit for value in self.correlations):
            raise ValueError(f"decoy.correlations must lie in (0, 1/√decoy.decoys = {limit:.6g}); "
                             f"got decoy.correlations={self.correlations!r}")
        check_each(self.k_ratios, "decoy.k_ratios", check_positive)
        for value in self.k_ratios:
            k = value * self.k_star
            if value < 1.0 or abs(k - round(k)) > RATIO_ROUNDING * k:
                raise ValueError(f"decoy.k_ratios must be >= 1 and multiples of 1/k* = 1/{self.k_star}; "
                                 f"got decoy.k_ratios={self.k_ratios!r}")
        check_each(self.sigmas, "decoy.sigmas", check_nonnegative)

    @property
    def k_star(self) -> int:
        """Sparsity ``k* = m·n_active`` of the instances."""
        return self.signals * self.active

    @property
    def dim(self) -> int:
        """Dimension ``N = blocks·(signals + decoys)``."""
        return self.blocks * (self.signals + self.decoys)


class DecoyFamily:
    """DecoyBlockQuadratic in ``(c, k/k*)``, every σ of ``config.decoy.sigmas`` per point."""

    name = "decoy"

    def points(self, config: VerifyConfig, start: int) -> Points:
        grid = config.decoy
        points: list[GridPoint] = []
        skipped = []
        for correlation in grid.correlations:
            instance = start + len(points)
            for k_ratio in grid.k_ratios:
                k = round(k_ratio * grid.k_star)
                if k >= grid.dim:
                    skipped.append(f"decoy c={correlation:g}, k/k*={k_ratio:g}: k={k} >= N")
                    continue
                for sigma in grid.sigmas:
                    points.append(GridPoint(start + len(points), "DecoyBlockQuadratic", self.name, grid.dim,
                                            k, grid.k_star, correlation, sigma, instance))
        return points, skipped

    def build(self, point: GridPoint, config: VerifyConfig, seed: int) -> DecoyBlockQuadratic:
        grid = config.decoy
        return DecoyBlockQuadratic(grid.blocks, grid.active, signals=grid.signals, decoys=grid.decoys,
                                   correlation=point.parameter, seed=seed)

"""The ``"window"`` family: :class:`~iht.objectives.CPLQuadratic` instances on which Theorem 1's
hypotheses hold.

CPL "for all θ" on an N-dimensional positive-definite quadratic forces ``α ≤ 4k*β₁/N``
(:func:`~iht.theory.bounds.cpl_structural_limit`), so ``k ≥ C·k*·(β/α)² ≥ C·N²/(16k*)`` and the
hypotheses can hold with ``k < N`` only when ``N < 16k*/C`` (docs/theory.md, "The structural
limit"). For each ``(N, k*)`` of ``window.sizes`` and each ``k`` from ``⌈C·N²/(16k*)⌉`` to ``N − 1``
the instance takes the largest ``β/α`` the hypotheses allow, ``√(k/(C·k*))``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from iht.objectives import CPLQuadratic
from iht.theory.families.base import GridPoint, Points
from iht.theory.families.cpl import CPLInstance
from iht.validation import check_each, check_int, check_nonnegative

if TYPE_CHECKING:
    from iht.theory.config import VerifyConfig

#: Relative slack of ``k ≥ C·N²/(16k*)`` against rounding (an exact integer bound stays reachable).
ROUNDING = 1e-12


@dataclass(frozen=True)
class WindowGrid(CPLInstance):
    """The ``"window"`` grid: ``(N, k*)`` pairs inside the structural limit, at each σ."""

    section: ClassVar[str] = "window"
    sizes: tuple[tuple[int, int], ...] = ((8, 1), (12, 1), (16, 2), (24, 2), (24, 3), (32, 3), (32, 4),
                                          (40, 4))  # (N, k*)
    sigmas: tuple[float, ...] = (0.0, 0.02, 0.05)  # oracle noise σ of the window points

    def __post_init__(self) -> None:
        super().__post_init__()
        for pair in self.sizes:
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise ValueError(f"window.sizes must hold (N, k*) pairs; got window.sizes={self.sizes!r}")
            dim = check_int(pair[0], "window.sizes N", 2)
            check_int(pair[1], "window.sizes k*", 1, dim - 1)
        check_each(self.sigmas, "window.sigmas", check_nonnegative)


class WindowFamily:
    """CPLQuadratic where Theorem 1's hypotheses hold: ``β/α = √(k/(C·k*))`` for every ``k`` from
    ``⌈C·N²/(16k*)⌉`` (the structural limit) to ``N − 1``."""

    name = "window"

    def points(self, config: VerifyConfig, start: int) -> Points:
        points: list[GridPoint] = []
        skipped = []
        for dim, k_star in config.window.sizes:
            k_min = max(k_star, math.ceil(config.C * dim**2 / (16 * k_star) * (1 - ROUNDING)))
            if k_min >= dim:
                skipped.append(f"window N={dim}, k*={k_star}: C·N²/(16k*) = "
                               f"{config.C * dim**2 / (16 * k_star):g} >= N (N >= 16k*/C)")
            for k in range(k_min, dim):
                instance = start + len(points)
                condition = max(math.sqrt(k / (config.C * k_star)), dim / (4 * k_star))
                for sigma in config.window.sigmas:
                    points.append(GridPoint(start + len(points), "CPLQuadratic", self.name, dim, k, k_star,
                                            condition, sigma, instance))
        return points, skipped

    def build(self, point: GridPoint, config: VerifyConfig, seed: int) -> CPLQuadratic:
        return config.window.objective(point, seed)

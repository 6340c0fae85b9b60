"""The grid of a verification run: its points, family by family, and the seeds derived from them.

The families (:data:`iht.theory.families.FAMILIES`) lay out the points; this module numbers them in
the order of ``VerifyConfig.families`` and derives every seed from ``config.seed`` and a point's
index, so that a table row can be rerun alone.
"""

from __future__ import annotations

from typing import Any

from iht.theory.config import VerifyConfig
from iht.theory.families import FAMILIES, GridPoint


def grid_points(config: VerifyConfig) -> tuple[list[GridPoint], list[str]]:
    """The grid's existing points, and a sentence for each skipped one.

    A point is skipped when ``k >= N`` (no projection to make) or, for CPLQuadratic,
    ``β/α < N/(4k*)`` (no N-dimensional quadratic has a global CPL constant that large relative
    to β: :func:`~iht.theory.bounds.cpl_structural_limit`).
    """
    points: list[GridPoint] = []
    skipped: list[str] = []
    for name in config.families:
        new, missing = FAMILIES[name].points(config, len(points))
        points += new
        skipped += missing
    return points, skipped


def build_objective(point: GridPoint, config: VerifyConfig) -> Any:
    """The objective of ``point``, built by its family and seeded by :func:`instance_seed`."""
    return FAMILIES[point.grid].build(point, config, instance_seed(config, point))


def instance_seed(config: VerifyConfig, point: GridPoint) -> int:
    """Seed of the objective drawn at ``point``."""
    return config.seed * 1_000_003 + point.instance


def solver_seeds(config: VerifyConfig, point: GridPoint, count: int | None = None) -> list[int]:
    """The seeds of the stochastic solvers at ``point`` (recorded in the table)."""
    base = (config.seed * 1_000_003 + point.index) * 1_000
    return [base + r for r in range(config.n_seeds if count is None else count)]

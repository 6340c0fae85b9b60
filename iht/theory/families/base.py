"""What a family of instances of the verification grid provides (:data:`iht.theory.families.FAMILIES`).

A *family* lays out grid points (:class:`GridPoint`) from its part of
:class:`~iht.theory.config.VerifyConfig` and builds the objective of a point for a seed; the runner
(:func:`iht.theory.runner.run_grid`) does everything else the same way for every family: constants,
seeded runs, checks, rows. Adding a family is one module with a class that meets :class:`Family`
and one line in the registry; its knobs become overridable (presets, ``--set``) with one field of
``VerifyConfig`` holding its settings dataclass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from iht.theory.config import VerifyConfig


@dataclass(frozen=True)
class GridPoint:
    """One instance of the grid; ``index`` orders the points and derives the solvers' seeds.

    ``family`` names the objective class (the table's ``family`` column), ``grid`` the family of the
    registry that laid the point out (the ``grid`` column: ``"window"``, ``"cpl"``, ``"decoy"``);
    ``parameter`` is its knob: the chosen ``β/α`` of a CPLQuadratic, the correlation ``c`` of a
    DecoyBlockQuadratic. Points with the same ``instance`` share their objective.
    """

    index: int
    family: str
    grid: str
    dim: int
    k: int
    k_star: int
    parameter: float
    sigma: float
    instance: int

    @property
    def k_ratio(self) -> float:
        """``k/k*``."""
        return self.k / self.k_star



#: What :meth:`Family.points` returns: the points laid out, and a sentence per point that does not exist.
Points = tuple[list[GridPoint], list[str]]


class Family(Protocol):
    """A family of instances: a name, the points of its grid, the objective of a point.

    Attributes
    ----------
    name : str
        Key in :data:`~iht.theory.families.FAMILIES`, value of ``VerifyConfig.families`` and of the
        table's ``grid`` column.
    """

    name: str

    def points(self, config: VerifyConfig, start: int) -> Points:
        """The family's grid points, indexed from ``start`` in a fixed order (seeds derive from the
        index), and a sentence for each point skipped because it does not exist.

        A point's ``instance`` is the index of the first point that shares its objective.
        """
        ...

    def build(self, point: GridPoint, config: VerifyConfig, seed: int) -> Any:
        """The objective of ``point``, drawn with ``seed``: it must provide what the checks read
        (``dim``, ``k_star``, ``value``, ``gradient``, ``f_star``, ``hessian``, ``is_quadratic``; see
        :mod:`iht.objectives`)."""
        ...

"""Families of instances of the verification grid, by name (the plug-in point of ``iht verify``).

Each family is one module: a settings dataclass (its part of :class:`~iht.theory.config.VerifyConfig`)
and a class meeting :class:`~iht.theory.families.base.Family` (the points of its grid, the objective
of a point for a seed). Adding a family is one module and one line in :data:`FAMILIES`;
``VerifyConfig.families`` then accepts its name and the runner runs it unchanged.
"""

from iht.theory.families.base import Family, GridPoint, Points
from iht.theory.families.cpl import CPLFamily, CPLGrid
from iht.theory.families.decoy import DecoyFamily, DecoyGrid
from iht.theory.families.window import WindowFamily, WindowGrid

#: The registry: family name → family, in the order the default grid runs them.
FAMILIES: dict[str, Family] = {
    "window": WindowFamily(),
    "cpl": CPLFamily(),
    "decoy": DecoyFamily(),
}

__all__ = ["FAMILIES", "CPLGrid", "DecoyGrid", "Family", "GridPoint", "Points", "WindowGrid"]

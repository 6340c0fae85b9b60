"""Objectives with a planted ``k*``-sparse minimiser and the constants they know (float64 numpy)."""

from iht.objectives.base import Objective, planted_vector
from iht.objectives.decoy import DecoyBlockQuadratic, decoy_block
from iht.objectives.linear_models import CompressedSensing, RowObjective, SparseLogisticRegression
from iht.objectives.quadratic import (
    BlockDiagonalQuadratic,
    CPLQuadratic,
    DiagonalQuadratic,
    Quadratic,
    SeparableQuadratic,
)

__all__ = [
    "BlockDiagonalQuadratic",
    "CPLQuadratic",
    "CompressedSensing",
    "DecoyBlockQuadratic",
    "DiagonalQuadratic",
    "Objective",
    "Quadratic",
    "RowObjective",
    "SeparableQuadratic",
    "SparseLogisticRegression",
    "decoy_block",
    "planted_vector",
]

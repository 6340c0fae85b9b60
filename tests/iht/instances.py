"""Small instances of every objective family, shared by the tests of iht."""

from iht.objectives import (
    BlockDiagonalQuadratic,
    CompressedSensing,
    CPLQuadratic,
    DiagonalQuadratic,
    SparseLogisticRegression,
)

FAMILIES = {
    "diagonal": lambda seed: DiagonalQuadratic(12, 2, mu=0.5, L=4.0, seed=seed),
    "block": lambda seed: BlockDiagonalQuadratic(3, 4, 2, mu=0.5, L=4.0, seed=seed),
    "cpl": lambda seed: CPLQuadratic(12, 2, 0.3, beta=2.0, seed=seed),
    "sensing": lambda seed: CompressedSensing(8, 12, 2, noise=0.1, seed=seed),
    "logistic": lambda seed: SparseLogisticRegression(40, 12, 2, seed=seed),
}
